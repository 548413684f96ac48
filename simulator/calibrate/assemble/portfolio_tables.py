"""The living portfolio's part of a fitted scenario: ``[portfolio]``, ``[portfolio.behaviour]``
and each segment's ``inflow``, ``self_cure_per_day``, ``phones`` and ``wrong_number_share``, with
every fitted value's SE and interval in ``calibration.parameters``.

Behaviour coefficients come out of the links of :mod:`..fit.account_behaviour`,
:mod:`..fit.contact_by_account` and :mod:`..fit.living_portfolio` in the simulator's units
(world/behaviour.py), with ``spread`` = 1:

    per standard deviation of score  = slope per score point x SD of the segment's scores at entry
    per 30-day cycle of days past due = slope per day x 30
    per unit of log(phones)           = the slope as fitted
    fatigue_per_attempt               = 1 - exp(slope per attempt in the previous 7 days)

The scenario has one set of coefficients for all segments: each is the inverse-variance
weighted mean of the segments' values (its SE that of the weighted mean), and each segment's own
value is kept in ``calibration.parameters`` under ``portfolio.behaviour.<segment>.<key>``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from ...scenario.schema import WEEKDAYS
from ...world.delinquency import CYCLE_DAYS
from ..fit.living_portfolio import LivingFit
from ..fit.regression import Z95, Estimate
from .parameters import dist_spec, estimate_param, param, rounded

__all__ = ["portfolio_part", "behaviour_coefficients", "COEFFICIENT_BOUND"]

COEFFICIENT_BOUND = 5.0
"""The schema's bound on a behaviour coefficient (scenario/portfolio.py, Coefficient)."""
LINK_KEYS = {  # (link response, term) -> [portfolio.behaviour] key
    ("answer", "risk_score"): "score_on_answer",
    ("answer", "days_past_due"): "dpd_on_answer",
    ("answer", "log_phones"): "phones_on_answer",
    ("promise", "risk_score"): "score_on_promise",
    ("promise", "days_past_due"): "dpd_on_promise",
    ("keep", "risk_score"): "score_on_keep",
    ("keep", "days_past_due"): "dpd_on_keep",
    ("payment_usd", "log_past_due_usd"): "past_due_on_payment",
    ("self_cure", "risk_score"): "score_on_self_cure",
    ("self_cure", "days_past_due"): "dpd_on_self_cure",
}
BEHAVIOUR_KEYS = tuple(LINK_KEYS.values()) + ("fatigue_per_attempt",)


def behaviour_coefficients(fit, living: LivingFit) -> dict[str, dict[str, Estimate]]:
    """{key: {segment: Estimate}} of the behaviour coefficients in the simulator's units."""
    out: dict[str, dict[str, Estimate]] = {}
    for name, sf in fit.segments.items():
        ls = living.segments.get(name)
        if ls is None:
            continue
        unit = {
            "risk_score": ls.scales.score_sd,
            "days_past_due": CYCLE_DAYS,
            "log_phones": 1.0,
            "log_past_due_usd": 1.0,
        }
        links = [sf.answer.link if sf.answer else None, ls.self_cure.link if ls.self_cure else None]
        if sf.conversion is not None:
            links += [sf.conversion.promise_link, sf.conversion.keep_link, sf.conversion.payment_link]
        for ln in links:
            if ln is None:
                continue
            for j, term in enumerate(ln.terms, start=1):
                key = LINK_KEYS.get((ln.response, term))
                if key is None or (term == "risk_score" and unit[term] <= 0):
                    continue
                b, se = ln.coef[j] * unit[term], ln.se[j] * unit[term]
                out.setdefault(key, {})[name] = Estimate(b, se, b - Z95 * se, b + Z95 * se, ln.n)
        if sf.answer is not None and sf.answer.fatigue is not None:
            out.setdefault("fatigue_per_attempt", {})[name] = sf.answer.fatigue
    return out


def _pooled(by_segment: dict[str, Estimate]) -> Estimate:
    """Inverse-variance weighted mean of the segments' estimates."""
    est = [e for e in by_segment.values() if math.isfinite(e.se) and e.se > 0]
    if not est:
        e = next(iter(by_segment.values()))
        return e
    w = np.array([1 / e.se**2 for e in est])
    v = float(np.dot(w, [e.value for e in est]) / w.sum())
    se = float(math.sqrt(1 / w.sum()))
    return Estimate(v, se, v - Z95 * se, v + Z95 * se, sum(e.n for e in est))


