"""The analytic pyramid: paid time converted into dollars through five layers.

value per paid hour = productive rate x RPC per productive hour x promise rate x kept rate
x average payment (seed, Figure 14-1 and Table 14-1).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from scipy.special import stdtr

from ..base.clock import HOUR_S
from ..base.statistics import moments_of
from ..scenario.schema import Segment, Team
from ..scenario.workforce import scheduled_hours

__all__ = [
    "Pyramid",
    "TABLE_14_1",
    "LAYERS",
    "progressive_rpc_per_hour",
    "productive_rate",
    "expected_pyramid",
    "solve_rpc_wrap_s",
    "flag_layers",
    "holm",
    "one_sided_p",
    "one_sided_p_of",
    "FLAG_RULE",
]

LAYERS = ("productive_rate", "rpc_per_productive_hour", "promise_rate", "kept_rate", "avg_payment")
"""The five layers, top of the pyramid first, named as the results metrics."""

LAYER_LABELS = {
    "productive_rate": "productive rate",
    "rpc_per_productive_hour": "contacts per productive hour",
    "promise_rate": "promise rate",
    "kept_rate": "kept rate",
    "avg_payment": "average payment $",
    "value_per_paid_hour": "value per paid hour $",
}


@dataclass(frozen=True)
class Pyramid:
    """One pyramid. Rates are fractions (0.85, not 85); payment in US dollars."""

    productive_rate: float
    rpc_per_productive_hour: float
    promise_rate: float
    kept_rate: float
    avg_payment: float

    def __post_init__(self) -> None:
        for name in ("productive_rate", "promise_rate", "kept_rate"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} = {v!r}: expected a fraction between 0 and 1 (85% is 0.85)")
        for name in ("rpc_per_productive_hour", "avg_payment"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} = {getattr(self, name)!r}: expected a number >= 0")

    @property
    def value_per_paid_hour(self) -> float:
        """Expected dollars collected per paid collector hour."""
        return (
            self.productive_rate
            * self.rpc_per_productive_hour
            * self.promise_rate
            * self.kept_rate
            * self.avg_payment
        )

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "value_per_paid_hour": self.value_per_paid_hour}


TABLE_14_1 = {
    "low_risk": Pyramid(0.85, 10.0, 0.85, 0.65, 140.0),
    "high_risk": Pyramid(0.85, 5.0, 0.75, 0.50, 100.0),
}
"""The seed's weekly targets with a dialer (value per paid hour 657.475 and 159.375)."""


def productive_rate(team: Team) -> float:
    """Scheduled productive share of a team's paid shifts (breaks, lunch, meetings, training and
    the expected unplanned aux off; absent days change paid and productive time alike)."""
    if not team.shifts and not team.aux_share:
        blocks = sum(length for _, length, _ in team.unproductive_blocks())
        return 1.0 - blocks / (team.shift_length_h * 60.0)
    paid, productive = scheduled_hours(team)
    return productive / paid if paid else 0.0


def progressive_rpc_per_hour(segment: Segment) -> float:
    """Right-party contacts per productive hour of a progressive dialer that is never short of
    accounts, by the renewal-reward theorem: each dial is a renewal cycle of expected length
    E[ring + talk + wrap] over the outcomes, and a fraction p_rpc of cycles earn a contact, so
    the long-run rate is 3600 * p_rpc / E[seconds per dial]."""
    return HOUR_S * segment.outcomes.rpc.probability / segment.outcomes.mean_handling_s


def expected_pyramid(team: Team, segment: Segment) -> Pyramid:
    """The pyramid a team dedicated to one segment should produce, in closed form
    (progressive dialer, no list exhaustion; payments far below balances)."""
    return Pyramid(
        productive_rate(team),
        progressive_rpc_per_hour(segment),
        segment.promise_probability,
        segment.keep_probability,
        segment.payment_usd.mean,
    )


