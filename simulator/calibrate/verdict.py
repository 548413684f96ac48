"""The back-test's rule: observed against simulated for one figure, the power of that check, and
the verdict of the whole back-test (docs/data-formats.md, "The back-test").

For one figure of one unit, with the observed value x (SE e from the held-out data's own
sampling, see :mod:`.observed`) and R simulated replications of the held-out days (mean m,
standard deviation s), the back-test asks whether x - m differs from 0:

    V = e^2 (1 + N_holdout / N_fit) + s^2 / R

``e^2`` is the observation's sampling variance; ``e^2 N_holdout / N_fit`` the fit's (an estimate
from N_fit days has about N_holdout / N_fit times the variance of the N_holdout-day figure; 0
when a scenario is back-tested as it is, nothing fitted); ``s^2 / R`` the simulated mean's.
Where the data give no SE, or the replications spread significantly more than it allows (s^2 /
e^2 over the 95th percentile of chi2(R - 1) / (R - 1)), ``e = s`` (the simulated spread of one
realisation), and that part of V counts as estimated from R - 1 degrees of freedom. The check fails
when |x - m| > t_df(1 - a/2) sqrt(V), with ``a`` = 0.05 / (checks of the unit) (Bonferroni: a
right model fails a unit's back-test at most 5% of the time) and ``df`` by Welch-Satterthwaite
(V^2 / ((s^2/R)^2 / (R - 1)); the observed part counts as known).

Its power: the smallest error, relative to the simulated value, that the check detects with
probability ``POWER`` (0.8) at that level,

    MDE = (t_df(1 - a/2) + z_0.8) sqrt(V) / |m|.

A check whose MDE exceeds ``MDE_LIMIT`` (25%) cannot tell a model a quarter off from a right one: it is
"inconclusive" unless it fails (a significant difference is one whatever the power).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import chdtri, ndtri, stdtrit

from ..base.formatting import table
from .observed import Figure

__all__ = ["Check", "Backtest", "check_metric", "FAMILY_ALPHA", "REL_TOL", "POWER", "MDE_LIMIT"]

FAMILY_ALPHA = 0.05
"""Chance that a right model fails a unit's back-test (shared by its checks, Bonferroni)."""
REL_TOL = 0.01
"""A difference within 1% of the simulated value passes ("pass (<1%)"): no decision turns on it."""
POWER = 0.8
"""Power at which the minimum detectable error is stated."""
MDE_LIMIT = 0.25
"""A check that would not detect an error of 25% of the figure (at ``POWER``) is inconclusive."""


@dataclass
class Check:
    """Observed against simulated for one metric of one unit, in the metric's unit. ``sim_low``
    and ``sim_high`` bound the observed values that pass (simulated mean -+ t sqrt(V)); ``mde``
    is the minimum detectable error as a share of the simulated mean."""

    unit: str
    metric: str
    observed: float | None
    sim_mean: float | None
    sim_low: float | None  # the observed values that pass
    sim_high: float | None
    ci_low: float | None  # 95% CI of the simulated mean
    ci_high: float | None
    verdict: str  # "pass", "pass (<1%)", "fail", "inconclusive" or "not observed"
    observed_se: float | None = None  # SE of the observed figure (None: taken from the simulation)
    se: float | None = None  # SE of observed - simulated, sqrt(V)
    mde: float | None = None  # minimum detectable relative error at POWER

    @property
    def conclusive(self) -> bool:
        return self.verdict in ("pass", "pass (<1%)", "fail")


