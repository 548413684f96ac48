"""A fitted scenario: the base scenario (or defaults) with what the data identify replaced, and a
``[calibration]`` section holding every fitted number with its SE and 95% interval."""

from __future__ import annotations

import copy
import math
from typing import Any

from ..._version import __version__
from ...scenario.load import LoadedScenario
from ...scenario.schema import OUTCOMES, WEEKDAYS, Team
from ..fit.contact_curve import Z95
from ..fit.distribution_fit import DistFit
from ..fit.regression import Estimate
from ..fit.teams import TeamFit, block_layout
from ..fit.trace_fit import DURATIONS, SegmentFit, TraceFit
from ..read.csv_table import CalibrationDataError
from .portfolio_tables import dist_spec, portfolio_part, rounded

__all__ = ["scenario_from_fit", "param", "clean", "DEFAULT_WAGE_USD", "OUTCOME_METHOD"]

DEFAULT_WAGE_USD = 20.0
"""Hourly wage of a team the data introduce and no base scenario prices (wages are not in the data)."""
OUTCOME_METHOD = (
    "penalised log-linear multinomial model of the simulator's contact curve (hour and weekday "
    "effects, Fellner-Schall smoothing); SE from the inverse penalised Hessian"
)
ACCOUNT_OUTCOME_METHOD = (
    "the contact curve fitted dial by dial with the account-level answer link (score, days "
    "past due, phones, fatigue) and persistent phone states (calibrate/fit/contact_by_account.py); "
    "invalid = share of disconnected numbers; SE from the inverse penalised Hessian"
)


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
    """A ``calibration.parameters`` entry; a missing or non-finite SE or bound is left out."""
    out: dict[str, Any] = {"key": key, "value": rounded(value)}
    if se is not None and math.isfinite(se):
        out["se"] = rounded(se)
        if low is None:
            low, high = value - Z95 * se, value + Z95 * se
    if low is not None and math.isfinite(low) and high is not None and math.isfinite(high):
        out["ci95_low"], out["ci95_high"] = rounded(low), rounded(high)
    if n:
        out["n"] = int(n)
    out["method"] = method
    if not in_scenario:
        out["in_scenario"] = False
    return out


def _est(key: str, e: Estimate, method: str, in_scenario: bool = True) -> dict[str, Any]:
    return param(key, e.value, e.se, e.low, e.high, e.n, method, in_scenario)