def solve_rpc_wrap_s(segment: Segment, target_rpc_per_hour: float) -> float:
    """Mean RPC wrap-up seconds that makes a progressive dialer deliver ``target_rpc_per_hour``
    with everything else in the segment as given (the calibration used by table_14_1.toml).

    From 3600 p / E = target: E = 3600 p / target, and E is linear in the RPC wrap mean.
    """
    o = segment.outcomes
    p = o.rpc.probability
    needed = HOUR_S * p / target_rpc_per_hour
    rest = o.mean_handling_s - p * o.rpc.wrap_time_s.mean
    wrap = (needed - rest) / p
    if wrap < 0:
        raise ValueError(
            f"target {target_rpc_per_hour}/h is unreachable: even with no wrap-up a dial "
            f"takes {rest / 1:.1f} s of handling per {p:.3f} RPC"
        )
    return wrap


DIAGNOSIS = {
    "productive_rate": "discipline and adherence (schedule, breaks, not-ready time)",
    "rpc_per_productive_hour": "production or dialer design (lists, pacing, time of day)",
    "promise_rate": "opening and negotiation (getting to a promise)",
    "kept_rate": "handling the customer's resistance (promises that hold)",
    "avg_payment": "negotiation skills (the size of the promise)",
}
"""The seed's reading of a weak layer: what a supervisor should coach."""


# ---------------------------------------------------------------------------------------------
# Coaching only on real differences

FLAG_ALPHA = 0.05
MIN_RPC_PER_REPLICATION = 50.0
FLAG_RULE = {
    "test": "one-sided Student t-test of the replication values of each layer against its target "
    "(H0: mean >= target)",
    "correction": "holm",
    "alpha": FLAG_ALPHA,
    "family": "every tested unit x layer of the block",
    "min_rpc_per_replication": MIN_RPC_PER_REPLICATION,
    "min_replications": 2,
}
"""How ``flagged_layers`` are decided. Holm, not Benjamini-Hochberg: each flag sends a supervisor
to coach someone, so what must be controlled is the chance of any false flag in the report (the
family-wise error rate), not the share of false flags among many (the false discovery rate,
which for screening tolerates some). Holm controls it at ``alpha`` under any dependence between
the tests (units share the center's days and a unit's layers are correlated) and is uniformly
more powerful than Bonferroni."""
ON_TARGET_TEXT = "on target: no significant weakness"


def one_sided_p(values: Sequence[float], target: float) -> float:
    """p-value of H0: the mean of ``values`` (independent replications) is at least ``target``,
    against a mean below it (Student t, n - 1 degrees of freedom). Values without spread give 0
    when below the target and 1 otherwise."""
    n = len(values)
    mean = math.fsum(values) / n
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return one_sided_p_of(n, mean, var, target)


def one_sided_p_of(n: int, mean: float, var: float | None, target: float) -> float:
    """:func:`one_sided_p` from the number of values (>= 2), their mean and unbiased variance."""
    if var is None or not var > 0 or not math.isfinite(var):
        return 0.0 if mean < target else 1.0
    return float(stdtr(n - 1, (mean - target) / math.sqrt(var / n)))


