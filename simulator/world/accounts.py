"""The portfolio: accounts of every segment, their state, and the daily call lists.

Accounts live in *buckets*: one per (segment, time zone). Each bucket has today's fresh list
(in list-strategy order) and a calendar queue of same-day retries by ready time, so the dialer can pick
the accounts whose local clock is inside the calling window without scanning anything.
"""
from __future__ import annotations

import math
from bisect import insort
from heapq import heappop, heappush
from operator import neg

import numpy as np

from ..rng import Streams
from ..scenario.schema import Scenario
from .calendar import DAY_S
from .dial_log import float_rows

OPEN, PROMISED, PAID = 0, 1, 2
"""Account status: on the lists; holding a promise until its due date; paid (off the lists)."""

TICKS_PER_S = 1024
"""Retry queues hold one int per retry: (ready time in ticks, rounded up) << 32 | account. Ints
compare several times faster than (time, account) tuples, and a retry is never early."""
ACCOUNT_MASK = (1 << 32) - 1


def retry_key(ready_s: float, a: int) -> int:
    """Heap key of a retry of account ``a`` ready at ``ready_s`` seconds."""
    return (math.ceil(ready_s * TICKS_PER_S) << 32) | a


def due_limit(now: float) -> int:
    """Keys below this are ready at ``now``."""
    return (int(now * TICKS_PER_S) + 1) << 32


def key_time_s(key: int) -> float:
    """The ready time (s) of a retry key."""
    return (key >> 32) / TICKS_PER_S


class RetryQueue:
    """One bucket's same-day retries, earliest key first: a calendar queue.

    A binary heap of tens of thousands of retries (a 1000-seat center) costs a pointer-chasing
    sift of ~15 levels per pop, which was the largest per-dial cost that grew with the center.
    Here retries wait unsorted in slots of ``2**(SLOT_BITS - 32)`` ticks (256 s) and a slot is
    sorted once, by C code, when it becomes the earliest; a pop is then ``list.pop()``. (Slots
    of 64 s cost a load per four pops at 10 collectors; at 1000 a 256-s slot holds ~1,500.)

    ``due`` holds the earliest slots' keys in descending order, so ``due[-1]`` is the earliest
    key of the whole queue and the hot loops read and pop it inline:

        if due and due[-1] < limit:
            a = due.pop() & ACCOUNT_MASK
            if not due and q.slots:
                q.load()

    Invariants: every key in ``due`` is below ``end``, every key in ``far`` is at or above it,
    and ``due`` is empty only when the whole queue is. Pops come out in exactly the order of
    a heap of the same keys.
    """

    __slots__ = ('due', 'end', 'far', 'slots')

    SLOT_BITS = 32 + 18

    def __init__(self) -> None:
        self.due: list[int] = []            # descending
        self.end = 0                        # keys below this belong in due
        self.far: dict[int, list[int]] = {}  # slot -> its keys, unsorted
        self.slots: list[int] = []          # heap of far's slots

    def __len__(self) -> int:
        return len(self.due) + sum(map(len, self.far.values()))

    def push(self, key: int) -> None:
        """Add a retry key (retry_key())."""
        if key >= self.end:
            if self.due:
                s = key >> self.SLOT_BITS
                lst = self.far.get(s)
                if lst is None:
                    self.far[s] = [key]
                    heappush(self.slots, s)
                else:
                    lst.append(key)
                return
            self.end = ((key >> self.SLOT_BITS) + 1) << self.SLOT_BITS
        insort(self.due, key, key=neg)

    def peek(self) -> int | None:
        """The earliest key, or None when empty."""
        return self.due[-1] if self.due else None

    def pop(self) -> int:
        """Remove and return the earliest key (the queue must not be empty)."""
        due = self.due
        k = due.pop()
        if not due and self.slots:
            self.load()
        return k

    def load(self) -> None:
        """Move the earliest far slot into the empty ``due``."""
        s = heappop(self.slots)
        lst = self.far.pop(s)
        lst.sort(reverse=True)
        self.due.extend(lst)
        self.end = (s + 1) << self.SLOT_BITS

    def clear(self) -> None:
        self.due.clear()
        self.end = 0
        self.far.clear()
        self.slots.clear()


