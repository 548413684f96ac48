"""Fitting the scenario's distribution specs to samples (durations, amounts, account attributes).

- All values equal: a constant.
- At most ``MAX_DISCRETE`` distinct values: the empirical discrete distribution.
- Zeros mixed with positive values (e.g. talk time of machines some of which AMD hung up on):
  a gamma with the sample's mean and standard deviation (the schema has no zero-inflated
  family; matching the moments keeps the mean handling time, which is what drives the pyramid).
- Otherwise lognormal and gamma by maximum likelihood, the lower AIC chosen (both have two
  parameters, so this is the higher likelihood); ``uniform`` joins the candidates for account
  attributes (``families``). A family whose fit overflows or leaves the scenario's range (values
  over many orders of magnitude, such as one amount of 1e-100 among dollars) is passed over;
  when none is left, the moment-matched gamma.

Every fit reports the spec's mean and standard deviation with standard errors by the delta
method from the maximum-likelihood Fisher information (plain sample moments for the constant,
discrete and moment-matched cases).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

__all__ = ["DistFit", "fit_distribution", "fit_discrete", "MAX_DISCRETE"]

MAX_DISCRETE = 10
SCENARIO_BOUND = 1e12
"""A scenario's numbers are within +-this."""
_LOG_2PI = math.log(2 * math.pi)


@dataclass
class DistFit:
    """A fitted distribution: ``spec`` is what a scenario writes (a number or a dist table)."""

    family: str
    spec: float | dict
    mean: float
    sd: float
    mean_se: float
    sd_se: float
    n: int
    aic: dict[str, float] = field(default_factory=dict)
    probs_se: list[float] = field(default_factory=list)  # discrete: SE of each weight


def _lognormal(x: np.ndarray) -> tuple[float, dict, float, float, float, float]:
    lx = np.log(x)
    n = len(x)
    mu, s = float(lx.mean()), float(lx.std())
    ll = float(-lx.sum() - n * math.log(s) - n * _LOG_2PI / 2 - ((lx - mu) ** 2).sum() / (2 * s * s))
    m = math.exp(mu + s * s / 2)
    c = math.sqrt(math.expm1(s * s))
    sd = m * c
    v_mu, v_s = s * s / n, s * s / (2 * n)
    g_m = (m, m * s)
    g_sd = (sd, sd * s + m * s * math.exp(s * s) / c)
    return (
        ll,
        {"dist": "lognormal", "mean": m, "sd": sd},
        m,
        sd,
        math.sqrt(g_m[0] ** 2 * v_mu + g_m[1] ** 2 * v_s),
        math.sqrt(g_sd[0] ** 2 * v_mu + g_sd[1] ** 2 * v_s),
    )


def _gamma(x: np.ndarray) -> tuple[float, dict, float, float, float, float]:
    n = len(x)
    k, _, theta = stats.gamma.fit(x, floc=0)
    ll = float(stats.gamma.logpdf(x, k, scale=theta).sum())
    info = n * np.array([[special.polygamma(1, k), 1 / theta], [1 / theta, k / theta**2]])
    cov = np.linalg.inv(info)
    m, sd = k * theta, math.sqrt(k) * theta
    g_m = np.array([theta, k])
    g_sd = np.array([theta / (2 * math.sqrt(k)), math.sqrt(k)])
    return (
        ll,
        {"dist": "gamma", "mean": m, "sd": sd},
        m,
        sd,
        math.sqrt(g_m @ cov @ g_m),
        math.sqrt(g_sd @ cov @ g_sd),
    )


def _uniform(x: np.ndarray) -> tuple[float, dict, float, float, float, float]:
    n = len(x)
    lo, hi = float(x.min()), float(x.max())
    w = hi - lo
    ll = -n * math.log(w)
    m, sd = (lo + hi) / 2, w / math.sqrt(12)
    # min and max have SE about w/n each
    return ll, {"dist": "uniform", "low": lo, "high": hi}, m, sd, w / n, w / (n * math.sqrt(6))


_FAMILIES = {"lognormal": _lognormal, "gamma": _gamma, "uniform": _uniform}


def fit_discrete(values: np.ndarray) -> DistFit:
    """The empirical distribution of a few distinct values (weights = shares, binomial SEs)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    vals, counts = np.unique(x, return_counts=True)
    p = counts / n
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    spec = {"dist": "discrete", "values": [float(v) for v in vals], "weights": [float(w) for w in p]}
    return DistFit(
        "discrete",
        spec,
        mean,
        sd,
        sd / math.sqrt(n),
        sd / math.sqrt(2 * max(n - 1, 1)),
        n,
        probs_se=[float(math.sqrt(q * (1 - q) / n)) for q in p],
    )


def fit_distribution(
    values: np.ndarray, families: tuple[str, ...] = ("lognormal", "gamma"), max_discrete: int = MAX_DISCRETE
) -> DistFit:
    """Fit a spec to ``values`` (finite, >= 0); see the module doc for the rule."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        raise ValueError("no values to fit a distribution to")
    lo, hi = float(x.min()), float(x.max())
    if hi - lo <= 1e-9 * max(1.0, abs(hi)):
        return DistFit("constant", float(x.mean()), float(x.mean()), 0.0, 0.0, 0.0, n)
    distinct = len(np.unique(x)) if n <= 10_000_000 else max_discrete + 1
    if distinct <= max_discrete:
        return fit_discrete(x)
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    if lo <= 0:
        return DistFit(
            "gamma (moments)",
            {"dist": "gamma", "mean": mean, "sd": sd},
            mean,
            sd,
            sd / math.sqrt(n),
            sd / math.sqrt(2 * (n - 1)),
            n,
        )
    best: DistFit | None = None
    aic: dict[str, float] = {}
    for fam in families:
        try:
            with np.errstate(all="ignore"):
                ll, spec, m, s, m_se, s_se = _FAMILIES[fam](x)
        except (OverflowError, ZeroDivisionError, ValueError, np.linalg.LinAlgError):
            continue  # values over many orders of magnitude: this family's formulas overflow
        if not all(math.isfinite(v) and abs(v) <= SCENARIO_BOUND for v in (ll, m, s)):
            continue
        aic[fam] = 4.0 - 2.0 * ll
        if best is None or aic[fam] < aic[best.family]:
            best = DistFit(fam, spec, m, s, m_se, s_se, n)
    if best is None:
        return DistFit(
            "gamma (moments)",
            {"dist": "gamma", "mean": mean, "sd": sd},
            mean,
            sd,
            sd / math.sqrt(n),
            sd / math.sqrt(2 * (n - 1)),
            n,
        )
    best.aic = aic
    return best
