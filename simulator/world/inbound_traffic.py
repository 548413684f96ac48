"""Inbound traffic beyond the background rate: calls back prompted by outbound dials, and the IVR
that settles a share of the calls without a collector (scenario keys ``inbound.responses``,
``inbound.ivr_share``, ``inbound.ivr_promise_probability``; the queue is world/inbound.py).

- **Responses** (:class:`ResponseCalls`): a dial to an open account that ends in a message left
  on a machine (``machine``), a message left with a third party (``third_party``) or a call the
  dialer abandoned (``abandoned``) brings, with the outcome's probability, a call back from that
  account ``delay_s`` seconds after the dial ends. The call back is that account (a ``response``
  caller): it waits in the queue and negotiates like a background caller. A moment that falls
  outside the calling windows (before the window opens, after it closes, or on a day the center
  does not call) is moved to the next window opening: a debtor who finds the lines closed calls
  when they open. A call back that would fall after the last calling day is dropped. It is
  hooked into :meth:`DialKernel.finish` as the first dial hook, only when ``responses`` is set:
  without it the kernel has no hook and progressive runs of dials stay on. With it the
  predictive dialer plays its campaigns' events as SimPy events (not lazily), so a dial is
  settled at its end; only an unanswered call (a machine the detector caught) may be settled up
  to the shortest live ring time late, and a call back whose moment is already past then
  arrives at once (``late`` counts them).
- **IVR** (:class:`Ivr`): a caller from an open account goes to the IVR with ``ivr_share`` and
  never reaches the queue nor a collector. With ``ivr_promise_probability`` it promises; the
  promise's amount, due day and keep probability are sized by :meth:`DialKernel.promise`, as a
  collector's conversation sizes them, with a payment multiplier of 1 and the inbound keep
  multiplier. The IVR takes no collector time, the promise is dated at the call's arrival, and
  it starts no waiting period (no conversation with a person). Its promises are filed in the
  promise book under counter row :data:`IVR_ROW` (-1): day.settle_due settles them (the account
  pays, or goes back on the lists when broken) and counts them in ``Counters.inbound_queue``'s
  IVR columns, not in the collectors' pyramid (``promises``, ``kept``, ``collected``) nor in the
  daily pyramid series. The living portfolio's dollars include their payments.

Random draws come from the named streams ``inbound/response*`` and ``inbound/ivr``. Times are
seconds from midnight of calendar day 0 (center clock).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import DAY_S
from ..base.outcomes import ABANDONED, MACHINE, N_OUT, THIRD_PARTY
from ..scenario.schema import clock_minutes
from .contact import sampler
from .counters import QUEUE_COLUMNS
from .portfolio import OPEN

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    from .counters import Counters
    from .dial import DialKernel
    from .state import WorldState

IVR_ROW = -1
"""Counter row of the promises made in the IVR (no collector): day.settle_due counts them apart."""
IVR_CALLS, IVR_PROMISES, IVR_PROMISED, IVR_KEPT, IVR_COLLECTED = (
    QUEUE_COLUMNS.index("ivr_" + k) for k in ("calls", "promises", "promised_usd", "kept", "collected")
)
BACKGROUND, RESPONSE, CALLBACK = range(3)
"""Caller classes (scenario.inbound.CALLER_CLASSES order)."""
_OUTCOMES = {"machine": MACHINE, "third_party": THIRD_PARTY, "abandoned": ABANDONED}


class ResponseCalls:
    """Calls back prompted by outbound dials; ``on_dial`` is the kernel's first dial hook."""

    def __init__(self, state: WorldState) -> None:
        sc = state.scenario
        rs = sc.inbound.responses
        self.env = state.env
        self.status = state.portfolio.status
        self.segment_of = state.portfolio.segment_list
        self.probability = [0.0] * N_OUT
        self.delay: list = [None] * N_OUT
        for name, o in _OUTCOMES.items():
            r = getattr(rs, name)
            if r is not None and r.probability > 0:
                self.probability[o] = r.probability
                self.delay[o] = sampler(state.streams, f"inbound/response_delay/{name}", r.delay_s)
        self.u = state.streams.batched("inbound/response", lambda rng, n: rng.random(n))
        comp = sc.compliance
        self.win_lo_s = 60.0 * clock_minutes(comp.calling_window_start)
        self.win_hi_s = 60.0 * clock_minutes(comp.calling_window_end)
        self.work_days = list(state.calendar.work_days)
        self.arrive: Callable | None = None  # InboundDesk.arrive, bound when the desk is built
        self.prompted = 0  # calls back drawn (those dropped after the last calling day included)
        self.dropped = 0
        self.late, self.late_s = 0, 0.0  # calls back that arrived late (see the module docstring)

    @staticmethod
    def on(state: WorldState) -> bool:
        """Whether the scenario has calls back with a positive probability."""
        ib = state.scenario.inbound
        rs = ib.responses if ib is not None else None
        return rs is not None and any(
            getattr(rs, k) is not None and getattr(rs, k).probability > 0 for k in _OUTCOMES
        )

    def moment(self, t: float) -> float | None:
        """The moment a call back meant for ``t`` arrives: ``t`` inside a calling window, else the
        next window opening (None: after the last calling day)."""
        return next_open_moment(t, self.work_days, self.win_lo_s, self.win_hi_s)

    def on_dial(self, a: int, o: int, end_s: float) -> bool:
        """A dial to account ``a`` ended in outcome ``o`` at ``end_s``: perhaps a call back. Never
        claims the account (returns False)."""
        p = self.probability[o]
        if p and self.status[a] == OPEN and self.u.next() < p:
            self.prompted += 1
            t = self.moment(end_s + self.delay[o].next())
            if t is None:
                self.dropped += 1
                return False
            late = self.env.now - t
            if late > 0:  # the dialer settled the dial after the call back's moment
                self.late += 1
                self.late_s += late
            call = partial(self.arrive, a, self.segment_of[a], False, klass=RESPONSE)
            self.env.timeout(max(0.0, -late)).callbacks.append(call)
        return False