@dataclass
class Backtest:
    """The checks of a back-test and how they were made. ``level``: each check's confidence
    (1 - a, after Bonferroni); ``fit_days`` 0 when every day was checked (a scenario as it is)."""

    holdout_days: int
    fit_days: int
    first_holdout_date: str
    replications: int
    level: float
    checks: list[Check] = field(default_factory=list)
    calibrated: Any = None  # the Calibrated fit behind it (None: a scenario back-tested as it is)
    scenario: Any = None  # the LoadedScenario simulated

    @property
    def failed(self) -> int:
        return sum(c.verdict == "fail" for c in self.checks)

    @property
    def inconclusive(self) -> int:
        """Checks too weak to judge (their minimum detectable error is over MDE_LIMIT)."""
        return sum(c.verdict == "inconclusive" for c in self.checks)

    @property
    def verdict(self) -> str:
        """ "failed" when a check fails; else "inconclusive" when a check of the center is
        (the center holds the most data: when it cannot judge a figure, no unit can); else
        "passed". A segment's or team's inconclusive checks are counted in the table's last line."""
        if self.failed:
            return "failed"
        if any(c.unit == "center" and c.verdict == "inconclusive" for c in self.checks):
            return "inconclusive"
        return "passed"

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    def table(self) -> str:
        """Plain-text table of every check and the verdict line."""
        what = (
            f"last {self.holdout_days} day(s) from {self.first_holdout_date} held out, fit on "
            f"{self.fit_days} day(s)"
            if self.fit_days
            else f"{self.holdout_days} day(s) from {self.first_holdout_date} checked, nothing fitted"
        )
        head = (
            f"back-test: {what}; {self.replications} replications; fail = observed - simulated "
            f"outside {self.level:.2%} of its sampling error (95% per unit, Bonferroni); "
            f"detectable = the error found with {POWER:.0%} power; inconclusive over {MDE_LIMIT:.0%}"
        )
        rows = [
            [
                "unit",
                "metric",
                "observed (SE)",
                "simulated (95% CI)",
                "pass interval",
                "detectable",
                "verdict",
            ]
        ]
        for c in self.checks:
            obs = _fmt(c.observed) + (f" ({_fmt(c.observed_se)})" if c.observed_se is not None else "")
            rows.append(
                [
                    c.unit,
                    c.metric,
                    obs,
                    f"{_fmt(c.sim_mean)} ({_fmt(c.ci_low)}-{_fmt(c.ci_high)})",
                    f"{_fmt(c.sim_low)}-{_fmt(c.sim_high)}",
                    "-" if c.mde is None else f"{c.mde:.0%}",
                    c.verdict.upper() if c.verdict == "fail" else c.verdict,
                ]
            )
        judged = sum(c.verdict != "not observed" for c in self.checks)
        tail = f"\nback-test {self.verdict.upper()}: {self.failed} of {judged} checks failed"
        if self.inconclusive:
            center = sum(c.unit == "center" and c.verdict == "inconclusive" for c in self.checks)
            tail += (
                f"; {self.inconclusive} inconclusive ({center} of the center's), too little data to "
                f"detect an error of {MDE_LIMIT:.0%}: hold out more days (--holdout-days), or add "
                "replications (-r) where the simulated part of the SE dominates"
            )
        return head + "\n" + table(rows, left=(0, 1)) + tail


def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    a = abs(x)
    return f"{x:.3f}" if a < 10 else f"{x:.1f}" if a < 1000 else f"{x:,.0f}"


def check_metric(
    unit: str,
    metric: str,
    observed: Figure | float | None,
    sims: list[float],
    level: float,
    ratio: float,
) -> Check:
    """One metric of one unit: ``observed`` (a Figure with its SE, or a bare value whose SE is
    then the simulated spread) against the replications' values ``sims`` at confidence
    ``level``, the observation's variance widened by ``ratio`` (N_holdout / N_fit, the fit's
    own sampling error; 0 for a scenario back-tested as it is). See the module doc."""
    fig = observed if isinstance(observed, Figure) else Figure(observed, None)
    x = fig.value
    if x is None or len(sims) < 2:
        return Check(unit, metric, x, None, None, None, None, None, "not observed", fig.se)
    R = len(sims)
    m = float(np.mean(sims))
    s = float(np.std(sims, ddof=1))
    v_sim = s * s / R
    # the data's SE, unless the replications spread significantly more (one-sided F test at 5%:
    # variation the count formulas leave out, such as the portfolio's day-to-day state)
    if fig.se is not None and s * s <= fig.se**2 * float(chdtri(R - 1, 0.05)) / (R - 1):
        v = fig.se**2 * (1 + ratio) + v_sim
        v_est = v_sim  # the part estimated from the R replications
    else:  # the simulated spread of one realisation stands for the observation's
        v = s * s * (1 + ratio) + v_sim
        v_est = v
    df = v * v / (v_est * v_est / (R - 1)) if v_est > 0 else math.inf
    crit = float(stdtrit(df, 0.5 + level / 2)) if math.isfinite(df) else float(ndtri(0.5 + level / 2))
    se = math.sqrt(v)
    half = crit * se
    mde = (crit + float(ndtri(POWER))) * se / abs(m) if m else None
    t95 = float(stdtrit(R - 1, 0.975))
    ci = t95 * s / math.sqrt(R)
    weak = mde is None or mde > MDE_LIMIT
    if abs(x - m) <= REL_TOL * abs(m):
        verdict = "inconclusive" if weak else "pass (<1%)"
    elif abs(x - m) > half:
        verdict = "fail"
    elif weak:
        verdict = "inconclusive"
    else:
        verdict = "pass"
    return Check(unit, metric, x, m, m - half, m + half, m - ci, m + ci, verdict, fig.se, se, mde)
