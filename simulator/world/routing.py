"""Campaigns and case matching: which accounts are dialed for which collectors.

A campaign is a pool of collectors working a set of segments with one pacing. With the default
policy each team runs its own campaign over its own segments. Within a campaign the dialer
takes accounts from the buckets (segment x time zone) that are open now: the segment's
schedule allows the center's clock, and the account's local clock is inside the calling
window. Among open buckets it rotates (or, with the best_time strategy, prefers the bucket
whose right-party rate at its local hour is highest).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..scenario.schema import clock_minutes
from .calendar import DAY_S

if TYPE_CHECKING:  # pragma: no cover
    from .build import World
    from .collectors import Collector


class Campaign:
    """A pool of collectors and the buckets they dial."""

    def __init__(self, world: "World", idx: int, name: str, team: int, segments: list[int],
                 members: list["Collector"]) -> None:
        self.world = world
        self.idx = idx
        self.name = name
        self.team = team            # owning team index, or -1 for a multi-team campaign
        self.segments = segments
        self.members = members
        p = world.portfolio
        self.buckets = [b for s in segments for b in p.segment_buckets[s]]
        self._slot = -1
        self._open: list[int] = []
        self._rr = 0
        sc = world.scenario
        comp = sc.compliance
        self.window = (clock_minutes(comp.calling_window_start), clock_minutes(comp.calling_window_end))
        self.enforce_window = comp.enforce_calling_window
        self.best_time = sc.dialer.list_strategy == "best_time"
        # dialer state (predictive)
        self.free: dict["Collector", None] = {}
        self.waiting: list = []
        self.ringing = 0
        self.connected = 0
        self.level = sc.dialer.ratio
        self.live = 0           # live answers (connects) in the abandon-measurement window
        self.abandoned = 0
        self.recent_live = 0.0  # exponentially weighted, for the adaptive controller
        self.recent_abandoned = 0.0

    def open_buckets(self, now: float) -> list[int]:
        """Buckets that may be dialed during the current minute (cached per minute)."""
        slot = int(now // 60.0)
        if slot == self._slot:
            return self._open
        w = self.world
        p = w.portfolio
        day = int(now // DAY_S)
        center_wd = w.calendar.weekday(day)
        center_min = int(now % DAY_S // 60.0)
        lo, hi = self.window
        out: list[tuple[float, int]] = []
        for b in self.buckets:
            s = p.bucket_segment[b]
            if not w.scenario.segments[w.structure.segments[s]].schedule.allows_minute(center_wd, center_min):
                continue
            local = now + p.bucket_offset_s[b]
            local_min = int(local % DAY_S // 60.0)
            if self.enforce_window and not lo <= local_min < hi:
                continue
            wd = w.calendar.weekday(int(local // DAY_S))
            score = w.models[s].p_rpc_by_slot[wd * 24 + int(local % DAY_S // 3600.0)] if self.best_time else 0.0
            out.append((-score, b))
        if self.best_time:
            out.sort()
        self._open = [b for _, b in out]
        self._slot = slot
        return self._open

    def next_account(self, now: float) -> int | None:
        """The next account to dial now, or None if no open bucket has one ready."""
        open_ = self.open_buckets(now)
        n = len(open_)
        if not n:
            return None
        lists = self.world.lists
        if self.best_time:
            for b in open_:
                a = lists.take(b, now)
                if a is not None:
                    return a
            return None
        for k in range(n):
            j = (self._rr + k) % n
            a = lists.take(open_[j], now)
            if a is not None:
                self._rr = j + 1
                return a
        return None

    def next_ready_s(self, now: float) -> float:
        """When an account may next be ready: a retry coming due, or the next minute (when open
        buckets can change)."""
        lists = self.world.lists
        nxt = (int(now // 60.0) + 1) * 60.0
        for b in self.open_buckets(now):
            nxt = min(nxt, lists.next_ready_s(b))
        return max(nxt, now)


def team_campaigns(world: "World") -> list[Campaign]:
    """Default case matching (segment_teams): each team is a campaign over its own segments."""
    out = []
    for ti, tname in enumerate(world.structure.teams):
        members = [c for c in world.collectors if c.team == ti]
        segs = sorted({s for c in members for s in c.segments}) or \
            [world.structure.segments.index(s) for s in world.scenario.teams[tname].segments]
        camp = Campaign(world, len(out), tname, ti, segs, members)
        for c in members:
            c.campaign = camp
        out.append(camp)
    return out
