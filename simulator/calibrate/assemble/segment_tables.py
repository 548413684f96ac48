"""A segment of the fitted scenario, ``[segments.NAME]``, from its fit: its accounts and their
attributes, outcome probabilities and handling times, contact curve, promise, keep, amount and
due days, each fitted value also in ``calibration.parameters`` and what the data leave
unidentified in the notes."""

from __future__ import annotations

import copy
import math

from ...scenario.schema import OUTCOMES, WEEKDAYS
from ..fit.regression import Z95
from ..fit.trace_fit import DURATIONS, SegmentFit
from .parameters import dist_spec, distribution_params, estimate_param, param, rounded

__all__ = ["segment_table", "OUTCOME_METHOD", "ACCOUNT_OUTCOME_METHOD"]

OUTCOME_METHOD = (
    "penalised log-linear multinomial model of the simulator's contact curve (hour and weekday "
    "effects, Fellner-Schall smoothing); SE from the inverse penalised Hessian"
)
ACCOUNT_OUTCOME_METHOD = (
    "the contact curve fitted dial by dial with the account-level answer link (score, days "
    "past due, phones, fatigue) and persistent phone states (calibrate/fit/contact_by_account.py); "
    "invalid = share of disconnected numbers; SE from the inverse penalised Hessian"
)


def _probabilities(base) -> list[float]:
    """Six probabilities rounded, summing to 1 (the rounding residue goes to the largest)."""
    p = [round(float(x), 7) for x in base]
    k = max(range(len(p)), key=lambda i: p[i])
    p[k] = round(p[k] + 1.0 - sum(p), 9)
    return p


def segment_table(
    sf: SegmentFit, base: dict, notes: list[str], params: list[dict], living: bool = False
) -> dict:
    """The segment's scenario table: ``base`` (its table in the base scenario, or empty) with what
    the data identify replaced; the fitted values go to ``params`` and what is left to ``notes``."""
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
            params += distribution_params(f"{key}.{skey}", f, "accounts.csv at entry")
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
                params += distribution_params(f"{key}.outcomes.{o}.{k}", f, f"{col}_s of {o} dials")
            elif k not in entry:
                entry[k] = 0.0
                if col == "ring" or probs[i] > 0:
                    notes.append(f"{key}.outcomes.{o}.{k}: no {o} dials to fit; set to 0")
        outs[o] = entry
    seg["outcomes"] = outs
    if sf.bad_number_share is not None:
        q = sf.bad_number_share
        params.append(
            estimate_param(
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
                # SE on the multiplier scale from the log-scale interval (delta method); none
                # when the interval reaches 0 or infinity (a multiplier the dials hardly bound)
                se = v * (math.log(hi) - math.log(lo)) / (2 * Z95) if 0 < lo and math.isfinite(hi) else None
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
            estimate_param(
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
            estimate_param(
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
            estimate_param(
                f"{key}.keep_probability",
                cv.keep,
                "logistic link of keep per resolved promise on "
                "risk_score and days past due when made, averaged over the accounts at entry",
            )
        )
    elif beh.keep is not None:
        seg["keep_probability"] = rounded(beh.keep.value)
        params.append(
            estimate_param(
                f"{key}.keep_probability", beh.keep, "kept / resolved plain promises (Wilson interval)"
            )
        )
    if cv is not None and cv.payment is not None:
        seg["payment_usd"] = dist_spec(cv.payment)
        params += distribution_params(
            f"{key}.payment_usd",
            cv.payment,
            "amount_usd of plain promises over each account's "
            "factor (past-due amount at entry)^elasticity, normalised",
        )
    elif beh.payment is not None:
        seg["payment_usd"] = dist_spec(beh.payment)
        params += distribution_params(f"{key}.payment_usd", beh.payment, "amount_usd of plain promises")
    if beh.due_days is not None:
        seg["promise_due_days"] = dist_spec(beh.due_days)
        params += distribution_params(
            f"{key}.promise_due_days", beh.due_days, "due_date - made_at, calendar days"
        )
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
            params.append(estimate_param(f"portfolio.{sf.name}.{attr}", e, what, in_scenario=False))
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
