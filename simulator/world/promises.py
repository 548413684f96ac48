"""Promises to pay: filed by due date when a conversation ends in one (or an arrangement makes
one); settled, kept or broken, at the close of their due day (day.settle_due)."""

from __future__ import annotations

from collections import defaultdict

# A promise is a small list, so a confirmation call can raise its keep probability in place:
# [collector, account, segment, amount_usd, u_keep, p_keep, arrangement, made_day, inbound]. It is kept iff
# u_keep < min(1, p_keep). ``arrangement`` is None for a promise taken in a conversation, or the
# object of the special task whose payment it is (a plan installment, a settlement, a re-age):
# that object's ``on_promise_due(entry, kept, day)`` says what follows. ``made_day``: the
# calendar day it was made (promises made in the warm-up are left out of the measured counts).
# ``inbound``: True when an inbound call's negotiation made it (counted apart in
# Counters.inbound_answers as well).
COLL, ACCT, SEG, AMOUNT, U_KEEP, P_KEEP, ARRANGEMENT, MADE, INBOUND = range(9)


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

    def add(
        self,
        due_day: int,
        collector: int,
        account: int,
        segment: int,
        amount: float,
        u_keep: float,
        p_keep: float,
        arrangement: object = None,
        made_day: int = 0,
        inbound: bool = False,
    ) -> list:
        """File a promise of ``amount`` US dollars made on calendar day ``made_day`` and due on
        ``due_day``; returns its entry."""
        entry = [collector, account, segment, amount, u_keep, p_keep, arrangement, made_day, inbound]
        self.by_due_day[due_day].append(entry)
        if self.track:
            self.by_account[account] = entry
        self.open += 1
        if due_day > self.last_due_day:
            self.last_due_day = due_day
        return entry

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
