"""What a fitted scenario holds that the data never showed, and the dollars resting on it.

A fit replaces what the data identify; the rest of the scenario comes from ``--base`` or from
the schema's defaults. Most of that is policy (attempt rules, pacing), which is the user's to
set. Some of it is behaviour or money that moves the results as much as any fitted rate: the
agency's recovery curve and commission when the data show placements (agency recoveries count in
``net_value``), wages (cost), and in a living portfolio the self-cure and inflow rates, the
re-default chance and the charge-off point when the data hold none of them. :func:`not_from_data`
lists those (docs/data-formats.md, "Not from data"); :func:`value_split` runs the fitted scenario
a few times and shows the dollars of ``net_value`` that rest on them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..scenario.load import LoadedScenario
from ..scenario.schema import Calibration, Scenario


class Calibrated(Protocol):
    """What this module reads of a :class:`simulator.calibrate.api.Calibrated` (a protocol, so
    that the fitted scenario's ``to_toml`` can call back here without an import cycle)."""

    raw: dict[str, Any]
    loaded: LoadedScenario

    @property
    def scenario(self) -> Scenario: ...

    @property
    def calibration(self) -> Calibration: ...


__all__ = ["NotFromData", "ValueSplit", "not_from_data", "value_split", "comment_block"]


@dataclass(frozen=True)
class NotFromData:
    """One scenario key not from the data: its value (as written in TOML), where it came from
    ("base", "schema default" or "placeholder") and the dollars that rest on it."""

    key: str
    value: str
    source: str
    dollars: str


def _text(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return "[" + ", ".join(_text(x) for x in v) + "]"
    return str(v)


def not_from_data(c: Calibrated) -> list[NotFromData]:
    """The keys of the fitted scenario ``c`` that drive its dollars or its book but were not
    fitted (module doc), in scenario order."""
    sc = c.scenario
    cal = c.calibration
    fitted = {p.key.split("[")[0] for p in cal.parameters}
    has_base = bool(cal.base)
    out: list[NotFromData] = []

    def add(key: str, value: Any, given: bool, dollars: str, default: str = "schema default") -> None:
        if key not in fitted:
            out.append(NotFromData(key, _text(value), "base" if given else default, dollars))

    for name, team in sc.teams.items():
        add(f"teams.{name}.hourly_wage_usd", team.hourly_wage_usd, has_base, "cost_wages", "placeholder")
    pl = sc.placement
    if pl is not None and pl.enabled and (pl.at_days_past_due > 0 or pl.after_days > 0):
        given = c.raw.get("placement", {}) if has_base else {}
        for k in ("recovery_curve_days", "recovery_curve_share", "commission_share", "horizon_days"):
            add(f"placement.{k}", getattr(pl, k), k in given, "agency_collected, cost_agency")
    if sc.portfolio_on:
        raw_segs = c.raw.get("segments", {}) if has_base else {}
        for name, seg in sc.segments.items():
            given = raw_segs.get(name, {})
            add(f"segments.{name}.self_cure_per_day", seg.self_cure_per_day, "self_cure_per_day" in given, "")
            per_day = seg.inflow.accounts_per_day if seg.inflow is not None else 0.0
            add(f"segments.{name}.inflow.accounts_per_day", per_day, "inflow" in given, "")
        pf = sc.portfolio
        given_pf = c.raw.get("portfolio", {}) if has_base else {}
        for k in ("cure_redefault_probability", "charge_off_days_past_due"):
            add(f"portfolio.{k}", getattr(pf, k), k in given_pf, "")
    return out


def comment_block(items: list[NotFromData]) -> str:
    """The fitted file's comment block listing ``items`` ("" when there are none)."""
    if not items:
        return ""
    lines = [
        "# Not from data: these values were not fitted (the data never showed them); they come from",
        "# --base, the schema's defaults or a placeholder, and the results rest on them as on any fit.",
    ]
    for x in items:
        dollars = f"; dollars: {x.dollars})" if x.dollars else ")"
        lines.append(f"#   {x.key} = {x.value}  ({x.source}{dollars}")
    return "\n".join(lines) + "\n\n"


@dataclass
class ValueSplit:
    """Means over ``replications`` runs of the fitted scenario (US dollars over its calendar):
    ``net_value`` and the parts of it that rest on values not from data."""

    replications: int
    net_value: float
    agency_collected: float
    cost_agency: float
    cost_wages: float
    self_cure_collected: float
    wages_from_data: bool

    @property
    def agency_net(self) -> float:
        """Agency recoveries less the agency's commission: their share of ``net_value``."""
        return self.agency_collected - self.cost_agency

    def lines(self) -> list[str]:
        """The split in words, one line each."""
        out = [
            f"net value of the fitted scenario: ${self.net_value:,.0f} (mean of {self.replications} "
            "replications over the data's calendar)"
        ]
        if self.agency_collected:
            out.append(
                f"  of which agency recoveries less commission: ${self.agency_net:,.0f} "
                f"(${self.agency_collected:,.0f} - ${self.cost_agency:,.0f}), from a recovery curve "
                f"not from data; without them: ${self.net_value - self.agency_net:,.0f}"
            )
        if not self.wages_from_data:
            out.append(f"  cost of wages in it: ${self.cost_wages:,.0f}, from wages not from data")
        if self.self_cure_collected:
            out.append(f"  self-cure dollars (not in net value): ${self.self_cure_collected:,.0f}")
        return out


def value_split(c: Calibrated, items: list[NotFromData], replications: int = 2, seed: int = 1) -> ValueSplit:
    """Run the fitted scenario ``replications`` times and split its ``net_value`` (module doc)."""
    from ..experiment.replications import run_experiment

    res = run_experiment(c.loaded, replications=replications, seed=seed)

    def mean(metric: str) -> float:
        vals = [v for v in res.values(metric) if v is not None]
        return float(sum(vals) / len(vals)) if vals else 0.0

    return ValueSplit(
        replications,
        mean("net_value"),
        mean("agency_collected"),
        mean("cost_agency"),
        mean("cost_wages"),
        mean("self_cure_collected"),
        not any(x.key.endswith(".hourly_wage_usd") for x in items),
    )
