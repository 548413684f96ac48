"""The numbers of a fitted scenario: each fitted value as a ``calibration.parameters`` entry
(value, SE, 95% interval, sample size, method), and the values written into the scenario,
rounded to readable significant digits."""

from __future__ import annotations

import math
from typing import Any

from ..fit.distribution_fit import DistFit
from ..fit.regression import Z95, Estimate

__all__ = ["param", "estimate_param", "distribution_params", "dist_spec", "rounded", "clean", "SIG"]

SIG = 6
"""Significant digits of the numbers written into a calibrated scenario."""
BOUND = 1e12
"""A scenario's numbers are within +-BOUND: an SE or interval end beyond it bounds nothing."""


def rounded(x: float, sig: int = SIG) -> float:
    """Round to ``sig`` significant digits (readable files; far below any estimate's SE)."""
    return float(f"{x:.{sig}g}") if x and math.isfinite(x) else float(x)


def param(
    key: str,
    value: float,
    se: float | None = None,
    low: float | None = None,
    high: float | None = None,
    n: int = 0,
    method: str = "",
    in_scenario: bool = True,
) -> dict[str, Any]:
    """A ``calibration.parameters`` entry; a missing or non-finite SE or bound (or one beyond
    :data:`BOUND`) is left out."""

    def usable(x: float | None) -> bool:
        return x is not None and math.isfinite(x) and abs(x) <= BOUND

    out: dict[str, Any] = {"key": key, "value": rounded(value)}
    if usable(se):
        out["se"] = rounded(se)
        if low is None:
            low, high = value - Z95 * se, value + Z95 * se
    if usable(low) and usable(high):
        out["ci95_low"], out["ci95_high"] = rounded(low), rounded(high)
    if n:
        out["n"] = int(n)
    out["method"] = method
    if not in_scenario:
        out["in_scenario"] = False
    return out


def estimate_param(key: str, e: Estimate, method: str, in_scenario: bool = True) -> dict[str, Any]:
    """A ``calibration.parameters`` entry of an :class:`Estimate`."""
    return param(key, e.value, e.se, e.low, e.high, e.n, method, in_scenario)


def distribution_params(key: str, f: DistFit, what: str) -> list[dict]:
    """The entries of a fitted distribution: its mean and SD, and the weights of a discrete one."""
    fam = f.family
    aic = "; AIC " + ", ".join(f"{k} {v:.1f}" for k, v in f.aic.items()) if f.aic else ""
    method = f"{what}: {fam}{' (maximum likelihood' + aic + ')' if f.aic else ''}"
    out = [param(f"{key}.mean", f.mean, f.mean_se, n=f.n, method=method)]
    if f.sd > 0:
        out.append(param(f"{key}.sd", f.sd, f.sd_se, n=f.n, method=method))
    if fam == "discrete":
        for i, (v, w, se) in enumerate(zip(f.spec["values"], f.spec["weights"], f.probs_se)):
            out.append(
                param(
                    f"{key}.weights[{i}]",
                    w,
                    se,
                    max(0.0, w - Z95 * se),
                    min(1.0, w + Z95 * se),
                    f.n,
                    f"share of value {v:g} (binomial SE)",
                )
            )
    return out


def dist_spec(f: DistFit) -> Any:
    """A fitted distribution as its scenario entry, rounded (a bare number when fixed)."""
    s = f.spec
    if not isinstance(s, dict):
        return rounded(float(s))
    out = dict(s)
    for k in ("mean", "sd", "low", "high"):
        if k in out:
            out[k] = rounded(out[k])
    if "weights" in out:
        out["weights"] = [rounded(w) for w in out["weights"]]
    return out


def clean(node: Any) -> Any:
    """Drop None values (TOML has no null) recursively."""
    if isinstance(node, dict):
        return {k: clean(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [clean(v) for v in node]
    return node