class Portfolio:
    """All accounts in one set of arrays; account ``a`` belongs to segment ``segment[a]`` and
    bucket ``bucket[a]``.

    Hot per-dial state lives in Python lists (several times faster than numpy for one element at
    a time); state read only when the day's lists are rebuilt lives in numpy arrays.
    """

    __slots__ = ('allowed_np', 'allowed_today', 'attempts_7_total', 'attempts_today', 'balance', 'blocked_until_s', 'bucket',
                 'bucket_list', 'bucket_offset_s', 'bucket_segment', 'day_dials', 'days_past_due', 'first',
                 'last_abandon_s', 'last_attempt_s', 'last_conversation_end_s', 'n', 'priority',
                 'reminder_due', 'risk_score', 'segment', 'segment_buckets', 'segment_list', 'status')

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
        # Attempts in the last 7 calendar days: enforces and measures "at most N attempts in any
        # 7 consecutive days". The accounts dialed on calendar day d and their counts sit in slot
        # d % 7 of a ring, so filing a day costs the accounts dialed, not the portfolio.
        self.attempts_7_total = np.zeros(n, dtype=np.int32)
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))
        self.day_dials: list[tuple[np.ndarray, np.ndarray]] = [empty] * 7
        self.allowed_np = np.zeros(n, dtype=np.int32)   # allowed_today as an array

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
        att = self.attempts_today
        for a in u.tolist():   # only the accounts dialed have attempts to reset (not n a day)
            att[a] = 0
        return u

    def attempts_last_6_days(self, day: int) -> np.ndarray:
        """Attempts per account on calendar days day-6 .. day-1 (called before day is filed)."""
        prev6 = self.attempts_7_total.copy()
        old_a, old_c = self.day_dials[day % 7]   # still holds day - 7
        if len(old_a):
            prev6[old_a] -= old_c
        return prev6


