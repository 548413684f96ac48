"""Confidence intervals, paired comparisons (common random numbers) and replication-count choice."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scipy.special import stdtrit  # the t quantile; scipy.stats takes seconds to import

__all__ = [
    "t_interval",
    "stat",
    "half_width",
    "sample_variance",
    "paired_difference",
    "replications_needed",
    "Moments",
    "Stat",
    "moments_of",
    "stat_from_moments",
    "t_interval_from_moments",
    "paired_from_moments",
]


def t_interval(
    values: Sequence[float], level: float = 0.95, spread: bool = False
) -> tuple[float, float | None, float | None]:
    """Mean and two-sided Student-t confidence interval of independent replication values.

    ``spread``: the interval of one more value instead, mean +- t s sqrt(1 + 1/n): with each
    replication drawing its parameters from a fit's sampling distribution, the range the value
    under the true parameters plausibly lies in, which more replications do not shrink (only
    the 1/n term, the uncertainty of the mean, goes). With fewer than two values, or bounds
    beyond the float range, the interval is undefined and returned as (mean, None, None).
    """
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = math.fsum(values) / n
    if n < 2:
        return mean, None, None
    t = float(stdtrit(n - 1, 0.5 + level / 2))
    k = (n + 1) if spread else 1  # var x k / n: one more value, or the mean
    try:
        var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
        half = t * math.sqrt(var * k / n)
    except OverflowError:  # values near the float range (a ratio with a tiny denominator)
        dev = [v - mean for v in values]
        scale = max(abs(d) for d in dev)
        half = t * scale * math.sqrt(math.fsum((d / scale) ** 2 for d in dev) * k / (n * (n - 1)))
    if not math.isfinite(mean - half) or not math.isfinite(mean + half):
        return mean, None, None
    return mean, mean - half, mean + half


def stat(values: Sequence[float | None], spread: bool = False) -> dict:
    """The contract's STAT for one metric: mean and 95% t-interval over the replications where the
    metric is defined, plus every replication's value (``None`` where undefined). ``spread``:
    the interval of :func:`t_interval` with parameter uncertainty."""
    defined = [float(v) for v in values if v is not None]
    if not defined:
        return {"mean": None, "ci95_low": None, "ci95_high": None, "values": list(values)}
    mean, lo, hi = t_interval(defined, spread=spread)
    return {
        "mean": mean,
        "ci95_low": lo,
        "ci95_high": hi,
        "values": [None if v is None else float(v) for v in values],
    }


def half_width(values: Sequence[float], level: float = 0.95) -> float | None:
    """Half-width of the two-sided Student-t interval of the mean (None with fewer than 2 values)."""
    _, lo, hi = t_interval(values, level)
    return None if lo is None else (hi - lo) / 2


def sample_variance(values: Sequence[float]) -> float | None:
    """Unbiased sample variance (None with fewer than two values, or beyond the float range)."""
    n = len(values)
    if n < 2:
        return None
    mean = math.fsum(values) / n
    try:
        return math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    except OverflowError:  # values near the float range: the variance is not a float
        return None


def _no_difference(n: int) -> dict:
    """The paired-difference document of ``n`` pairs before anything is computed (all None)."""
    keys = ("a_mean", "b_mean", "diff_mean", "diff_ci95_low", "diff_ci95_high", "var_a", "var_b", "var_diff")
    return {"n": n, **dict.fromkeys(keys), "variance_ratio": None}


def paired_difference(a: Sequence[float | None], b: Sequence[float | None], level: float = 0.95) -> dict:
    """Paired comparison of replication values of two variants run with common random numbers.

    Replication r of A and of B share the seed and replication number, so their values are paired;
    pairs where either value is undefined (``None``) are dropped. Returns::

        {"n": pairs used, "a_mean", "b_mean", "diff_mean" (B - A), "diff_ci95_low", "diff_ci95_high",
         "var_a", "var_b", "var_diff", "variance_ratio"}

    ``variance_ratio`` = var(B - A) / (var(A) + var(B)): the variance of the paired difference
    relative to what independent sampling of A and B would give for the same number of
    replications. Below 1, common random numbers helped (0.25 means a 4x smaller variance, i.e. the
    same CI width with a quarter of the replications). ``None`` where undefined.
    """
    if len(a) != len(b):
        raise ValueError(f"paired values need equal lengths, got {len(a)} and {len(b)}")
    pairs = [(float(x), float(y)) for x, y in zip(a, b) if x is not None and y is not None]
    out: dict = _no_difference(len(pairs))
    if not pairs:
        return out
    xa = [p[0] for p in pairs]
    xb = [p[1] for p in pairs]
    d = [y - x for x, y in pairs]
    out["a_mean"] = math.fsum(xa) / len(xa)
    out["b_mean"] = math.fsum(xb) / len(xb)
    out["diff_mean"], out["diff_ci95_low"], out["diff_ci95_high"] = t_interval(d, level)
    va, vb, vd = sample_variance(xa), sample_variance(xb), sample_variance(d)
    out["var_a"], out["var_b"], out["var_diff"] = va, vb, vd
    if vd is not None and va is not None and vb is not None and va + vb > 0:
        out["variance_ratio"] = vd / (va + vb)
    return out


def replications_needed(values: Sequence[float], rel: float, level: float = 0.95) -> int | None:
    """Rough number of replications for the CI half-width to fall under ``rel`` x |mean|, from the
    current sample (normal approximation, n_needed = n (hw / target)^2). None if undefined."""
    n = len(values)
    hw = half_width(values, level) if n >= 2 else None
    if hw is None:
        return None
    mean = math.fsum(values) / n
    target = rel * abs(mean)
    if hw == 0:
        return n
    if target <= 0:
        return None
    return max(n, math.ceil(n * (hw / target) ** 2))


@dataclass(frozen=True)
class Moments:
    """What a STAT says about all the replications when its ``values`` hold only some of them
    (see :class:`Stat`): ``n`` defined values, their ``mean``, unbiased ``variance`` (None with
    fewer than two), ``maximum``, and ``above``: for each threshold registered before the run,
    how many values exceeded it."""

    n: int
    mean: float | None
    variance: float | None
    maximum: float | None
    above: Mapping[float, int] = field(default_factory=dict)


class Stat(dict):
    """A STAT document (a plain dict to JSON) whose ``values`` list only the first replications,
    because the run had more than could be kept; ``moments`` describe every replication."""

    __slots__ = ("moments",)

    def __init__(self, doc: Mapping, moments: Moments) -> None:
        super().__init__(doc)
        self.moments = moments


def moments_of(s: Mapping | None) -> Moments:
    """The moments of a STAT over every replication: those a :class:`Stat` carries, else those of
    its ``values`` (mean by ``math.fsum``, variance by two passes, as :func:`t_interval`)."""
    m = getattr(s, "moments", None)
    if m is not None:
        return m
    vals = [float(v) for v in (s or {}).get("values") or [] if v is not None]
    if not vals:
        return Moments(0, None, None, None)
    mean = math.fsum(vals) / len(vals)
    var = sample_variance(vals)
    return Moments(len(vals), mean, var, max(vals))


def t_interval_from_moments(
    n: int, mean: float, variance: float | None, level: float = 0.95, spread: bool = False
) -> tuple[float, float | None, float | None]:
    """:func:`t_interval` from the number of values, their mean and their unbiased variance."""
    if n < 2 or variance is None or not math.isfinite(variance):
        return mean, None, None
    t = float(stdtrit(n - 1, 0.5 + level / 2))
    k = (n + 1) if spread else 1
    half = t * math.sqrt(max(variance, 0.0) * k / n)
    if not math.isfinite(mean - half) or not math.isfinite(mean + half):
        return mean, None, None
    return mean, mean - half, mean + half


def stat_from_moments(moments: Moments, kept: Sequence[float | None], spread: bool = False) -> Stat:
    """The STAT of a run whose values were not all kept: mean and 95% t-interval from
    ``moments`` (every replication), ``values`` = ``kept`` (the first replications)."""
    values = [None if v is None else float(v) for v in kept]
    if moments.n == 0 or moments.mean is None:
        return Stat({"mean": None, "ci95_low": None, "ci95_high": None, "values": values}, moments)
    mean, lo, hi = t_interval_from_moments(moments.n, moments.mean, moments.variance, spread=spread)
    return Stat({"mean": mean, "ci95_low": lo, "ci95_high": hi, "values": values}, moments)


def paired_from_moments(a: Moments, b: Moments, d: Moments, level: float = 0.95) -> dict:
    """:func:`paired_difference` from the moments of the pairs' A values, B values and
    differences B - A (pairs where either value is undefined left out of all three)."""
    out: dict = _no_difference(d.n)
    if d.n == 0:
        return out
    out["a_mean"], out["b_mean"] = a.mean, b.mean
    out["diff_mean"], out["diff_ci95_low"], out["diff_ci95_high"] = t_interval_from_moments(
        d.n, d.mean, d.variance, level
    )
    va, vb, vd = a.variance, b.variance, d.variance
    out["var_a"], out["var_b"], out["var_diff"] = va, vb, vd
    if vd is not None and va is not None and vb is not None and va + vb > 0:
        out["variance_ratio"] = vd / (va + vb)
    return out
