"""Metrics by name: the levels and metrics of a replication's results, and references to one
metric of one unit ("value_per_paid_hour", "center.kept_rate", "segments.low_risk.promise_rate")
as the command line and the studies take them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..measures.arms import ALL_ARM_METRICS
from ..measures.inbound import INBOUND_METRICS, QUEUE_METRICS
from ..measures.metrics import EXTRA_METRICS, METRICS, ROLES
from ..scenario.schema import Scenario

LEVELS = ("center", "segments", "teams", "collectors", "groups")
"""Levels of the results' metrics; ``groups`` (collectors by their team's role: inbound, blend,
outbound) only with an [inbound] block."""
ARMS = "arms"
"""The level of a champion/challenger arm's metrics (``arms.ARM.METRIC``; a [strategy] block with
two arms or more): reported in the results document's ``arms`` block, not under ``metrics``."""
ALL_METRICS = METRICS + EXTRA_METRICS
KEY_METRICS = (
    "value_per_paid_hour",
    "rpc_per_productive_hour",
    "promise_rate",
    "kept_rate",
    "avg_payment",
    "collected",
    "net_value",
    "abandon_rate",
)
"""The metrics `collectsim compare` prints for the center and each segment and team."""


@dataclass(frozen=True)
class MetricRef:
    """A metric of one unit: ``level`` in LEVELS, ``unit`` ("center" for the center)."""

    level: str
    unit: str
    metric: str

    def __str__(self) -> str:
        return (
            f"center.{self.metric}" if self.level == "center" else f"{self.level}.{self.unit}.{self.metric}"
        )

    def values(self, per_rep: Sequence[Mapping[str, Any]]) -> list[float | None]:
        return [rep["metrics"][self.level][self.unit][self.metric] for rep in per_rep]


def parse_metric_ref(text: str, scenario: Scenario | None = None) -> MetricRef:
    """Parse ``METRIC``, ``center.METRIC`` or ``LEVEL.UNIT.METRIC`` (LEVEL: segments, teams,
    collectors, groups, arms: a champion/challenger arm, with the arms' own per-account figures,
    measures/arms.ARM_METRICS). Raises ValueError with what was expected. The inbound queue's measures
    (``service_level``, ``inbound_abandon_rate``, ...: measures/inbound.QUEUE_METRICS) are refused
    for teams, collectors and groups, where they are always null; a group is a team role. With
    ``scenario``, segment and team names are checked against it, and an inbound metric is refused
    when it has no ``[inbound]`` block."""
    parts = text.strip().split(".")
    if len(parts) == 1:
        level, unit, metric = "center", "center", parts[0]
    elif len(parts) == 2 and parts[0] == "center":
        level, unit, metric = "center", "center", parts[1]
    elif len(parts) == 3 and parts[0] in (*LEVELS[1:], ARMS):
        level, unit, metric = parts
    else:
        raise ValueError(
            f"metric {text!r}: expected METRIC, center.METRIC or LEVEL.UNIT.METRIC with "
            f"LEVEL one of segments, teams, collectors, groups, arms (e.g. segments.low_risk.promise_rate)"
        )
    known = ALL_ARM_METRICS if level == ARMS else ALL_METRICS
    if metric not in known:
        import difflib

        close = difflib.get_close_matches(metric, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"metric {text!r}: unknown metric {metric!r}; {hint}expected one of: {', '.join(known)}"
        )
    if scenario is not None and level == ARMS:
        strategy = scenario.strategy
        names = strategy.arm_names if strategy is not None and len(strategy.arm_names) > 1 else []
        if unit not in names:
            raise ValueError(
                f"metric {text!r}: no arm named {unit!r}; "
                + (f"expected one of: {', '.join(names)}" if names else "the scenario has no [strategy] arms")
            )
    if level == "groups" and unit not in ROLES:
        raise ValueError(f"metric {text!r}: no collector group {unit!r}; expected one of: {', '.join(ROLES)}")
    if metric in QUEUE_METRICS and level in ("teams", "collectors", "groups", ARMS):
        raise ValueError(
            f"metric {text!r}: {metric} is a measure of the inbound queue, defined for the center "
            f"and the segments only (a caller waits for the queue, not for a team); use {metric} "
            f"or segments.SEGMENT.{metric}"
        )
    if scenario is not None and metric in INBOUND_METRICS and scenario.inbound is None:
        raise ValueError(
            f"metric {text!r}: {metric} needs inbound calls; the scenario has no [inbound] block"
        )
    if scenario is not None and level == "groups":
        roles = {t.role for t in scenario.teams.values() if t.headcount}
        if scenario.inbound is None or unit not in roles:
            raise ValueError(
                f"metric {text!r}: the scenario has no {unit} collectors"
                + ("" if scenario.inbound is not None else " (groups need an [inbound] block)")
            )
    if scenario is not None and level in ("segments", "teams"):
        names = list(scenario.segments if level == "segments" else scenario.teams)
        if unit not in names:
            raise ValueError(
                f"metric {text!r}: no {level[:-1]} named {unit!r}; expected one of: {', '.join(names)}"
            )
    return MetricRef(level, unit, metric)
