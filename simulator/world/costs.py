"""Unit costs of a scenario's ``costs`` block, as the result structure carries them to the
metrics (which attribute them: see measures/metrics.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .counters import CostRates

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario
    from .collectors import Collector


def cost_rates(scenario: Scenario) -> CostRates:
    """The scenario's unit costs beyond wages (all 0 without a costs block)."""
    c = scenario.costs
    return CostRates(
        wage_loading_share=c.wage_loading_share,
        telecom_usd_per_min=c.telecom_usd_per_connected_min,
        telecom_usd_per_dial=c.telecom_usd_per_dial,
        dialer_seat_usd_per_day=c.dialer_seat_usd_per_day,
        abandon_penalty_usd=c.abandon_penalty_usd,
    )


def supervision_rates(scenario: Scenario, collectors: Sequence[Collector]) -> tuple[float, ...]:
    """Per collector, the supervision cost of one of its paid hours (US dollars per hour): a team
    of h collectors has ceil(h / span) supervisors, each paid the loaded supervisor wage for the
    team's average paid hours, so each collector hour carries wage x loading x ceil(h / span) / h.
    Empty when supervision is not costed."""
    c = scenario.costs
    if not c.supervisor_span or not c.supervisor_hourly_wage_usd:
        return ()
    loaded = c.supervisor_hourly_wage_usd * (1.0 + c.wage_loading_share)
    teams = scenario.team_names
    out = []
    for coll in collectors:
        h = scenario.teams[teams[coll.team]].headcount
        out.append(loaded * math.ceil(h / c.supervisor_span) / h)
    return tuple(out)
