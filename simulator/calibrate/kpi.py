"""Calibration from daily KPI aggregates (``daily.csv``: one row per collector or team per day).

Aggregates identify ratios, and only those:

- productive rate = productive hours / paid hours -> the unproductive minutes of the team's
  shift (the base team's breaks, lunch, meeting and training scaled to them);
- right-party contacts per dial -> the segments' base rpc probability (the other outcomes
  rescaled together, the hour and weekday curves kept);
- dials per productive hour -> the mean handling time per dial, 3600 / that rate: every ring,
  talk and wrap time of the team's segments is scaled by one factor. This assumes the dialer
  kept its collectors busy (progressive or preview, never out of accounts); it is not applied
  for a predictive base, whose dials per hour depend on pacing;
- promise rate, kept rate -> promise_probability, keep_probability;
- average payment = collected / kept -> the mean of payment_usd (its shape kept).

Each is a ratio of sums over rows, with the ratio estimator's standard error (rows as the
sampling units). Everything else comes from the base scenario, and the fit says so.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..base.clock import HOUR_S
from ..base.outcomes import ABANDONED, RPC, THIRD_PARTY
from ..scenario.distributions import scale_spec
from ..scenario.load import LoadedScenario, load_scenario
from ..scenario.schema import OUTCOMES, WEEKDAYS, Scenario
from .api import BaseSpec, Calibrated, load_base, validated
from .assemble.parameters import clean, param
from .fit.regression import Estimate
from .fit.teams import layout_within_shift, ratio_estimate
from .read.csv_table import CalibrationDataError
from .read.daily import read_daily
from .read.formats import KEPT, KPI
from .read.screen import Exclusion

__all__ = [
    "KpiFit",
    "fit_kpi",
    "read_kpi",
    "kpi_dates",
    "calibrate_kpi",
    "write_daily_kpis",
    "KPI_RATIOS",
    "KPI_NOT_IDENTIFIED",
]

KPI_RATIOS = {
    "productive_rate": ("productive_hours", "paid_hours"),
    "rpc_per_productive_hour": ("rpc", "productive_hours"),
    "dials_per_productive_hour": ("dials", "productive_hours"),
    "rpc_per_dial": ("rpc", "dials"),
    "promise_rate": ("promises", "rpc"),
    "kept_rate": ("kept", "promises"),
    "avg_payment": ("collected_usd", "kept"),
}
"""What daily aggregates identify: each a ratio of column sums."""

KPI_NOT_IDENTIFIED = (
    "hour-of-day and weekday contact curves (contact_curve): daily totals carry no time of day",
    "how handling time splits into ring, talk and wrap and their distributions: only the mean per dial",
    "the split of unanswered dials into no answer, busy, machine, invalid and third party",
    "the payment amount's spread and the promise due-day distribution: only the average payment",
    "account-level effects of score, days past due and balance: no accounts in the data",
    "skill differences between collectors, inflow and self-cure",
    "when breaks fall in the shift: only the total unproductive time",
)


@dataclass
class KpiFit:
    """Ratios per unit: ``units[name][ratio]`` with unit "center" and each team in the data."""

    path: str
    sha256: str
    rows: int
    first_date: str
    last_date: str
    units: dict[str, dict[str, Estimate]]
    totals: dict[str, dict[str, float]]
    days: int
    notes: list[str] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)  # rows left out (lenient reading)


def read_kpi(path: str | Path, lenient: bool = False) -> tuple[Any, list[str]]:
    """daily.csv as a Table, with the team names in code order (see :mod:`.read.daily` for
    the checks; ``lenient``: bad rows left out instead of an error)."""
    d = read_daily(path, lenient)
    return d.table, d.teams


def kpi_dates(path: str | Path, lenient: bool = False) -> np.ndarray:
    """The distinct dates of daily.csv, ascending (datetime64[D])."""
    return np.unique(read_kpi(path, lenient)[0]["date"])


def _units(t, teams: list[str], base: Scenario, name: str, rows: np.ndarray) -> dict[str, np.ndarray]:
    units: dict[str, np.ndarray] = {"center": rows}
    if t.has("team"):
        for code, team in enumerate(teams):
            if team not in base.teams:
                i = int(np.argmax(t["team"] == code))
                raise CalibrationDataError(
                    name,
                    i + 2,
                    "team",
                    f"unknown team {team!r}; expected a team of the base scenario: {', '.join(base.teams)}",
                )
            units[team] = rows & (t["team"] == code)
    elif len(base.teams) > 1:
        raise CalibrationDataError(
            name,
            1,
            "team",
            "missing column; the base scenario has several teams "
            f"({', '.join(base.teams)}), so each row must say which",
        )
    else:
        units[next(iter(base.teams))] = rows
    return units


def fit_kpi(
    path: str | Path, base: Scenario, before: np.datetime64 | None = None, lenient: bool = False
) -> KpiFit:
    """Read daily.csv and estimate :data:`KPI_RATIOS` for the center and each team (rows dated
    before ``before`` only, when given; ``lenient``: bad rows left out and listed)."""
    daily = read_daily(path, lenient)
    t, teams = daily.table, daily.teams
    d = t["date"]
    rows = np.ones(t.n, bool) if before is None else d < before
    if not rows.any():
        raise CalibrationDataError(str(path), None, "date", f"no rows before {before}")
    fits: dict[str, dict[str, Estimate]] = {}
    totals: dict[str, dict[str, float]] = {}
    for unit, m in _units(t, teams, base, str(path), rows).items():
        fits[unit] = {r: ratio_estimate(t[a][m], t[b][m]) for r, (a, b) in KPI_RATIOS.items()}
        totals[unit] = {
            c: float(t[c][m].sum())
            for c in ("paid_hours", "productive_hours", "dials", "rpc", "promises", "kept", "collected_usd")
        }
    return KpiFit(
        str(path),
        t.sha256,
        int(rows.sum()),
        str(d[rows].min()),
        str(d[rows].max()),
        fits,
        totals,
        int(len(np.unique(d[rows]))),
        exclusions=daily.exclusions,
    )


def _mean_rpc_share(seg, team, sc: Scenario) -> float:
    """The segment's rpc probability averaged over the team's shift hours on working weekdays
    (center clock, the segment's first time zone): what the data's rpc per dial estimates."""
    off = seg.time_zones.offsets_h[int(np.argmax(seg.time_zones.weights))]
    hours = range(int(team.shift_start_min // 60), int(math.ceil(team.shift_end_min / 60)))
    vals = [
        seg.outcome_probabilities(int((h + off) % 24), WEEKDAYS.index(d))[RPC]
        for d in sc.calendar.weekdays
        for h in hours
    ]
    return float(np.mean(vals))


MAX_DIALS_PER_PRODUCTIVE_HOUR = 3600.0
"""More dials than one a second per productive hour is no dialer: the hours are wrong."""


def calibrate_kpi(
    path: str | Path, base: BaseSpec = None, before: np.datetime64 | None = None, lenient: bool = False
) -> Calibrated:
    """Fit daily KPIs (rows before ``before``, when given) onto a base scenario (None: the
    bundled default) and say what is left. ``lenient``: rows that break a rule of daily.csv
    are left out, and the notes say how many and why."""
    base_l: LoadedScenario = load_base(base) or load_scenario(None)
    sc = base_l.scenario
    kf = fit_kpi(path, sc, before, lenient)
    raw = copy.deepcopy(dict(base_l.raw))
    raw.pop("calibration", None)
    params: list[dict] = []
    notes = [e.note() for e in kf.exclusions]
    notes += [f"not identified by daily KPIs, kept from the base: {x}" for x in KPI_NOT_IDENTIFIED]
    for unit, est in kf.units.items():
        e = est.get("dials_per_productive_hour")
        if e is not None and math.isfinite(e.value) and e.value > MAX_DIALS_PER_PRODUCTIVE_HOUR:
            raise CalibrationDataError(
                str(kf.path),
                None,
                "productive_hours",
                f"{unit}: {e.value:.4g} dials per productive hour (dials / productive_hours), more than "
                f"{MAX_DIALS_PER_PRODUCTIVE_HOUR:.0f} (one a second): productive_hours is too small for "
                "the dials",
            )
    for unit, est in kf.units.items():
        idle = [r for r, e in est.items() if not math.isfinite(e.value)]
        if idle:
            notes.append(
                f"kpi.{unit}: no data for {', '.join(idle)} (the denominator sums to 0); "
                "what they would set is kept from the base"
            )
    for unit, est in kf.units.items():
        for r, e in est.items():
            if math.isfinite(e.value):
                params.append(
                    param(
                        f"kpi.{unit}.{r}",
                        e.value,
                        e.se,
                        e.low,
                        e.high,
                        e.n,
                        f"sum {KPI_RATIOS[r][0]} / sum {KPI_RATIOS[r][1]} over rows (ratio estimator)",
                        in_scenario=False,
                    )
                )
    for tname, team in sc.teams.items():
        est = kf.units.get(tname)
        if est is None:
            notes.append(f"teams.{tname}: no rows in {Path(path).name}; kept from the base")
            continue
        traw = raw["teams"][tname]
        pr = est["productive_rate"]
        if team.shifts:
            notes.append(f"teams.{tname}: several shifts; breaks and lunch kept from the base")
        elif math.isfinite(pr.value):
            unprod = (1 - pr.value) * team.shift_length_h * 60
            layout, placed = layout_within_shift(
                traw, team.shift_start_min, team.shift_length_h, unprod, traw
            )
            traw.update(layout)
            if placed < unprod - 0.5:
                notes.append(
                    f"teams.{tname}: {unprod:.0f} unproductive minutes a day (productive rate "
                    f"{pr.value:.3g}) do not fit as breaks inside the shift; {placed:.0f} placed"
                )
            params.append(
                param(
                    f"teams.{tname}.unproductive_min_per_day",
                    unprod,
                    pr.se * team.shift_length_h * 60,
                    n=pr.n,
                    method="(1 - productive rate) x the base shift length; breaks scaled",
                )
            )
        for sname in team.segments:
            _segment(
                raw["segments"][sname], sc.segments[sname], team, sc, est, f"segments.{sname}", params, notes
            )
    raw["teams"] = clean(raw["teams"])
    raw["scenario"] = {
        "name": (sc.scenario.name + "_kpi_fitted")[:120],
        "description": (
            f"Fitted by collectsim calibrate --kpi from {kf.path} ({kf.first_date} to {kf.last_date}) on "
            f"{base_l.source}; see [calibration]."
        ),
    }
    raw["calibration"] = {
        "method": "collectsim calibrate --kpi: ratios of daily sums with ratio-estimator standard errors",
        "data": "kpi",
        "collectsim_version": __version__,
        "base": f"{base_l.source} sha256 {base_l.sha256}",
        "sources": [{"file": Path(path).name, "sha256": kf.sha256, "rows": kf.rows}],
        "first_date": kf.first_date,
        "last_date": kf.last_date,
        "parameters": params,
        "not_identified": notes,
    }
    raw = clean(raw)
    return Calibrated(raw, validated(raw, f"<fitted from {kf.path}>"), kf)


def _segment(
    sraw: dict, seg, team, sc: Scenario, est: dict[str, Estimate], key: str, params: list, notes: list
) -> None:
    for rate, skey in (("promise_rate", "promise_probability"), ("kept_rate", "keep_probability")):
        e = est[rate]
        if math.isfinite(e.value) and 0 <= e.value <= 1:
            sraw[skey] = e.value
            params.append(param(f"{key}.{skey}", e.value, e.se, e.low, e.high, e.n, f"the team's {rate}"))
        elif math.isfinite(e.value):  # read_daily keeps each row's layers in order: not expected
            notes.append(
                f"{key}.{skey}: the team's {rate} {e.value:.4g} is not a probability; kept from the base"
            )
    e = est["avg_payment"]
    if math.isfinite(e.value) and seg.payment_usd.mean > 0:
        f = e.value / seg.payment_usd.mean
        sraw["payment_usd"] = scale_spec(sraw["payment_usd"], f)
        params.append(
            param(
                f"{key}.payment_usd.mean",
                e.value,
                e.se,
                e.low,
                e.high,
                e.n,
                "the team's average payment; the base distribution's shape kept",
            )
        )
    e = est["rpc_per_dial"]
    outs = sraw["outcomes"]
    if math.isfinite(e.value):
        k = e.value / max(_mean_rpc_share(seg, team, sc), 1e-12)
        p = [seg.outcomes.as_list()[i].probability for i in range(len(OUTCOMES))]
        new_rpc = min(p[RPC] * k, 0.999)
        if p[RPC] * k > 0.999:
            notes.append(
                f"{key}.outcomes.rpc.probability: the team's rpc per dial asks for {p[RPC] * k:.4g} at the "
                "base curve's typical hour; capped at 0.999"
            )
        rest = (1 - new_rpc) / (1 - p[RPC]) if p[RPC] < 1 else 0.0
        probs = [x * rest for x in p[:5]] + [new_rpc]
        probs[0] += 1.0 - sum(probs)
        for o, v in zip(OUTCOMES, probs):
            outs[o]["probability"] = v
        params.append(
            param(
                f"{key}.outcomes.rpc.probability",
                new_rpc,
                p[RPC] * e.se / max(_mean_rpc_share(seg, team, sc), 1e-12),
                n=e.n,
                method="base rpc probability scaled so its average over "
                "the shift's hours matches the team's rpc per dial",
            )
        )
    e = est["dials_per_productive_hour"]
    if math.isfinite(e.value) and e.value > 0:
        if sc.dialer.mode == "predictive":
            notes.append(
                f"{key}: handling times kept from the base: a predictive dialer's dials per productive "
                "hour depend on pacing, not only on handling time"
            )
        else:
            probs = [outs[o]["probability"] for o in OUTCOMES]
            mean_s = sum(pi * getattr(seg.outcomes, o).mean_handling_s for pi, o in zip(probs, OUTCOMES))
            f = (HOUR_S / e.value) / mean_s
            for o in OUTCOMES:
                for k in ("ring_time_s", "talk_time_s", "wrap_time_s"):
                    if k in outs[o]:
                        outs[o][k] = scale_spec(outs[o][k], f)
            params.append(
                param(
                    f"{key}.mean_handling_s_per_dial",
                    HOUR_S / e.value,
                    HOUR_S * e.se / e.value**2,
                    n=e.n,
                    method="3600 / dials per productive hour; every ring, talk and wrap time scaled by "
                    f"{f:.4g}",
                    in_scenario=False,
                )
            )


def write_daily_kpis(tr, path: str | Path) -> int:
    """Aggregate a trace (with shifts.csv and promises.csv) into daily.csv: one row per collector
    per day with its team. Connects are live answers (right party, third party, abandoned after
    a collector took the call). Promises are conversations that ended in one: the rows of
    promises.csv made together (an arrangement's payments) count once, kept when the first one
    due was. Kept and collected are those of the promises made that day, collected counting
    every payment (the pyramid's cohort basis; see docs/data-formats.md). Team and collector
    names that open like a spreadsheet formula get a leading apostrophe (base.csvcells). Returns
    the number of rows."""
    import csv

    from ..base.csvcells import safe_row

    sh, d, pr = tr.shifts, tr.dials, tr.promises
    if sh is None or pr is None:
        raise ValueError("write_daily_kpis needs shifts.csv and promises.csv in the trace")
    C = len(tr.collectors)
    day0 = int(min(sh["day"].min(), d["day"].min()))
    D = int(max(sh["day"].max(), d["day"].max(), pr["day"].max())) - day0 + 1

    def grid(coll, day, weights=None):
        ok = coll >= 0
        idx = coll[ok] * D + (day[ok] - day0)
        return np.bincount(idx, weights=None if weights is None else weights[ok], minlength=C * D).reshape(
            C, D
        )

    dials = grid(d["coll"], d["day"])
    live = np.isin(d["out"], (THIRD_PARTY, RPC, ABANDONED))
    connects = grid(d["coll"][live], d["day"][live])
    rpc = grid(d["coll"][d["out"] == RPC], d["day"][d["out"] == RPC])
    order = np.lexsort((pr["due_day"], pr["t"], pr["account_id"]))
    acct, t_made = pr["account_id"][order], pr["t"][order]
    first = order[np.r_[len(order) > 0, (acct[1:] != acct[:-1]) | (t_made[1:] != t_made[:-1])][: len(order)]]
    promises = grid(pr["collector_id"][first], pr["day"][first])
    kept_first = first[pr["status"][first] == KEPT]
    kept_n = grid(pr["collector_id"][kept_first], pr["day"][kept_first])
    kept = pr["status"] == KEPT
    collected = grid(pr["collector_id"][kept], pr["day"][kept], pr["paid_usd"][kept])
    teams, names = tr.teams, tr.collectors
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([c.name for c in KPI.columns])
        order = np.lexsort((sh["collector_id"], sh["day"]))
        for i in order:
            c, day = int(sh["collector_id"][i]), int(sh["day"][i])
            k = day - day0
            w.writerow(
                safe_row(
                    [
                        tr.date_of(day).isoformat(),
                        teams[sh["team"][i]],
                        names[c],
                        f"{sh['paid_s'][i] / HOUR_S:.6f}",
                        f"{sh['productive_s'][i] / HOUR_S:.6f}",
                        int(dials[c, k]),
                        int(connects[c, k]),
                        int(rpc[c, k]),
                        int(promises[c, k]),
                        int(kept_n[c, k]),
                        f"{collected[c, k]:.2f}",
                    ]
                )
            )
            rows += 1
    return rows
