"""Account-level behaviour from the files, in the form the simulator's link takes it
(world/behaviour.py): who answers, promises, keeps and how much they promise, by score, days
past due and phones.

Each link is fitted per unit of the account attribute (score points, days, log phones) and
converted at assembly (:mod:`..assemble.portfolio_tables`): a slope per score point times the standard
deviation of the segment's scores at entry is the simulator's coefficient per standard
deviation; a slope per day past due times 30 its coefficient per 30-day cycle. The segment's
promise and keep probabilities are the fitted propensities averaged over its accounts at entry,
which is how the simulator normalises them.

- answer: :mod:`.contact_by_account` (with the contact curve);
- promise per right-party conversation (not a reminder to an account holding a promise):
  logistic in the score and the days past due that day;
- keep per resolved plain promise: logistic in the score and the days past due the day it
  was made;
- amount: log amount on the log of the past-due amount at entry (the elasticity); the
  segment's ``payment_usd`` is fitted to the amounts divided by each account's factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...base.outcomes import INVALID, RPC, THIRD_PARTY
from ..read.formats import DISCONNECTED, KEPT, PENDING, PLAIN, WRONG
from ..read.trace import Trace
from .account_book import Book
from .contact_by_account import AnswerLink, fatigue_attempts, fit_account_outcomes
from .contact_curve import OutcomeFit
from .curve_model import NON_LIVE
from .distribution_fit import DistFit, fit_distribution
from .living_portfolio import LivingSegment
from .regression import Estimate, Link, entry_average, fit_logistic, fit_loglinear, proportion

__all__ = ["ConversionFit", "fit_conversion", "fit_answer", "behaviour_mode"]


@dataclass
class ConversionFit:
    promise: Estimate  # the segment's promise_probability (average at entry)
    keep: Estimate | None
    promise_link: Link | None  # logit, per score point and per day past due that day
    keep_link: Link | None
    payment_link: Link | None  # log amount on log past-due amount at entry
    payment: DistFit | None  # the amounts over each account's factor


STRAY_INVALID_SHARE = 0.01
"""Above this share of invalid dials to numbers that are not disconnected, phone states do not
persist in the data (an invalid outcome is a property of the dial, not of the account's number),
and account-level behaviour, whose phone states do persist, is not fitted."""


def behaviour_mode(tr: Trace) -> bool:
    """Account-level behaviour is fitted when accounts.csv has scores and days past due and the
    data's invalid numbers persist (:data:`STRAY_INVALID_SHARE`)."""
    if tr.accounts is None or not all(tr.has("accounts.csv", c) for c in ("risk_score", "days_past_due")):
        return False
    return stray_invalid_share(tr) <= STRAY_INVALID_SHARE


def stray_invalid_share(tr: Trace) -> float:
    """Share of the dials to numbers not disconnected that ended invalid: by phone_status in
    accounts.csv, or (without it) taking an account whose every dial was invalid as disconnected."""
    d = tr.dials
    out, acct = d["out"], d["acct"]
    if tr.has("accounts.csv", "phone_status"):
        acc = tr.accounts
        dead_codes = acc["account_id"][acc["phone_status"] == DISCONNECTED]
        alive = ~np.isin(acct, dead_codes)
    else:
        codes, inv = np.unique(acct, return_inverse=True)
        all_bad = np.bincount(inv, weights=(out == INVALID)) == np.bincount(inv)
        alive = ~all_bad[inv]
    return float((out[alive] == INVALID).mean()) if alive.any() else 0.0


def fit_answer(
    tr: Trace, seg: int, dm: np.ndarray, hour: np.ndarray, weekday: np.ndarray, ls: LivingSegment, book: Book
) -> tuple[OutcomeFit, AnswerLink, Estimate, Estimate | None] | None:
    """The contact model of :mod:`.contact_by_account` for segment code ``seg`` (``dm``: its dials).
    Returns the outcome fit, the answer link, the disconnected and wrong shares; None when
    the segment has no right-party or no third-party contact to fit, or no working number that
    went unanswered."""
    d, acc = tr.dials, tr.accounts
    rows = book.rows_of(d["acct"][dm])
    known = rows >= 0
    out = d["out"][dm]
    if not ((out == RPC).any() and (out == THIRD_PARTY).any()):
        return None
    m = acc["segment"] == seg
    sc = ls.scales
    logk = np.log(np.maximum(acc["phones"], 1.0)) if tr.has("accounts.csv", "phones") else None
    cols = {
        "risk_score": acc["risk_score"] - sc.score_mean,
        "days_past_due": acc["days_past_due"] - sc.dpd_mean,
    }
    if logk is not None:
        cols["log_phones"] = logk - logk[m].mean()
    terms = [k for k, v in cols.items() if np.ptp(v[m]) > 0]
    entry_Z = np.column_stack([cols[k][m] for k in terms]) if terms else np.zeros((int(m.sum()), 0))
    r = np.where(known, rows, 0)
    Z = np.column_stack(
        [cols[k][r] for k in terms] + [fatigue_attempts(d["acct"][dm], d["t"][dm], d["day"][dm])]
    )
    if tr.has("accounts.csv", "phone_status"):
        st = np.where(known, acc["phone_status"][r], 0)
        dead, wrong = st == DISCONNECTED, st == WRONG
        q_dead = ls.disconnected
        q_wrong = ls.wrong
        wrong &= ~np.isin(d["acct"][dm], d["acct"][dm][out == RPC])  # reached in person: not wrong
    else:
        # persistent phone states, inferred: an account whose every dial was invalid is disconnected
        acct = d["acct"][dm]
        codes, inv = np.unique(acct, return_inverse=True)
        all_bad = np.bincount(inv, weights=(out == INVALID)) == np.bincount(inv)
        dead = all_bad[inv]
        q_dead = proportion(int(all_bad.sum()), len(codes))
        q_wrong, wrong = None, np.zeros(len(out), dtype=bool)
    if not np.isin(out[~dead], NON_LIVE).any():
        return None
    of, answer = fit_account_outcomes(
        out, hour[dm], weekday[dm], Z[:, :], [*terms, "fatigue"], wrong, dead, q_dead, q_wrong, entry_Z
    )
    answer.link.center = [
        float(sc.score_mean)
        if t == "risk_score"
        else float(sc.dpd_mean)
        if t == "days_past_due"
        else float(logk[m].mean())
        for t in answer.link.terms
    ]
    return of, answer, q_dead, q_wrong


def _fit_prob(
    X: np.ndarray, succ: np.ndarray, trials: np.ndarray | None, entry: np.ndarray, name: str
) -> tuple[Estimate, Link | None]:
    ok = np.isfinite(X).all(axis=1)
    X, succ = X[ok], succ[ok]
    trials = trials[ok] if trials is not None else None
    n = trials.sum() if trials is not None else len(succ)
    if len(succ) <= 3 or not 0 < succ.sum() < n:
        return proportion(float(succ.sum()), float(n)), None
    ln = fit_logistic(X, succ, trials, ["risk_score", "days_past_due"], name)
    return entry_average(ln, entry, "logit"), ln


def fit_conversion(tr: Trace, seg: int, book: Book) -> ConversionFit | None:
    """Promise, keep and amount of segment code ``seg`` as account-level links (module doc)."""
    d, pr, acc = tr.dials, tr.promises, tr.accounts
    if pr is None:
        return None
    m = acc["segment"] == seg
    entry = np.column_stack([acc["risk_score"][m], acc["days_past_due"][m]])
    rpc = (d["seg"] == seg) & (d["out"] == RPC)
    plain = (pr["segment"] == seg) & (pr["kind"] == PLAIN)
    # an account holding a promise (made before, due from the day on) takes a reminder, not a decision
    held = set()
    for a, made, due in zip(pr["account_id"].tolist(), pr["day"].tolist(), pr["due_day"].tolist()):
        held.update((a, x) for x in range(made + 1, due + 1))
    r_acct, r_day = d["acct"][rpc], d["day"][rpc]
    decide = np.array([(a, x) not in held for a, x in zip(r_acct.tolist(), r_day.tolist())], dtype=bool)
    keys, trials = np.unique(r_acct[decide] * 100_003 + r_day[decide], return_counts=True)
    pk, pc = np.unique(pr["account_id"][plain] * 100_003 + pr["day"][plain], return_counts=True)
    succ = np.zeros(len(keys))
    idx = np.searchsorted(keys, pk)
    hit = (idx < len(keys)) & (keys[np.clip(idx, 0, max(len(keys) - 1, 0))] == pk) if len(keys) else idx < 0
    succ[idx[hit]] = pc[hit]
    succ = np.minimum(succ, trials)
    rows = book.rows_of(keys // 100_003)
    X = np.column_stack(
        [
            np.where(rows >= 0, acc["risk_score"][np.maximum(rows, 0)], np.nan),
            book.dpd_at(rows, keys % 100_003),
        ]
    )
    promise, promise_link = _fit_prob(X, succ, trials.astype(float), entry, "promise")
    resolved = plain & (pr["status"] != PENDING)
    keep, keep_link = None, None
    if resolved.any():
        rows = book.rows_of(pr["account_id"][resolved])
        Xk = np.column_stack(
            [
                np.where(rows >= 0, acc["risk_score"][np.maximum(rows, 0)], np.nan),
                book.dpd_at(rows, pr["day"][resolved]),
            ]
        )
        keep, keep_link = _fit_prob(Xk, (pr["status"][resolved] == KEPT).astype(float), None, entry, "keep")
    payment_link, payment = None, None
    amount = pr["amount_usd"][plain]
    if tr.has("accounts.csv", "past_due_usd") and len(amount):
        rows = book.rows_of(pr["account_id"][plain])
        ok = (rows >= 0) & (amount > 0)
        pd = acc["past_due_usd"]
        if ok.sum() > 3 and (pd[m] > 0).all() and np.ptp(pd[rows[ok]]) > 0:
            payment_link = fit_loglinear(
                np.log(pd[rows[ok]]), amount[ok], ["log_past_due_usd"], "payment_usd"
            )
            e = payment_link.coef[1]
            rel = pd[m] / pd[m].mean()
            norm = np.power(rel, e).mean()
            factor = np.power(pd[rows[ok]] / pd[m].mean(), e) / norm
            payment = fit_distribution(amount[ok] / factor)
    return ConversionFit(promise, keep, promise_link, keep_link, payment_link, payment)