def holm(p_values: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """Holm's step-down adjusted p-values: the i-th smallest of m is multiplied by m - i + 1, and
    the adjusted values are made non-decreasing in that order (capped at 1). Reject where the
    adjusted value is below alpha."""
    order = sorted(p_values, key=lambda k: p_values[k])
    m, running, out = len(order), 0.0, {}
    for i, k in enumerate(order):
        running = max(running, min(1.0, (m - i) * p_values[k]))
        out[k] = running
    return out


def flag_layers(
    units: Mapping[Hashable, tuple[Mapping[str, Any], Mapping[str, float]]],
    alpha: float = FLAG_ALPHA,
    min_rpc: float = MIN_RPC_PER_REPLICATION,
) -> dict[Hashable, dict]:
    """The layers significantly below target, per unit (see :data:`FLAG_RULE`).

    ``units``: key -> (STATs of the unit's metrics, {layer: target}). Returns key ->
    ``{"tested", "flagged_layers" (lowest attainment first), "flag_p_values" ({layer: Holm-adjusted
    p}), "untested_reason"}``. A unit is tested with at least 2 replications and at least
    ``min_rpc`` right-party contacts per replication on average; the correction runs over every
    tested unit and layer together. Each STAT's replication values are read through
    :func:`~simulator.base.statistics.moments_of` (every replication, even when ``values`` lists
    only the first ones)."""
    tests: dict[tuple[Hashable, str], float] = {}
    reason: dict[Hashable, str | None] = {}
    for key, (stats, targets) in units.items():
        rpc = moments_of(stats.get("rpc"))
        if rpc.n < 2:
            reason[key] = "not tested: needs at least 2 replications"
            continue
        if rpc.mean < min_rpc:
            reason[key] = (
                f"not tested: {rpc.mean:.0f} right-party contacts per replication, "
                f"fewer than the {min_rpc:.0f} a test needs"
            )
            continue
        reason[key] = None
        for layer in LAYERS:
            t = targets.get(layer)
            m = moments_of(stats.get(layer))
            if t and m.n >= 2:
                tests[(key, layer)] = one_sided_p_of(m.n, m.mean, m.variance, t)
    adjusted = holm(tests)
    out = {}
    for key, (stats, targets) in units.items():
        p = {layer: adjusted[(key, layer)] for layer in LAYERS if (key, layer) in adjusted}
        flagged = [layer for layer in LAYERS if p.get(layer, 1.0) < alpha]
        flagged.sort(key=lambda layer: (stats[layer]["mean"] or 0.0) / targets[layer])
        out[key] = {
            "tested": reason[key] is None,
            "flagged_layers": flagged,
            "flag_p_values": p,
            "untested_reason": reason[key],
        }
    return out


def flag_diagnosis(flags: Mapping[str, Any], attainment: Mapping[str, float | None]) -> str:
    """The coaching text of a unit from its flagged layers only."""
    if not flags["tested"]:
        return flags["untested_reason"]
    if not flags["flagged_layers"]:
        return ON_TARGET_TEXT
    parts = []
    for layer in flags["flagged_layers"]:
        a = attainment.get(layer)
        at = f" at {a * 100:.0f}% of target" if a is not None else ""
        parts.append(f"{LAYER_LABELS[layer]}{at}: {DIAGNOSIS[layer]}")
    return "; ".join(parts)


def weakest_layer(actual: dict, targets: dict) -> str | None:
    """The layer with the lowest attainment (actual / target) among the five, or None."""
    best: tuple[float, str] | None = None
    for layer in LAYERS:
        a, t = actual.get(layer), targets.get(layer)
        if a is None or not t:
            continue
        ratio = a / t
        if best is None or ratio < best[0]:
            best = (ratio, layer)
    return None if best is None else best[1]


def next_dollar(actual: dict, targets: dict | None = None) -> list[dict]:
    """Where the next dollar comes from, ranked: for each layer, the gain in value per paid hour
    from a 1% relative improvement (analytic: the pyramid is a product, so every layer's
    elasticity is 1 and the gain is 1% of value per paid hour) and, with targets, the gain from
    bringing the layer up to its target (value x (target / actual - 1)). Ranked by the gain to
    target, then by layer order."""
    value = 1.0
    for layer in LAYERS:
        v = actual.get(layer)
        if v is None:
            return []
        value *= v
    out = []
    for i, layer in enumerate(LAYERS):
        a = actual[layer]
        t = (targets or {}).get(layer)
        to_target = value * (t / a - 1.0) if t and a and t > a else 0.0
        out.append(
            {
                "layer": layer,
                "gain_per_1pct": 0.01 * value,
                "gain_to_target": to_target,
                "diagnosis": DIAGNOSIS[layer],
                "_order": i,
            }
        )
    out.sort(key=lambda d: (-d["gain_to_target"], d["_order"]))
    for d in out:
        del d["_order"]
    return out


def planned_center_targets(team_targets: dict[str, tuple[float, Pyramid]]) -> Pyramid:
    """Center targets from team targets weighted by planned paid hours: each team's target
    pyramid is turned into volumes (productive hours, contacts, promises, kept, dollars) and the
    center's layers are the ratios of the summed volumes, so they multiply to the center's value."""
    paid = prod = rpc = prom = kept = dollars = 0.0
    for hours, p in team_targets.values():
        ph = hours * p.productive_rate
        r = ph * p.rpc_per_productive_hour
        pr = r * p.promise_rate
        k = pr * p.kept_rate
        paid, prod, rpc, prom, kept = paid + hours, prod + ph, rpc + r, prom + pr, kept + k
        dollars += k * p.avg_payment
    div = lambda a, b: a / b if b else 0.0  # noqa: E731
    return Pyramid(div(prod, paid), div(rpc, prod), div(prom, rpc), div(kept, prom), div(dollars, kept))


def targets_block(scenario, metrics: dict) -> dict | None:
    """The results' ``targets`` block: for the center, each team with targets and its collectors,
    and each segment worked by exactly one such team: targets, actual means, attainment, the
    layers significantly below target (``flagged_layers``, :func:`flag_layers`) and the coaching
    text from them, the weakest layer (information: the lowest attainment, significant or not)
    and the ranked next-dollar list. None without any targets."""
    teams = {n: t for n, t in scenario.teams.items() if t.targets is not None}
    if not teams and scenario.targets is None:
        return None

    def pyr(t) -> Pyramid:
        return Pyramid(
            t.productive_rate, t.rpc_per_productive_hour, t.promise_rate, t.kept_rate, t.avg_payment
        )

    def unit(stats: dict, target: Pyramid) -> dict:
        actual = {k: stats[k]["mean"] for k in (*LAYERS, "value_per_paid_hour")}
        tg = target.as_dict()
        attain = {k: (actual[k] / tg[k] if actual[k] is not None and tg[k] else None) for k in tg}
        weak = weakest_layer(actual, tg)
        return {
            "targets": tg,
            "actual": actual,
            "attainment": attain,
            "flagged_layers": [],
            "diagnosis": None,
            "weakest_layer": weak,
            "on_target": all(v is not None and v >= 1.0 for k, v in attain.items() if k in LAYERS),
            "next_dollar": next_dollar(actual, tg) if None not in actual.values() else [],
        }

    days = scenario.calendar.working_days
    if scenario.targets is not None:
        center = pyr(scenario.targets)
    else:
        center = planned_center_targets(
            {n: (scheduled_hours(t)[0] * days, pyr(t.targets)) for n, t in teams.items()}
        )
    out: dict = {
        "center": {"center": unit(metrics["center"], center)},
        "segments": {},
        "teams": {},
        "collectors": {},
        "flag_rule": dict(FLAG_RULE),
    }
    stats_of = {("center", "center"): metrics["center"]}
    for name, t in teams.items():
        if name in metrics["teams"]:
            out["teams"][name] = unit(metrics["teams"][name], pyr(t.targets))
            stats_of[("teams", name)] = metrics["teams"][name]
        prefix = f"{name}-"
        for cid, stats in metrics["collectors"].items():
            if cid.startswith(prefix) and cid[len(prefix) :].isdigit():
                out["collectors"][cid] = {**unit(stats, pyr(t.targets)), "team": name}
                stats_of[("collectors", cid)] = stats
    if scenario.routing.policy == "segment_teams":
        for seg in scenario.segments:
            owners = [n for n, t in scenario.teams.items() if seg in t.segments]
            if len(owners) == 1 and owners[0] in teams and len(scenario.teams[owners[0]].segments) == 1:
                out["segments"][seg] = {
                    **unit(metrics["segments"][seg], pyr(teams[owners[0]].targets)),
                    "team": owners[0],
                }
                stats_of[("segments", seg)] = metrics["segments"][seg]
    flags = flag_layers({k: (st, out[k[0]][k[1]]["targets"]) for k, st in stats_of.items()})
    for (level, name), f in flags.items():
        u = out[level][name]
        u.update(f)
        u["diagnosis"] = flag_diagnosis(f, u["attainment"])
    return out
