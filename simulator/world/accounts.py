"""The portfolio: accounts of every segment, their state, and the daily call lists.

Accounts live in *buckets*: one per (segment, time zone). Each bucket has today's fresh list
(in list-strategy order) and a heap of same-day retries by ready time, so the dialer can pick
the accounts whose local clock is inside the calling window without scanning anything.
"""
from __future__ import annotations

import heapq
import math

import numpy as np

from ..rng import Streams
from ..scenario.schema import Scenario
from .calendar import DAY_S

OPEN, PROMISED, PAID = 0, 1, 2
"""Account status: on the lists; holding a promise until its due date; paid (off the lists)."""

TICKS_PER_S = 1024
"""Retry heaps hold one int per retry: (ready time in ticks, rounded up) << 32 | account. Ints
compare several times faster than (time, account) tuples, and a retry is never early."""
ACCOUNT_MASK = (1 << 32) - 1


def retry_key(ready_s: float, a: int) -> int:
    """Heap key of a retry of account ``a`` ready at ``ready_s`` seconds."""
    return (math.ceil(ready_s * TICKS_PER_S) << 32) | a


def due_limit(now: float) -> int:
    """Keys below this are ready at ``now``."""
    return (int(now * TICKS_PER_S) + 1) << 32


def key_time_s(key: int) -> float:
    """The ready time (s) of a heap key."""
    return (key >> 32) / TICKS_PER_S


class Portfolio:
    """All accounts in one set of arrays; account ``a`` belongs to segment ``segment[a]`` and
    bucket ``bucket[a]``.

    Hot per-dial state lives in Python lists (several times faster than numpy for one element at
    a time); state read only when the day's lists are rebuilt lives in numpy arrays.
    """

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        names = scenario.segment_names
        sizes = [scenario.segments[s].accounts for s in names]
        self.n = n = int(sum(sizes))
        self.segment = np.repeat(np.arange(len(names), dtype=np.int32), sizes)
        self.segment_list: list[int] = self.segment.tolist()
        self.first = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.balance = np.empty(n)
        self.risk_score = np.empty(n)
        self.days_past_due = np.empty(n)
        self.bucket = np.empty(n, dtype=np.int32)
        # Buckets: (segment, time-zone offset in seconds), numbered segment by segment.
        self.bucket_segment: list[int] = []
        self.bucket_offset_s: list[float] = []
        self.segment_buckets: list[list[int]] = []
        for i, s in enumerate(names):
            seg = scenario.segments[s]
            lo, hi = int(self.first[i]), int(self.first[i + 1])
            self.balance[lo:hi] = seg.balance_usd.sample(streams.generator(f"portfolio/{s}/balance"), hi - lo)
            self.risk_score[lo:hi] = seg.risk_score.sample(streams.generator(f"portfolio/{s}/risk_score"), hi - lo)
            self.days_past_due[lo:hi] = seg.days_past_due.sample(streams.generator(f"portfolio/{s}/dpd"), hi - lo)
            tz = seg.time_zones
            w = np.asarray(tz.weights, dtype=float)
            zone = streams.generator(f"portfolio/{s}/tz").choice(len(w), hi - lo, p=w / w.sum())
            base = len(self.bucket_segment)
            self.segment_buckets.append(list(range(base, base + len(w))))
            for off in tz.offsets_h:
                self.bucket_segment.append(i)
                self.bucket_offset_s.append(off * 3600.0)
            self.bucket[lo:hi] = base + zone
        self.bucket_list: list[int] = self.bucket.tolist()
        self.status = np.zeros(n, dtype=np.int8)
        self.priority = np.zeros(n, dtype=np.int8)          # 1: broken promise awaiting follow-up
        self.blocked_until_s = np.full(n, -np.inf)           # no dial before this (rules and recycling)
        self.last_attempt_s = np.full(n, -np.inf)
        self.last_conversation_end_s: list[float] = [-np.inf] * n
        self.last_abandon_s: list[float] = [-np.inf] * n
        self.reminder_due = np.zeros(n, dtype=np.int8)      # 1: a promise-confirmation call is due today
        self.attempts_today: list[int] = [0] * n
        self.allowed_today: list[int] = [0] * n
        # Attempts per calendar day for the last 7 days (ring buffer by day % 7): enforces and
        # measures "at most N attempts in any 7 consecutive days".
        self.attempts_7 = np.zeros((n, 7), dtype=np.int16)
        self.attempts_7_total = np.zeros(n, dtype=np.int32)  # running sum of the 7 columns

    def record_day(self, day: int, accounts: np.ndarray) -> None:
        """File calendar day ``day``'s attempts (one entry per dial) in the 7-day ring buffer."""
        col = day % 7
        today = np.zeros(self.n, dtype=np.int16) if not len(accounts) else \
            np.minimum(np.bincount(accounts, minlength=self.n), np.iinfo(np.int16).max).astype(np.int16)
        self.attempts_7_total += today.astype(np.int32) - self.attempts_7[:, col]
        self.attempts_7[:, col] = today