def clean(node: Any) -> Any:
    """Drop None values (TOML has no null) recursively."""
    if isinstance(node, dict):
        return {k: clean(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [clean(v) for v in node]
    return node


def _dist_params(key: str, f: DistFit, what: str) -> list[dict]:
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


def _probabilities(base) -> list[float]:
    """Six probabilities rounded, summing to 1 (the rounding residue goes to the largest)."""
    p = [round(float(x), 7) for x in base]
    k = max(range(6), key=lambda i: p[i])
    p[k] = round(p[k] + 1.0 - sum(p), 9)
    return p


def _segment(sf: SegmentFit, base: dict, notes: list[str], params: list[dict], living: bool = False) -> dict:
    seg = copy.deepcopy(base)
    key = f"segments.{sf.name}"
    pf, of, beh = sf.portfolio, sf.outcomes, sf.behaviour
    if pf.accounts_source == "accounts.csv" or "accounts" not in seg:
        seg["accounts"] = max(1, pf.accounts)
        params.append(
            param(f"{key}.accounts", pf.accounts, n=pf.accounts, method=f"count of {pf.accounts_source}")
        )
    if pf.accounts_source != "accounts.csv":
        notes.append(
            f"{key}.accounts: no accounts.csv; "
            + (
                "kept from the base"
                if "accounts" in base
                else f"set to the {pf.accounts} accounts dialed, a lower bound of the portfolio"
            )
        )
    for attr, skey in (
        ("balance", "balance_usd"),
        ("risk_score", "risk_score"),
        ("days_past_due", "days_past_due"),
    ):
        f = getattr(pf, attr)
        if f is not None:
            seg[skey] = dist_spec(f)
            params += _dist_params(f"{key}.{skey}", f, "accounts.csv at entry")
    if "balance_usd" not in seg:
        amounts = beh.payment.mean * 10 if beh.payment is not None else 10_000.0
        seg["balance_usd"] = rounded(max(amounts, 1.0))
        notes.append(
            f"{key}.balance_usd: not in the data (no accounts.csv balance_usd); set to "
            f"{seg['balance_usd']:g}, ten times the mean promise, so the cap on payments seldom binds"
        )
    outs = copy.deepcopy(seg.get("outcomes", {}))
    probs = _probabilities(of.base)
    method = OUTCOME_METHOD if sf.answer is None else ACCOUNT_OUTCOME_METHOD
    for i, o in enumerate(OUTCOMES):
        entry = outs.get(o, {})
        entry["probability"] = probs[i]
        params.append(
            param(
                f"{key}.outcomes.{o}.probability",
                of.base[i],
                of.base_se[i],
                max(0.0, of.base[i] - Z95 * of.base_se[i]),
                min(1.0, of.base[i] + Z95 * of.base_se[i]),
                of.n_dials,
                method,
            )
        )
        for col in DURATIONS:
            f = sf.durations[o][col]
            k = f"{col}_time_s"
            if f is not None:
                entry[k] = dist_spec(f)
                params += _dist_params(f"{key}.outcomes.{o}.{k}", f, f"{col}_s of {o} dials")
            elif k not in entry:
                entry[k] = 0.0
                if col == "ring" or probs[i] > 0:
                    notes.append(f"{key}.outcomes.{o}.{k}: no {o} dials to fit; set to 0")
        outs[o] = entry
    seg["outcomes"] = outs
    if sf.bad_number_share is not None:
        q = sf.bad_number_share
        params.append(
            _est(
                f"skip_trace.bad_number_share_by_segment.{sf.name}",
                q,
                "accounts whose first dial was invalid / accounts dialed (Wilson interval); also the "
                "segment's invalid probability",
            )
        )
    curve = {}
    for name in ("answer_by_hour", "rpc_by_hour", "answer_by_weekday", "rpc_by_weekday"):
        vals = getattr(of, name)
        ci = getattr(of, name + "_ci")
        curve[name] = [rounded(float(v), 5) for v in vals]
        for i, v in enumerate(vals):
            lo, hi = ci[0, i], ci[1, i]
            if math.isfinite(lo) and hi > lo:
                # SE on the multiplier scale from the log-scale interval (delta method)
                se = v * (math.log(hi) - math.log(lo)) / (2 * Z95)
                params.append(
                    param(
                        f"{key}.contact_curve.{name}[{i}]",
                        v,
                        se,
                        lo,
                        hi,
                        int(
                            of.counts.sum(axis=2)[:, i].sum()
                            if "hour" in name
                            else of.counts.sum(axis=2)[i].sum()
                        ),
                        method,
                    )
                )
    seg["contact_curve"] = curve
    unseen = [h for h in range(24) if of.hour_weights[h] == 0]
    if len(unseen) < 24:
        notes.append(
            f"{key}.contact_curve: hours with no dials ({_ranges(unseen)}) and weekdays with none "
            f"({', '.join(WEEKDAYS[d] for d in range(7) if of.weekday_weights[d] == 0) or 'none'}) "
            "keep multiplier 1"
        )
    cv = sf.conversion
    if cv is not None and cv.promise_link is not None:
        seg["promise_probability"] = rounded(cv.promise.value)
        params.append(
            _est(
                f"{key}.promise_probability",
                cv.promise,
                "logistic link of promise per right-party "
                "conversation on risk_score and days past due that day, averaged over the accounts at "
                "entry (delta-method SE)",
            )
        )
    elif beh.promise.n > 0:
        seg["promise_probability"] = rounded(beh.promise.value)
        params.append(
            _est(
                f"{key}.promise_probability",
                beh.promise,
                "plain promises / right-party contacts (Wilson interval)",
            )
        )
    else:
        notes.append(
            f"{key}.promise_probability: no promises.csv or no right-party contacts; kept from the base"
        )
    if cv is not None and cv.keep_link is not None:
        seg["keep_probability"] = rounded(cv.keep.value)
        params.append(
            _est(
                f"{key}.keep_probability",
                cv.keep,
                "logistic link of keep per resolved promise on "
                "risk_score and days past due when made, averaged over the accounts at entry",
            )
        )
    elif beh.keep is not None:
        seg["keep_probability"] = rounded(beh.keep.value)
        params.append(
            _est(f"{key}.keep_probability", beh.keep, "kept / resolved plain promises (Wilson interval)")
        )
    if cv is not None and cv.payment is not None:
        seg["payment_usd"] = dist_spec(cv.payment)
        params += _dist_params(
            f"{key}.payment_usd",
            cv.payment,
            "amount_usd of plain promises over each account's "
            "factor (past-due amount at entry)^elasticity, normalised",
        )
    elif beh.payment is not None:
        seg["payment_usd"] = dist_spec(beh.payment)
        params += _dist_params(f"{key}.payment_usd", beh.payment, "amount_usd of plain promises")
    if beh.due_days is not None:
        seg["promise_due_days"] = dist_spec(beh.due_days)
        params += _dist_params(f"{key}.promise_due_days", beh.due_days, "due_date - made_at, calendar days")
    for k in ("promise_probability", "keep_probability", "payment_usd", "promise_due_days"):
        if k not in seg:
            seg[k] = {
                "promise_probability": 0.5,
                "keep_probability": 0.5,
                "payment_usd": 100.0,
                "promise_due_days": 7.0,
            }[k]
            notes.append(
                f"{key}.{k}: not in the data and no base scenario; set to {seg[k]:g} as a placeholder"
            )
    if pf.tz_offsets:
        seg["time_zones"] = {"offsets_h": pf.tz_offsets, "weights": [rounded(w) for w in pf.tz_weights]}
    closed_rates = (
        ("inflow_per_day", "accounts entering per calendar day after the first date (Poisson)"),
        ("self_cure_per_account_day", "self_cure payments per account-day on the books (Poisson)"),
        ("control_pay_per_account_day", "payments per account-day of control accounts (Poisson)"),
    )
    for attr, what in () if living else closed_rates:
        e = getattr(pf, attr)
        if e is not None:
            params.append(_est(f"portfolio.{sf.name}.{attr}", e, what, in_scenario=False))
    return seg


def _ranges(hours: list[int]) -> str:
    if not hours:
        return "none"
    out, start = [], hours[0]
    for a, b in zip(hours, hours[1:] + [None]):
        if b != a + 1:
            out.append(f"{start}" if start == a else f"{start}-{a}")
            start = b
    return ", ".join(out)


def _team(tf: TeamFit, base: dict | None, segments: list[str], notes: list[str], params: list[dict]) -> dict:
    team = copy.deepcopy(base) if base is not None else {"hourly_wage_usd": DEFAULT_WAGE_USD}
    key = f"teams.{tf.name}"
    if base is None:
        notes.append(
            f"{key}.hourly_wage_usd: wages are not in the data; set to {DEFAULT_WAGE_USD:g} "
            "(cost metrics are placeholders)"
        )
    start = f"{int(tf.shift_start_min) // 60:02d}:{int(tf.shift_start_min) % 60:02d}"
    team.update(headcount=tf.headcount, shift_start_time=start, shift_length_h=tf.shift_length_h)
    if segments:
        team["segments"] = segments
    elif "segments" not in team:
        raise CalibrationDataError(
            "shifts.csv",
            None,
            "team",
            f"team {tf.name!r}: its collectors dialed no "
            "segment in dials.csv (collector_id links shifts to dials)",
        )
    unprod = tf.unproductive_min.value
    for layout_base in (base, None):
        team.update(block_layout(tf.shift_start_min, tf.shift_length_h, unprod, layout_base))
        try:
            Team.model_validate(clean(team))
            break
        except ValueError:
            continue
    team = clean(team)
    params.append(
        param(
            f"{key}.headcount",
            tf.headcount,
            n=tf.collector_days,
            method="median collectors per day in shifts.csv",
        )
    )
    params.append(
        param(
            f"{key}.shift_length_h",
            tf.shift_length_h,
            n=tf.collector_days,
            method="median logout - login, rounded to 5 minutes",
        )
    )
    params.append(
        _est(
            f"{key}.unproductive_min_per_day",
            tf.unproductive_min,
            "mean (paid_s - productive_s) per collector-day; placed as the breaks, lunch, meeting "
            "and training of the team",
            in_scenario=False,
        )
    )
    params.append(
        _est(
            f"{key}.productive_rate",
            tf.productive_rate,
            "sum productive_s / sum paid_s (ratio estimator over collector-days)",
            in_scenario=False,
        )
    )
    return team


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
        segs[sname] = _segment(sf, segs.get(sname, {}), notes, params, fit.living is not None)
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
        teams[tname] = _team(tf, teams.get(tname), [s for s in tf.segments if s in segs], notes, params)
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
                    else f"the base scenario has no such segment and there is no shifts.csv to say which team works them "
                    f"(base segments: {', '.join(sorted(base.scenario.segments)) if base else 'none'})"
                )
            ),
        )
    if fit.teams:
        starts = [Team.model_validate(t).shift_start_min for t in teams.values()]
        ends = [Team.model_validate(t).shift_end_min for t in teams.values()]
        open_m = min(min(starts), _clock(cal.get("open_time", "23:59")))
        close_m = max(max(ends), _clock(cal.get("close_time", "00:00")))
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
        portfolio_part(
            raw, fit, fit.living, dict(base.raw) if base is not None else None, params, notes, param, _est
        )
    notes += [
        "campaign rules (attempts, retry delays, compliance windows, dialer pacing) are policies, not behaviour: "
        + ("kept from the base" if base is not None else "schema defaults"),
        "skill differences between collectors are not fitted: every collector works at the segment's rates",
        "account-level behaviour is written to [portfolio.behaviour] (calibration.links: the links per unit of each "
        "attribute)"
        if account_level
        else "account-level links (calibration.links) are fitted on the attributes at entry and kept as provenance; "
        "without a living portfolio in the data the scenario does not use them",
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


def _clock(text: str) -> float:
    h, m = text.split(":")
    return int(h) * 60.0 + int(m)
