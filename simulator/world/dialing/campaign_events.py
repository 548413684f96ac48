"""A predictive campaign's state and its own event heap.

What happens inside a campaign between two outside events (a work window starting or ending, a
pacing tick, midnight) touches nobody else: an unanswered end frees a line and lets the pacer
dial again, an answer finds a free collector (or waits, or is abandoned), a hang-up frees the
collector, a wait runs out. These events are kept in the campaign's heap ``lazy`` of
(time s, seq, kind, payload) instead of each being a SimPy event, and are played in time order,
each at its own time, by :meth:`CampaignEvents.catch_up` before anything from outside reads or
changes the campaign. Only a hang-up at or after the end of the collector's work window is a
SimPy event (the collector's own process waits for it).

Where campaigns touch each other between outside events (an answer may overflow to another
campaign's collector, or two campaigns dial the same lists), answers, hang-ups and waits stay
SimPy events (``local`` is False): only unanswered ends are deferred, and a sweep at (earliest
end + the shortest ring of an answered call) guarantees that a call placed while catching up is
answered no earlier than the moment it is caught up to. Setting ``local = False`` and
``r_min = 0`` gives the eager model, every event a SimPy event at its own time (tests compare).
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque
from heapq import heappop, heappush
from typing import TYPE_CHECKING

from ...base.outcomes import ABANDONED

if TYPE_CHECKING:  # pragma: no cover
    from ..collectors import Collector
    from ..routing import Campaign

# Kinds of a campaign's own events.
END, WAKE, ANSWER, HANG_UP, GIVE_UP = range(5)
FIRST = 1 << 62
"""Subtracted from the sequence number of unanswered ends and wake-ups: at the same instant they
are played before answers, hang-ups and waits (a freed line is seen before an answer is routed).
Ties happen when durations are fixed (a 12 s ring placed 6 s after a 6 s one)."""
TIE = (-FIRST, -FIRST, 0, 0, 0)
"""Added to an event's sequence number in its heap key, by kind (END, WAKE, ANSWER, HANG_UP,
GIVE_UP): the one statement of the tie rule above (CampaignEvents.push, and the heap pushes
made inline once a call)."""


class PredictiveCampaign:
    """A campaign's predictive state: its free collectors, lines in use, calls waiting for a
    collector, its pacing level and abandon counts, and its own event heap. ``idx``,
    ``next_account`` and ``next_ready_s`` are the campaign's (routing.Campaign)."""

    __slots__ = (
        "abandoned",
        "busy_until",
        "campaign",
        "connected",
        "free",
        "free_untils",
        "free_from",
        "free_to",
        "free_ready",
        "idx",
        "lazy",
        "level",
        "live",
        "logged_in",
        "mark",
        "next_account",
        "next_ready_s",
        "recent_abandoned",
        "recent_live",
        "ringing",
        "seq",
        "sweep_at",
        "waiting",
        "wake_at",
    )

    def __init__(self, campaign: Campaign, level: float) -> None:
        self.campaign = campaign
        self.idx = campaign.idx
        self.next_account = campaign.next_account
        self.next_ready_s = campaign.next_ready_s
        self.free: dict[Collector, float] = {}  # free collector -> end of its work window (s)
        self.free_untils: list[float] = []  # the same ends, sorted
        # Free collectors ready for a call placed in [free_from, free_to) (Pacing.free_for_a_call)
        self.free_ready, self.free_from, self.free_to = 0, math.inf, -math.inf
        self.lazy: list = []  # heap of (time s, seq, kind, payload)
        self.seq = 0
        self.mark = 0  # seq when midnight was last scheduled (flush)
        self.sweep_at = math.inf  # earliest pending sweep of ``lazy``
        self.waiting: deque = deque()  # answered calls waiting for a collector
        self.busy_until: list[float] = []  # sorted ends of the calls in progress (s; adaptive pacing)
        self.logged_in = 0
        self.wake_at = math.inf  # pending re-pace when the lists were empty
        self.ringing = 0
        self.connected = 0
        self.level = level  # lines per free collector
        self.live = 0  # live answers (connects) in the abandon-measurement window
        self.abandoned = 0
        self.recent_live = 0.0  # exponentially weighted, for the adaptive controller
        self.recent_abandoned = 0.0

    def add_free(self, c: Collector, until: float) -> None:
        self.free[c] = until
        insort(self.free_untils, until)
        self.free_to = -math.inf

    def pop_free(self) -> Collector:
        """The collector free the longest (taken off the free set)."""
        c = next(iter(self.free))
        self.drop_free(c)
        return c

    def drop_free(self, c: Collector) -> None:
        until = self.free.pop(c)
        fu = self.free_untils
        del fu[bisect_left(fu, until)]
        self.free_to = -math.inf


