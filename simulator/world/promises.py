"""Promises to pay: filed by due date when a conversation ends in one, and settled, kept or
broken, in one place (:func:`settle_due`) at the close of their due day."""
from __future__ import annotations

from collections import defaultdict
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from .portfolio import OPEN, PAID

if TYPE_CHECKING:  # pragma: no cover
    from .state import WorldState

# A promise is a small list, so a confirmation call can raise its keep probability in place:
# [collector, account, segment, amount_usd, u_keep, p_keep, arrangement]. It is kept iff
# u_keep < min(1, p_keep). ``arrangement`` is None for a promise taken in a conversation, or the
# object of the special task whose payment it is (a plan installment, a settlement, a re-age):
# that task's ``on_promise_due`` says what follows.
COLL, ACCT, SEG, AMOUNT, U_KEEP, P_KEEP, ARRANGEMENT = range(7)
_NUMBERS = itemgetter(COLL, ACCT, SEG, AMOUNT, U_KEEP, P_KEEP)


class PromiseBook:
    """Open promises filed by due day; settled in one batch per day, not one process each."""

    __slots__ = ("by_due_day", "by_account", "open", "last_due_day", "track")

    def __init__(self, track_accounts: bool = True) -> None:
        self.by_due_day: dict[int, list[list]] = defaultdict(list)
        # account -> its open promise, for confirmation calls that firm it up; kept only when
        # such calls can happen (an untracked book saves a dict entry per promise)
        self.by_account: dict[int, list] = {}
        self.track = track_accounts
        self.open = 0
        self.last_due_day = -1

    def add(self, due_day: int, collector: int, account: int, segment: int, amount: float,
            u_keep: float, p_keep: float, arrangement: object = None) -> None:
        """File a promise of ``amount`` US dollars due on calendar day ``due_day``."""
        entry = [collector, account, segment, amount, u_keep, p_keep, arrangement]
        self.by_due_day[due_day].append(entry)
        if self.track:
            self.by_account[account] = entry
        self.open += 1
        if due_day > self.last_due_day:
            self.last_due_day = due_day

    def due_on(self, day: int) -> list[list]:
        """Promises falling due on ``day`` (not removed)."""
        return self.by_due_day.get(day, [])

    def take_due(self, day: int) -> list[list]:
        """Remove and return the promises falling due on ``day``."""
        items = self.by_due_day.pop(day, [])
        if self.track:
            for e in items:
                self.by_account.pop(e[ACCT], None)
        self.open -= len(items)
        return items


def settle_due(state: "WorldState", day: int) -> int:
    """Settle every promise due on calendar day ``day``; returns how many there were.

    A kept promise pays its amount: the collector's and segment's kept count and dollars, the
    day's collected dollars, the account's balance. A broken one counts as broken. An ordinary
    promise then leaves the account paid (kept) or back on the lists, first in line (broken);
    an arrangement's payment is followed up by its task. Counters are added in the order the
    promises were filed (``np.add.at`` is sequential), so the sums are those of settling them
    one at a time.
    """
    due = state.book.take_due(day)
    n = len(due)
    if not n:
        return 0
    cnt, p = state.counters, state.portfolio
    e = np.fromiter(chain.from_iterable(map(_NUMBERS, due)), dtype=np.float64, count=6 * n).reshape(n, 6)
    coll, a, s = e[:, COLL].astype(np.int64), e[:, ACCT].astype(np.int64), e[:, SEG].astype(np.int64)
    amount = e[:, AMOUNT]
    kept = e[:, U_KEEP] < np.minimum(1.0, e[:, P_KEEP])
    broken = ~kept
    n_seg = cnt.daily_kept.shape[0]
    np.add.at(cnt.kept, (coll[kept], s[kept]), 1)
    np.add.at(cnt.collected, (coll[kept], s[kept]), amount[kept])
    cnt.daily_kept[:, day] += np.bincount(s[kept], minlength=n_seg)
    cnt.daily_collected[:, day] += np.bincount(s[kept], weights=amount[kept], minlength=n_seg)
    np.add.at(cnt.broken, (coll[broken], s[broken]), 1)
    paying = a[kept]
    np.subtract.at(p.balance, paying, amount[kept])
    p.balance[paying] = np.maximum(p.balance[paying], 0.0)
    ordinary = np.fromiter((x[ARRANGEMENT] is None for x in due), dtype=bool, count=n)
    p.status[a[kept & ordinary]] = PAID
    again = a[broken & ordinary]
    p.status[again] = OPEN
    p.priority[again] = 1
    payment_hooks = [t.on_payment for t in state.tasks if t.hooks("on_payment")]
    if payment_hooks or not ordinary.all():
        for x, k in zip(due, kept.tolist()):
            if k:
                for hook in payment_hooks:
                    hook(x[ACCT], x[AMOUNT], day)
            if x[ARRANGEMENT] is not None:
                x[ARRANGEMENT].on_promise_due(x, k, day)
    return n
