"""Campaigns and case matching: which accounts are dialed for which collectors.

A campaign is a pool of collectors working a set of segments with one pacing. With the default
policy each team runs its own campaign over its own segments. Within a campaign the dialer
takes accounts from the buckets (segment x time zone) that are open now: the segment's
schedule allows the center's clock, and the account's local clock is inside the calling
window. A campaign of several segments shares its collectors' time between them in the
planned proportions (it works next the segment furthest behind its share of handling time),
rotating over each segment's open buckets; with the best_time strategy it instead prefers the
bucket whose right-party rate at its local hour is highest.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Protocol

from ..base.clock import DAY_S, HOUR_S
from ..scenario.schema import clock_minutes
from .retry_queue import ACCOUNT_MASK, TICKS_PER_S

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario
    from .account_lines import AccountLines
    from .calendar import WorkCalendar
    from .call_lists import CallLists
    from .collectors import Collector
    from .contact import SegmentModel
    from .portfolio import Portfolio


class Gate(Protocol):
    """What an account must pass before a campaign gives it to dial (CampaignWithGates)."""

    def passes(self, camp: Campaign, a: int, now: float) -> bool: ...


class Campaign:
    """A pool of collectors and the buckets they dial."""

    # Slots: the dialers read and write these on every call (faster than an instance dict).
    __slots__ = (
        "_critical_min",
        "_open",
        "_open_by_seg",
        "_open_from",
        "_open_to",
        "_rr",
        "best_time",
        "buckets",
        "calendar",
        "enforce_window",
        "idx",
        "lists",
        "members",
        "models",
        "name",
        "portfolio",
        "schedules",
        "segments",
        "share",
        "team",
        "used_s",
        "whole_minutes",
        "window",
    )

    def __init__(
        self,
        idx: int,
        name: str,
        team: int,
        segments: list[int],
        members: list[Collector],
        weights: list[float] | None,
        dials: Dialables,
    ) -> None:
        self.portfolio, self.lists, self.calendar, self.models = (
            dials.portfolio,
            dials.lists,
            dials.calendar,
            dials.models,
        )
        self.idx = idx
        self.name = name
        self.team = team  # owning team index, or -1 for a multi-team campaign
        self.segments = segments
        self.members = members
        self.buckets = [b for s in segments for b in self.portfolio.segment_buckets[s]]
        w = weights or [1.0] * len(segments)
        total = sum(w) or 1.0
        self.share = {s: max(x / total, 1e-9) for s, x in zip(segments, w)}
        self.used_s = {s: 0.0 for s in segments}  # handling seconds spent on each segment
        self._open_from = self._open_to = -1.0  # the cached open buckets hold for [from, to)
        self._open: list[int] = []
        self._rr = 0
        sc = dials.scenario
        comp = sc.compliance
        self.window = (clock_minutes(comp.calling_window_start), clock_minutes(comp.calling_window_end))
        self.enforce_window = comp.enforce_calling_window
        self.best_time = sc.dialer.list_strategy == "best_time"
        self.schedules = [sc.segments[n].schedule for n in sc.segment_names]  # by segment index
        self._critical_min, self.whole_minutes = self._critical_minutes()

    def open_buckets(self, now: float) -> list[int]:
        """Buckets that may be dialed now (cached until they may change)."""
        if self._open_from <= now < self._open_to:
            return self._open
        slot = int(now // 60.0)
        p = self.portfolio
        day = int(now // DAY_S)
        center_wd = self.calendar.weekday(day)
        center_min = int(now % DAY_S // 60.0)
        lo, hi = self.window
        out: list[tuple[float, int]] = []
        for b in self.buckets:
            s = p.bucket_segment[b]
            if not self.schedules[s].allows_minute(center_wd, center_min):
                continue
            local = now + p.bucket_offset_s[b]
            local_min = int(local % DAY_S // 60.0)
            if self.enforce_window and not lo <= local_min < hi:
                continue
            wd = self.calendar.weekday(int(local // DAY_S))
            score = (
                self.models[s].p_rpc_by_slot[wd * 24 + int(local % DAY_S // HOUR_S)]
                if self.best_time
                else 0.0
            )
            out.append((-score, b))
        if self.best_time:
            out.sort()
        self._open = [b for _, b in out]
        by_seg: dict[int, list[int]] = {}
        for b in self._open:
            by_seg.setdefault(p.bucket_segment[b], []).append(b)
        self._open_by_seg = list(by_seg.items())
        self._open_from = slot * 60.0
        self._open_to = self.stable_until(now) if self.whole_minutes else (slot + 1) * 60.0
        return self._open

    def _critical_minutes(self) -> tuple[list[int], bool]:
        """Minutes of the day (center clock) at which the open buckets, the outcome
        probabilities of an open bucket, or whether its local clock is inside the calling
        window may change: calling-window edges at each bucket's local
        clock, schedule edges, local hour boundaries where a contact curve varies, midnight.
        Also whether every bucket's offset is a whole number of minutes (else none is known)."""
        p = self.portfolio
        lo, hi = self.window
        out = {0, 1440}
        whole = True
        for b in self.buckets:
            off = p.bucket_offset_s[b] / 60.0
            if off != int(off):
                whole = False
            off = int(off)
            s = p.bucket_segment[b]
            out.update(((lo - off) % 1440, (hi - off) % 1440))  # measured even when not enforced
            if not self.models[s].flat:
                out.update((60 * k - off) % 1440 for k in range(24))
            for win in self.schedules[s].windows:
                out.update((clock_minutes(win.start_time) % 1440, clock_minutes(win.end_time) % 1440))
        return sorted(out), whole

    def stable_until(self, now: float) -> float:
        """The next time (s) at which the open buckets or their outcome probabilities may change."""
        day0 = now - now % DAY_S
        crit = self._critical_min
        return day0 + 60.0 * crit[bisect_right(crit, int(now % DAY_S // 60.0))]

    def can_dial(self, a: int, now: float) -> bool:
        """Whether account ``a`` may be dialed at ``now`` (its bucket is open this minute)."""
        return self.portfolio.bucket_list[a] in self.open_buckets(now)

    def next_account(self, now: float) -> int | None:
        """The next account to dial now, or None if no open bucket has one ready."""
        open_ = self._open if self._open_from <= now < self._open_to else self.open_buckets(now)
        n = len(open_)
        if not n:
            return None
        lists = self.lists
        if n == 1:  # the common case (one segment, one time zone): take() inlined
            b = open_[0]
            q = lists.retry[b]
            due = q.due
            if due and due[-1] < (int(now * TICKS_PER_S) + 1) << 32:  # due_limit(now), inlined
                a = due.pop()
                if not due and q.slots:
                    q.load()
                return a & ACCOUNT_MASK
            h = lists.head[b]
            f = lists.fresh[b]
            if h < len(f) or lists.refill(b):
                lists.head[b] = h + 1
                return f[h]
            return None
        if self.best_time:
            for b in open_:
                a = lists.take(b, now)
                if a is not None:
                    return a
            return None
        groups = self._open_by_seg
        if len(groups) > 1:
            used, share = self.used_s, self.share
            groups = sorted(groups, key=lambda g: used[g[0]] / share[g[0]])
        for _, buckets in groups:
            m = len(buckets)
            for k in range(m):
                j = (self._rr + k) % m
                a = lists.take(buckets[j], now)
                if a is not None:
                    self._rr = j + 1
                    return a
        return None

    def next_ready_s(self, now: float) -> float:
        """When an account may next be ready: a retry coming due, or the next minute (when open
        buckets can change)."""
        lists = self.lists
        nxt = (int(now // 60.0) + 1) * 60.0
        for b in self.open_buckets(now):
            nxt = min(nxt, lists.next_ready_s(b))
        return max(nxt, now)


class CampaignBesideInbound(Campaign):
    """A campaign of a center that also answers inbound calls: an account the lists give whose
    line is taken (an inbound caller waiting or talking, or held off today's lists after an
    inbound conversation: world/account_lines.py) is passed over and dropped for the day."""

    __slots__ = ("lines",)

    def next_account(self, now: float) -> int | None:
        """The next account to dial now whose line is free, or None (Campaign.next_account)."""
        until = self.lines.no_dial_before
        while True:
            a = Campaign.next_account(self, now)
            if a is None or until[a] <= now:
                return a
            self.lines.passed_over += 1


class CampaignWithGates(Campaign):
    """A campaign whose accounts must pass gates before they are dialed: the rule packs
    (world/rule_engine.py) and the calling window of an address in another time zone
    (world/address_zones.py). An account a gate stops is held or dropped for the day by that gate."""

    __slots__ = ("gates",)

    def next_account(self, now: float) -> int | None:
        """The next account to dial now that passes every gate, or None."""
        return _through_gates(self, Campaign.next_account, now)


class CampaignBesideInboundWithGates(CampaignBesideInbound):
    """CampaignWithGates for a center that also answers inbound calls."""

    __slots__ = ("gates",)

    def next_account(self, now: float) -> int | None:
        """The next account to dial now whose line is free and that passes every gate."""
        return _through_gates(self, CampaignBesideInbound.next_account, now)


def _through_gates(camp, take, now: float) -> int | None:
    """The first account ``take(camp, now)`` gives that passes every gate of ``camp``."""
    gates = camp.gates
    while True:
        a = take(camp, now)
        if a is None:
            return None
        for gate in gates:
            if not gate.passes(camp, a, now):
                break
        else:
            return a


class Dialables:
    """What campaigns dial from: the scenario, the calendar, the portfolio and its call lists, the
    segment models, and the accounts' lines when the center also answers inbound calls (None
    otherwise: world/account_lines.py)."""

    __slots__ = ("scenario", "calendar", "portfolio", "lists", "models", "collectors", "lines", "gates")

    def __init__(
        self,
        scenario: Scenario,
        calendar: WorkCalendar,
        portfolio: Portfolio,
        lists: CallLists,
        models: list[SegmentModel],
        collectors: list[Collector],
        lines: AccountLines | None = None,
        gates: tuple[Gate, ...] = (),
    ) -> None:
        self.scenario, self.calendar, self.portfolio, self.lists = scenario, calendar, portfolio, lists
        self.models, self.collectors, self.lines, self.gates = models, collectors, lines, gates


def segment_value_per_dial(dials: Dialables, s: int) -> float:
    """Expected dollars per dial of segment ``s`` at base skill: the ranking of the tiered policies
    (high contact rate and high value rank first)."""
    seg = dials.scenario.segments[dials.scenario.segment_names[s]]
    return (
        seg.outcomes.rpc.probability * seg.promise_probability * seg.keep_probability * seg.payment_usd.mean
    )


def planned_staff(dials: Dialables) -> list[float]:
    """Planned collectors per segment: each team's headcount split equally over its segments."""
    names = dials.scenario.segment_names
    planned = [0.0] * len(names)
    for team in dials.scenario.teams.values():
        if team.role == "inbound":
            continue
        for x in team.segments:
            planned[names.index(x)] += team.headcount / len(team.segments)
    return planned


def _campaign(
    dials: Dialables,
    idx: int,
    name: str,
    segs: list[int],
    members: list[Collector],
    weights: list[float] | None = None,
) -> Campaign:
    teams = {c.team for c in members}
    order = sorted(range(len(segs)), key=lambda i: segs[i])
    if not dials.gates:
        cls = Campaign if dials.lines is None else CampaignBesideInbound
    else:
        cls = CampaignWithGates if dials.lines is None else CampaignBesideInboundWithGates
    camp = cls(
        idx,
        name,
        teams.pop() if len(teams) == 1 else -1,
        [segs[i] for i in order],
        members,
        [weights[i] for i in order] if weights else None,
        dials,
    )
    if dials.lines is not None:
        camp.lines = dials.lines
    if dials.gates:
        camp.gates = dials.gates
    for c in members:
        c.campaign = camp
        c.segments = sorted(segs)
    return camp


def _by_team(dials: Dialables, segments_of: dict[str, list[str]]) -> list[Campaign]:
    seg_index = {n: i for i, n in enumerate(dials.scenario.segment_names)}
    out = []
    for ti, tname in enumerate(dials.scenario.team_names):
        if dials.scenario.teams[tname].role == "inbound":
            continue  # an inbound team answers the queue (world/inbound.py), it has no campaign
        members = [c for c in dials.collectors if c.team == ti]
        out.append(_campaign(dials, len(out), tname, [seg_index[x] for x in segments_of[tname]], members))
    return out


def _tiered(dials: Dialables, reverse: bool) -> list[Campaign]:
    """Groups the size of each segment's planned staff (teams' headcount split over the segments
    they list); the most skilled collectors go to the segment worth most per dial (or the least
    skilled, when ``reverse``)."""
    names = dials.scenario.segment_names
    planned = planned_staff(dials)
    n = len(dials.collectors)
    sizes = [int(x) for x in planned]
    for i in sorted(range(len(planned)), key=lambda i: -(planned[i] - sizes[i]))[: n - sum(sizes)]:
        sizes[i] += 1
    seg_order = sorted(range(len(names)), key=lambda s: (-segment_value_per_dial(dials, s), s))
    coll_order = sorted(dials.collectors, key=lambda c: (c.skill_score if reverse else -c.skill_score, c.idx))
    out, k = [], 0
    for s in seg_order:
        members = coll_order[k : k + sizes[s]]
        k += sizes[s]
        if members:
            out.append(_campaign(dials, len(out), names[s], [s], members))
    return out


def build_campaigns(dials: Dialables) -> list[Campaign]:
    """Campaigns of the scenario's routing policy (case matching)."""
    sc = dials.scenario
    policy = sc.routing.policy
    if policy == "pooled":
        return [
            _campaign(
                dials,
                0,
                "pooled",
                list(range(len(dials.scenario.segment_names))),
                list(dials.collectors),
                planned_staff(dials),
            )
        ]
    if policy in ("skill_tiered", "reverse_tiered"):
        return _tiered(dials, reverse=policy == "reverse_tiered")
    if policy == "mapping":
        return _by_team(dials, {t: sc.routing.mapping.get(t, sc.teams[t].segments) for t in sc.teams})
    return _by_team(dials, {t: sc.teams[t].segments for t in sc.teams})
