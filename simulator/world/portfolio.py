"""The portfolio: every account of every segment in one set of arrays, and its status.

With a living portfolio, the accounts that will enter during the run (segments' inflow) are
drawn when the world is built and wait, status WAITING, for their entry day: the arrays never
grow, and every account's attributes come from named streams of its own segment.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import HOUR_S
from ..base.rng import Streams
from ..scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from .calendar import WorkCalendar


class AccountStatus(IntEnum):
    """Where an account stands. Only OPEN accounts go on the call lists (and PROMISED ones for
    a promise reminder)."""

    OPEN = 0  # on the lists
    PROMISED = 1  # holding a promise (or an arrangement payment) until its due date
    PAID = 2  # paid off: off the lists for good
    TRACING = 3  # waiting for a skip trace
    UNREACHABLE = 4  # no working number and no trace left
    PLACED = 5  # handed to the next stage (placed: an agency, or the next unit)
    WAITING = 6  # enters the portfolio later in the run (living portfolio)
    CURED = 7  # paid its past-due amount: current again, out of the portfolio
    SETTLED = 8  # paid a settlement; the rest of the balance forgiven
    CHARGED_OFF = 9  # reached the charge-off days past due unpaid


# Plain ints for the per-dial code and numpy comparisons.
OPEN, PROMISED, PAID, TRACING, UNREACHABLE, PLACED, WAITING, CURED, SETTLED, CHARGED_OFF = (
    int(x) for x in AccountStatus
)
ACTIVE = (OPEN, PROMISED, TRACING, UNREACHABLE)
"""Statuses of an account that is in the portfolio (open delinquent, whether or not on the lists)."""


def account_states(
    scenario: Scenario,
    streams: Streams,
    segment: np.ndarray,
    first: np.ndarray,
    sizes: list[int],
    later: list[int],
) -> tuple[list[str], np.ndarray | None]:
    """Each account's state (the segments' ``states`` mix), as codes into the returned names
    (code 0, "", is no state); None when no segment has a mix. Drawn per segment from the
    streams ``portfolio/SEGMENT/state`` (initial accounts) and ``portfolio/SEGMENT/inflow/state``
    (accounts entering later), so the mix shifts no other draw."""
    names = scenario.segment_names
    mixes = [scenario.segments[s].states for s in names]
    if all(m is None for m in mixes):
        return [""], None
    state_names = [""] + sorted({k for m in mixes if m for k in m})
    code = {k: i for i, k in enumerate(state_names)}
    out = np.zeros(len(segment), dtype=np.int16)
    lo_later = int(first[-1])
    for i, (s, mix) in enumerate(zip(names, mixes)):
        lo_later_next = lo_later + later[i]
        if mix is not None:
            keys = list(mix)
            w = np.asarray([mix[k] for k in keys], dtype=float)
            codes = np.asarray([code[k] for k in keys], dtype=np.int16)
            lo, hi = int(first[i]), int(first[i + 1])
            out[lo:hi] = codes[
                streams.generator(f"portfolio/{s}/state").choice(len(w), hi - lo, p=w / w.sum())
            ]
            if later[i]:
                pick = streams.generator(f"portfolio/{s}/inflow/state").choice(
                    len(w), later[i], p=w / w.sum()
                )
                out[lo_later:lo_later_next] = codes[pick]
        lo_later = lo_later_next
    return state_names, out


def inflow_counts(scenario: Scenario, segment: str, calendar: WorkCalendar, streams: Streams) -> np.ndarray:
    """New accounts of ``segment`` entering on each calendar day 0 .. the last calling day."""
    inflow = scenario.segments[segment].inflow
    days = calendar.last_work_day + 1
    if inflow is None or not scenario.portfolio_on:
        return np.zeros(days, dtype=np.int64)
    mean = np.array(
        [inflow.accounts_per_day * inflow.weekday_profile[calendar.weekday(d)] for d in range(days)]
    )
    counts = streams.generator(f"portfolio/{segment}/inflow/count").poisson(mean)
    for dated in inflow.dated:
        if dated.day < days:
            counts[dated.day] = dated.accounts
    return counts.astype(np.int64)


class Portfolio:
    """All accounts in one set of arrays; account ``a`` belongs to segment ``segment[a]`` and
    bucket ``bucket[a]``.

    Hot per-dial state lives in Python lists (several times faster than numpy for one element at
    a time); state read only when the day's lists are rebuilt lives in numpy arrays.
    """

    __slots__ = (
        "allowed_np",
        "allowed_today",
        "arm",
        "attempts_7_list",
        "attempts_7_total",
        "attempts_today",
        "balance",
        "balance_at_entry",
        "blocked_until_s",
        "bucket",
        "bucket_list",
        "bucket_offset_s",
        "bucket_segment",
        "control",
        "day_dials",
        "days_past_due",
        "days_past_due_at_entry",
        "entry_day",
        "first",
        "last_abandon_s",
        "last_attempt_s",
        "last_conversation_end_s",
        "n",
        "n_initial",
        "phone",
        "phones",
        "priority",
        "reminder_due",
        "risk_score",
        "segment",
        "segment_buckets",
        "segment_list",
        "state",
        "state_names",
        "status",
    )

    def __init__(self, scenario: Scenario, streams: Streams, calendar: WorkCalendar) -> None:
        names = scenario.segment_names
        sizes = [scenario.segments[s].accounts for s in names]
        self.n_initial = n0 = int(sum(sizes))
        # The accounts entering later (living portfolio): after the initial ones, segment by
        # segment, in order of entry day.
        arrivals = [inflow_counts(scenario, s, calendar, streams) for s in names]
        later = [int(c.sum()) for c in arrivals]
        self.n = n = n0 + sum(later)
        self.segment = np.concatenate(
            [
                np.repeat(np.arange(len(names), dtype=np.int32), sizes),
                np.repeat(np.arange(len(names), dtype=np.int32), later),
            ]
        )
        self.segment_list: list[int] = self.segment.tolist()
        self.first = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)  # initial accounts by segment
        self.entry_day = np.zeros(n, dtype=np.int64)  # calendar day the account enters (0: at the start)
        self.balance = np.empty(n)
        self.risk_score = np.empty(n)
        self.days_past_due = np.zeros(n)
        self.bucket = np.empty(n, dtype=np.int32)
        # Buckets: (segment, time-zone offset in seconds), numbered segment by segment.
        self.bucket_segment: list[int] = []
        self.bucket_offset_s: list[float] = []
        self.segment_buckets: list[list[int]] = []
        self.days_past_due_at_entry = np.zeros(n)
        lo_later = n0
        for i, s in enumerate(names):
            seg = scenario.segments[s]
            tz = seg.time_zones
            w = np.asarray(tz.weights, dtype=float)
            base = len(self.bucket_segment)
            self.segment_buckets.append(list(range(base, base + len(w))))
            for off in tz.offsets_h:
                self.bucket_segment.append(i)
                self.bucket_offset_s.append(off * HOUR_S)
            lo, hi = int(self.first[i]), int(self.first[i + 1])
            self.balance[lo:hi] = seg.balance_usd.sample(streams.generator(f"portfolio/{s}/balance"), hi - lo)
            self.risk_score[lo:hi] = seg.risk_score.sample(
                streams.generator(f"portfolio/{s}/risk_score"), hi - lo
            )
            self.days_past_due_at_entry[lo:hi] = seg.days_past_due.sample(
                streams.generator(f"portfolio/{s}/dpd"), hi - lo
            )
            zone = streams.generator(f"portfolio/{s}/tz").choice(len(w), hi - lo, p=w / w.sum())
            self.bucket[lo:hi] = base + zone
            if later[i]:
                lo, hi = lo_later, lo_later + later[i]
                lo_later = hi
                pre = f"portfolio/{s}/inflow"
                self.entry_day[lo:hi] = np.repeat(np.arange(len(arrivals[i])), arrivals[i])
                self.balance[lo:hi] = seg.balance_usd.sample(streams.generator(f"{pre}/balance"), hi - lo)
                self.risk_score[lo:hi] = seg.risk_score.sample(
                    streams.generator(f"{pre}/risk_score"), hi - lo
                )
                self.days_past_due_at_entry[lo:hi] = seg.inflow.days_past_due.sample(
                    streams.generator(f"{pre}/dpd"), hi - lo
                )
                zone = streams.generator(f"{pre}/tz").choice(len(w), hi - lo, p=w / w.sum())
                self.bucket[lo:hi] = base + zone
        self.days_past_due[:n0] = self.days_past_due_at_entry[:n0]
        self.state_names, self.state = account_states(
            scenario, streams, self.segment, self.first, sizes, later
        )
        self.balance_at_entry = self.balance.copy()
        self.bucket_list: list[int] = self.bucket.tolist()
        self.status = np.zeros(n, dtype=np.int8)
        self.status[n0:] = WAITING
        self.priority = np.zeros(n, dtype=np.int8)  # 1: broken promise awaiting follow-up
        self.blocked_until_s = np.full(n, -np.inf)  # no dial before this (rules and recycling)
        self.last_attempt_s = np.full(n, -np.inf)
        self.last_conversation_end_s: list[float] = [-np.inf] * n
        self.last_abandon_s: list[float] = [-np.inf] * n
        self.reminder_due = np.zeros(n, dtype=np.int8)  # 1: a promise-confirmation call is due today
        self.attempts_today: list[int] = [0] * n
        self.allowed_today: list[int] = [0] * n
        # Attempts in the last 7 calendar days: enforces and measures "at most N attempts in any
        # 7 consecutive days". The accounts dialed on calendar day d and their counts sit in slot
        # d % 7 of a ring, so filing a day costs the accounts dialed, not the portfolio.
        self.attempts_7_total = np.zeros(n, dtype=np.int32)
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))
        self.day_dials: list[tuple[np.ndarray, np.ndarray]] = [empty] * 7
        self.allowed_np = np.zeros(n, dtype=np.int32)  # allowed_today as an array
        # Phone state per account (phones.PhoneState), which picks the outcome table its dials
        # use; None when phone status is not modelled (phones.model_phone_status sets it).
        self.phone: list[int] | None = None
        self.phones: np.ndarray | None = None  # phone numbers per account (behaviour, phone_numbers.py)
        # Attempts on the 6 calendar days before today as a Python list, for per-dial reads
        # (contact fatigue, with today's attempts); None unless something reads it.
        self.attempts_7_list: list[int] | None = None
        # Never called (the control group of a living portfolio): such an account is also
        # blocked from the lists for good.
        self.control = np.zeros(n, dtype=bool)
        # The strategy arm of each account (index into Strategy.arm_names; 0, the champion,
        # without a [strategy] block), drawn for every account from its own stream, so the
        # split is the same whatever else the scenario changes (scenario/strategy.py).
        self.arm = np.zeros(n, dtype=np.int8)
        strategy = scenario.strategy
        if strategy is not None and len(strategy.arm_names) > 1:
            shares = np.asarray(strategy.arm_shares)
            u = streams.generator("strategy/arm").random(n)
            self.arm[:] = np.minimum(np.searchsorted(np.cumsum(shares), u, side="right"), len(shares) - 1)

    def record_day(self, day: int, accounts: np.ndarray) -> np.ndarray:
        """File calendar day ``day``'s attempts (one entry per dial) in the 7-day ring and start
        the next calling day from 0 attempts for those accounts; returns them, each once."""
        col = day % 7
        old_a, old_c = self.day_dials[col]
        if len(old_a):
            self.attempts_7_total[old_a] -= old_c
        u, c = np.unique(accounts.astype(np.int64), return_counts=True)
        self.attempts_7_total[u] += c.astype(np.int32)
        self.day_dials[col] = (u, c.astype(np.int32))
        recent = self.attempts_7_list
        if recent is not None:
            # Tomorrow it counts days day-5 .. day (with tomorrow's own attempts, the last 7
            # calendar days): the 7-day total less day-6, which leaves the window. It changes
            # only for the accounts dialed today or on day-6.
            leaving_a, leaving_c = self.day_dials[(day + 1) % 7]
            changed = np.union1d(u, leaving_a)
            window = self.attempts_7_total[changed].astype(np.int64)
            window[np.searchsorted(changed, leaving_a)] -= leaving_c
            for a, v in zip(changed.tolist(), window.tolist()):
                recent[a] = v
        att = self.attempts_today
        for a in u.tolist():  # only the accounts dialed have attempts to reset (not n a day)
            att[a] = 0
        return u

    def attempts_last_6_days(self, day: int) -> np.ndarray:
        """Attempts per account on calendar days day-6 .. day-1 (called before day is filed)."""
        prev6 = self.attempts_7_total.copy()
        old_a, old_c = self.day_dials[day % 7]  # still holds day - 7
        if len(old_a):
            prev6[old_a] -= old_c
        return prev6
