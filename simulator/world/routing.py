"""Which accounts a collector works (case matching). Policies are small strategy objects."""
from __future__ import annotations

from .accounts import CallLists
from .collectors import Collector


class TeamSegments:
    """Each collector dials the segments its team is assigned, taking them in turn."""

    name = "segment_teams"

    def __init__(self, lists: CallLists) -> None:
        self.lists = lists

    def next_account(self, c: Collector, now: float) -> int | None:
        segs = c.segments
        n = len(segs)
        lists = self.lists
        for k in range(n):
            j = (c.next_segment + k) % n
            a = lists.next_account(segs[j], now)
            if a is not None:
                c.next_segment = (j + 1) % n
                return a
        return None

    def next_ready_s(self, c: Collector) -> float:
        return min(self.lists.next_ready_s(s) for s in c.segments)