def portfolio_part(
    raw: dict[str, Any],
    fit,
    living: LivingFit,
    base_raw: dict | None,
    params: list[dict],
    notes: list[str],
) -> None:
    """Write the living portfolio's keys into ``raw`` (the fitted scenario being assembled) and
    their estimates into ``params``."""
    base_pf = copy.deepcopy((base_raw or {}).get("portfolio", {}))
    pf: dict[str, Any] = {k: v for k, v in base_pf.items() if k != "behaviour"}
    pf.pop("enabled", None)
    m = living.minimum
    if m is not None:
        pf["min_payment_usd"], pf["min_payment_share"] = m.floor_usd, m.share
        method = (
            f"the rule past_due_usd = max(floor, share x balance_usd) x ceil(days_past_due / 30) read off "
            f"accounts.csv; reproduces {m.matched:.1%} of the accounts to the cent"
        )
        params.append(param("portfolio.min_payment_usd", m.floor_usd, n=m.n, method=method))
        params.append(param("portfolio.min_payment_share", m.share, n=m.n, method=method))
    else:
        notes.append(
            "portfolio.min_payment_usd/min_payment_share: no past_due_usd in accounts.csv; "
            + ("kept from the base" if "min_payment_usd" in base_pf else "schema defaults")
        )
    if living.control_share is not None:
        pf["control_share"] = rounded(living.control_share.value)
        params.append(
            estimate_param(
                "portfolio.control_share",
                living.control_share,
                "control accounts / accounts in accounts.csv (Wilson interval)",
            )
        )
    if living.redefault is not None and living.redefault.n > 0:
        pf["cure_redefault_probability"] = rounded(living.redefault.value)
        params.append(
            estimate_param(
                "portfolio.cure_redefault_probability",
                living.redefault,
                "cured accounts that came back (redefaulted) / cures early enough for the longest delay "
                "seen to fall in the data (Wilson interval)",
            )
        )
        if living.redefault_days is not None:
            d = living.redefault_days
            pf["redefault_after_days"] = {
                "dist": "discrete",
                "values": d.spec["values"],
                "weights": [rounded(w) for w in d.spec["weights"]],
            }
            params.append(
                param(
                    "portfolio.redefault_after_days.mean",
                    d.mean,
                    d.mean_se,
                    n=d.n,
                    method="days from a cure to the return, empirical distribution",
                )
            )
    else:
        notes.append(
            "portfolio.cure_redefault_probability, redefault_after_days: no cured account came back "
            "inside the data (or no account_events.csv); "
            + ("kept from the base" if "cure_redefault_probability" in base_pf else "0 (schema default)")
        )
    if living.charge_off_dpd is not None:
        pf["charge_off_days_past_due"] = living.charge_off_dpd
        params.append(
            param(
                "portfolio.charge_off_days_past_due",
                living.charge_off_dpd,
                method="smallest days past due of a charged_off event (a policy: exact)",
            )
        )
    else:
        notes.append(
            "portfolio.charge_off_days_past_due: no charge-off in the data; "
            + ("kept from the base" if "charge_off_days_past_due" in base_pf else "180 (schema default)")
        )
    coefs = behaviour_coefficients(fit, living)
    if any(sf.answer is not None for sf in fit.segments.values()):
        beh = {"spread": 1.0}
        for key in BEHAVIOUR_KEYS:
            if key not in coefs:
                beh[key] = base_pf.get("behaviour", {}).get(key, 0.0)
                notes.append(
                    f"portfolio.behaviour.{key}: not identified by the data; "
                    + ("kept from the base" if key in base_pf.get("behaviour", {}) else "set to 0")
                )
                continue
            e = _pooled(coefs[key])
            lo, hi = (0.0, 1.0) if key == "fatigue_per_attempt" else (-COEFFICIENT_BOUND, COEFFICIENT_BOUND)
            v = min(max(e.value, lo), hi)
            if v != e.value:
                notes.append(
                    f"portfolio.behaviour.{key}: fitted {e.value:.4g}, outside the schema's range; "
                    f"set to {v:g}"
                )
            beh[key] = rounded(v)
            params.append(
                param(
                    f"portfolio.behaviour.{key}",
                    e.value,
                    e.se,
                    e.low,
                    e.high,
                    e.n,
                    ("inverse-variance weighted mean over the segments of " + _how(key)),
                )
            )
            for seg, se_ in coefs[key].items():
                params.append(
                    estimate_param(
                        f"portfolio.behaviour.{seg}.{key}", se_, _how(key) + f" (segment {seg})", False
                    )
                )
        pf["behaviour"] = beh
    raw["portfolio"] = pf
    for name, ls in living.segments.items():
        seg = raw["segments"].get(name)
        if seg is None:
            continue
        key = f"segments.{name}"
        _replace(
            params,
            param(
                f"{key}.accounts",
                ls.accounts,
                n=ls.accounts,
                method="accounts of accounts.csv in the portfolio at the data start",
            ),
        )
        seg["accounts"] = max(1, ls.accounts)
        if ls.initial_dpd is not None:
            seg["days_past_due"] = dist_spec(ls.initial_dpd)
            _replace(
                params,
                param(
                    f"{key}.days_past_due.mean",
                    ls.initial_dpd.mean,
                    ls.initial_dpd.mean_se,
                    n=ls.initial_dpd.n,
                    method="days_past_due of the initial accounts in accounts.csv",
                ),
            )
        inf = ls.inflow
        if inf is not None:
            block: dict[str, Any] = {
                "accounts_per_day": rounded(inf.per_day.value),
                "weekday_profile": [rounded(p.value) for p in inf.profile],
            }
            params.append(
                estimate_param(
                    f"{key}.inflow.accounts_per_day",
                    inf.per_day,
                    f"accounts entering per calendar day, the mean of the 7 weekday rates (Poisson counts "
                    f"over {inf.days} days)",
                )
            )
            for w, p in enumerate(inf.profile):
                if p.n or math.isfinite(p.se):
                    params.append(
                        estimate_param(
                            f"{key}.inflow.weekday_profile[{w}]",
                            p,
                            f"{WEEKDAYS[w]} rate / accounts_per_day (delta method)",
                        )
                    )
            unseen = [WEEKDAYS[w] for w in range(7) if w not in inf.seen_weekdays]
            if unseen:
                notes.append(f"{key}.inflow.weekday_profile: no {', '.join(unseen)} in the data; set to 1")
            if inf.days_past_due is not None:
                block["days_past_due"] = dist_spec(inf.days_past_due)
                params.append(
                    param(
                        f"{key}.inflow.days_past_due.mean",
                        inf.days_past_due.mean,
                        inf.days_past_due.mean_se,
                        n=inf.days_past_due.n,
                        method="days_past_due of the accounts entering after the start",
                    )
                )
            seg["inflow"] = block
        sc = ls.self_cure
        if sc is not None:
            seg["self_cure_per_day"] = rounded(min(sc.per_day.value, 1.0))
            params.append(
                estimate_param(
                    f"{key}.self_cure_per_day",
                    sc.per_day,
                    (
                        f"self-cure payments / account-days at risk ({sc.events} in {sc.exposure:,})"
                        if sc.link is None
                        else "log-link regression of each account-day's self-cure on risk_score and days "
                        "past due that day, averaged over the accounts at entry "
                        f"({sc.events} self-cures in {sc.exposure:,} account-days)"
                    ),
                )
            )
        if ls.phones is not None:
            seg["phones"] = dist_spec(ls.phones)
            params.append(
                param(
                    f"{key}.phones.mean",
                    ls.phones.mean,
                    ls.phones.mean_se,
                    n=ls.phones.n,
                    method="phones of accounts.csv",
                )
            )
        if ls.wrong is not None:
            invalid = seg["outcomes"]["invalid"]["probability"]
            share = min(ls.wrong.value, max(0.0, 0.999 - invalid))
            if share < ls.wrong.value:
                notes.append(
                    f"{key}.wrong_number_share: {ls.wrong.value:.4g} of the accounts have a wrong number "
                    f"and the invalid outcome's probability is {invalid:.4g}, which leaves no working "
                    f"number; set to {share:.4g} (too few accounts to tell them apart)"
                )
            seg["wrong_number_share"] = rounded(share)
            params.append(
                estimate_param(
                    f"{key}.wrong_number_share",
                    ls.wrong,
                    "accounts with phone_status wrong / accounts (Wilson interval)",
                )
            )
    _placement(raw, living, base_raw, params, notes)