class CampaignEvents:
    """Playing campaigns' own events: the part of the predictive dialer that keeps time.

    Subclasses provide ``answer``, ``hang_up``, ``give_up`` and ``pace``, and the attributes
    ``state``, ``env``, ``kernel``, ``campaigns`` (PredictiveCampaign by index), ``local``,
    ``r_min``, ``idle`` and ``in_flight`` (accounts whose call is placed and not yet settled)."""

    __slots__ = ()

    def catch_up(self, pc: PredictiveCampaign, now: float, mark: int = -1) -> None:
        """Play the campaign's own events up to ``now``. An unanswered end frees its line, is
        finished by the kernel (logged and settled), and lets the pacer dial again at that moment.

        Ties are played as SimPy would play them were they its events: an outside event at
        ``now`` scheduled when the campaign's sequence number was ``mark`` goes after the
        campaign's events at ``now`` numbered up to ``mark`` and before the later ones
        (unanswered ends and wake-ups at ``now`` always go first). So the counters are those of
        the eager model even when fixed durations make events coincide."""
        lazy = pc.lazy
        bound = (now, mark + 1)
        if not lazy or not lazy[0] < bound:
            return
        finish, pace, in_flight = self.kernel.finish, self.pace, self.in_flight
        row, ki = self.state.n_collectors + pc.idx, pc.idx  # unanswered calls: the campaign's row
        while lazy and lazy[0] < bound:
            end, _, kind, call = heappop(lazy)
            if kind == END:
                pc.ringing -= 1
                a, _s, o, ring, _talk, _wrap, t0, _ = call
                in_flight.discard(a)
                if o == ABANDONED:  # AMD took a live person for a machine
                    pc.live += 1
                    pc.abandoned += 1
                finish(row, a, ki, t0, o, ring, 0.0, 0.0, end)
                pace(pc, end)
            elif kind == ANSWER:
                self.answer(call, end)
            elif kind == HANG_UP:
                self.hang_up(call, end)
            elif kind == GIVE_UP:
                self.give_up(pc, call, end)
            else:  # a wake-up: the lists were dry, an account comes due at ``end``
                pc.wake_at = math.inf
                pace(pc, end)

    def flush(self, now: float) -> None:
        """Play every campaign's events up to midnight ``now`` and file the idle seconds."""
        for pc in self.campaigns:
            self.catch_up(pc, now, pc.mark)  # midnight was scheduled at the last flush
            pc.mark = pc.seq
            if pc.lazy:  # events after ``now`` with no outside event to play them: a sweep will
                self.schedule_sweep(pc, pc.lazy[0][0])
        # idle seconds are summed in a list (numpy scalar updates are slow) and filed here
        self.state.counters.idle_s[: len(self.idle)] += self.idle
        self.idle = [0.0] * len(self.idle)

    def _sweep(self, ev) -> None:
        pc = ev.value
        now = self.env.now
        if pc.sweep_at <= now:
            pc.sweep_at = math.inf
        self.catch_up(pc, now, FIRST)
        if pc.lazy:
            self.schedule_sweep(pc, pc.lazy[0][0] + (0.0 if self.local else self.r_min))

    def schedule_sweep(self, pc: PredictiveCampaign, at: float) -> None:
        """A SimPy timeout that plays the campaign's events at ``at`` (unless one comes sooner)."""
        if at < pc.sweep_at:
            pc.sweep_at = at
            self.env.timeout(max(0.0, at - self.env.now), pc).callbacks.append(self._sweep)

    def push(self, pc: PredictiveCampaign, t: float, kind: int, payload) -> None:
        """File one of the campaign's own events at ``t`` (unanswered ends and wake-ups first
        among ties: see FIRST)."""
        pc.seq += 1
        heappush(pc.lazy, (t, pc.seq + TIE[kind], kind, payload))
