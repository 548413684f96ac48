"""Today's call lists: per bucket (segment x time zone) a fresh list in list-strategy order and a
queue of same-day retries by ready time, so the dialer can take the accounts whose local clock
is inside the calling window without scanning anything.

One line per account: an account is on at most one of today's fresh list, the retry queue or a
line (a call from its placing to the end of its ring and talk), because a retry is filed only by
the settling of the account's line, and ready only after that line has ended. The one place a
second could arise is the new day's list, made at midnight while calls may still be going on:
:meth:`CallLists.rebuild` leaves the accounts on a line then (:meth:`CallLists.file_lines`) off
it. Such an account keeps what its line gave it instead: the retry its settling filed, or, for a
call not settled yet (a predictive call still ringing or waiting for a collector), the retry its
settling will file. So every dialer mode, the retry queue and the new list keep the rule without
a check per dial."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import DAY_S, HOUR_S
from ..base.outcomes import OUTCOME_NAMES
from ..base.rng import Streams
from ..scenario.schema import Scenario
from .dial_log import float_rows
from .list_order import ListOrder
from .portfolio import OPEN, Portfolio
from .retry_queue import ACCOUNT_MASK, RetryQueue, due_limit, key_time_s, retry_key
from .strategy import StrategyTree

if TYPE_CHECKING:  # pragma: no cover
    from .behaviour import AccountBehaviour


class CallLists:
    """Per bucket: today's fresh list and a queue of retries by ready time (RetryQueue).

    The fresh list of bucket ``b`` is ``fresh[b][head[b]:]`` (taking an account moves the head;
    no list is ever shifted).
    """

    __slots__ = (
        "abandon_block_s",
        "call_mask",
        "cap_7",
        "fresh",
        "head",
        "helping",
        "lines",
        "max_per_day",
        "on_line",
        "order",
        "p",
        "pending",
        "recycle_s",
        "served",
        "retry",
        "retry_delay_s",
        "rng",
        "scenario",
        "spent",
        "strategy",
        "tree",
    )

    def __init__(
        self,
        scenario: Scenario,
        portfolio: Portfolio,
        streams: Streams,
        behaviour: AccountBehaviour | None = None,
        first_measured_day: int = 0,
    ) -> None:
        self.p = portfolio
        self.scenario = scenario
        # the [strategy] block's rules (world/strategy.py); None without one. Its team treatments
        # add buckets to the portfolio's (world/strategy_teams.py), so it comes first.
        self.tree = (
            StrategyTree(scenario, portfolio, first_measured_day) if scenario.strategy is not None else None
        )
        nb = len(portfolio.bucket_segment)
        self.fresh: list[list[int]] = [[] for _ in range(nb)]
        self.head: list[int] = [0] * nb
        # Today's eligible accounts not yet served to the fresh list: (accounts in ascending
        # order, keys, priority), less the positions in served[b] (the last helping, dropped
        # from the arrays by the next refill).
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [
            (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int8)) for _ in range(nb)
        ]
        self.served: list[np.ndarray | None] = [None] * nb
        self.helping: list[int] = [self.MIN_HELPING] * nb
        self.retry: list[RetryQueue] = [RetryQueue() for _ in range(nb)]
        att, comp = scenario.attempts, scenario.compliance
        self.max_per_day = att.max_per_day
        delays = [att.retry_delay_min * 60.0] * len(OUTCOME_NAMES)
        for k, v in att.retry_delay_by_outcome_min.items():
            delays[OUTCOME_NAMES.index(k)] = v * 60.0
        self.retry_delay_s = delays  # by outcome (the rpc entry is never used: no same-day retry)
        self.recycle_s = att.recycle_after_days * DAY_S
        self.strategy = scenario.dialer.list_order
        self.rng = streams.generator("lists/order")
        self.order = ListOrder(scenario, portfolio, self.rng, behaviour)
        # rule packs (compliance.rules) replace the 7-in-7 count: the rule engine enforces them
        self.cap_7 = comp.max_attempts_in_7_days if comp.enforce_7_in_7 and not comp.rules else 1 << 30
        self.abandon_block_s = (
            comp.no_redial_after_abandon_h * HOUR_S if comp.enforce_no_redial_after_abandon else 0.0
        )
        # (account, end s) of dials that used up the account's attempts for the day
        # (DialKernel.finish): recycled (blocked_until_s raised) in one batch at midnight by
        # file_spent. Exact: every write of blocked_until_s is a max, and the only read that can
        # see the difference is the next rebuild, which comes after file_spent.
        self.spent: list[tuple[int, float]] = []
        # Settled lines that ran past a midnight, account -> when the line ends (s), and the
        # accounts on a line at the last midnight (file_lines), which rebuild keeps off the list.
        self.lines: dict[int, float] = {}
        self.on_line: list[int] = []
        # calendar day -> the accounts the dialer may call that day (contact paths); None: all
        self.call_mask: Callable[[int], np.ndarray] | None = None

    def rebuild(self, day: int) -> None:
        """Start a calling day: every open account not blocked (nor held by a strategy rule)
        goes on its bucket's list.

        Order: promise reminders and (if configured) broken promises first, then the strategy
        rules' priorities (world/strategy.py), then the list order (world/list_order.py), then
        account number. An account on a line at midnight (file_lines) is left off; if it would
        have been listed it keeps its pending retry (every other retry of yesterday is
        dropped), else it gets nothing today but what its line's settling files.
        """
        p, day_start = self.p, day * DAY_S
        # attempts_today went back to 0 for yesterday's accounts when the day was filed (record_day)
        allowed = np.minimum(self.max_per_day, np.maximum(0, self.cap_7 - p.attempts_last_6_days(day)))
        changed = np.flatnonzero(allowed != p.allowed_np)
        if len(changed):  # the Python list follows the array where it changed (not n items a day)
            lst = p.allowed_today
            for a, v in zip(changed.tolist(), allowed[changed].tolist()):
                lst[a] = v
            p.allowed_np = allowed
        ok = (((p.status == OPEN) & (p.blocked_until_s <= day_start)) | (p.reminder_due == 1)) & (allowed > 0)
        tree = self.tree
        if tree is not None:  # the rules' holds leave accounts off today's list
            tree.hold(day, ok)
        if self.call_mask is not None:  # contact paths and suppressions (world/channel_paths.py)
            ok &= self.call_mask(day)
        held = None
        if self.on_line:
            on = np.asarray(self.on_line, dtype=np.int64)
            held = set(on[ok[on]].tolist())
            ok[on] = False
        idx = np.flatnonzero(ok)
        if tree is not None and tree.teams is not None:  # to the buckets of the rules' teams
            tree.teams.route(idx, tree.rule[idx])
        buckets = p.bucket[idx]
        broken_first = self.scenario.attempts.broken_promise_first
        if tree is not None:
            first, key = tree.first_and_key(idx, broken_first, self.order)
        else:
            first = np.where(p.reminder_due[idx] == 1, 2, p.priority[idx] if broken_first else 0).astype(
                np.int8
            )
            if len(self.strategy) == 1:
                key = self.order.key(self.strategy[0], idx)
            else:
                key = self.order.ranked(self.strategy, idx, buckets)
        for b in range(len(self.fresh)):
            mine = buckets == b
            # Yesterday's use of the bucket sizes today's first helping (see refill).
            self.helping[b] = max(self.MIN_HELPING, 2 * self.head[b])
            self.pending[b] = (idx[mine], key[mine], first[mine])
            self.served[b] = None
            self.fresh[b] = []
            self.head[b] = 0
            self.retry[b].clear(held)
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
            counts = np.bincount(first)
            for g in range(len(counts) - 1, -1, -1):
                n_g = int(counts[g])
                if not n_g:
                    continue
                if n_g <= need:
                    pick_parts.append(np.flatnonzero(first == g))
                    need -= n_g
                    if not need:
                        break
                    continue
                if n_g == m:  # one group (the usual case): no gather
                    pos, kg = None, key
                else:
                    pos = np.flatnonzero(first == g)
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

    def file_lines(
        self, acct: np.ndarray, line_end_s: np.ndarray, in_flight: Collection[int], now: float
    ) -> None:
        """At midnight ``now`` (s): note the accounts on a line, for the rebuild that follows.
        ``acct``, ``line_end_s``: the closing day's dials and when each one's ring and talk end;
        ``in_flight``: accounts whose call is placed and not yet settled (Dialer.lines_in_flight)."""
        lines = self.lines
        late = np.flatnonzero(line_end_s > now)
        for a, end in zip(acct[late].tolist(), line_end_s[late].tolist()):
            if end > lines.get(a, -np.inf):
                lines[a] = end
        if lines:
            for a in [a for a, end in lines.items() if end <= now]:
                del lines[a]
        self.on_line = sorted(set(lines).union(in_flight)) if lines or in_flight else []

    def file_spent(self) -> None:
        """Recycle the accounts that used up their attempts: no dial before ``recycle_after_days``
        after the start of the day their last call ended (called at each midnight)."""
        if self.spent:
            e = float_rows(self.spent, 2)
            a, end = e[:, 0].astype(np.int64), e[:, 1]
            np.maximum.at(self.p.blocked_until_s, a, end // DAY_S * DAY_S + self.recycle_s)
            self.spent.clear()
