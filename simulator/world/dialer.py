"""Dialer modes: how ready collectors' time turns into dials.

Preview and progressive are collector-driven: the collector's own process places each call and
waits through it, a run of dials at a time where it can (one SimPy timeout per run). Predictive
is dialer-driven: a campaign places calls for its free collectors and plays the ends, answers
and hang-ups of those calls itself, between outside events (PredictiveDialer.catch_up); a live
answer that finds no free collector within ``abandon_after_s`` is abandoned.
"""
from __future__ import annotations

import math
from math import ceil
from bisect import bisect_right, insort
from functools import partial
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Generator

from .accounts import ACCOUNT_MASK, PROMISED, TICKS_PER_S, due_limit
from .calendar import DAY_S
from .collectors import Collector
from .contact import sampler
from ..counters import ABANDONED, INVALID, MACHINE, NO_ANSWER, RPC, THIRD_PARTY
from .promises import P_KEEP
from .routing import Campaign

# Kinds of a predictive campaign's own events (PredictiveDialer.catch_up).
END, WAKE, ANSWER, HANG_UP, GIVE_UP = 0, 1, 2, 3, 4
# Subtracted from the sequence number of unanswered ends and wake-ups: at the same instant
# they are played before answers, hang-ups and waits (a freed line is seen before an answer is
# routed), the order the model had when only they were deferred. Ties happen when durations
# are fixed (a 12 s ring placed 6 s after a 6 s one).
FIRST = 1 << 62

if TYPE_CHECKING:  # pragma: no cover
    from .build import World


