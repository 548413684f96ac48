"""Collectors: the roster, with readable ids, skill profiles, shifts and breaks, absent days and
unplanned aux (shrinkage.py). A collector's working day is shift.py; how ready time is spent
belongs to the dialer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..base.rng import Streams
from ..scenario.schema import Scenario
from .calendar import WorkCalendar
from .shrinkage import AuxTime, absence_matrix


@dataclass(eq=False, slots=True)
class Collector:
    """One collector. Skill multipliers scale the segment's base behaviour (1.0 = as specified)."""

    idx: int
    name: str
    team: int
    hourly_wage_usd: float
    segments: list[int]
    shift_start_s: float
    shift_end_s: float
    blocks: list[tuple[float, float, str]]  # (start s after midnight, length s, kind)
    promise_mult: float = 1.0
    keep_mult: float = 1.0
    payment_mult: float = 1.0
    talk_mult: float = 1.0
    tier: str = ""
    shift: int = 0  # index of the collector's shift in the team's shifts
    absent: Any = field(default=None, repr=False)  # (calling days,) bool: absent that day, or None
    aux: AuxTime | None = field(default=None, repr=False)  # unplanned aux blocks, or None
    campaign: Any = field(default=None, repr=False)  # the routing.Campaign the collector works in
    # predictive dialer state within a work window (dialing.predictive.PredictiveDialer)
    until: float = field(default=0.0, repr=False)  # end of the current work window (s)
    done: Any = field(default=None, repr=False)  # event: the work window is over
    t_free: float | None = field(default=None, repr=False)  # when the collector became free
    mark: int = field(default=0, repr=False)  # campaign seq at the last logout (catch_up ties)

    @property
    def skill_score(self) -> float:
        """Expected dollars per right-party contact relative to an average collector."""
        return self.promise_mult * self.keep_mult * self.payment_mult


def _tier_of_each(team, n: int) -> list[str | None]:
    """Tier names for collectors 1..n: shares by largest remainder in tier order, then overrides."""
    out: list[str | None] = [None] * n
    tiers = team.skill.tiers
    total = sum(tiers.values())
    if tiers and total > 0 and n:
        exact = [n * v / total for v in tiers.values()]
        counts = [int(x) for x in exact]
        for i in sorted(range(len(exact)), key=lambda i: -(exact[i] - counts[i]))[: n - sum(counts)]:
            counts[i] += 1
        k = 0
        for name, c in zip(tiers, counts):
            for _ in range(c):
                out[k] = name
                k += 1
    for num, name in team.skill.collectors.items():
        if 1 <= int(num) <= n:
            out[int(num) - 1] = name
    return out


def collector_roster(
    scenario: Scenario, streams: Streams | None = None, calendar: WorkCalendar | None = None
) -> list[Collector]:
    """Collectors with stable readable ids ``<team>-NN`` in team order, with skill profiles, their
    shifts (id order, the first shift first) and, given the streams and the calendar, their absent
    days and unplanned aux time."""
    out: list[Collector] = []
    seg_index = {s: i for i, s in enumerate(scenario.segment_names)}
    for ti, (tname, team) in enumerate(scenario.teams.items()):
        width = max(2, len(str(team.headcount)))
        tiers = _tier_of_each(team, team.headcount)
        sd = team.skill.individual_sd
        noise = np.ones((team.headcount, 4))
        if sd > 0 and streams is not None:
            # mean-preserving log-normal spread around the tier
            noise = streams.generator(f"skill/{tname}").lognormal(-sd * sd / 2, sd, (team.headcount, 4))
        absent = None
        if streams is not None and calendar is not None:
            absent = absence_matrix(team, tname, team.headcount, calendar, streams)
        plans = [(si, j, p) for si, p in enumerate(team.shift_plans()) for j in range(p.headcount)]
        for k, (si, j, plan) in enumerate(plans):
            offset = team.break_stagger_min * j / plan.headcount
            blocks = [
                (s * 60.0, length * 60.0, kind) for s, length, kind in team.unproductive_blocks(offset, plan)
            ]
            out.append(
                Collector(
                    idx=len(out),
                    name=f"{tname}-{k + 1:0{width}d}",
                    team=ti,
                    hourly_wage_usd=team.hourly_wage_usd,
                    segments=[seg_index[s] for s in team.segments],
                    shift_start_s=plan.start_min * 60.0,
                    shift_end_s=plan.end_min * 60.0,
                    blocks=blocks,
                )
            )
            c = out[-1]
            c.shift = si
            if absent is not None:
                c.absent = absent[k].tolist()
            if team.aux_share > 0 and streams is not None:
                c.aux = AuxTime(streams, c.name, team.aux_share, team.aux_mean_min)
            tier = scenario.skill_tiers[tiers[k]] if tiers[k] else None
            if tier is not None:
                c.tier = tiers[k]
                c.promise_mult, c.keep_mult = tier.promise_multiplier, tier.keep_multiplier
                c.payment_mult, c.talk_mult = tier.payment_multiplier, tier.talk_time_multiplier
            c.promise_mult *= noise[k, 0]
            c.keep_mult *= noise[k, 1]
            c.payment_mult *= noise[k, 2]
            c.talk_mult *= noise[k, 3]
    return out