def _placement(raw, living: LivingFit, base_raw, params, notes) -> None:
    if living.placement_dpd is None or "placement" in (base_raw or {}):
        return
    raw["placement"] = {"at_days_past_due": living.placement_dpd}
    params.append(
        param(
            "placement.at_days_past_due",
            living.placement_dpd,
            method="smallest days past due of a placed event (a policy: exact)",
        )
    )
    notes.append(
        "placement: the data show accounts placed at "
        f"{living.placement_dpd:g} days past due; the agency's commission and recovery curve are not in "
        "the data (schema defaults)"
    )


def _replace(params: list[dict], entry: dict) -> None:
    params[:] = [p for p in params if p["key"] != entry["key"]]
    params.append(entry)


def _how(key: str) -> str:
    if key == "fatigue_per_attempt":
        return "1 - exp(slope of the log answer multiplier per attempt in the previous 7 days)"
    term = key.split("_on_")[0]
    per = {
        "score": "slope per risk-score point x SD of the segment's scores at entry",
        "dpd": "slope per day past due x 30",
        "phones": "slope per unit of log(phones)",
        "past_due": "elasticity of the promised amount to the past-due amount at entry",
    }[term]
    what = key.split("_on_")[1]
    model = {
        "answer": "the answer link (dial by dial, with the contact curve)",
        "promise": "the logistic link of promise per right-party conversation",
        "keep": "the logistic link of keep per resolved promise",
        "payment": "log amount on log past-due amount",
        "self_cure": "the log link of daily self-cure",
    }[what]
    return f"{model}: {per}"
