"""The inbound queue: debtors' calls arriving, waiting, hanging up and calling again, answered by
the collectors of inbound teams (scenario block ``[inbound]``, scenario/inbound.py).

- **Arrivals**: a non-homogeneous Poisson process with a rate constant within each hour of the
  center clock, ``sum_s calls_per_hour[s] x hour x weekday multipliers x the day's busyness``,
  on calling days inside the calling window (compliance.calling_window_*, read on the center
  clock). Within an hour the gaps are exponential; a gap that runs past the hour restarts at the
  hour with the next hour's rate (memorylessness makes this exact). The caller's segment is drawn
  in proportion to the base rates, the account uniformly among the segment's open accounts
  whose line is free (none: a caller with no account, answered but never negotiating).
- **Callers** have a class (inbound_traffic.BACKGROUND, RESPONSE, CALLBACK): background calls
  from the arrival process, calls back prompted by outbound dials (inbound_traffic.ResponseCalls),
  and a class for callers queued as call-backs (the call-backs at a set time of world/callbacks.py
  are jobs, not callers). A first call from an open account goes, with ``ivr_share``, to the IVR
  (inbound_traffic.Ivr), which settles it without the queue.
- **Queue**: one first-come-first-served line per priority level (``priorities``: class ->
  level, lower first; all equal, the default: one line). A caller who finds a free inbound
  collector is answered at once (the longest-free collector takes it; a free blend collector
  only when no inbound-only one is free); otherwise the caller waits until answered or until the
  patience runs out, then hangs up and, with ``retrial_probability``, calls again after
  ``retrial_delay_s`` if that falls inside the same day's window; a retrial keeps its class. A
  patience longer than two days never ends (no timer is set), nor does a caller's who arrives
  with ``patient=True``.
- **Answer**: ``talk_s`` (times the collector's talk multiplier) then ``wrap_s`` seconds of handling,
  counted in ``Counters.handle_s`` like outbound handling (occupancy). A caller whose account is
  open negotiates through :meth:`DialKernel.talk`, the conversation of an outbound right-party
  contact, with the inbound promise and keep multipliers on the collector's own. The
  conversation starts the account's waiting period and takes the account off the day's outbound
  lists.
- **One line per account** (account_lines.py): a caller's account is on the caller's line from
  arrival until hang-up or the end of the talk, and no outbound dial reaches it meanwhile; a
  background caller whose account is on an outbound line is redrawn, a retrial from it is
  dropped.

Counts go to ``Counters.inbound_queue`` (by segment) and ``Counters.inbound_answers`` (by
answering collector and segment), columns in counters.QUEUE_COLUMNS and ANSWER_COLUMNS.
The queue by hour of arrival is counted by world/inbound_hours.py (``Counters.inbound_hours``).
Random draws come from the named streams ``inbound/*``. Times are seconds from midnight of
calendar day 0 (center clock).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import DAY_S, HOUR_S
from ..scenario.inbound import CALLER_CLASSES
from ..scenario.schema import clock_minutes
from .contact import sampler
from .counters import A_ANSWERED, A_HANDLE, A_IN_SL, A_RPC, A_WAIT, ANSWER_COLUMNS, QUEUE_COLUMNS, TALK, WRAP
from .inbound_hours import InboundHours
from .inbound_traffic import BACKGROUND, CALLBACK, RESPONSE, Ivr
from .portfolio import OPEN, PROMISED

if TYPE_CHECKING:  # pragma: no cover
    from .collectors import Collector
    from .dial import DialKernel
    from .state import WorldState

CALLS, ANSWERED, ABANDONED, IN_SL, WAIT_ANSWERED, RETRIALS, QUEUED = range(7)
R_CALLS, R_ANSWERED, R_WAIT, R_PROMISES = (
    QUEUE_COLUMNS.index("response_" + k) for k in ("calls", "answered", "wait_s", "promises")
)
WAITING, TAKEN, GONE = range(3)
T, ACCOUNT, SEGMENT, STATE, CLASS = range(5)  # a caller: [arrival s, account, segment, state, class]
_NEVER_S = 2 * DAY_S  # patience beyond this sets no hang-up timer


def busyness_factors(cv: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` daily busyness factors: gamma draws of mean 1 and coefficient of variation ``cv``
    (all 1 when ``cv`` is 0)."""
    if cv <= 0:
        return np.ones(n)
    shape = 1.0 / (cv * cv)
    return rng.gamma(shape, 1.0 / shape, n)


