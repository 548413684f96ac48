"""A fitted scenario: the base scenario (or defaults) with what the data identify replaced, and a
``[calibration]`` section holding every fitted number with its SE and 95% interval."""

from __future__ import annotations

import copy
import math
from typing import Any

from ..._version import __version__
from ...scenario.load import LoadedScenario
from ...scenario.schema import WEEKDAYS, Team, clock_minutes
from ..fit.trace_fit import SegmentFit, TraceFit
from ..read.csv_table import CalibrationDataError
from .parameters import clean, rounded
from .portfolio_tables import portfolio_part
from .segment_tables import OUTCOME_METHOD, segment_table
from .team_tables import team_table

__all__ = ["scenario_from_fit"]


def scenario_from_fit(fit: TraceFit, base: LoadedScenario | None) -> dict[str, Any]:
    """The raw (TOML-ready) fitted scenario, ``calibration`` section included."""
    raw: dict[str, Any] = copy.deepcopy(dict(base.raw)) if base is not None else {}
    raw.pop("calibration", None)
    notes = list(fit.notes)
    params: list[dict] = []
    name = (raw.get("scenario", {}).get("name", "") + "_fitted") if base is not None else "fitted"
    raw["scenario"] = {
        "name": name[:120],
        "description": (
            f"Fitted by collectsim calibrate from {fit.folder} ({fit.first_date} to {fit.last_date})"
            + (f", starting from {base.source}" if base is not None else "")
            + "; see [calibration]."
        ),
    }
    cal = raw.setdefault("calendar", {})
    cal["working_days"] = fit.working_days
    cal["weekdays"] = [WEEKDAYS[d] for d in fit.weekdays]
    cal["start_weekday"] = WEEKDAYS[fit.start_weekday]
    segs = raw.setdefault("segments", {})
    for sname, sf in fit.segments.items():
        segs[sname] = segment_table(sf, segs.get(sname, {}), notes, params, fit.living is not None)
    teams = raw.setdefault("teams", {})
    if not fit.teams and base is None:
        raise CalibrationDataError(
            f"{fit.folder}/shifts.csv",
            None,
            None,
            "missing, and no base scenario gives "
            "the teams: add shifts.csv to the folder or give --base SCENARIO",
        )
    if not fit.teams:
        notes.append("teams: no shifts.csv; headcount, shifts, breaks and productive rate kept from the base")
    for tname, tf in fit.teams.items():
        teams[tname] = team_table(tf, teams.get(tname), [s for s in tf.segments if s in segs], notes, params)
    worked = {x for t in teams.values() for x in t.get("segments", [])}
    orphans = [x for x in fit.segments if x not in worked]
    if orphans:
        raise CalibrationDataError(
            f"{fit.folder}/dials.csv",
            None,
            "segment",
            (
                f"segment(s) {', '.join(orphans)} of the data are worked by no team: "
                + (
                    "no collector of shifts.csv dialed them"
                    if fit.teams
                    else "the base scenario has no such segment and there is no shifts.csv to say which "
                    "team works them "
                    f"(base segments: {', '.join(sorted(base.scenario.segments)) if base else 'none'})"
                )
            ),
        )
    if fit.teams:
        starts = [Team.model_validate(t).shift_start_min for t in teams.values()]
        ends = [Team.model_validate(t).shift_end_min for t in teams.values()]
        open_m = min(min(starts), clock_minutes(cal.get("open_time", "23:59")))
        close_m = max(max(ends), clock_minutes(cal.get("close_time", "00:00")))
        cal["open_time"] = f"{int(open_m // 60):02d}:00"
        cal["close_time"] = "24:00" if close_m > 23 * 60 else f"{int(math.ceil(close_m / 60)):02d}:00"
    if fit.dialer_mode is not None:
        raw.setdefault("dialer", {})["mode"] = fit.dialer_mode
    for sname, sf in fit.segments.items():
        if sf.bad_number_share is not None:
            raw["skip_trace"].setdefault("bad_number_share_by_segment", {})[sname] = rounded(
                sf.bad_number_share.value
            )
    account_level = any(sf.answer is not None for sf in fit.segments.values())
    if fit.living is not None:
        portfolio_part(raw, fit, fit.living, dict(base.raw) if base is not None else None, params, notes)
    notes += [
        "campaign rules (attempts, retry delays, compliance windows, dialer pacing) are policies, not "
        "behaviour: " + ("kept from the base" if base is not None else "schema defaults"),
        "skill differences between collectors are not fitted: every collector works at the segment's rates",
        "account-level behaviour is written to [portfolio.behaviour] (calibration.links: the links per "
        "unit of each attribute)"
        if account_level
        else "account-level links (calibration.links) are fitted on the attributes at entry and kept as "
        "provenance; without a living portfolio in the data the scenario does not use them",
    ]
    links = [(sname, ln) for sname, sf in fit.segments.items() for ln in _links_of(sf, fit.living)]
    raw["calibration"] = {
        "method": "collectsim calibrate, trace: " + OUTCOME_METHOD + "; durations and amounts by maximum "
        "likelihood (lognormal or gamma by AIC); rates with Wilson or Poisson intervals",
        "data": "trace",
        "collectsim_version": __version__,
        "base": f"{base.source} sha256 {base.sha256}" if base is not None else "",
        "sources": [{"file": s.file, "sha256": s.sha256, "rows": s.rows} for s in fit.sources],
        "first_date": fit.first_date.isoformat(),
        "last_date": fit.last_date.isoformat(),
        "parameters": params,
        "links": [
            {
                "segment": sname,
                "response": ln.response,
                "link": "logit" if ln.kind == "logistic" else "log",
                "terms": ln.terms,
                "center": [rounded(c) for c in ln.center],
                "coef": [rounded(c) for c in ln.coef],
                "se": [rounded(c) for c in ln.se],
                "n": ln.n,
                "residual_sd": rounded(ln.residual_sd),
            }
            for sname, ln in links
        ],
        "not_identified": notes,
    }
    return clean(raw)


def _links_of(sf: SegmentFit, living) -> list:
    """The segment's links for calibration.links: with account-level behaviour those of the
    simulator's link (answer, promise, keep, amount, self-cure), else the regressions on the
    attributes at entry."""
    if sf.answer is None:
        return list(sf.behaviour.links)
    out = [sf.answer.link]
    if sf.conversion is not None:
        out += [
            x for x in (sf.conversion.promise_link, sf.conversion.keep_link, sf.conversion.payment_link) if x
        ]
    ls = living.segments.get(sf.name) if living is not None else None
    if ls is not None and ls.self_cure is not None and ls.self_cure.link is not None:
        out.append(ls.self_cure.link)
    return out
