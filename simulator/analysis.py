"""Confidence intervals and paired comparisons over replications."""
from __future__ import annotations

import math
from typing import Optional, Sequence

from scipy import stats

__all__ = ["t_interval", "stat"]


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, Optional[float], Optional[float]]:
    """Mean and two-sided Student-t confidence interval of independent replication values.

    With fewer than two values the interval is undefined and returned as (mean, None, None).
    """
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = math.fsum(values) / n
    if n < 2:
        return mean, None, None
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * math.sqrt(var / n)
    return mean, mean - half, mean + half


def stat(values: Sequence[Optional[float]]) -> dict:
    """The contract's STAT for one metric: mean and 95% t-interval over the replications where the
    metric is defined, plus every replication's value (``None`` where undefined)."""
    defined = [float(v) for v in values if v is not None]
    if not defined:
        return {"mean": None, "ci95_low": None, "ci95_high": None, "values": list(values)}
    mean, lo, hi = t_interval(defined)
    return {"mean": mean, "ci95_low": lo, "ci95_high": hi,
            "values": [None if v is None else float(v) for v in values]}