def next_open_moment(t: float, work_days: list[int], win_lo_s: float, win_hi_s: float) -> float | None:
    """``t`` (seconds) when it falls inside the calling window (``win_lo_s`` to ``win_hi_s``
    seconds after midnight) of one of the sorted ``work_days``, else the next window opening;
    None after the last one."""
    day = int(t // DAY_S)
    i = bisect_left(work_days, day)
    if i < len(work_days) and work_days[i] == day:
        since = t - day * DAY_S
        if since < win_lo_s:
            return day * DAY_S + win_lo_s
        if since < win_hi_s:
            return t
        i += 1
    return work_days[i] * DAY_S + win_lo_s if i < len(work_days) else None


@dataclass(frozen=True)
class IvrLine:
    """The IVR in the place of a collector for :meth:`DialKernel.promise`: its counter row and
    multipliers."""

    idx: int = IVR_ROW
    payment_mult: float = 1.0
    keep_mult: float = 1.0


class Ivr:
    """The IVR: settles a share of the calls from open accounts without a collector."""

    def __init__(self, state: WorldState, kernel: DialKernel) -> None:
        ib = state.scenario.inbound
        self.share, self.promise_p = ib.ivr_share, ib.ivr_promise_probability
        self.kernel, self.status = kernel, state.portfolio.status
        self.line = IvrLine(keep_mult=ib.keep_multiplier)
        self.u = state.streams.generator("inbound/ivr")
        self.env, self.counters = state.env, state.counters

    def takes(self, a: int) -> bool:
        """Whether a call arriving now from account ``a`` goes to the IVR."""
        return a >= 0 and self.status[a] == OPEN and self.u.random() < self.share

    def settle(self, a: int, s: int) -> None:
        """The IVR session of open account ``a`` (segment ``s``), now: perhaps a promise."""
        q = self.counters.inbound_queue[s]
        q[IVR_CALLS] += 1
        if self.u.random() < self.promise_p:
            amount, _day = self.kernel.promise(self.line, a, s, self.env.now)
            q[IVR_PROMISES] += 1
            q[IVR_PROMISED] += amount


def settle_ivr_promises(
    cnt: Counters, coll: np.ndarray, s: np.ndarray, amount: np.ndarray, counted_kept: np.ndarray
) -> np.ndarray | None:
    """Count the IVR's promises among a day's settled ones (``coll`` == IVR_ROW) in the queue's
    IVR columns: kept (``counted_kept``: kept and made after the warm-up) and their dollars.
    Returns the mask of the collectors' promises, or None when none came from the IVR."""
    ivr = coll == IVR_ROW
    if not ivr.any():
        return None
    k = ivr & counted_kept
    q = cnt.inbound_queue
    n_seg = q.shape[0]
    q[:, IVR_KEPT] += np.bincount(s[k], minlength=n_seg)
    q[:, IVR_COLLECTED] += np.bincount(s[k], weights=amount[k], minlength=n_seg)
    return ~ivr