class InboundDesk:
    """The inbound queue of one replication and the work of its inbound collectors; stands where
    a dialer stands for outbound collectors (shift.collector_process calls :meth:`work`)."""

    def __init__(self, state: WorldState, kernel: DialKernel) -> None:
        sc = state.scenario
        ib = sc.inbound
        streams = state.streams
        self.env, self.kernel, self.portfolio = state.env, kernel, state.portfolio
        names = sc.segment_names
        base = np.array([ib.calls_per_hour.get(s, 0.0) for s in names], dtype=float)
        self.base_per_h = float(base.sum())
        self.segment_cum = np.cumsum(base) / self.base_per_h if self.base_per_h > 0 else None
        self.hour_mult, self.weekday_mult = list(ib.hour_multipliers), list(ib.weekday_multipliers)
        self.work_days = list(state.calendar.work_days)
        self.start_wd = state.calendar.start_weekday
        comp = sc.compliance
        self.win_lo_s = 60.0 * clock_minutes(comp.calling_window_start)
        self.win_hi_s = 60.0 * clock_minutes(comp.calling_window_end)
        self.busyness = busyness_factors(
            ib.busyness_cv, len(self.work_days), streams.generator("inbound/busyness")
        )
        self.rng = streams.generator("inbound/arrivals")  # gaps, segments
        self.pick = streams.generator("inbound/account")
        self.retry_u = streams.generator("inbound/retrial")
        self.patience = sampler(streams, "inbound/patience", ib.patience_s)
        self.retry_delay = sampler(streams, "inbound/retrial_delay", ib.retrial_delay_s)
        self.talk_s = sampler(streams, "inbound/talk", ib.talk_s)
        self.wrap_s = sampler(streams, "inbound/wrap", ib.wrap_s)
        self.retry_p = ib.retrial_probability
        self.sl_s = ib.service_level_s
        p = state.portfolio
        self.accounts_of = [np.flatnonzero(p.segment == s) for s in range(len(names))]
        # the collector as an inbound caller meets it: the inbound multipliers on its own
        self.as_inbound = {
            c.idx: replace(
                c,
                promise_mult=c.promise_mult * ib.promise_multiplier,
                keep_mult=c.keep_mult * ib.keep_multiplier,
            )
            for c in state.collectors
            if sc.teams[sc.team_names[c.team]].role in ("inbound", "blend")
        }
        self.blend = {c.idx for c in state.collectors if sc.teams[sc.team_names[c.team]].role == "blend"}
        cnt = state.counters
        n_rows, n_seg = cnt.promises.shape
        cnt.inbound_queue = np.zeros((n_seg, len(QUEUE_COLUMNS)))
        cnt.inbound_answers = np.zeros((n_rows, n_seg, len(ANSWER_COLUMNS)))
        self.counters = cnt
        self.hours = InboundHours(cnt)  # the queue by hour of arrival
        # one line per priority level, lowest level first: callers in arrival order (hung-up
        # ones skipped lazily)
        levels = sorted({ib.priorities.get(k, 0) for k in CALLER_CLASSES})
        self.queues: list[deque[list]] = [deque() for _ in levels]
        self.level_of = [levels.index(ib.priorities.get(k, 0)) for k in CALLER_CLASSES]
        self.ivr = Ivr(state, kernel) if ib.ivr_share > 0 else None
        responses = getattr(state, "responses", None)
        if responses is not None:
            responses.arrive = self.arrive
        self.lines = state.lines  # one line per account (account_lines.py)
        self.free: deque[tuple[Collector, object]] = deque()  # (collector, its wake-up event)
        # free blend collectors waiting for a call (world/blend.py), taken after the inbound ones
        self.free_blend: deque[tuple[Collector, object]] = deque()
        # the call-backs (world/callbacks.CallbackDesk, which sets itself here), or None
        self.callbacks = None
        # the predictive dialer's hand-over of a free blend collector to a caller nobody else can
        # take (PredictiveDialer.lend_for_inbound), or None
        self.take_from_dialer = None
        cnt.outbound_mismatches = np.zeros(n_seg)

    def is_inbound(self, c: Collector) -> bool:
        """Whether collector ``c`` only answers this queue (an inbound team's)."""
        return c.idx in self.as_inbound and c.idx not in self.blend

    def is_blend(self, c: Collector) -> bool:
        """Whether collector ``c`` answers this queue and dials (a blend team's)."""
        return c.idx in self.blend

    def start(self) -> None:
        """Start the arrival process."""
        self.env.process(self.arrivals())

    def arrivals(self) -> Generator:
        """The first calls of each calling day (retrials are scheduled by :meth:`hang_up`)."""
        env, rng = self.env, self.rng
        if self.segment_cum is None:
            return
        for k, day in enumerate(self.work_days):
            day0 = day * DAY_S
            level = self.base_per_h * self.weekday_mult[(self.start_wd + day) % 7] * self.busyness[k]
            t, end = day0 + self.win_lo_s, day0 + self.win_hi_s
            while t < end:
                h = int((t - day0) // HOUR_S)
                h_end = min(day0 + (h + 1) * HOUR_S, end)
                rate = level * self.hour_mult[h % 24] / HOUR_S
                if rate <= 0:
                    t = h_end
                    continue
                t += rng.exponential(1.0 / rate)
                if t >= h_end:
                    t = h_end
                    continue
                yield env.timeout(t - env.now)
                s = int(np.searchsorted(self.segment_cum, rng.random(), side="right"))
                self.arrive(self.account_of(min(s, len(self.accounts_of) - 1)), s, False)

    def account_of(self, s: int) -> int:
        """A random open account of segment ``s`` whose line is free (-1 when there is none)."""
        ids = self.accounts_of[s]
        if not len(ids):
            return -1
        status, now, lines = self.portfolio.status, self.env.now, self.lines
        for _ in range(16):  # rejection: most accounts of a segment are usually open and free
            a = int(ids[self.pick.integers(len(ids))])
            if status[a] == OPEN:
                if lines.is_free(a, now):
                    return a
                lines.redrawn += 1
        open_ids = ids[status[ids] == OPEN]
        open_ids = open_ids[[lines.is_free(a, now) for a in open_ids.tolist()]] if len(open_ids) else open_ids
        return int(open_ids[self.pick.integers(len(open_ids))]) if len(open_ids) else -1

    def arrive(
        self,
        a: int,
        s: int,
        retrial: bool,
        _event: object = None,
        klass: int = BACKGROUND,
        patient: bool = False,
    ) -> None:
        """A call of class ``klass`` from account ``a`` (segment ``s``; -1: no account) arrives
        now; ``retrial``: it calls again after hanging up; ``patient``: it waits in the queue
        until answered (no patience drawn). ``_event``: the SimPy event that scheduled it."""
        if not self.lines.call_in(a, self.env.now):
            return  # the account is on another line: no call (account_lines.py)
        ivr = self.ivr
        if ivr is not None and not retrial and klass != CALLBACK and ivr.takes(a):
            ivr.settle(a, s)
            self.lines.release(a, self.env.now)
            return
        q = self.counters.inbound_queue[s]
        q[CALLS] += 1
        self.hours.arrived(self.env.now)
        if retrial or klass:
            if retrial:
                q[RETRIALS] += 1
            if klass == RESPONSE:
                q[R_CALLS] += 1
            if a >= 0 and self.portfolio.status[a] != OPEN:
                a = -1  # the account closed meanwhile: the call is not a negotiation
        caller = [self.env.now, a, s, WAITING, klass]
        free = self.free or self.free_blend
        if free:
            _c, wake = free.popleft()
            wake.succeed(caller)
            return
        if self.take_from_dialer is not None and self.take_from_dialer(caller):
            return  # a blend collector free in a predictive pool answers it
        self.queues[self.level_of[klass]].append(caller)
        q[QUEUED] += 1
        if patient:
            return
        patience = self.patience.next()
        if patience < _NEVER_S:
            self.env.timeout(patience).callbacks.append(partial(self.hang_up, caller))

    def hang_up(self, caller: list, _event: object) -> None:
        """The caller's patience ran out: abandoned unless answered, and perhaps a retrial."""
        if caller[STATE] != WAITING:
            return
        caller[STATE] = GONE
        self.lines.hung_up(caller[ACCOUNT], caller[SEGMENT], caller[T], self.env.now)
        s = caller[SEGMENT]
        self.counters.inbound_queue[s, ABANDONED] += 1
        self.hours.abandoned(caller[T])
        if self.retry_p and self.retry_u.random() < self.retry_p:
            delay = self.retry_delay.next()
            now = self.env.now
            day0 = now // DAY_S * DAY_S
            if now + delay < day0 + self.win_hi_s:
                retry = partial(self.arrive, caller[ACCOUNT], s, True, klass=caller[CLASS])
                self.env.timeout(delay).callbacks.append(retry)

    def next_work(self) -> list | tuple | None:
        """The next piece of work for a free collector, taken: a call-back due (world/callbacks.py)
        first, else the longest-waiting caller; None when there is none."""
        cb = self.callbacks
        if cb is not None and cb.jobs:
            return cb.jobs.popleft()
        return self.next_waiting()

    def serve(self, c: Collector, work: list | tuple) -> float:
        """Collector ``c`` does ``work`` (from :meth:`next_work` or a wake-up) now; returns the
        seconds until it is free."""
        if type(work) is list:
            return self.answer(c, work)
        return self.callbacks.make(c, work)

    def next_waiting(self) -> list | None:
        """The longest-waiting caller still on the line of the first priority level that has
        one, taken off the queue (None: nobody)."""
        for q in self.queues:
            while q:
                caller = q.popleft()
                if caller[STATE] == WAITING:
                    return caller
        return None

    def work(self, c: Collector, until: float) -> Generator:
        """Collector ``c`` answers calls until ``until`` (a call in progress then runs over)."""
        env = self.env
        idle = self.counters.idle_s
        while env.now < until:
            caller = self.next_work()
            if caller is None:
                wake = env.event()
                entry = (c, wake)
                self.free.append(entry)
                t0 = env.now
                yield wake | env.timeout(until - t0)
                idle[c.idx] += env.now - t0
                if not wake.triggered:
                    self.free.remove(entry)
                    return
                caller = wake.value
            yield env.timeout(self.serve(c, caller))

    def answer(self, c: Collector, caller: list) -> float:
        """Collector ``c`` answers ``caller`` now; returns the handling seconds (talk + wrap)."""
        now = self.env.now
        caller[STATE] = TAKEN
        a, s = caller[ACCOUNT], caller[SEGMENT]
        wait = now - caller[T]
        within = 1.0 if wait <= self.sl_s else 0.0
        cnt = self.counters
        q = cnt.inbound_queue[s]
        q[ANSWERED] += 1
        q[IN_SL] += within
        q[WAIT_ANSWERED] += wait
        self.hours.answered(caller[T], wait, within)
        row = cnt.inbound_answers[c.idx, s]
        row[A_ANSWERED] += 1
        row[A_IN_SL] += within
        row[A_WAIT] += wait
        talk = self.talk_s.next() * c.talk_mult
        wrap = self.wrap_s.next()
        row[A_HANDLE] += talk + wrap
        self.lines.answered(c.idx, a, s, caller[T], now, talk)
        arms = cnt.arms
        if arms is not None and a >= 0:
            arm_handle = arms.handle_s[c.idx, arms.arm_list[a]]
            arm_handle[TALK] += talk
            arm_handle[WRAP] += wrap
        if a >= 0 and self.portfolio.status[a] == OPEN:
            row[A_RPC] += 1
            if arms is not None:
                arms.inbound_rpc[arms.arm_list[a]] += 1
            self.kernel.talk(self.as_inbound[c.idx], a, s, now + talk, inbound=True)
            if caller[CLASS] == RESPONSE and self.portfolio.status[a] == PROMISED:
                q[R_PROMISES] += 1
        if caller[CLASS] == RESPONSE:
            q[R_ANSWERED] += 1
            q[R_WAIT] += wait
        cnt.handle_s[c.idx, s, TALK] += talk
        cnt.handle_s[c.idx, s, WRAP] += wrap
        return talk + wrap
