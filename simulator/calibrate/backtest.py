"""The back-test: fit all but the last N days, simulate those N days from the fit, and compare
each pyramid layer and daily volume, for the center and each segment (each team with --kpi).

The observed figures and their sampling error come from :mod:`.observed`, the rule (the SE of
observed - simulated, the power of each check and the verdicts) from :mod:`.verdict`; see
docs/data-formats.md, "The back-test".
"""

from __future__ import annotations

import copy
from typing import Any

from ..experiment.replications import run_experiment
from ..measures.pyramid import LAYERS
from ..scenario.load import LoadedScenario
from ..scenario.schema import WEEKDAYS
from .api import BaseSpec, Calibrated, calibrate_trace, validated
from .observed import Figure, observed_kpi_layers, observed_layers
from .read.csv_table import CalibrationDataError
from .read.trace import Trace
from .verdict import FAMILY_ALPHA, MDE_LIMIT, POWER, REL_TOL, Backtest, Check, check_metric

__all__ = [
    "Check",
    "Backtest",
    "Figure",
    "check_metric",
    "backtest",
    "backtest_kpi",
    "observed_layers",
    "LAYER_METRICS",
    "VOLUMES",
    "FAMILY_ALPHA",
    "REL_TOL",
    "POWER",
    "MDE_LIMIT",
]

LAYER_METRICS = (*LAYERS, "value_per_paid_hour")
VOLUMES = ("dials", "rpc", "promises", "collected")
"""Daily volumes compared as means per calling day of the holdout."""


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
    obs: dict[str, dict[str, Figure]],
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
    fit (run over the data's span, the days before the held-out ones as warm-up; no fit error
    is added); nothing needs holding out then, and ``holdout_days`` may be every calling day."""
    days = tr.dial_days
    most = len(days) if scenario is not None else len(days) - 1
    if holdout_days < 1 or holdout_days > most:
        raise CalibrationDataError(
            tr.folder,
            None,
            None,
            f"--holdout-days {holdout_days}: the data hold {len(days)} calling day(s); expected 1 to {most}",
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
    from .kpi import calibrate_kpi, kpi_dates

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
