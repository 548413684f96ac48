"""Promises to pay: made at a right-party contact, kept or broken on their due date."""
from __future__ import annotations

from collections import defaultdict


class PromiseBook:
    """Open promises filed by due day; resolved in one batch per day, not one process each."""

    __slots__ = ("by_due_day", "open", "last_due_day")

    def __init__(self) -> None:
        # due day -> list of (collector, account, segment, amount_usd, kept)
        self.by_due_day: dict[int, list[tuple[int, int, int, float, bool]]] = defaultdict(list)
        self.open = 0
        self.last_due_day = -1

    def add(self, due_day: int, collector: int, account: int, segment: int, amount: float, kept: bool) -> None:
        self.by_due_day[due_day].append((collector, account, segment, amount, kept))
        self.open += 1
        if due_day > self.last_due_day:
            self.last_due_day = due_day

    def take_due(self, day: int) -> list[tuple[int, int, int, float, bool]]:
        items = self.by_due_day.pop(day, [])
        self.open -= len(items)
        return items
