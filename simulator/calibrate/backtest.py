"""The back-test: fit all but the last N days, simulate those N days from the fit, and compare.

Rule (docs/data-formats.md, "The back-test"): the held-out days are one more realisation of the
process the fitted scenario describes. For each layer, the simulated replications give the
distribution of that realisation; the observed value passes when it lies inside the prediction
interval

    mean +- t(R-1, 1 - a/2) * s * sqrt(1 + 1/R + N_holdout / N_fit)

where mean and s are the replications' mean and standard deviation, R their number, and the
last term adds the fit's own sampling error (an estimate from N_fit days has about N_holdout /
N_fit times the variance of one N_holdout-day realisation). ``a`` is 0.05 divided by the number
of checks of the unit (Bonferroni), so a correct model fails a unit's back-test at most 5% of
the time whatever the number of layers. A value outside the interval but within ``REL_TOL`` (1%)
of the simulated mean also passes, marked "pass (<1%)": a difference that precise simulations
can detect (the productive rate varies by a few seconds of overtime a day) but no decision
turns on.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import stdtrit

from ..base.clock import HOUR_S
from ..base.formatting import table
from ..base.outcomes import RPC
from ..experiment.replications import run_experiment
from ..measures.pyramid import LAYERS
from ..scenario.load import LoadedScenario
from ..scenario.schema import WEEKDAYS
from .api import BaseSpec, Calibrated, calibrate_trace, validated
from .read.csv_table import CalibrationDataError
from .read.formats import KEPT, PENDING
from .read.trace import Trace

__all__ = [
    "Check",
    "Backtest",
    "check_metric",
    "backtest",
    "backtest_kpi",
    "observed_layers",
    "LAYER_METRICS",
    "VOLUMES",
    "FAMILY_ALPHA",
    "REL_TOL",
]

LAYER_METRICS = (*LAYERS, "value_per_paid_hour")
VOLUMES = ("dials", "rpc", "promises", "collected")
"""Daily volumes compared as means per calling day of the holdout."""
FAMILY_ALPHA = 0.05
REL_TOL = 0.01


@dataclass
class Check:
    """Observed against simulated for one metric of one unit."""

    unit: str
    metric: str
    observed: float | None
    sim_mean: float | None
    sim_low: float | None  # prediction interval
    sim_high: float | None
    ci_low: float | None  # 95% CI of the simulated mean
    ci_high: float | None
    verdict: str  # "pass", "pass (<1%)", "fail", "inconclusive" or "not observed"


@dataclass
class Backtest:
    holdout_days: int
    fit_days: int
    first_holdout_date: str
    replications: int
    level: float  # per-check prediction level after Bonferroni
    checks: list[Check] = field(default_factory=list)
    calibrated: Calibrated | None = None
    scenario: LoadedScenario | None = None

    @property
    def passed(self) -> bool:
        return all(c.verdict != "fail" for c in self.checks)

    @property
    def inconclusive(self) -> int:
        """Checks whose prediction interval is too wide to fail (more replications sharpen it)."""
        return sum(c.verdict == "inconclusive" for c in self.checks)

    def table(self) -> str:
        """Plain-text table of every check."""
        head = (
            f"back-test: last {self.holdout_days} day(s) from {self.first_holdout_date} held out, fit on "
            f"{self.fit_days} day(s); {self.replications} replications; pass = observed inside the "
            f"{self.level:.2%} prediction interval (95% per unit, Bonferroni)"
        )
        rows = [["unit", "metric", "observed", "simulated (95% CI)", "prediction interval", "verdict"]]
        for c in self.checks:
            rows.append(
                [
                    c.unit,
                    c.metric,
                    _fmt(c.observed),
                    f"{_fmt(c.sim_mean)} ({_fmt(c.ci_low)}-{_fmt(c.ci_high)})",
                    f"{_fmt(c.sim_low)}-{_fmt(c.sim_high)}",
                    c.verdict.upper() if c.verdict == "fail" else c.verdict,
                ]
            )
        verdict = "FAILED" if not self.passed else "INCONCLUSIVE" if self.inconclusive else "PASSED"
        tail = (
            f"\nback-test {verdict}: {sum(c.verdict == 'fail' for c in self.checks)} of "
            f"{sum(c.verdict != 'not observed' for c in self.checks)} checks failed"
        )
        if self.inconclusive:
            tail += (
                f"; {self.inconclusive} could not fail (prediction interval wider than the observed value: "
                "add replications, -r)"
            )
        return head + "\n" + table(rows, left=(0, 1)) + tail


def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    a = abs(x)
    return f"{x:.3f}" if a < 10 else f"{x:.1f}" if a < 1000 else f"{x:,.0f}"


def _div(a: float, b: float) -> float | None:
    return a / b if b else None


def observed_layers(tr: Trace, days: int) -> dict[str, dict[str, float | None]]:
    """Pyramid layers and daily volumes of the data in ``tr`` (one window), for the center and
    each segment. Paid and productive hours are split over segments by each collector's
    handling seconds on them (the allocation rule of measures/metrics.py); promises are those
    made in the window, kept and collected their eventual result (pending ones left out)."""
    d = tr.dials
    segs = tr.segments
    S = len(segs)
    out: dict[str, dict[str, float | None]] = {}
    handle = d["ring"] + d["talk"] + d["wrap"]
    C = len(tr.collectors)
    paid = np.zeros(S)
    prod = np.zeros(S)
    if tr.shifts is not None and C:
        has = d["coll"] >= 0
        hs = np.bincount(d["coll"][has] * S + d["seg"][has], weights=handle[has], minlength=C * S).reshape(
            C, S
        )
        tot = hs.sum(axis=1, keepdims=True)
        share = np.where(tot > 0, hs / np.where(tot > 0, tot, 1), 1.0 / S)
        cp = np.bincount(tr.shifts["collector_id"], weights=tr.shifts["paid_s"], minlength=C)
        cq = np.bincount(tr.shifts["collector_id"], weights=tr.shifts["productive_s"], minlength=C)
        paid, prod = (cp[:, None] * share).sum(axis=0), (cq[:, None] * share).sum(axis=0)
    dials = np.bincount(d["seg"], minlength=S).astype(float)
    rpc = np.bincount(d["seg"][d["out"] == RPC], minlength=S).astype(float)
    pr = tr.promises
    promises = kept = resolved = collected = np.zeros(S)
    if pr is not None:
        promises = np.bincount(pr["segment"], minlength=S).astype(float)
        k = pr["status"] == KEPT
        kept = np.bincount(pr["segment"][k], minlength=S).astype(float)
        resolved = np.bincount(pr["segment"][pr["status"] != PENDING], minlength=S).astype(float)
        collected = np.bincount(pr["segment"][k], weights=np.nan_to_num(pr["paid_usd"][k]), minlength=S)
    units = [("center", slice(None))] + [(s, i) for i, s in enumerate(segs)]
    for name, sel in units:
        t = {
            k: float(np.sum(v[sel]))
            for k, v in (
                ("paid", paid),
                ("prod", prod),
                ("dials", dials),
                ("rpc", rpc),
                ("promises", promises),
                ("kept", kept),
                ("resolved", resolved),
                ("collected", collected),
            )
        }
        have_hours = tr.shifts is not None
        out[name] = {
            "productive_rate": _div(t["prod"], t["paid"]) if have_hours else None,
            "rpc_per_productive_hour": _div(t["rpc"], t["prod"] / HOUR_S) if have_hours else None,
            "promise_rate": _div(t["promises"], t["rpc"]) if pr is not None else None,
            "kept_rate": _div(t["kept"], t["resolved"]) if pr is not None else None,
            "avg_payment": _div(t["collected"], t["kept"]) if pr is not None else None,
            "value_per_paid_hour": _div(t["collected"], t["paid"] / HOUR_S)
            if have_hours and pr is not None
            else None,
            "dials": t["dials"] / days,
            "rpc": t["rpc"] / days,
            "promises": t["promises"] / days if pr is not None else None,
            "collected": t["collected"] / days if pr is not None else None,
        }
    return out


def _holdout_scenario(cal: Calibrated, fit_days: int, holdout_days: int, weekday: int) -> LoadedScenario:
    """The scenario run over the data's whole span from its first day (``weekday``), the fitted
    days as warm-up: the held-out days are measured after the same days from the same initial
    portfolio as in the data (accounts worked, promised, cured and placed; its call history)."""
    raw = copy.deepcopy(cal.raw)
    c = raw.setdefault("calendar", {})
    c["working_days"] = fit_days + holdout_days
    c["warmup_days"] = fit_days
    c["start_weekday"] = WEEKDAYS[weekday]
    if WEEKDAYS[weekday] not in c.get("weekdays", WEEKDAYS[:5]):
        c.setdefault("weekdays", list(WEEKDAYS[:5])).append(WEEKDAYS[weekday])
    return validated(raw, f"<back-test of {cal.loaded.source}>")


def _simulated(res, level: str, unit: str, metric: str, days: int) -> list[float]:
    vals = res.values(metric if level == "center" else f"{level}.{unit}.{metric}")
    return [v / days if metric in VOLUMES else v for v in vals if v is not None]


def _compare(
    loaded: LoadedScenario,
    obs: dict[str, dict[str, float | None]],
    level: str,
    holdout_days: int,
    fit_days: int,
    first_date: str,
    ratio: float,
    replications: int,
    seed: int,
    executor: Any,
    workers: int | None,
    cal: Calibrated | None,
) -> Backtest:
    """Simulate ``loaded`` and check every metric of every observed unit (``level``: the
    results level of the units other than "center")."""
    if replications < 2:
        raise ValueError("a back-test needs at least 2 replications")
    res = run_experiment(loaded, replications=replications, seed=seed, executor=executor, workers=workers)
    metrics = (*LAYER_METRICS, *VOLUMES)
    level_p = 1 - FAMILY_ALPHA / len(metrics)
    bt = Backtest(holdout_days, fit_days, first_date, replications, level_p, calibrated=cal, scenario=loaded)
    known = loaded.scenario.segments if level == "segments" else loaded.scenario.teams
    for unit in ["center"] + [u for u in obs if u != "center" and u in known]:
        lv = "center" if unit == "center" else level
        for metric in metrics:
            bt.checks.append(
                check_metric(
                    unit,
                    metric,
                    obs[unit].get(metric),
                    _simulated(res, lv, unit, metric, holdout_days),
                    level_p,
                    ratio,
                )
            )
    return bt


def backtest(
    tr: Trace,
    holdout_days: int,
    base: BaseSpec = None,
    *,
    scenario: LoadedScenario | None = None,
    replications: int = 10,
    seed: int = 1,
    executor: Any = None,
    workers: int | None = None,
) -> Backtest:
    """Hold out the last ``holdout_days`` calling days of ``tr``, fit the rest (from ``base``),
    simulate the held-out days ``replications`` times and compare, for the center and each
    segment (see the module doc). ``scenario``: back-test this scenario as it is instead of a
    fit (its calendar set to the held-out days; no fit error is added to the intervals)."""
    days = tr.dial_days
    if holdout_days < 1 or holdout_days >= len(days):
        raise CalibrationDataError(
            tr.folder,
            None,
            None,
            f"--holdout-days {holdout_days}: the data hold "
            f"{len(days)} calling day(s); expected 1 to {len(days) - 1}",
        )
    cut = int(days[-holdout_days])
    fit_days = len(days) - holdout_days
    weekday = (tr.origin_weekday + int(days[0])) % 7
    cal = None
    if scenario is None:
        cal = calibrate_trace(tr.window(None, cut - 1), base)
        loaded = _holdout_scenario(cal, fit_days, holdout_days, weekday)
    else:
        loaded = _holdout_scenario(
            Calibrated(dict(scenario.raw), scenario, None), fit_days, holdout_days, weekday
        )
    obs = observed_layers(tr.window(cut, None), holdout_days)
    return _compare(
        loaded,
        obs,
        "segments",
        holdout_days,
        fit_days,
        tr.date_of(cut).isoformat(),
        holdout_days / fit_days if scenario is None else 0.0,
        replications,
        seed,
        executor,
        workers,
        cal,
    )


def backtest_kpi(
    path,
    holdout_days: int,
    base: BaseSpec = None,
    *,
    replications: int = 10,
    seed: int = 1,
    executor: Any = None,
    workers: int | None = None,
    lenient: bool = False,
) -> Backtest:
    """The back-test of the daily-KPI path: fit the rows before the last ``holdout_days`` dates,
    simulate those dates, compare the center and each team (``lenient``: rows that break a rule
    of daily.csv left out, see :func:`.kpi.calibrate_kpi`)."""
    from .kpi import calibrate_kpi, kpi_dates, observed_kpi_layers

    dates = kpi_dates(path, lenient)
    if holdout_days < 1 or holdout_days >= len(dates):
        raise CalibrationDataError(
            str(path),
            None,
            None,
            f"--holdout-days {holdout_days}: the data hold "
            f"{len(dates)} date(s); expected 1 to {len(dates) - 1}",
        )
    cut = dates[-holdout_days]
    cal = calibrate_kpi(path, base, before=cut, lenient=lenient)
    weekday = int(dates[0].astype("datetime64[D]").item().weekday())
    fit_days = len(dates) - holdout_days
    loaded = _holdout_scenario(cal, fit_days, holdout_days, weekday)
    obs = observed_kpi_layers(path, since=cut, days=holdout_days, lenient=lenient)
    return _compare(
        loaded,
        obs,
        "teams",
        holdout_days,
        fit_days,
        str(cut),
        holdout_days / fit_days,
        replications,
        seed,
        executor,
        workers,
        cal,
    )


def check_metric(
    unit: str, metric: str, observed: float | None, sims: list[float], level: float, ratio: float
) -> Check:
    """One metric of one unit: ``observed`` against the replications' values ``sims``, in the
    prediction interval at ``level`` widened by ``ratio`` (N_holdout / N_fit, the fit's own
    sampling error; 0 for a scenario back-tested as it is). See the module doc."""
    if observed is None or len(sims) < 2:
        return Check(unit, metric, observed, None, None, None, None, None, "not observed")
    R = len(sims)
    m = float(np.mean(sims))
    s = float(np.std(sims, ddof=1))
    t = float(stdtrit(R - 1, 0.5 + level / 2))
    half = t * s * math.sqrt(1 + 1 / R + ratio)
    t95 = float(stdtrit(R - 1, 0.975))
    ci = t95 * s / math.sqrt(R)
    if abs(observed - m) <= REL_TOL * abs(m):
        verdict = "pass (<1%)"
    elif not m - half <= observed <= m + half:
        verdict = "fail"
    elif half > abs(observed):  # an interval from about 0 to twice the observed value: it cannot fail
        verdict = "inconclusive"
    else:
        verdict = "pass"
    return Check(unit, metric, observed, m, m - half, m + half, m - ci, m + ci, verdict)