class _Base:
    """What every mode shares: drawing a dial, conversations, bookkeeping and rule checks."""

    # Slots: read on every dial (faster than an instance dict).
    __slots__ = ('_log_cols', 'amd', 'amd_accuracy', 'amd_ok', 'bucket_list', 'bucket_offset_s',
                 'bucket_segment', 'draw', 'enforce_wait', 'env', 'exempt', 'models', 'ofcom_s', 'phone',
                 'rearrange', 'reminder_mult', 'ring_timeout', 'segment_list', 'skip', 'start_wd', 'wait_s',
                 'win_hi', 'win_hi_s', 'win_lo', 'win_lo_s', 'world')

    def __init__(self, world: "World") -> None:
        self.world = world
        self.env = world.env
        sc = world.scenario
        d, comp = sc.dialer, sc.compliance
        self.ring_timeout = d.ring_timeout_s
        self.amd = d.amd
        self.amd_ok = world.streams.batched("dialer/amd", lambda rng, n: rng.random(n))
        self.amd_accuracy = d.amd_accuracy
        self.wait_s = comp.wait_after_conversation_days * DAY_S
        self.enforce_wait = comp.enforce_wait_after_conversation
        self.exempt = comp.exempt_promise_confirmation
        self.ofcom_s = comp.no_redial_after_abandon_h * 3600.0 if comp.enforce_no_redial_after_abandon else 0.0
        from ..scenario.schema import clock_minutes
        self.win_lo, self.win_hi = clock_minutes(comp.calling_window_start), clock_minutes(comp.calling_window_end)
        self.win_lo_s, self.win_hi_s = 60.0 * self.win_lo, 60.0 * self.win_hi
        self.reminder_mult = sc.attempts.reminder_keep_multiplier
        self.start_wd = world.calendar.start_weekday
        # Special tasks (special.py): None when their blocks are off (one attribute check per dial).
        sp = world.special
        self.skip = sp.skip if sp is not None else None
        self.phone = self.skip.phone if self.skip is not None else None
        self.rearrange = sp.rearrange if sp is not None else None
        # Looked up on every dial: bound once (the portfolio's bucket tables and the dial log's
        # columns never move; DialLog.clear() empties the columns in place).
        p = world.portfolio
        self.bucket_list, self.bucket_segment, self.bucket_offset_s = p.bucket_list, p.bucket_segment, p.bucket_offset_s
        self.segment_list = p.segment_list
        self.models = world.models
        # draw(a, now): segment, outcome and ring/talk/wrap seconds of a dial (see _draw_full);
        # without ring-out, AMD or skip tracing, the short version.
        plain = not (self.ring_timeout or self.amd or self.phone is not None)
        self.draw = self._draw_plain if plain else self._draw_full
        log = world.log
        self._log_cols = (log.coll.append, log.acct.append, log.camp.append, log.t.append, log.out.append,
                          log.ring.append, log.talk.append, log.wrap.append)

    def start(self) -> None:
        """Start any processes the mode needs (called once the world is built)."""

    def flush(self, now: float) -> None:
        """Bring any deferred bookkeeping up to ``now`` (called before each midnight's fold)."""

    def _draw_full(self, a: int, now: float) -> tuple[int, int, float, float, float]:
        """Segment, outcome and ring/talk/wrap seconds of a dial to account ``a`` placed at ``now``,
        after the contact curve at the account's local time, the ring-out and AMD. Also counts
        rule violations (measured independently of how the lists enforce them)."""
        w = self.world
        p = w.portfolio
        b = self.bucket_list[a]
        m = self.models[self.bucket_segment[b]]
        local = now + self.bucket_offset_s[b]
        phone = self.phone
        if phone is None and m.codes is not None:
            o = m.codes.next()
        else:
            hour = int(local // 3600.0)   # hours since day 0 began, account's clock (floor)
            slot = ((self.start_wd + hour // 24) % 7) * 24 + hour % 24
            if phone is None:
                o = bisect_right(m.cum_by_slot[slot], m.u_outcome.next())
            else:  # skip tracing on: the account's number decides its outcome table
                o = bisect_right(m.cum_phone[phone[a]][slot], m.u_outcome.next())
        hf = m.fixed[o]
        if hf is None:
            ring = m.ring_next[o]()
            talk = m.talk_next[o]()
            wrap = m.wrap_next[o]()
        else:
            ring, talk, wrap = hf
        rt = self.ring_timeout
        if rt:
            if o == NO_ANSWER:
                ring = rt
            elif ring > rt and o >= MACHINE and o != INVALID:
                o, ring, talk, wrap = NO_ANSWER, rt, 0.0, 0.0
        if self.amd and (o == MACHINE or o == THIRD_PARTY or o == RPC):
            correct = self.amd_ok.next() < self.amd_accuracy
            if o == MACHINE and correct:
                talk = wrap = 0.0          # detected: the dialer drops it, nobody listens
            elif o != MACHINE and not correct:
                o, talk, wrap = ABANDONED, 0.0, 0.0   # a live person hung up on
        # compliance, measured at the moment of dialing (minute in [lo, hi) <=> second in [60 lo, 60 hi))
        if not self.win_lo_s <= local % DAY_S < self.win_hi_s:
            w.rules.outside_window += 1
        if now < p.last_conversation_end_s[a] + self.wait_s and not (self.exempt and p.status[a] == PROMISED):
            w.rules.in_waiting_period += 1
        if self.ofcom_s and now < p.last_abandon_s[a] + self.ofcom_s:
            w.rules.in_waiting_period += 1
        return self.bucket_segment[b], o, ring, talk, wrap

    def _draw_plain(self, a: int, now: float) -> tuple[int, int, float, float, float]:
        """``draw`` without ring-out, AMD or skip tracing (once per dial: kept short)."""
        b = self.bucket_list[a]
        s = self.bucket_segment[b]
        m = self.models[s]
        local = now + self.bucket_offset_s[b]
        codes = m.codes
        if codes is not None:
            o = codes.next()
        else:
            hour = int(local // 3600.0)
            o = bisect_right(m.cum_by_slot[((self.start_wd + hour // 24) % 7) * 24 + hour % 24], m.u_outcome.next())
        hf = m.fixed[o]
        if hf is None:
            ring, talk, wrap = m.ring_next[o](), m.talk_next[o](), m.wrap_next[o]()
        else:
            ring, talk, wrap = hf
        if not self.win_lo_s <= local % DAY_S < self.win_hi_s:
            self.world.rules.outside_window += 1
        p = self.world.portfolio
        if now < p.last_conversation_end_s[a] + self.wait_s and not (self.exempt and p.status[a] == PROMISED):
            self.world.rules.in_waiting_period += 1
        if self.ofcom_s and now < p.last_abandon_s[a] + self.ofcom_s:
            self.world.rules.in_waiting_period += 1
        return s, o, ring, talk, wrap

    def log(self, row: int, a: int, camp: int, t: float, o: int, ring: float, talk: float, wrap: float) -> None:
        self.world.campaigns[camp].used_s[self.segment_list[a]] += ring + talk + wrap
        c_coll, c_acct, c_camp, c_t, c_out, c_ring, c_talk, c_wrap = self._log_cols
        c_coll(row)
        c_acct(a)
        c_camp(camp)
        c_t(t)
        c_out(o)
        c_ring(ring)
        c_talk(talk)
        c_wrap(wrap)

    def settle(self, a: int, o: int, end_s: float) -> None:
        """Account bookkeeping after a dial ending at ``end_s``."""
        w = self.world
        if o == ABANDONED:
            w.portfolio.last_abandon_s[a] = end_s
        if self.skip is not None and self.skip.after_dial(a, o, end_s):
            return  # gone to the skip-trace queue: off the lists
        w.lists.after_attempt(a, end_s, o)

    def conversation(self, c: Collector, a: int, s: int, end_s: float) -> None:
        """A right-party conversation ending at ``end_s``: a promise (amount, due day) or, on a
        promise-confirmation call, a firmer promise."""
        w = self.world
        p = w.portfolio
        m = w.models[s]
        p.last_conversation_end_s[a] = end_s
        if self.enforce_wait:
            until = end_s + self.wait_s
            if p.blocked_until_s[a] < until:
                p.blocked_until_s[a] = until
        p.priority[a] = 0
        status = p.status
        if status[a] == PROMISED:  # a reminder call reached the debtor
            p.reminder_due[a] = 0
            entry = w.book.by_account.get(a)
            if entry is not None:
                entry[P_KEEP] *= self.reminder_mult
            w.counters.reminders_reached += 1
            return
        pp = m.promise_p * c.promise_mult
        if m.u_promise.next() >= pp:   # (a probability over 1 always promises)
            if self.rearrange is not None:
                self.rearrange.offer(c, a, s, end_s)
            return
        amount = m.payment.next() * c.payment_mult
        balance = p.balance[a]
        if amount > balance:
            amount = float(balance)
        day = int(end_s // DAY_S)
        status[a] = PROMISED
        w.promises_today.append((c.idx, s, amount, day))   # counted at midnight (World.close_day)
        w.book.add(day + int(m.due_days.next()), c.idx, a, s, amount, m.u_keep.next(), m.keep_p * c.keep_mult)


class ProgressiveDialer(_Base):
    """One call per available collector: the collector waits through the ring, talks if someone
    answers, wraps up, and the next call is placed the moment the collector is free again.
    In preview mode the collector first reads the account for ``preview_time_s``."""

    # Slots, as in _Base.
    __slots__ = ('max_run_s', 'preview', 'runs')

    name = "progressive"
    MAX_RUN_S = 3600.0
    """Longest run of dials planned at once (seconds of the collector's time)."""

    def __init__(self, world: "World") -> None:
        super().__init__(world)
        d = world.scenario.dialer
        self.preview = sampler(world.streams, "dialer/preview", d.preview_time_s) if d.mode == "preview" else None
        # Runs of dials (run_of_dials) need every retry that could fall due inside a run to exist
        # when the run is planned: a run is never longer than the shortest retry delay.
        delays = world.lists.retry_delay_s
        self.max_run_s = min([self.MAX_RUN_S] + [x for k, x in enumerate(delays) if k != RPC])
        self.runs = self.preview is None and self.skip is None and self.max_run_s >= 60.0

    def work(self, c: Collector, until: float) -> Generator:
        """Dial for collector ``c`` until ``until`` (seconds); the last call may run past it."""
        env = self.env
        camp = c.campaign
        timeout = env.timeout
        idle = self.world.counters.idle_s
        preview = self.preview
        ci, ki = c.idx, camp.idx
        w = self.world
        used, seg_of = camp.used_s, w.portfolio.segment_list
        skip, after_attempt = self.skip, w.lists.after_attempt
        l_coll, l_acct, l_camp, l_t, l_out, l_ring, l_talk, l_wrap = self._log_cols
        runs = self.runs and camp.whole_minutes
        while env.now < until:
            now = env.now
            if runs:
                d = self.run_of_dials(c, camp, now, until)
                if d is not None:
                    yield timeout(d)
                    continue
            a = camp.next_account(now)
            if a is None:
                wait_to = min(camp.next_ready_s(now), until)
                idle[ci] += wait_to - now
                yield timeout(wait_to - now)
                continue
            if preview is not None:
                # Reading the account is productive, unconnected time: counted as ring (dialing) time.
                pv = preview.next()
                yield timeout(pv)
                now = env.now
                if not camp.can_dial(a, now):
                    # The calling window (or the segment's schedule) closed while the collector
                    # read the account: put it back at the head of its list, undialed.
                    self.world.lists.put_back(a, now)
                    continue
            else:
                pv = 0.0
            s, o, ring, talk, wrap = self.draw(a, now)
            if o == RPC:
                talk *= c.talk_mult
                self.conversation(c, a, s, now + ring + talk)
            dur = ring + talk + wrap
            # the log, inlined: this is the hot path (one entry per dial)
            used[seg_of[a]] += dur + pv
            l_coll(ci)
            l_acct(a)
            l_camp(ki)
            l_t(now - pv)
            l_out(o)
            l_ring(ring + pv)
            l_talk(talk)
            l_wrap(wrap)
            if o == ABANDONED or skip is not None:
                self.settle(a, o, now + dur)
            else:  # settle() without the cases that cannot happen here
                after_attempt(a, now + dur, o)
            yield timeout(dur)

    def run_of_dials(self, c: Collector, camp: Campaign, now: float, until: float) -> float | None:
        """Make collector ``c``'s next dials from ``now`` in one go, as one SimPy timeout.

        Applies while the campaign has one open bucket: until ``until``, until the open buckets,
        the bucket's outcome probabilities or its calling-window state may change
        (Campaign.stable_until), and for at most ``max_run_s`` (shorter than any retry delay, so
        no account can come due twice inside a run and every retry that falls due inside it
        already exists). Each dial is the one the one-at-a-time path would make at its moment:
        same streams, the earliest retry due by then or else the next fresh account, same rules
        and bookkeeping. The only difference is that a run claims its accounts when it starts,
        so collectors interleave on the lists run by run rather than dial by dial.

        Returns the seconds until the collector is free again, or None when the one-dial path
        must handle this moment (several open buckets, or no account ready now).
        """
        open_ = camp._open if camp._open_from <= now < camp._open_to else camp.open_buckets(now)
        if len(open_) != 1:
            return None
        b = open_[0]
        w = self.world
        lists = w.lists
        q = lists.retry[b]
        due = q.due   # descending: due[-1] is the earliest retry (see RetryQueue)
        f = lists.fresh[b]
        h = lists.head[b]
        if h >= len(f) and not (due and due[-1] < due_limit(now)) and not lists.refill(b):
            return None
        nf = len(f)
        horizon = min(until, camp.stable_until(now), now + self.max_run_s)
        p = w.portfolio
        s = p.bucket_segment[b]
        m = w.models[s]
        off = p.bucket_offset_s[b]
        hour = int((now + off) // 3600.0)
        slot = ((self.start_wd + hour // 24) % 7) * 24 + hour % 24
        cum = m.cum_by_slot[slot]
        u_next = m.u_outcome.next
        codes = m.codes   # flat outcome probabilities: read the codes inline
        if codes is not None:
            cbuf, ci, cn = codes.buf, codes.i, len(codes.buf)
        fixed, rings, talks, wraps = m.fixed, m.ring_next, m.talk_next, m.wrap_next
        att, allowed = p.attempts_today, p.allowed_today
        conv_end, abandon_end = p.last_conversation_end_s, p.last_abandon_s
        status = p.status
        delay = lists.retry_delay_s
        wait_s, exempt, ofcom_s = self.wait_s, self.exempt, self.ofcom_s
        rt, amd, amd_next, amd_acc = self.ring_timeout, self.amd, self.amd_ok.next, self.amd_accuracy
        talk_mult = c.talk_mult
        log = w.log
        r_acct, r_t, r_out, r_ring, r_talk, r_wrap = log.run_cols
        log.begin_run()
        spent = lists.spent.append   # (account, end): no attempts left today (recycled at midnight)
        rpcs: list[tuple[int, float]] = []    # (account, end of the conversation)
        waiting = 0
        # When the earliest retry falls due (s). Retries pushed during the run fall due after
        # it (shortest delay >= max_run_s), so only a pop can change this within the run.
        ticks = TICKS_PER_S
        push = q.push
        due_at = (due[-1] >> 32) / ticks if due else math.inf
        t = now
        while t < horizon:
            if due_at <= t:
                a = due.pop() & ACCOUNT_MASK
                if not due and q.slots:
                    q.load()
                due_at = (due[-1] >> 32) / ticks if due else math.inf
            elif h < nf or lists.refill(b):
                nf = len(f)
                a = f[h]
                h += 1
            else:
                break   # the lists ran dry: the one-dial path waits for the next retry
            if codes is None:
                o = bisect_right(cum, u_next())
            elif ci < cn:
                o = cbuf[ci]
                ci += 1
            else:
                codes.i = ci
                o = codes.next()
                cbuf, ci, cn = codes.buf, codes.i, len(codes.buf)
            hf = fixed[o]
            if hf is None:
                ring = rings[o]()
                talk = talks[o]()
                wrap = wraps[o]()
            else:
                ring, talk, wrap = hf
            if rt:
                if o == NO_ANSWER:
                    ring = rt
                elif ring > rt and o >= MACHINE and o != INVALID:
                    o, ring, talk, wrap = NO_ANSWER, rt, 0.0, 0.0
            if amd and (o == MACHINE or o == THIRD_PARTY or o == RPC):
                correct = amd_next() < amd_acc
                if o == MACHINE and correct:
                    talk = wrap = 0.0
                elif o != MACHINE and not correct:
                    o, talk, wrap = ABANDONED, 0.0, 0.0
            if t < conv_end[a] + wait_s and not (exempt and status[a] == PROMISED):
                waiting += 1
            if ofcom_s and t < abandon_end[a] + ofcom_s:
                waiting += 1
            if o == RPC:
                talk *= talk_mult
                rpcs.append((a, t + ring + talk))
            end = t + ring + talk + wrap
            r_acct(a)
            r_t(t)
            r_out(o)
            r_ring(ring)
            r_talk(talk)
            r_wrap(wrap)
            # lists.after_attempt, inlined
            n = att[a] + 1
            att[a] = n
            if o != RPC:
                if o == ABANDONED:
                    abandon_end[a] = end
                    if lists.abandon_block_s:
                        p.blocked_until_s[a] = max(p.blocked_until_s[a], end + lists.abandon_block_s)
                        t = end
                        continue
                if n < allowed[a]:
                    push((ceil((end + delay[o]) * ticks) << 32) | a)   # accounts.retry_key
                else:
                    spent((a, end))
            t = end
        lists.head[b] = h
        if codes is not None:
            codes.i = ci
        n_dials = log.end_run(c.idx, camp.idx)
        if not n_dials:
            return None
        # The calling window's state is constant over a run (its edges are critical minutes).
        minute = int((now + off) % DAY_S // 60.0)
        rules = w.rules
        if not self.win_lo <= minute < self.win_hi:
            rules.outside_window += n_dials
        rules.in_waiting_period += waiting
        for a, e in rpcs:
            self.conversation(c, a, s, e)
        camp.used_s[s] += t - now
        return t - now


class PredictiveDialer(_Base):
    """Several calls per available collector, paced per campaign.

    fixed: lines = round(ratio x free collectors); adaptive: the level moves every
    ``control_interval_s`` to keep the abandon rate under (1 - target_margin) x max_abandon_rate,
    and counts as available the collectors who will finish within the expected time to answer;
    poisson: calls at random at ``calls_per_hour`` whatever the collectors do.
    """

    # Slots, as in _Base.
    __slots__ = ('arrivals', 'calls_per_hour', 'horizon', 'idle', 'interval', 'lookahead', 'max_level',
                 'local', 'max_lines', 'overflow', 'pacing', 'pacing_kind', 'patience', 'r_min', 'target')

    name = "predictive"

    def __init__(self, world: "World") -> None:
        super().__init__(world)
        d = world.scenario.dialer
        self.pacing = d.pacing
        self.pacing_kind = ("fixed", "adaptive", "poisson").index(d.pacing)
        self.max_lines = d.max_lines or 1 << 30
        self.max_level = d.max_dial_level
        self.patience = d.abandon_after_s
        self.target = d.max_abandon_rate * (1.0 - d.target_margin)
        self.interval = d.control_interval_s
        # Expected seconds from dialing to a live answer: how far ahead the adaptive pacer looks.
        la = []
        for seg in world.scenario.segments.values():
            for o in (seg.outcomes.third_party, seg.outcomes.rpc):
                la.append(o.ring_time_s.mean)
        self.lookahead = sum(la) / len(la)
        self.horizon = max(self.lookahead, d.ring_timeout_s) + self.patience
        self.arrivals = world.streams.batched("dialer/poisson", lambda rng, n: rng.exponential(1.0, n))
        self.calls_per_hour = d.calls_per_hour
        self.overflow = world.scenario.routing.overflow
        # A campaign's answers, hang-ups and waits are its own events (see catch_up) unless
        # campaigns touch each other between outside events: an answer may overflow to another
        # campaign's collector, or two campaigns dial the same buckets (shared lists, where one
        # campaign played ahead would take accounts out of the other's past).
        buckets = [b for k in world.campaigns for b in k.buckets]
        self.local = ((self.overflow != "overflow" or len(world.campaigns) <= 1)
                      and len(set(buckets)) == len(buckets))
        self.idle = [0.0] * world.n_collectors   # idle seconds since the last flush, by collector
        # Shortest ring before a call can reach a collector (s): how long unanswered ends may
        # wait to be played (see catch_up).
        self.r_min = min(o.ring_time_s.lower for seg in world.scenario.segments.values()
                         for o in (seg.outcomes.machine, seg.outcomes.third_party, seg.outcomes.rpc))

    def start(self) -> None:
        for camp in self.world.campaigns:
            if self.pacing == "adaptive":
                self.env.process(self.controller(camp))
            elif self.pacing == "poisson":
                self.env.process(self.poisson(camp))

    # -- the campaign's own events ---------------------------------------------------------------
    # What happens inside a campaign between two outside events (a work window starting or
    # ending, a pacing tick, midnight) touches nobody else: an unanswered end frees a line and
    # lets the pacer dial again, an answer finds a free collector (or waits, or is abandoned),
    # a hang-up frees the collector, a wait runs out. These events are kept in the campaign's
    # heap ``lazy`` of (time s, seq, kind, payload) instead of each being a SimPy event, and
    # are played in time order, each at its own time, by catch_up(camp, now) before anything
    # from outside reads or changes the campaign. Only a hang-up at or after the end of the
    # collector's work window is a SimPy event (the collector's own process waits for it).
    #
    # Where campaigns touch each other between outside events (an answer may overflow to
    # another campaign's collector, or two campaigns dial the same lists), answers, hang-ups and
    # waits stay SimPy events (``local`` is False): only unanswered ends are deferred, and a
    # sweep at (earliest end + the shortest ring of an answered call) guarantees that a call
    # placed while catching up is answered no earlier than the moment it is caught up to.
    # Setting ``local = False`` and ``r_min = 0`` gives the eager model, every event a SimPy event
    # at its own time (tests compare).
    def catch_up(self, camp: Campaign, now: float, mark: int = -1) -> None:
        """Play the campaign's own events up to ``now``. An unanswered end frees its line, is
        logged and settled (as ``log`` and ``settle`` would, inlined: once per unanswered dial),
        and lets the pacer dial again at that moment.

        Ties are played as SimPy would play them were they its events: an outside event at
        ``now`` scheduled when the campaign's sequence number was ``mark`` goes after the
        campaign's events at ``now`` numbered up to ``mark`` and before the later ones
        (unanswered ends and wake-ups at ``now`` always go first). So the counters are those of
        the eager model even when fixed durations make events coincide."""
        lazy = camp.lazy
        bound = (now, mark + 1)
        if not lazy or not lazy[0] < bound:
            return
        w = self.world
        p, lists = w.portfolio, w.lists
        att, allowed, retry, bucket_list = p.attempts_today, p.allowed_today, lists.retry, self.bucket_list
        spent = lists.spent.append   # recycled at midnight (CallLists.file_spent)
        delay, ticks = lists.retry_delay_s, TICKS_PER_S
        # The unanswered ends are logged as one run of the campaign's row. (catch_up never
        # nests: only an answer calls it for another campaign, and only in the eager model,
        # ``local`` off, where answers are not played here.)
        log = w.log
        r_acct, r_t, r_out, r_ring, r_talk, r_wrap = log.run_cols
        log.begin_run()
        used = camp.used_s
        skip = self.skip
        pace, place = self.pace, self.place
        fixed = self.pacing_kind == 0
        level, horizon, max_lines, fu = camp.level, self.horizon, self.max_lines, camp.free_untils
        capped = max_lines < 1 << 30
        recount_at = -math.inf   # free collectors change only at answers, hang-ups and waits
        want = 0
        while lazy and lazy[0] < bound:
            end, _, kind, call = heappop(lazy)
            if kind:
                recount_at = -math.inf
                if kind == ANSWER:
                    self.answer(call, end)
                elif kind == HANG_UP:
                    self.hang_up(call, end)
                elif kind == GIVE_UP:
                    self.give_up(camp, call, end)
                else:   # a wake-up: the lists were dry, an account comes due at ``end``
                    camp.wake_at = math.inf
                    pace(camp, end)
                continue
            camp.ringing -= 1
            a, s, o, ring, _talk, _wrap, t0, _ = call
            used[s] += ring
            r_acct(a)
            r_t(t0)
            r_out(o)
            r_ring(ring)
            r_talk(0.0)
            r_wrap(0.0)
            if o == ABANDONED:  # AMD took a live person for a machine
                camp.live += 1
                camp.abandoned += 1
                self.settle(a, o, end)
            elif skip is not None:
                self.settle(a, o, end)
            else:  # settle() -> lists.after_attempt(), for an outcome that is neither rpc nor abandoned
                n = att[a] + 1
                att[a] = n
                if n < allowed[a]:
                    retry[bucket_list[a]].push((ceil((end + delay[o]) * ticks) << 32) | a)
                else:
                    spent((a, end))
            if fixed:  # self.pace(camp, end), inlined for fixed pacing
                if fu:
                    if end >= recount_at:   # the lines wanted change only when a free window nears its end
                        k = bisect_right(fu, end + horizon)
                        want = math.floor(level * (len(fu) - k) + 0.5)
                        recount_at = fu[k] - horizon if k < len(fu) else math.inf
                    n = want - camp.ringing
                    if capped:
                        n = min(n, max_lines - camp.ringing - camp.connected)
                    while n > 0 and place(camp, end):
                        n -= 1
            else:
                pace(camp, end)
        log.end_run(w.n_collectors + camp.idx, camp.idx)

    def flush(self, now: float) -> None:
        for camp in self.world.campaigns:
            self.catch_up(camp, now, camp.mark)   # midnight was scheduled at the last flush
            camp.mark = camp.seq
            if camp.lazy:   # events after ``now`` with no outside event to play them: a sweep will
                self._schedule_sweep(camp, camp.lazy[0][0])
        # idle seconds are summed in a list (numpy scalar updates are slow) and filed here
        self.world.counters.idle_s[:len(self.idle)] += self.idle
        self.idle = [0.0] * len(self.idle)

    def _sweep(self, ev) -> None:
        camp = ev.value
        now = self.env.now
        if camp.sweep_at <= now:
            camp.sweep_at = math.inf
        self.catch_up(camp, now, FIRST)
        if camp.lazy:
            self._schedule_sweep(camp, camp.lazy[0][0] + (0.0 if self.local else self.r_min))

    def _schedule_sweep(self, camp: Campaign, at: float) -> None:
        if at < camp.sweep_at:
            camp.sweep_at = at
            self.env.timeout(max(0.0, at - self.env.now), camp).callbacks.append(self._sweep)

    def _push(self, camp: Campaign, t: float, kind: int, payload) -> None:
        """File one of the campaign's own events at ``t`` (inlined where it runs once a dial:
        place and _take). Unanswered ends and wake-ups go first among ties (see FIRST)."""
        camp.seq += 1
        heappush(camp.lazy, (t, camp.seq - FIRST if kind <= WAKE else camp.seq, kind, payload))

    # -- collectors ---------------------------------------------------------------------------
    # Inside a work window a collector is driven by events, not by its process: free (in
    # ``camp.free``), or on a call until its hang-up. The process only waits for the window to
    # end (``c.done``).
    def work(self, c: Collector, until: float) -> Generator:
        env = self.env
        camp = c.campaign
        self.catch_up(camp, env.now, c.mark)   # the process scheduled this moment at its last logout
        camp.logged_in += 1
        c.until = until
        c.done = env.event()
        env.timeout(until - env.now).callbacks.append(partial(self._release, camp, c, camp.seq))
        self._free(c, camp, env.now)
        yield c.done
        camp.logged_in -= 1
        c.mark = camp.seq

    def _free(self, c: Collector, camp: Campaign, now: float) -> None:
        """Collector ``c`` is ready at ``now``: the work window is over, or a waiting call is
        taken, or the collector joins the free pool and the campaign paces."""
        if now >= c.until:
            c.done.succeed()
            return
        if camp.waiting:
            call = self.take_waiting(camp)
            if call is not None:
                self._take(c, camp, call, now)
                return
        c.t_free = now
        camp.add_free(c, c.until)
        self.pace(camp, now)

    def _take(self, c: Collector, camp: Campaign, call, now: float) -> None:
        """Collector ``c`` (of campaign ``camp``) takes an answered call at ``now``, until its
        talk and wrap-up are over. The call counts for the campaign that placed it (overflow
        may differ)."""
        if c.t_free is not None:
            self.idle[c.idx] += now - c.t_free
            c.t_free = None
        a, s, o, ring, talk, wrap, t0, placed = call
        if o == RPC:
            talk *= c.talk_mult
            self.conversation(c, a, s, now + talk)
        if o == RPC or o == THIRD_PARTY:
            placed.live += 1
        busy = talk + wrap
        # self.log(...), inlined
        placed.used_s[s] += now - t0 + busy
        c_coll, c_acct, c_camp, c_t, c_out, c_ring, c_talk, c_wrap = self._log_cols
        c_coll(c.idx)
        c_acct(a)
        c_camp(placed.idx)
        c_t(t0)
        c_out(o)
        c_ring(now - t0)
        c_talk(talk)
        c_wrap(wrap)
        end = now + busy
        if self.skip is None:
            self.world.lists.after_attempt(a, end, o)
        else:
            self.settle(a, o, end)
        camp.connected += 1
        if self.pacing_kind == 1:   # only adaptive pacing counts collectors finishing soon
            insort(camp.busy_until, end)
        if self.local and end < c.until:
            camp.seq += 1
            heappush(camp.lazy, (end, camp.seq, HANG_UP, c))
        else:   # the collector's process waits for this one (or another campaign may take calls)
            d = end - self.env.now
            self.env.timeout(d if d > 0.0 else 0.0, (c, camp.seq)).callbacks.append(self._hang_up)

    def _hang_up(self, ev) -> None:
        c, mark = ev.value
        now = self.env.now
        self.catch_up(c.campaign, now, mark)
        self.hang_up(c, now)

    def hang_up(self, c: Collector, now: float) -> None:
        """A collector's call (talk and wrap-up) is over at ``now``: the collector is ready again."""
        camp = c.campaign
        camp.connected -= 1
        if self.pacing_kind == 1:
            bu = camp.busy_until
            del bu[bisect_right(bu, now) - 1]
        self._free(c, camp, now)

    def _release(self, camp: Campaign, c: Collector, mark: int, _ev) -> None:
        """End of ``c``'s work window: a collector still waiting for a call stops waiting."""
        now = self.env.now
        self.catch_up(camp, now, mark)
        if c in camp.free:
            camp.drop_free(c)
            self.idle[c.idx] += now - c.t_free
            c.t_free = None
            c.done.succeed()

    def take_waiting(self, camp: Campaign):
        q = camp.waiting
        while q:
            entry = q.popleft()
            if entry[1]:
                entry[1] = False
                return entry[0]
        return None

    # -- calls -------------------------------------------------------------------------------
    def pace(self, camp: Campaign, now: float) -> None:
        """Place as many calls as the pacing wants for this campaign at ``now``."""
        if self.pacing_kind == 2:   # poisson: calls come at random, not from the pacer
            return
        # A collector about to leave for a break or the end of the shift is "paused after this
        # call": calls placed for them now would be answered after they have gone.
        fu = camp.free_untils
        n_free = len(fu) - bisect_right(fu, now + self.horizon) if fu else 0
        if self.pacing_kind == 1:
            # Collectors who will finish before a call placed now could be answered count as
            # available: the "expected availability" of the pacing literature.
            soon = bisect_right(camp.busy_until, now + self.lookahead)
            want = math.floor(camp.level * (n_free + soon) + 0.5)
        elif not n_free:
            return
        else:
            want = math.floor(camp.level * n_free + 0.5)
        n = want - camp.ringing
        room = self.max_lines - camp.ringing - camp.connected
        if room < n:
            n = room
        place = self.place
        for _ in range(n):
            if not place(camp, now):
                break

    def place(self, camp: Campaign, now: float) -> bool:
        a = camp.next_account(now)
        if a is None:
            # The lists are dry: wake the pacer when an account comes due. The wake-up is one of
            # the campaign's own events, so it happens at its own time even when this moment
            # is itself being caught up.
            nxt = camp.next_ready_s(now)
            if nxt < camp.wake_at:
                camp.wake_at = nxt
                self._push(camp, nxt, WAKE, None)
                if not self.local:
                    self._schedule_sweep(camp, nxt + self.r_min)
            return False
        s, o, ring, talk, wrap = self.draw(a, now)
        camp.ringing += 1
        call = (a, s, o, ring, talk, wrap, now, camp)
        end = now + ring
        camp.seq += 1
        if o == RPC or o == THIRD_PARTY or (o == MACHINE and talk + wrap > 0):
            # answered by someone a collector must take
            if self.local:
                heappush(camp.lazy, (end, camp.seq, ANSWER, call))
            else:   # a real event (never in the past: see the sweeps)
                d = end - self.env.now
                self.env.timeout(d if d > 0.0 else 0.0, call).callbacks.append(self._answer)
        else:
            heappush(camp.lazy, (end, camp.seq - FIRST, END, call))
            if not self.local:
                self._schedule_sweep(camp, end + self.r_min)
        return True

    def _answer(self, ev) -> None:
        call = ev.value
        now = self.env.now
        self.catch_up(call[7], now)
        self.answer(call, now)

    def answer(self, call, now: float) -> None:
        """A call is answered at ``now`` by a person (or an undetected machine): find it a
        collector, or let it wait."""
        camp = call[7]
        camp.ringing -= 1
        if camp.free:
            self._take(camp.pop_free(), camp, call, now)
            return
        if self.overflow == "overflow":
            for other in self.world.campaigns:
                if other is not camp:
                    self.catch_up(other, now)
                    if other.free:
                        self._take(other.pop_free(), other, call, now)
                        return
        entry = [call, True]
        if self.overflow == "abandon":
            self.give_up(camp, entry, now)
            return
        camp.waiting.append(entry)
        if self.local:
            self._push(camp, now + self.patience, GIVE_UP, entry)
        else:
            self.env.timeout(self.patience).callbacks.append(partial(self._give_up, camp, entry))

    def _give_up(self, camp: Campaign, entry, _ev) -> None:
        now = self.env.now
        self.catch_up(camp, now)
        self.give_up(camp, entry, now)

    def give_up(self, camp: Campaign, entry, now: float) -> None:
        """An answered call has waited ``abandon_after_s`` at ``now`` with no collector: the
        person hangs up (abandoned; an undetected machine just ends)."""
        if not entry[1]:
            return
        entry[1] = False
        a, s, o, ring, talk, wrap, t0, _ = entry[0]
        if o != MACHINE:
            o = ABANDONED
            camp.live += 1
            camp.abandoned += 1
        self.log(self.world.n_collectors + camp.idx, a, camp.idx, t0, o, now - t0, 0.0, 0.0)
        self.settle(a, o, now)
        self.pace(camp, now)

    # -- pacing processes ---------------------------------------------------------------------
    def controller(self, camp: Campaign) -> Generator:
        """Adaptive pacing: raise the level while the abandon rate is under target, cut it when
        the recent or the cumulative (measurement-window) rate is over."""
        env = self.env
        decay = 0.5 ** (self.interval / 600.0)   # recent rate: ten-minute half-life
        last_live = last_ab = 0
        end = (self.world.calendar.last_work_day + 1) * DAY_S
        while env.now + self.interval < end:
            mark = camp.seq
            yield env.timeout(self.interval)
            self.catch_up(camp, env.now, mark)
            d_live, d_ab = camp.live - last_live, camp.abandoned - last_ab
            last_live, last_ab = camp.live, camp.abandoned
            camp.recent_live = camp.recent_live * decay + d_live
            camp.recent_abandoned = camp.recent_abandoned * decay + d_ab
            if not camp.logged_in:
                continue
            if camp.recent_live >= 20:
                recent = camp.recent_abandoned / camp.recent_live
            else:  # too few recent answers to judge (a small pool): fall back on the window's rate
                recent = camp.abandoned / camp.live if camp.live >= 20 else 0.0
            # Steer the recent rate to the target; while the measurement-window rate is over the
            # target, steer to half of it so the window recovers.
            over = camp.live and camp.abandoned > self.target * camp.live
            setpoint = self.target * (0.5 if over else 1.0)
            step = 0.03 * (setpoint - recent) / setpoint
            camp.level = min(self.max_level, max(1.0, camp.level * (1.0 + max(-0.05, min(0.03, step)))))
            self.pace(camp, env.now)

    def poisson(self, camp: Campaign) -> Generator:
        env = self.env
        mean = 3600.0 / self.calls_per_hour
        end = (self.world.calendar.last_work_day + 1) * DAY_S
        while True:
            mark = camp.seq
            yield env.timeout(self.arrivals.next() * mean)
            if env.now >= end:
                return
            self.catch_up(camp, env.now, mark)
            if camp.logged_in and camp.ringing + camp.connected < self.max_lines:
                self.place(camp, env.now)


DIALERS = {"preview": ProgressiveDialer, "progressive": ProgressiveDialer, "predictive": PredictiveDialer}
