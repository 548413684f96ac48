"""A team as a strategy treatment (a rule's ``team``, scenario/strategy.py): the accounts a rule
matches are dialed by that team's campaign instead of the campaign(s) of their segment.

The call lists are per bucket (segment x time zone) and each campaign dials its buckets
(world/routing.py). A team named by a rule gets a copy of every bucket of the segments its
rules can send (a rule's ``segments``, or all), with the same segment and time zone: its
**team buckets**, which only its campaign dials. Each calling morning, when
the lists are built, every listed account goes to the bucket of its rule's team (or back to its
home bucket, without a team): its place on the lists, its same-day retries and its call-backs
follow its bucket, so only that team's collectors dial it that day.

- The team is read each morning from the rule the account matches that day: an account whose
  days past due grow can pass to a late-stage team from one day to the next.
- An account on a line at midnight (CallLists.file_lines) keeps yesterday's bucket for the day
  (its pending retry is in it) and moves the morning after.
- A team's campaign shares its collectors' time between its own segments and the segments of
  the accounts sent to it, in equal shares (Campaign.share: it works next the segment furthest
  behind its share of handling time).
- With a predictive dialer and ``routing.overflow = "overflow"`` an answered call may still go
  to another campaign's free collector, as for any account; a call-back the debtor asked for
  is returned by the inbound desk (world/callbacks.py), under the team's campaign.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario
    from .portfolio import Portfolio


class TeamCampaign(Protocol):
    """What :meth:`TeamBuckets.extend` changes of a campaign (world/routing.py Campaign)."""

    team: int
    buckets: list[int]
    segments: list[int]
    share: dict[int, float]
    used_s: dict[int, float]
    whole_minutes: bool
    _critical_min: list[int]
    _open_from: float
    _open_to: float

    def _critical_minutes(self) -> tuple[list[int], bool]: ...


class TeamBuckets:
    """The team buckets of the teams the rules name, and the daily move of accounts into them."""

    __slots__ = ("home", "n_home", "p", "row_of_rule", "table", "teams")

    def __init__(self, scenario: Scenario, portfolio: Portfolio) -> None:
        assert scenario.strategy is not None
        rules = scenario.strategy.rules
        names = scenario.team_names
        p = self.p = portfolio
        self.teams = sorted({names.index(r.team) for r in rules if r.team is not None})  # team indices
        nh = self.n_home = len(p.bucket_segment)
        segs = scenario.segment_names
        # table[row, home bucket]: row 0 the home bucket, row q + 1 that of teams[q]: a copy for
        # the segments its rules can send (a rule's segments, or all), else the home bucket
        self.table = np.tile(np.arange(nh, dtype=np.int32), (len(self.teams) + 1, 1))
        for q, t in enumerate(self.teams):
            mine = [r for r in rules if r.team is not None and names.index(r.team) == t]
            sent = (
                set(range(len(segs)))
                if any(not r.segments for r in mine)
                else {segs.index(x) for r in mine for x in r.segments}
            )
            for b in range(nh):
                if p.bucket_segment[b] in sent:
                    self.table[q + 1, b] = len(p.bucket_segment)
                    p.bucket_segment.append(p.bucket_segment[b])
                    p.bucket_offset_s.append(p.bucket_offset_s[b])
        self.row_of_rule = np.array(
            [0 if r.team is None else self.teams.index(names.index(r.team)) + 1 for r in rules] + [0],
            dtype=np.int64,
        )
        self.home = p.bucket.copy()

    def route(self, idx: np.ndarray, rule: np.ndarray) -> None:
        """Move today's listed accounts ``idx`` to the buckets of their rules' teams (``rule``:
        each one's rule, -1 for none)."""
        p = self.p
        new = self.table[self.row_of_rule[rule], self.home[idx]]
        moved = np.flatnonzero(new != p.bucket[idx])
        if len(moved):
            a, b = idx[moved], new[moved]
            p.bucket[a] = b
            lst = p.bucket_list
            for x, y in zip(a.tolist(), b.tolist()):
                lst[x] = y

    def extend(self, campaigns: Sequence[TeamCampaign]) -> None:
        """Give each named team's campaign its team buckets (routing.build_campaigns made one
        campaign per outbound or blend team)."""
        p = self.p
        for q, t in enumerate(self.teams):
            for camp in campaigns:
                if camp.team != t:
                    continue
                extra = [b for b in self.table[q + 1].tolist() if b >= self.n_home]
                camp.buckets = camp.buckets + extra
                segs = sorted(set(camp.segments).union(p.bucket_segment[b] for b in extra))
                camp.share = {s: 1.0 / len(segs) for s in segs}
                camp.used_s = {s: camp.used_s.get(s, 0.0) for s in segs}
                camp._critical_min, camp.whole_minutes = camp._critical_minutes()
                camp._open_from = camp._open_to = -1.0