class CallLists:
    """Per bucket: today's fresh list and a heap of retries by ready time.

    The fresh list of bucket ``b`` is ``fresh[b][head[b]:]`` (taking an account moves the head;
    no list is ever shifted).
    """

    def __init__(self, scenario: Scenario, portfolio: Portfolio, streams: Streams) -> None:
        self.p = portfolio
        self.scenario = scenario
        nb = len(portfolio.bucket_segment)
        self.fresh: list[list[int]] = [[] for _ in range(nb)]
        self.head: list[int] = [0] * nb
        self.retry: list[list[int]] = [[] for _ in range(nb)]   # heaps of retry_key()
        att, comp = scenario.attempts, scenario.compliance
        self.max_per_day = att.max_per_day
        delays = [att.retry_delay_min * 60.0] * 7
        names = ("no_answer", "busy", "machine", "invalid", "third_party", "rpc", "abandoned")
        for k, v in att.retry_delay_by_outcome_min.items():
            delays[names.index(k)] = v * 60.0
        self.retry_delay_s = delays
        self.recycle_s = att.recycle_after_days * DAY_S
        self.strategy = scenario.dialer.list_strategy
        self.rng = streams.generator("lists/order")
        self.cap_7 = comp.max_attempts_in_7_days if comp.enforce_7_in_7 else 1 << 30
        self.abandon_block_s = comp.no_redial_after_abandon_h * 3600.0 if comp.enforce_no_redial_after_abandon else 0.0

    def rebuild(self, day: int) -> None:
        """Start a calling day: every open account not blocked goes on its bucket's list.

        Order: promise reminders and (if configured) broken promises first, then the list
        strategy, then account number.
        """
        p, day_start = self.p, day * DAY_S
        n = p.n
        p.attempts_today = [0] * n
        prev6 = p.attempts_7_total - p.attempts_7[:, day % 7]   # the column holds day - 7
        allowed = np.minimum(self.max_per_day, np.maximum(0, self.cap_7 - prev6))
        p.allowed_today = allowed.tolist()
        ok = (((p.status == OPEN) & (p.blocked_until_s <= day_start)) | (p.reminder_due == 1)) & (allowed > 0)
        first = np.where(p.reminder_due == 1, 2, p.priority if self.scenario.attempts.broken_promise_first else 0)
        idx = np.flatnonzero(ok)
        key = {
            "least_recent": lambda i: p.last_attempt_s[i],
            "best_time": lambda i: p.last_attempt_s[i],
            "balance": lambda i: -p.balance[i],
            "risk_score": lambda i: -p.risk_score[i],
            "days_past_due": lambda i: p.days_past_due[i],
            "random": lambda i: self.rng.random(len(i)),
        }[self.strategy](idx)
        order = idx[np.lexsort((idx, key, -first[idx]))]
        buckets = p.bucket[order]
        for b in range(len(self.fresh)):
            self.fresh[b] = order[buckets == b].tolist()
            self.head[b] = 0
            self.retry[b] = []

    def take(self, b: int, now: float) -> int | None:
        """The next account of bucket ``b`` to dial at ``now``, or None if none is ready."""
        r = self.retry[b]
        if r and r[0] < due_limit(now):
            return heapq.heappop(r) & ACCOUNT_MASK
        h = self.head[b]
        f = self.fresh[b]
        if h < len(f):
            self.head[b] = h + 1
            return f[h]
        return None

    def put_back(self, a: int, now: float) -> None:
        """Return account ``a``, taken but not dialed, to the front of its bucket's list."""
        b = self.p.bucket_list[a]
        h = self.head[b]
        if h and self.fresh[b][h - 1] == a:
            self.head[b] = h - 1
        else:  # it was a retry: ready again now
            heapq.heappush(self.retry[b], retry_key(now, a))

    def fresh_left(self, b: int) -> int:
        """Accounts left on bucket ``b``'s fresh list."""
        return len(self.fresh[b]) - self.head[b]

    def next_ready_s(self, b: int) -> float:
        """When bucket ``b`` next has an account ready today (-inf: now; inf: not today)."""
        if self.head[b] < len(self.fresh[b]):
            return -np.inf
        r = self.retry[b]
        return key_time_s(r[0]) if r else np.inf

    def after_attempt(self, a: int, end_s: float, outcome: int) -> None:
        """Bookkeeping once account ``a`` has been dialed; the call ends at ``end_s``.

        A right-party contact leaves the lists (the conversation rules block it); anything else
        is retried the same day after the outcome's retry delay while attempts remain, and
        otherwise waits recycle_after_days before it returns.
        """
        p = self.p
        n = p.attempts_today[a] + 1
        p.attempts_today[a] = n
        if outcome == 5:
            return
        if outcome == 6 and self.abandon_block_s:
            p.blocked_until_s[a] = max(p.blocked_until_s[a], end_s + self.abandon_block_s)
            return
        if n < p.allowed_today[a]:
            # retry_key(), inlined (once per dial)
            heapq.heappush(self.retry[p.bucket_list[a]],
                           (math.ceil((end_s + self.retry_delay_s[outcome]) * TICKS_PER_S) << 32) | a)
        else:
            day_start = (end_s // DAY_S) * DAY_S
            p.blocked_until_s[a] = max(p.blocked_until_s[a], day_start + self.recycle_s)