class CallLists:
    """Per bucket: today's fresh list and a queue of retries by ready time (RetryQueue).

    The fresh list of bucket ``b`` is ``fresh[b][head[b]:]`` (taking an account moves the head;
    no list is ever shifted).
    """

    __slots__ = ('abandon_block_s', 'cap_7', 'fresh', 'head', 'helping', 'max_per_day', 'p', 'pending', 'recycle_s', 'served',
                 'retry', 'retry_delay_s', 'rng', 'scenario', 'spent', 'strategy')

    def __init__(self, scenario: Scenario, portfolio: Portfolio, streams: Streams) -> None:
        self.p = portfolio
        self.scenario = scenario
        nb = len(portfolio.bucket_segment)
        self.fresh: list[list[int]] = [[] for _ in range(nb)]
        self.head: list[int] = [0] * nb
        # Today's eligible accounts not yet served to the fresh list: (accounts in ascending
        # order, keys, priority), less the positions in served[b] (the last helping, dropped
        # from the arrays by the next refill).
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [
            (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int8)) for _ in range(nb)]
        self.served: list[np.ndarray | None] = [None] * nb
        self.helping: list[int] = [self.MIN_HELPING] * nb
        self.retry: list[RetryQueue] = [RetryQueue() for _ in range(nb)]
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
        # (account, end s) of dials that used up the account's attempts for the day: recycled
        # (blocked_until_s raised) in one batch at midnight by file_spent. Exact: every write
        # of blocked_until_s is a max, and the only read that can see the difference is the
        # next rebuild, which comes after file_spent.
        self.spent: list[tuple[int, float]] = []

    def rebuild(self, day: int) -> None:
        """Start a calling day: every open account not blocked goes on its bucket's list.

        Order: promise reminders and (if configured) broken promises first, then the list
        strategy, then account number.
        """
        p, day_start = self.p, day * DAY_S
        # attempts_today went back to 0 for yesterday's accounts when the day was filed (record_day)
        allowed = np.minimum(self.max_per_day, np.maximum(0, self.cap_7 - p.attempts_last_6_days(day)))
        changed = np.flatnonzero(allowed != p.allowed_np)
        if len(changed):   # the Python list follows the array where it changed (not n items a day)
            lst = p.allowed_today
            for a, v in zip(changed.tolist(), allowed[changed].tolist()):
                lst[a] = v
            p.allowed_np = allowed
        ok = (((p.status == OPEN) & (p.blocked_until_s <= day_start)) | (p.reminder_due == 1)) & (allowed > 0)
        idx = np.flatnonzero(ok)
        first = np.where(p.reminder_due[idx] == 1, 2,
                         p.priority[idx] if self.scenario.attempts.broken_promise_first else 0).astype(np.int8)
        key = {
            "least_recent": lambda i: p.last_attempt_s[i],
            "best_time": lambda i: p.last_attempt_s[i],
            "balance": lambda i: -p.balance[i],
            "risk_score": lambda i: -p.risk_score[i],
            "days_past_due": lambda i: p.days_past_due[i],
            "random": lambda i: self.rng.random(len(i)),
        }[self.strategy](idx)
        buckets = p.bucket[idx]
        for b in range(len(self.fresh)):
            mine = buckets == b
            # Yesterday's use of the bucket sizes today's first helping (see refill).
            self.helping[b] = max(self.MIN_HELPING, 2 * self.head[b])
            self.pending[b] = (idx[mine], key[mine], first[mine])
            self.served[b] = None
            self.fresh[b] = []
            self.head[b] = 0
            self.retry[b].clear()
            self.refill(b)

    MIN_HELPING = 2000

    def refill(self, b: int) -> bool:
        """Move the next ``helping[b]`` accounts of bucket ``b``, in list order, from today's
        pending accounts to the end of its fresh list; False if none was left.

        Only what the day will use gets sorted: the best ``helping`` of the pending accounts
        are selected in linear time and only they are sorted, so a day costs about the accounts
        dialed rather than the portfolio (a month-long run over millions of accounts stays
        linear). The order is exactly that of sorting the whole list once at midnight.
        """
        idx, key, first = self.pending[b]
        served = self.served[b]
        if served is not None:
            # The previous helping leaves the pending arrays only now: most days need one
            # helping, and the next rebuild replaces the arrays without compressing them.
            keep = np.ones(len(idx), dtype=bool)
            keep[served] = False
            idx, key, first = self.pending[b] = (idx[keep], key[keep], first[keep])
            self.served[b] = None
        m = len(idx)
        if not m:
            return False
        k = self.helping[b]
        if m <= k:
            pick = np.arange(m)
        else:
            # The k smallest by (-first, key, account): whole priority groups first, then the
            # group that straddles k by key, ties on the boundary key by account number. The
            # pending accounts are in ascending account order (rebuild and the compression
            # above keep it), so the first tied positions are the lowest account numbers: no
            # sort of the ties, which can be most of the portfolio (never-dialed accounts all
            # have last_attempt_s = -inf).
            pick_parts = []
            need = k
            for g in (2, 1, 0):
                in_g = first == g
                n_g = int(np.count_nonzero(in_g))
                if not n_g:
                    continue
                if n_g <= need:
                    pick_parts.append(np.flatnonzero(in_g))
                    need -= n_g
                    if not need:
                        break
                    continue
                if n_g == m:   # one group (the usual case): no gather
                    pos, kg = None, key
                else:
                    pos = np.flatnonzero(in_g)
                    kg = key[pos]
                # The boundary key: np.partition is slow on many equal keys, so it runs only
                # when the smallest key (never-dialed accounts under least_recent) falls short.
                v = kg.min()
                at_v = kg == v
                if np.count_nonzero(at_v) < need:
                    v = np.partition(kg, need - 1)[need - 1]
                    at_v = kg == v
                below = np.flatnonzero(kg < v)
                tied = np.flatnonzero(at_v)[: need - len(below)]
                if pos is not None:
                    below, tied = pos[below], pos[tied]
                pick_parts.extend((below, tied))
                break
            pick = np.concatenate(pick_parts)
        chosen = pick[np.lexsort((idx[pick], key[pick], -first[pick].astype(np.int16)))]
        self.fresh[b].extend(idx[chosen].tolist())
        if m > k:
            self.served[b] = pick
            self.helping[b] = 2 * k
        else:
            self.pending[b] = (idx[:0], key[:0], first[:0])
        return True

    def pending_left(self, b: int) -> int:
        """Today's eligible accounts of bucket ``b`` not yet served to its fresh list."""
        served = self.served[b]
        return len(self.pending[b][0]) - (0 if served is None else len(served))

    def take(self, b: int, now: float) -> int | None:
        """The next account of bucket ``b`` to dial at ``now``, or None if none is ready."""
        q = self.retry[b]
        if q.due and q.due[-1] < due_limit(now):
            return q.pop() & ACCOUNT_MASK
        h = self.head[b]
        f = self.fresh[b]
        if h < len(f) or self.refill(b):
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
            self.retry[b].push(retry_key(now, a))

    def fresh_left(self, b: int) -> int:
        """Accounts left on bucket ``b``'s fresh list."""
        return len(self.fresh[b]) - self.head[b] + self.pending_left(b)

    def next_ready_s(self, b: int) -> float:
        """When bucket ``b`` next has an account ready today (-inf: now; inf: not today)."""
        if self.head[b] < len(self.fresh[b]) or self.pending_left(b):
            return -np.inf
        k = self.retry[b].peek()
        return np.inf if k is None else key_time_s(k)

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
            self.retry[p.bucket_list[a]].push(
                (math.ceil((end_s + self.retry_delay_s[outcome]) * TICKS_PER_S) << 32) | a)
        else:
            self.spent.append((a, end_s))

    def file_spent(self) -> None:
        """Recycle the accounts that used up their attempts: no dial before ``recycle_after_days``
        after the start of the day their last call ended (called at each midnight)."""
        if self.spent:
            e = float_rows(self.spent, 2)
            a, end = e[:, 0].astype(np.int64), e[:, 1]
            np.maximum.at(self.p.blocked_until_s, a, end // DAY_S * DAY_S + self.recycle_s)
            self.spent.clear()
