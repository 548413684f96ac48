"""The portfolio: accounts of every segment, their state, and the daily call lists."""
from __future__ import annotations

import heapq
from collections import deque

import numpy as np

from ..rng import Streams
from ..scenario.schema import Scenario

OPEN, PROMISED, PAID = 0, 1, 2
"""Account status: on the lists; holding a promise until its due date; paid (off the lists)."""


class Portfolio:
    """All accounts in one set of arrays; account ``a`` belongs to segment ``segment[a]``.

    Hot per-dial state (attempts today) lives in Python lists, which are several times faster
    than numpy for one element at a time; state read only when the day's lists are rebuilt lives
    in numpy arrays.
    """

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        names = scenario.segment_names
        sizes = [scenario.segments[s].accounts for s in names]
        self.n = int(sum(sizes))
        self.segment = np.repeat(np.arange(len(names), dtype=np.int32), sizes)
        self.segment_list: list[int] = self.segment.tolist()
        self.first = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        balance = np.empty(self.n)
        for i, s in enumerate(names):
            rng = streams.generator(f"portfolio/{s}/balance")
            balance[self.first[i]:self.first[i + 1]] = scenario.segments[s].balance_usd.sample(rng, sizes[i])
        self.balance = balance
        self.status = np.zeros(self.n, dtype=np.int8)
        self.priority = np.zeros(self.n, dtype=np.int8)        # 1: broken promise awaiting follow-up
        self.blocked_until_s = np.full(self.n, -np.inf)         # no dial before this (after a conversation)
        self.last_attempt_s = np.full(self.n, -np.inf)
        self.attempts_today: list[int] = [0] * self.n
        self.ever_dialed = np.zeros(self.n, dtype=bool)


class CallLists:
    """Per segment: today's fresh list (in list-strategy order) and a heap of retries by ready time."""

    def __init__(self, portfolio: Portfolio, n_segments: int, max_per_day: int, retry_delay_s: float,
                 broken_first: bool) -> None:
        self.p = portfolio
        self.fresh: list[deque[int]] = [deque() for _ in range(n_segments)]
        self.retry: list[list[tuple[float, int]]] = [[] for _ in range(n_segments)]
        self.max_per_day = max_per_day
        self.retry_delay_s = retry_delay_s
        self.broken_first = broken_first

    def rebuild(self, day_start_s: float) -> None:
        """Start a calling day: every open, unblocked account goes on its segment's list.

        Order: broken promises first (if configured), then least recently attempted, then
        account number, so the list rotates through the portfolio day after day.
        """
        p = self.p
        p.attempts_today = [0] * p.n
        for s in range(len(self.fresh)):
            lo, hi = int(p.first[s]), int(p.first[s + 1])
            ok = (p.status[lo:hi] == OPEN) & (p.blocked_until_s[lo:hi] <= day_start_s)
            idx = np.flatnonzero(ok)
            last = p.last_attempt_s[lo:hi][idx]
            if self.broken_first:
                order = np.lexsort((idx, last, -p.priority[lo:hi][idx]))
            else:
                order = np.lexsort((idx, last))
            self.fresh[s] = deque((idx[order] + lo).tolist())
            self.retry[s] = []

    def next_account(self, s: int, now: float) -> int | None:
        """The next account of segment ``s`` to dial at time ``now``, or None if none is ready."""
        r = self.retry[s]
        if r and r[0][0] <= now:
            return heapq.heappop(r)[1]
        f = self.fresh[s]
        if f:
            return f.popleft()
        return None

    def next_ready_s(self, s: int) -> float:
        """When segment ``s`` will next have an account ready (inf if not today)."""
        if self.fresh[s]:
            return -np.inf
        r = self.retry[s]
        return r[0][0] if r else np.inf

    def after_attempt(self, a: int, s: int, end_s: float, rpc: bool) -> None:
        """Bookkeeping once account ``a`` has been dialed; the call ends at ``end_s``."""
        p = self.p
        n = p.attempts_today[a] + 1
        p.attempts_today[a] = n
        if not rpc and n < self.max_per_day:
            heapq.heappush(self.retry[s], (end_s + self.retry_delay_s, a))
