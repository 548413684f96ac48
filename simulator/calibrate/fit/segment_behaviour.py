"""What debtors do once reached, and the portfolio they come from: promise and keep rates, the
promised amount, the due-day distribution, their links to account attributes, the accounts'
attributes, inflow and self-cure. One segment at a time; every estimate carries its SE and 95%
interval."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...base.outcomes import ABANDONED, RPC
from ..read.formats import KEPT, PENDING, PLAIN, PROMISE_KINDS, SELF_CURE
from ..read.trace import Trace
from .distribution_fit import DistFit, fit_discrete, fit_distribution
from .regression import Estimate, Link, fit_logistic, fit_loglinear, poisson_rate, proportion

__all__ = ["Behaviour", "Portfolio", "fit_behaviour", "fit_portfolio", "COVARIATES"]

COVARIATES = ("risk_score", "days_past_due", "log_balance_usd")
"""Account attributes the links use (when accounts.csv has them and they vary): the score, days
past due and the natural log of the balance, each at entry."""
_DAY0, _DAYS = 100_000, 200_001  # (account, day) keys: account * _DAYS + day + _DAY0


@dataclass
class Behaviour:
    """A segment's conversion: ``promise`` per right-party contact, ``keep`` per resolved plain
    promise, the promised amount and the due delay (calendar days) of plain promises."""

    promise: Estimate
    keep: Estimate | None
    payment: DistFit | None
    due_days: DistFit | None
    links: list[Link] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class Portfolio:
    """A segment's accounts: how many at the start, their attributes at entry, inflow per
    calendar day after the start, self-cure payments per open account-day."""

    accounts: int
    accounts_source: str
    balance: DistFit | None = None
    risk_score: DistFit | None = None
    days_past_due: DistFit | None = None
    tz_offsets: list[float] = field(default_factory=list)
    tz_weights: list[float] = field(default_factory=list)
    inflow_per_day: Estimate | None = None
    self_cure_per_account_day: Estimate | None = None
    control_pay_per_account_day: Estimate | None = None


def _covariates(tr: Trace, seg: int) -> tuple[np.ndarray, list[str], np.ndarray] | None:
    """(account codes of the segment's accounts, usable covariate names, their matrix)."""
    acc = tr.accounts
    if acc is None:
        return None
    m = acc["segment"] == seg
    cols, names = [], []
    for name in COVARIATES:
        src = "balance_usd" if name == "log_balance_usd" else name
        if not tr.has("accounts.csv", src):
            continue
        x = acc[src][m].astype(float)
        if name == "log_balance_usd":
            if (x <= 0).any():
                continue
            x = np.log(x)
        if np.ptp(x) > 0:
            cols.append(x)
            names.append(name)
    if not names:
        return None
    return acc["account_id"][m], names, np.column_stack(cols)


def _lookup(acct_codes: np.ndarray, X: np.ndarray, want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``X`` for the accounts ``want`` (mask of those found, their covariates)."""
    order = np.argsort(acct_codes)
    sorted_codes = acct_codes[order]
    pos = np.searchsorted(sorted_codes, want)
    pos = np.clip(pos, 0, max(len(sorted_codes) - 1, 0))
    found = (sorted_codes[pos] == want) if len(sorted_codes) else np.zeros(len(want), bool)
    return found, X[order[pos[found]]]


def fit_behaviour(tr: Trace, seg: int) -> Behaviour:
    """Promise, keep, amount and due-day fits for segment code ``seg``."""
    d = tr.dials
    dm = d["seg"] == seg
    rpc = dm & (d["out"] == RPC)
    n_rpc = int(rpc.sum())
    pr = tr.promises
    if pr is None:
        return Behaviour(proportion(0, 0), None, None, None)
    pm = pr["segment"] == seg
    kinds = {k: int((pm & (pr["kind"] == i)).sum()) for i, k in enumerate(PROMISE_KINDS)}
    plain = pm & (pr["kind"] == PLAIN)
    n_plain = int(plain.sum())
    promise = proportion(min(n_plain, n_rpc), n_rpc)
    resolved = plain & (pr["status"] != PENDING)
    kept = plain & (pr["status"] == KEPT)
    keep = proportion(int(kept.sum()), int(resolved.sum())) if resolved.any() else None
    amount = pr["amount_usd"][plain]
    payment = fit_distribution(amount) if len(amount) else None
    delay = (pr["due_day"] - pr["day"])[plain]
    due = fit_discrete(delay) if len(delay) else None
    beh = Behaviour(promise, keep, payment, due, kinds=kinds)
    cov = _covariates(tr, seg)
    if cov is not None:
        beh.links = _links(tr, seg, cov, rpc, plain, resolved)
    return beh


def _or_none(fit, *args) -> Link | None:
    """A link fitted, or None when its covariates do not vary among the rows (a singular design
    or information matrix), like a link with too few rows: the segment keeps its plain rate."""
    try:
        return fit(*args)
    except np.linalg.LinAlgError:
        return None


def _links(tr: Trace, seg: int, cov, rpc: np.ndarray, plain: np.ndarray, resolved: np.ndarray) -> list[Link]:
    acct_codes, names, X = cov
    d, pr = tr.dials, tr.promises
    out: list[Link | None] = []
    # right-party contact per dial (party unknown: abandoned dials left out)
    dm = (d["seg"] == seg) & (d["out"] != ABANDONED)
    found, Xd = _lookup(acct_codes, X, d["acct"][dm])
    y = (d["out"][dm] == RPC)[found]
    if found.sum() > len(names) + 1 and 0 < y.sum() < len(y):
        out.append(_or_none(fit_logistic, Xd, y, None, names, "rpc"))
    # promise per right-party contact, by account and day (successes capped at the contacts)
    if rpc.any():
        key_r = d["acct"][rpc] * _DAYS + (d["day"][rpc] + _DAY0)
        keys, trials = np.unique(key_r, return_counts=True)
        key_p = pr["account_id"][plain] * _DAYS + (pr["day"][plain] + _DAY0)
        pk, pc = np.unique(key_p, return_counts=True)
        succ = np.zeros(len(keys))
        idx = np.searchsorted(keys, pk)
        ok = (idx < len(keys)) & (keys[np.clip(idx, 0, len(keys) - 1)] == pk)
        succ[idx[ok]] = pc[ok]
        succ = np.minimum(succ, trials)
        found, Xr = _lookup(acct_codes, X, keys // _DAYS)
        if found.sum() > len(names) + 1 and 0 < succ[found].sum() < trials[found].sum():
            out.append(_or_none(fit_logistic, Xr, succ[found], trials[found], names, "promise"))
    # keep per resolved plain promise
    if resolved.any():
        found, Xk = _lookup(acct_codes, X, pr["account_id"][resolved])
        y = (pr["status"][resolved] == KEPT)[found]
        if found.sum() > len(names) + 1 and 0 < y.sum() < len(y):
            out.append(_or_none(fit_logistic, Xk, y, None, names, "keep"))
        amt = pr["amount_usd"][plain]
        found, Xa = _lookup(acct_codes, X, pr["account_id"][plain])
        if found.sum() > len(names) + 1 and (amt[found] > 0).all():
            out.append(_or_none(fit_loglinear, Xa, amt[found], names, "payment_usd"))
    return [link for link in out if link is not None]


def fit_portfolio(tr: Trace, seg: int, last_day: int) -> Portfolio:
    """Accounts and their attributes for segment code ``seg``; inflow and self-cure over the
    calendar days 1..``last_day`` after the first dial's date."""
    acc = tr.accounts
    d = tr.dials
    if acc is None:
        accts, first = np.unique(d["acct"][d["seg"] == seg], return_index=True)
        tz = d["tz_h"][d["seg"] == seg][first]
        offs, counts = np.unique(tz, return_counts=True)
        return Portfolio(
            len(accts),
            "accounts dialed (dials.csv)",
            tz_offsets=[float(o) for o in offs],
            tz_weights=[float(c / counts.sum()) for c in counts],
        )
    m = acc["segment"] == seg
    at_start = m & (acc["day"] <= 0)
    pf = Portfolio(int(at_start.sum()) or int(m.sum()), "accounts.csv")
    for name, attr, fams in (
        ("balance_usd", "balance", ("lognormal", "gamma")),
        ("risk_score", "risk_score", ("lognormal", "gamma", "uniform")),
        ("days_past_due", "days_past_due", ("lognormal", "gamma", "uniform")),
    ):
        if tr.has("accounts.csv", name) and m.any():
            x = acc[name][m]
            if (x >= 0).all():
                setattr(pf, attr, fit_distribution(x, fams))
    if tr.has("accounts.csv", "tz_offset_h") and m.any():
        offs, counts = np.unique(acc["tz_offset_h"][m], return_counts=True)
    else:
        dm = d["seg"] == seg
        _, first = np.unique(d["acct"][dm], return_index=True)
        offs, counts = np.unique(d["tz_h"][dm][first], return_counts=True)
    pf.tz_offsets = [float(o) for o in offs]
    pf.tz_weights = [float(c / counts.sum()) for c in counts]
    days = max(last_day, 0)
    if days > 0:
        entered = m & (acc["day"] > 0) & (acc["day"] <= last_day)
        pf.inflow_per_day = poisson_rate(float(entered.sum()), float(days))
    pay = tr.payments
    if pay is not None and days > 0:
        # exposure: each account's days in the window from its entry (a ceiling: paid-off
        # accounts are not removed, so the rates are per account-day on the books)
        entry = np.clip(acc["day"][m], 0, None)
        exposure = float(np.clip(last_day + 1 - entry, 0, None).sum())
        pm = (pay["segment"] == seg) & (pay["day"] >= 0) & (pay["day"] <= last_day)
        n_self = float((pm & (pay["source"] == SELF_CURE)).sum())
        pf.self_cure_per_account_day = poisson_rate(n_self, exposure)
        if tr.has("accounts.csv", "control"):
            ctrl = m & (acc["control"] == 1)
            if ctrl.any():
                cexp = float(np.clip(last_day + 1 - np.clip(acc["day"][ctrl], 0, None), 0, None).sum())
                ctrl_ids = acc["account_id"][ctrl]
                n_ctrl = float(np.isin(pay["account_id"][pm], ctrl_ids).sum())
                pf.control_pay_per_account_day = poisson_rate(n_ctrl, cexp)
    return pf
