"""The headcount what-if of ``collectsim staff``: headcount ranges, constraints and conclusions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..base.statistics import t_interval
from ..experiment.replications import MetricRef, parse_metric_ref
from .sweep.plan import SweepError

__all__ = [
    "Constraint",
    "parse_constraint",
    "staffing_block",
    "headcount_values",
    "STAFF_METRICS",
    "decision_metric",
]

STAFF_METRICS = (
    "value_per_paid_hour",
    "net_value",
    "net_economic_value",
    "incremental_collected",
    "loss_avoided",
    "rpc_per_productive_hour",
    "abandon_rate",
    "accounts_dialed_share",
    "attempted_7d_share",
    "contacted_7d_share",
    "attempts_per_account",
    "service_level",
    "inbound_abandon_rate",
    "asa_s",
)


@dataclass(frozen=True)
class Constraint:
    ref: MetricRef
    op: str  # "<=" or ">="
    value: float
    text: str

    def holds(self, stat_: Mapping[str, Any], use_ci: bool = False) -> bool:
        """On the mean, or (``use_ci``) on the whole 95% CI: its upper bound for <=, lower for >=."""
        if stat_["mean"] is None:
            return False
        if use_ci:
            x = stat_["ci95_high"] if self.op == "<=" else stat_["ci95_low"]
            if x is None:
                return False
        else:
            x = stat_["mean"]
        return x <= self.value if self.op == "<=" else x >= self.value

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "level": self.ref.level,
            "unit": self.ref.unit,
            "metric": self.ref.metric,
            "op": self.op,
            "value": self.value,
        }


def parse_constraint(text: str, scenario=None) -> Constraint:
    """``METRIC<=V`` or ``METRIC>=V`` (METRIC as in --precision: ``abandon_rate``,
    ``segments.low_risk.accounts_dialed_share``)."""
    for op in ("<=", ">="):
        if op in text:
            left, _, right = text.partition(op)
            try:
                value = float(right)
            except ValueError:
                raise SweepError(
                    f"--constraint {text!r}: {right.strip()!r} is not a number; expected "
                    f"METRIC{op}NUMBER, e.g. abandon_rate<=0.03"
                ) from None
            try:
                ref = parse_metric_ref(left, scenario)
            except ValueError as e:
                raise SweepError(f"--constraint {text!r}: {e}") from None
            return Constraint(ref, op, value, text.strip())
    raise SweepError(
        f"--constraint {text!r}: expected METRIC<=V or METRIC>=V, e.g. abandon_rate<=0.03 "
        "or accounts_dialed_share>=0.9"
    )


def _unit_stat(variant: Mapping[str, Any], ref: MetricRef) -> Mapping[str, Any] | None:
    m = variant["metrics"]
    if m is None:
        return None
    if ref.level == "center":
        return m["center"][ref.metric]
    return m.get(ref.level, {}).get(ref.unit, {}).get(ref.metric)


def decision_metric(rows: Sequence[Mapping[str, Any]]) -> str:
    """The figure a headcount is chosen on: ``net_economic_value`` (loss avoided - cost) when
    every row has it (a living portfolio with a control group), else cash
    ``net_value``."""
    ok = rows and all(
        r.get("net_economic_value") and r["net_economic_value"]["mean"] is not None for r in rows
    )
    return "net_economic_value" if ok else "net_value"


def staffing_block(
    summary: Mapping[str, Any], team: str, path: str, constraints: Sequence[Constraint]
) -> dict[str, Any]:
    """Conclusions of a headcount sweep from summary.json's variants (center-level metrics)::

    {"team", "parameter", "level": "center", "metrics": [...],
     "decision_metric": "net_economic_value" | "net_value",
     "rows": [{"headcount", "variant", METRIC: {"mean", "ci95_low", "ci95_high"},
               "marginal_net_value": MARGINAL | null,
               "marginal_net_economic_value": MARGINAL | null}],
     "best": {"metric", "headcount", "variant", "mean", "ci95_low", "ci95_high"} | null,
     "best_net_value": {"headcount", "variant", "mean", "ci95_low", "ci95_high"} | null,
     "best_net_economic_value": (the same) | null,
     "last_paying_headcount": int | null,   (every step up to it adds decision value, 95% CI above 0)
     "constraints": [...],
     "smallest_meeting_constraints": {"headcount", "variant"} | null      (on the means)
     "smallest_meeting_constraints_ci95": {"headcount", "variant"} | null (whole 95% CI inside)}

    MARGINAL = {"from_headcount", "mean", "ci95_low", "ci95_high", "n"}. The decision figure
    (:func:`decision_metric`) picks ``best`` and ``last_paying_headcount``."""
    rows = []
    for v in summary["variants"]:
        hc = v["values"].get(path)
        row: dict[str, Any] = {"headcount": hc, "variant": v["id"]}
        for m in STAFF_METRICS:
            s = v["metrics"]["center"][m] if v["metrics"] else None
            row[m] = None if s is None else {k: s[k] for k in ("mean", "ci95_low", "ci95_high")}
        rows.append(row)
    rows.sort(key=lambda r: r["headcount"])
    by_id = {v["id"]: v for v in summary["variants"]}
    for metric in ("net_value", "net_economic_value"):
        _marginal(rows, by_id, summary.get("replications"), metric)
    decision = decision_metric(rows)
    paying = None
    for r in rows[1:]:
        mv = r[f"marginal_{decision}"]
        if mv is None or mv["ci95_low"] is None or mv["ci95_low"] <= 0:
            break
        paying = r["headcount"]
    bests = {m: _best(rows, m) for m in ("net_value", "net_economic_value")}
    best = bests[decision]

    def smallest(use_ci: bool):
        if not constraints:
            return None
        for r in rows:
            v = by_id[r["variant"]]
            stats_ = [_unit_stat(v, c.ref) for c in constraints]
            if all(s is not None and c.holds(s, use_ci) for c, s in zip(constraints, stats_)):
                return {"headcount": r["headcount"], "variant": r["variant"]}
        return None

    return {
        "team": team,
        "parameter": path,
        "level": "center",
        "metrics": list(STAFF_METRICS),
        "decision_metric": decision,
        "rows": rows,
        "best": None if best is None else {"metric": decision, **best},
        "best_net_value": bests["net_value"],
        "best_net_economic_value": bests["net_economic_value"],
        "last_paying_headcount": paying,
        "constraints": [c.as_dict() for c in constraints],
        "smallest_meeting_constraints": smallest(False),
        "smallest_meeting_constraints_ci95": smallest(True),
    }


def _best(rows: Sequence[Mapping[str, Any]], metric: str) -> dict[str, Any] | None:
    """The row with the largest mean ``metric`` (the first on a tie), or None."""
    best = None
    for r in rows:
        s = r[metric]
        if s and s["mean"] is not None and (best is None or s["mean"] > best["mean"]):
            best = {"headcount": r["headcount"], "variant": r["variant"], **s}
    return best


def _replication_values(
    variant: Mapping[str, Any], metric: str, replications: int | None
) -> dict[int, float]:
    """Replication number -> center value of ``metric`` (the variant's failed replications skipped)."""
    if not variant["metrics"]:
        return {}
    values = variant["metrics"]["center"][metric]["values"]
    failed = set(variant.get("failed_replications") or [])
    reps = [
        r
        for r in range(replications if replications is not None else len(values) + len(failed))
        if r not in failed
    ]
    return {r: v for r, v in zip(reps, values) if v is not None}


def _marginal(
    rows: list[dict[str, Any]], by_id: Mapping[str, Any], replications: int | None, metric: str = "net_value"
) -> None:
    """Each row's ``marginal_<metric>``: what one added collector brings to ``metric`` (net value
    or net economic value) from the previous headcount, (x(h) - x(h_prev)) / (h - h_prev), US
    dollars per replication, with a paired 95% t-interval: replication r of every headcount
    shares its seeds (common random numbers), so the differences are taken replication by
    replication."""
    prev = None
    key = f"marginal_{metric}"
    for r in rows:
        r[key] = None
        cur = _replication_values(by_id[r["variant"]], metric, replications)
        if prev is not None and r["headcount"] != prev[0]:
            step = r["headcount"] - prev[0]
            common = sorted(set(cur) & set(prev[1]))
            diffs = [(cur[k] - prev[1][k]) / step for k in common]
            if diffs:
                mean, lo, hi = t_interval(diffs)
                r[key] = {
                    "from_headcount": prev[0],
                    "mean": mean,
                    "ci95_low": lo,
                    "ci95_high": hi,
                    "n": len(diffs),
                }
        prev = (r["headcount"], cur)


def headcount_values(text: str, step: int) -> range:
    """``A:B`` with ``step`` -> A, A+step, ..., <= B (B included when on the grid), as a range:
    sizing the what-if does not build the list."""
    a, sep, b = text.partition(":")
    try:
        lo, hi = int(a), int(b)
    except ValueError:
        raise SweepError(f"--range {text!r}: expected A:B with whole numbers, e.g. 8:16") from None
    if not sep or lo < 0 or hi < lo:
        raise SweepError(f"--range {text!r}: expected A:B with 0 <= A <= B, e.g. 8:16")
    if step < 1:
        raise SweepError(f"--step {step}: expected a whole number >= 1")
    return range(lo, hi + 1, step)
