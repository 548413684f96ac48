"""Predictive dialing: several calls per free collector, paced per campaign, so that live
answers meet free collectors; a live answer that finds none within ``abandon_after_s`` is
abandoned.

Inside a work window a collector is driven by events, not by its process: free (in the
campaign's free pool), or on a call until its hang-up. The process only waits for the window to
end (``c.done``). Calls are placed through the dial kernel's draw; a call's end, answer, hang-up
and abandonment are the campaign's own events (campaign_events.py).
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Generator
from functools import partial
from heapq import heappush
from typing import TYPE_CHECKING

from ...base.outcomes import ABANDONED, MACHINE, RPC, THIRD_PARTY
from .base import Dialer
from .campaign_events import ANSWER, END, GIVE_UP, HANG_UP, TIE, WAKE, CampaignEvents, PredictiveCampaign
from .pacing import PACINGS

if TYPE_CHECKING:  # pragma: no cover
    from ..collectors import Collector
    from ..dial import DialKernel
    from ..state import WorldState


class PredictiveDialer(CampaignEvents, Dialer):
    """Several calls per available collector, paced per campaign (dialing/pacing.py)."""

    name = "predictive"
    __slots__ = (
        "campaigns",
        "idle",
        "in_flight",
        "lines_wanted",
        "local",
        "max_lines",
        "overflow",
        "pacing",
        "patience",
        "r_min",
        "tracks_busy",
        "desk",
        "reserve",
        "reserved",
    )

    def __init__(self, state: WorldState, kernel: DialKernel) -> None:
        super().__init__(state, kernel)
        sc = state.scenario
        d = sc.dialer
        self.pacing = PACINGS[d.pacing](self, sc)
        self.lines_wanted = self.pacing.lines_wanted
        self.tracks_busy = self.pacing.tracks_busy
        self.campaigns = [PredictiveCampaign(camp, d.ratio) for camp in state.campaigns]
        self.max_lines = d.max_lines or 1 << 30
        self.patience = d.abandon_after_s
        self.overflow = sc.routing.overflow
        # A campaign's answers, hang-ups and waits are its own events unless campaigns touch
        # each other between outside events: an answer may overflow to another campaign's
        # collector, or two campaigns dial the same buckets (shared lists, where one campaign
        # played ahead would take accounts out of the other's past).
        # Calls back prompted by a dial (inbound.responses) are outside events too: they need the
        # dial settled in time (world/inbound_traffic.py).
        buckets = [b for k in state.campaigns for b in k.buckets]
        self.local = (
            (self.overflow != "overflow" or len(state.campaigns) <= 1)
            and len(set(buckets)) == len(buckets)
            and getattr(state, "responses", None) is None
        )
        # Blend collectors (world/blend.py) also answer the inbound queue, whose events are SimPy
        # events: the campaigns' answers and hang-ups are SimPy events too (not local), so a blend
        # collector is freed at the simulation's own time. The desk is set by blend_with.
        self.desk = None
        self.reserve = 0
        self.reserved: dict = {}  # blend collector -> its entry in the desk's free_blend pool
        self.idle = [0.0] * state.n_collectors  # idle seconds since the last flush, by collector
        # Accounts whose call is placed and not yet settled (ringing, or answered and waiting)
        self.in_flight: set[int] = set()
        # Shortest ring before a call can reach a collector (s): how long unanswered ends may
        # wait to be played (see catch_up).
        self.r_min = min(
            o.ring_time_s.lower
            for seg in sc.segments.values()
            for o in (seg.outcomes.machine, seg.outcomes.third_party, seg.outcomes.rpc)
        )

    def start(self) -> None:
        for pc in self.campaigns:
            self.pacing.start(pc)

    def lines_in_flight(self) -> set[int]:
        return self.in_flight

    def catch_up_to(self, now: float) -> None:
        for pc in self.campaigns:
            self.catch_up(pc, now)

    # -- collectors ---------------------------------------------------------------------------
    def work(self, c: Collector, until: float) -> Generator:
        env = self.env
        pc = self.campaigns[c.campaign.idx]
        self.catch_up(pc, env.now, c.mark)  # the process scheduled this moment at its last logout
        pc.logged_in += 1
        c.until = until
        c.done = env.event()
        env.timeout(until - env.now).callbacks.append(partial(self._release, pc, c, pc.seq))
        self._free(c, pc, env.now)
        yield c.done
        pc.logged_in -= 1
        c.mark = pc.seq

    def _free(self, c: Collector, pc: PredictiveCampaign, now: float) -> None:
        """Collector ``c`` is ready at ``now``: the work window is over, or a waiting call is
        taken, or the collector joins the free pool and the campaign paces. A blend collector
        first makes a due call-back or answers a waiting caller, or stays free for inbound
        calls while no more than the reserve of blend collectors is free (blend_ready)."""
        if now >= c.until:
            c.done.succeed()
            return
        if self.desk is not None and self.blend_ready(c, pc, now):
            return
        if pc.waiting:
            call = self.take_waiting(pc)
            if call is not None:
                self._take(c, pc, call, now)
                return
        c.t_free = now
        pc.add_free(c, c.until)
        self.pace(pc, now)

    def _take(self, c: Collector, pc: PredictiveCampaign, call, now: float) -> None:
        """Collector ``c`` (of campaign ``pc``) takes an answered call at ``now``, until its talk
        and wrap-up are over. The call counts for the campaign that placed it (overflow may
        differ)."""
        if c.t_free is not None:
            self.idle[c.idx] += now - c.t_free
            c.t_free = None
        a, s, o, ring, talk, wrap, t0, placed = call
        self.in_flight.discard(a)
        k = self.kernel
        if o == RPC:
            talk *= c.talk_mult
            k.talk(c, a, s, now + talk)
        if o == RPC or o == THIRD_PARTY:
            placed.live += 1
        end = now + (talk + wrap)
        k.finish(c.idx, a, placed.idx, t0, o, now - t0, talk, wrap, end)
        pc.connected += 1
        if self.tracks_busy:
            insort(pc.busy_until, end)
        if self.local and end < c.until:
            pc.seq += 1  # CampaignEvents.push, inline (once an answered call)
            heappush(pc.lazy, (end, pc.seq + TIE[HANG_UP], HANG_UP, c))
        else:  # the collector's process waits for this one (or another campaign may take calls)
            d = end - self.env.now
            self.env.timeout(d if d > 0.0 else 0.0, (c, pc.seq)).callbacks.append(self._hang_up)

    def _hang_up(self, ev) -> None:
        c, mark = ev.value
        now = self.env.now
        self.catch_up(self.campaigns[c.campaign.idx], now, mark)
        self.hang_up(c, now)

    def hang_up(self, c: Collector, now: float) -> None:
        """A collector's call (talk and wrap-up) is over at ``now``: the collector is ready again."""
        pc = self.campaigns[c.campaign.idx]
        pc.connected -= 1
        if self.tracks_busy:
            bu = pc.busy_until
            del bu[bisect_right(bu, now) - 1]
        self._free(c, pc, now)

    def _release(self, pc: PredictiveCampaign, c: Collector, mark: int, _ev) -> None:
        """End of ``c``'s work window: a collector still waiting for a call stops waiting."""
        now = self.env.now
        self.catch_up(pc, now, mark)
        if c in pc.free:
            pc.drop_free(c)
            self.idle[c.idx] += now - c.t_free
            c.t_free = None
            c.done.succeed()
        elif c in self.reserved and not self.reserved[c][1].triggered:
            # (a wake-up given at this same moment is served first: _woken, then _free ends it)
            self.desk.free_blend.remove(self.reserved.pop(c))
            self.idle[c.idx] += now - c.t_free
            c.t_free = None
            c.done.succeed()

    def take_waiting(self, pc: PredictiveCampaign):
        q = pc.waiting
        while q:
            entry = q.popleft()
            if entry[1]:
                entry[1] = False
                return entry[0]
        return None

    # -- calls --------------------------------------------------------------------------------
    def pace(self, pc: PredictiveCampaign, now: float) -> None:
        """Place as many calls as the pacing wants for this campaign at ``now``."""
        n = self.lines_wanted(pc, now) - pc.ringing
        room = self.max_lines - pc.ringing - pc.connected
        if room < n:
            n = room
        place = self.place
        for _ in range(n):
            if not place(pc, now):
                break

    def place(self, pc: PredictiveCampaign, now: float) -> bool:
        """Place one call at ``now``; False when no account is ready (the lists are dry)."""
        a = pc.next_account(now)
        if a is None:
            # The lists are dry: wake the pacer when an account comes due. The wake-up is one of
            # the campaign's own events, so it happens at its own time even when this moment
            # is itself being caught up.
            nxt = pc.next_ready_s(now)
            if nxt < pc.wake_at:
                pc.wake_at = nxt
                self.push(pc, nxt, WAKE, None)
                if not self.local:
                    self.schedule_sweep(pc, nxt + self.r_min)
            return False
        s, o, ring, talk, wrap = self.kernel.draw(a, now)
        self.in_flight.add(a)
        pc.ringing += 1
        call = (a, s, o, ring, talk, wrap, now, pc)
        end = now + ring
        if o == RPC or o == THIRD_PARTY or (o == MACHINE and talk + wrap > 0):
            # answered by someone a collector must take
            if self.local:  # CampaignEvents.push, inline (once a call)
                pc.seq += 1
                heappush(pc.lazy, (end, pc.seq + TIE[ANSWER], ANSWER, call))
            else:  # a real event (never in the past: see the sweeps)
                pc.seq += 1
                d = end - self.env.now
                self.env.timeout(d if d > 0.0 else 0.0, call).callbacks.append(self._answer)
        else:
            pc.seq += 1
            heappush(pc.lazy, (end, pc.seq + TIE[END], END, call))
            if not self.local:
                self.schedule_sweep(pc, end + self.r_min)
        return True

    def _answer(self, ev) -> None:
        call = ev.value
        now = self.env.now
        self.catch_up(call[7], now)
        self.answer(call, now)

    def answer(self, call, now: float) -> None:
        """A call is answered at ``now`` by a person (or an undetected machine): find it a
        collector, or let it wait."""
        pc = call[7]
        pc.ringing -= 1
        if pc.free:
            self._take(pc.pop_free(), pc, call, now)
            return
        if self.overflow == "overflow":
            for other in self.campaigns:
                if other is not pc:
                    self.catch_up(other, now)
                    if other.free:
                        self._take(other.pop_free(), other, call, now)
                        return
        entry = [call, True]
        if self.overflow == "abandon":
            self.give_up(pc, entry, now)
            return
        pc.waiting.append(entry)
        if self.local:
            self.push(pc, now + self.patience, GIVE_UP, entry)
        else:
            self.env.timeout(self.patience).callbacks.append(partial(self._give_up, pc, entry))

    def _give_up(self, pc: PredictiveCampaign, entry, _ev) -> None:
        now = self.env.now
        self.catch_up(pc, now)
        self.give_up(pc, entry, now)

    def give_up(self, pc: PredictiveCampaign, entry, now: float) -> None:
        """An answered call has waited ``abandon_after_s`` at ``now`` with no collector: the
        person hangs up (abandoned; an undetected machine just ends)."""
        if not entry[1]:
            return
        entry[1] = False
        a, s, o, ring, talk, wrap, t0, _ = entry[0]
        self.in_flight.discard(a)
        if o != MACHINE:
            if o == RPC and self.kernel.lost is not None:
                self.kernel.lost.hang_up(a, now)
            o = ABANDONED
            pc.live += 1
            pc.abandoned += 1
            mismatches = self.state.counters.outbound_mismatches
            if mismatches is not None:
                mismatches[s] += 1
        self.kernel.finish(self.state.n_collectors + pc.idx, a, pc.idx, t0, o, now - t0, 0.0, 0.0, now)
        self.pace(pc, now)

    # -- blend collectors ---------------------------------------------------------------------
    def blend_with(self, desk) -> None:
        """Let the blend collectors of inbound desk ``desk`` (world/inbound.py) work in this
        dialer's campaigns: they answer the queue first and join a campaign's free pool only while
        more than ``reservation_threshold`` blend collectors are free; an inbound caller who finds
        nobody free takes a blend collector from a free pool (the dialer holds back)."""
        self.desk = desk
        self.reserve = self.state.scenario.inbound.reservation_threshold
        self.local = False
        desk.take_from_dialer = self.lend_for_inbound

    def blend_ready(self, c: Collector, pc: PredictiveCampaign, now: float) -> bool:
        """Blend collector ``c``, ready at ``now``: serve the desk's work, or wait in the reserve;
        False when ``c`` is not a blend collector or may dial (it then joins the free pool)."""
        desk = self.desk
        if not desk.is_blend(c):
            return False
        work = desk.next_work()
        if work is not None:
            self.serve_desk(c, work, now)
            return True
        if len(desk.free_blend) + 1 > self.reserve:
            return False
        c.t_free = now
        wake = self.env.event()
        wake.callbacks.append(partial(self._woken, c))
        entry = (c, wake)
        self.reserved[c] = entry
        desk.free_blend.append(entry)
        return True

    def _woken(self, c: Collector, ev) -> None:
        """A blend collector waiting in the reserve is given inbound work (a caller, a call-back)."""
        del self.reserved[c]
        self.serve_desk(c, ev.value, self.env.now)

    def serve_desk(self, c: Collector, work, now: float) -> None:
        """Blend collector ``c`` does the desk's ``work`` from ``now``, then is ready again."""
        if c.t_free is not None:
            self.idle[c.idx] += now - c.t_free
            c.t_free = None
        d = self.desk.serve(c, work)
        self.env.timeout(d, c).callbacks.append(self._back_from_desk)

    def _back_from_desk(self, ev) -> None:
        c = ev.value
        pc = self.campaigns[c.campaign.idx]
        now = self.env.now
        self.catch_up(pc, now)
        self._free(c, pc, now)

    def lend_for_inbound(self, caller) -> bool:
        """An inbound ``caller`` found no free inbound or reserved blend collector: the blend
        collector free the longest in a campaign's pool answers it (lines already ringing for
        the pool may then find nobody: outbound mismatches). False when none is free."""
        now = self.env.now
        is_blend = self.desk.is_blend
        for pc in self.campaigns:
            self.catch_up(pc, now)
            for c in pc.free:
                if is_blend(c):
                    pc.drop_free(c)
                    self.serve_desk(c, caller, now)
                    return True
        return False
