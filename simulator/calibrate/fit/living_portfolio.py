"""The living portfolio from the files: inflow, self-cure, the control group, minimum payments,
re-defaults, charge-off and placement, and the accounts' phones.

The files show a living portfolio when accounts.csv holds accounts entering after the data
start, control accounts or past-due amounts, or payments.csv self-cures (:func:`is_living`).
Then each segment gets:

- ``inflow``: new accounts per calendar day by weekday (Poisson; ``accounts_per_day`` is the mean
  of the seven weekday rates and ``weekday_profile`` each rate over it) and their days past due
  at entry;
- ``self_cure_per_day``: self-cure payments per account-day at risk (:mod:`.account_book` says which
  days are at risk), or with account-level behaviour the segment average at entry of a
  log-link regression on score and days past due (:func:`fit_self_cure`);
- ``phones``, ``wrong_number_share`` and the share of disconnected numbers from accounts.csv;

and the portfolio its control share, minimum-payment rule, re-default probability and delay,
and the days past due at charge-off and at placement, where the events show them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ...world.delinquency import CYCLE_DAYS
from ..read.formats import CHARGED_OFF, CURED, DISCONNECTED, PLACED, REDEFAULTED, SELF_CURE, WRONG
from ..read.trace import Trace
from .account_book import Book, MinimumPayment, fit_minimum_payment, replay
from .distribution_fit import DistFit, fit_discrete
from .regression import Z95, Estimate, Link, entry_average, fit_log_binomial, proportion

__all__ = [
    "LivingFit",
    "LivingSegment",
    "InflowFit",
    "SelfCureFit",
    "fit_living",
    "is_living",
    "Scales",
    "whole_days",
]

MAX_WHOLE_VALUES = 40


@dataclass(frozen=True)
class Scales:
    """How the simulator's behaviour link measures a segment's accounts (world/behaviour.py):
    the score's mean and standard deviation and the mean days past due, over the segment's
    accounts at entry."""

    score_mean: float
    score_sd: float
    dpd_mean: float

    def z_score(self, score: np.ndarray) -> np.ndarray:
        return (score - self.score_mean) / self.score_sd if self.score_sd > 0 else np.zeros(len(score))

    def z_dpd(self, dpd: np.ndarray) -> np.ndarray:
        """Days past due less the segment's mean at entry, in 30-day cycles."""
        return (dpd - self.dpd_mean) / CYCLE_DAYS


@dataclass
class InflowFit:
    per_day: Estimate  # mean new accounts per calendar day over the seven weekdays
    profile: list[Estimate]  # weekday multipliers, Monday first (mean 1)
    days_past_due: DistFit | None
    days: int  # calendar days counted
    seen_weekdays: list[int]


@dataclass
class SelfCureFit:
    per_day: Estimate  # the segment's rate at entry (the scenario key)
    events: int
    exposure: int  # account-days at risk
    link: Link | None = None  # log rate on risk_score and days past due that day, per unit


@dataclass
class LivingSegment:
    accounts: int  # initial portfolio
    scales: Scales
    initial_dpd: DistFit | None = None
    inflow: InflowFit | None = None
    self_cure: SelfCureFit | None = None
    control: Estimate | None = None
    phones: DistFit | None = None
    wrong: Estimate | None = None
    disconnected: Estimate | None = None


@dataclass
class LivingFit:
    book: Book
    minimum: MinimumPayment | None
    control_share: Estimate | None
    segments: dict[str, LivingSegment]
    redefault: Estimate | None = None
    redefault_days: DistFit | None = None
    charge_off_dpd: float | None = None
    placement_dpd: float | None = None
    notes: list[str] = field(default_factory=list)


def is_living(tr: Trace) -> bool:
    """Whether the files show a living portfolio (see the module doc)."""
    acc = tr.accounts
    if acc is None:
        return False
    if tr.has("accounts.csv", "past_due_usd") or (tr.has("accounts.csv", "control") and acc["control"].any()):
        return True
    if (acc["day"] > initial_cut(acc)).any():
        return True
    return tr.payments is not None and bool((tr.payments["source"] == SELF_CURE).any())


def initial_cut(acc: dict[str, np.ndarray]) -> int:
    """Accounts entered on or before this day are the initial portfolio: those dated before the
    first day when any is (the exporter's convention), else those of the first day."""
    return -1 if (acc["day"] < 0).any() else 0


def whole_days(values: np.ndarray) -> DistFit:
    """A distribution of whole numbers of days: the empirical one (a few dozen values at
    most), else ten bins of equal counts each at its mean, rounded."""
    x = np.round(np.asarray(values, dtype=float))
    if len(np.unique(x)) <= MAX_WHOLE_VALUES:
        return fit_discrete(x)
    edges = np.unique(np.quantile(x, np.linspace(0, 1, 11)))
    k = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    means = np.bincount(k, weights=x) / np.maximum(np.bincount(k), 1)
    return fit_discrete(np.round(means[k]))


def _scales(tr: Trace, m: np.ndarray) -> Scales:
    acc = tr.accounts
    score = acc["risk_score"][m] if tr.has("accounts.csv", "risk_score") else np.zeros(int(m.sum()))
    dpd = acc["days_past_due"][m] if tr.has("accounts.csv", "days_past_due") else np.zeros(int(m.sum()))
    return Scales(
        float(score.mean()) if len(score) else 0.0,
        float(score.std()) if len(score) else 0.0,
        float(dpd.mean()) if len(dpd) else 0.0,
    )


def _inflow(tr: Trace, m: np.ndarray, cut: int, last_day: int) -> InflowFit | None:
    acc = tr.accounts
    days = last_day - cut
    if days <= 0:
        return None
    new = m & (acc["day"] > cut) & (acc["day"] <= last_day)
    day_list = np.arange(cut + 1, last_day + 1)
    wd_of_day = (tr.origin_weekday + day_list) % 7
    n_days = np.bincount(wd_of_day, minlength=7)
    counts = np.bincount((tr.origin_weekday + acc["day"][new]) % 7, minlength=7).astype(float)
    seen = [w for w in range(7) if n_days[w] > 0]
    rate = np.array([counts[w] / n_days[w] if n_days[w] else np.nan for w in range(7)])
    var = np.array([counts[w] / n_days[w] ** 2 if n_days[w] else np.nan for w in range(7)])
    k = len(seen)
    mean = float(np.nanmean(rate[seen]))
    var_mean = float(np.nansum(var[seen])) / k**2
    se = math.sqrt(var_mean)
    per_day = Estimate(mean, se, max(0.0, mean - Z95 * se), mean + Z95 * se, int(new.sum()))
    profile = []
    for w in range(7):
        if not n_days[w] or mean <= 0:
            profile.append(Estimate(1.0, math.nan, math.nan, math.nan, 0))
            continue
        f = rate[w] / mean
        # delta method for rate_w / mean, mean holding rate_w / k
        v = (
            f
            * f
            * (var[w] / max(rate[w], 1e-12) ** 2 + var_mean / mean**2 - 2 * var[w] / (k * rate[w] * mean))
            if rate[w] > 0
            else var[w] / mean**2
        )
        s = math.sqrt(max(v, 0.0))
        profile.append(Estimate(f, s, max(0.0, f - Z95 * s), f + Z95 * s, int(counts[w])))
    dpd = (
        whole_days(np.maximum(acc["days_past_due"][new], 1.0))
        if tr.has("accounts.csv", "days_past_due") and new.any()
        else None
    )
    return InflowFit(per_day, profile, dpd, days, seen)


def fit_self_cure(tr: Trace, book: Book, m: np.ndarray, links: bool) -> SelfCureFit | None:
    """Self-cure of the segment's accounts (mask ``m`` of accounts.csv rows) on the days they
    were at risk. ``links``: with account-level behaviour, a log-link regression of the day's
    self-cure on the account's score and its days past due that day (``link``, per point and
    per day); the segment's rate is the regression's average over the accounts at entry (the
    simulator's normalisation)."""
    pay = tr.payments
    if pay is None:
        return None
    rows = np.flatnonzero(m)
    risk = book.at_risk[rows]
    exposure = int(risk.sum())
    if exposure == 0:
        return None
    sc = (pay["source"] == SELF_CURE) & (pay["day"] >= 0) & (pay["day"] <= book.last_day)
    r = book.rows_of(pay["account_id"][sc])
    mine = np.isin(r, rows)
    y = np.zeros(book.at_risk.shape, dtype=bool)
    y[r[mine], pay["day"][sc][mine]] = True
    y = y[rows]
    events = int((y & risk).sum())
    raw = proportion(events, exposure)
    fit = SelfCureFit(raw, events, exposure)
    acc = tr.accounts
    if (
        not links
        or events < 10
        or not all(tr.has("accounts.csv", c) for c in ("risk_score", "days_past_due"))
    ):
        return fit
    ai, di = np.nonzero(risk)
    X = np.column_stack([acc["risk_score"][rows][ai], book.dpd[rows][ai, di]])
    fit.link = fit_log_binomial(X, y[ai, di], ["risk_score", "days_past_due"], "self_cure")
    fit.per_day = entry_average(
        fit.link, np.column_stack([acc["risk_score"][rows], acc["days_past_due"][rows]]), "log"
    )
    return fit


def _redefaults(tr: Trace, last_day: int) -> tuple[Estimate | None, DistFit | None]:
    """Share of cures followed by a return, and the days between: over the cures early enough
    for the longest delay seen to fall inside the data."""
    ev = tr.events
    if ev is None or not len(ev["day"]):
        return None, None
    inside = ev["day"] <= last_day
    ev = {k: v[inside] for k, v in ev.items()}
    order = np.lexsort((ev["day"], ev["account_id"]))
    a, d, k = ev["account_id"][order], ev["day"][order], ev["event"][order]
    cure = np.flatnonzero(k[:-1] == CURED) if len(k) > 1 else np.zeros(0, dtype=np.int64)
    back = cure[(a[cure + 1] == a[cure]) & (k[cure + 1] == REDEFAULTED)]
    if not len(back):
        return None, None  # no return inside the data: neither the share nor the delay is identified
    delays = d[back + 1] - d[back]
    longest = int(delays.max())
    all_cures = np.flatnonzero(k == CURED)
    eligible = all_cures[d[all_cures] + longest <= last_day]
    if not len(eligible):
        return None, None
    returned = np.isin(eligible, back)
    share = proportion(int(returned.sum()), len(eligible))
    return share, whole_days(np.maximum(delays[np.isin(back, eligible)], 1))


def _event_dpd(tr: Trace, code: int) -> float | None:
    ev = tr.events
    if ev is None or "days_past_due" not in ev:
        return None
    x = ev["days_past_due"][(ev["event"] == code) & np.isfinite(ev["days_past_due"])]
    return float(x.min()) if len(x) else None


def fit_living(tr: Trace, last_day: int, links: bool) -> LivingFit | None:
    """The living portfolio of ``tr`` over calendar days 0 .. ``last_day`` (None when the files
    do not show one). ``links``: fit self-cure on account attributes (account-level behaviour)."""
    if not is_living(tr):
        return None
    minimum = fit_minimum_payment(tr)
    book = replay(tr, last_day, minimum)
    acc = tr.accounts
    cut = initial_cut(acc)
    has_ctrl = tr.has("accounts.csv", "control")
    fit = LivingFit(
        book, minimum, proportion(int(acc["control"].sum()), len(acc["control"])) if has_ctrl else None, {}
    )
    for s, name in enumerate(tr.segments):
        m = acc["segment"] == s
        if not m.any():
            continue
        initial = m & (acc["day"] <= cut)
        seg = LivingSegment(int(initial.sum()), _scales(tr, m))
        if tr.has("accounts.csv", "days_past_due") and initial.any():
            # whole days, at least 1: a living portfolio's accounts are delinquent and age by days
            dpd = acc["days_past_due"][initial]
            seg.initial_dpd = whole_days(np.maximum(dpd, 1.0))
            if (dpd < 1).any():
                fit.notes.append(
                    f"segments.{name}.days_past_due: {int((dpd < 1).sum())} account(s) of the initial "
                    "portfolio were less than 1 day past due; counted as 1 (in a living portfolio every "
                    "account is delinquent)"
                )
        seg.inflow = _inflow(tr, m, cut, last_day)
        seg.self_cure = fit_self_cure(tr, book, m, links)
        if has_ctrl:
            seg.control = proportion(int(acc["control"][m].sum()), int(m.sum()))
        if tr.has("accounts.csv", "phones"):
            seg.phones = fit_discrete(np.maximum(acc["phones"][m], 1.0))
        if tr.has("accounts.csv", "phone_status"):
            st = acc["phone_status"][m]
            seg.wrong = proportion(int((st == WRONG).sum()), len(st))
            seg.disconnected = proportion(int((st == DISCONNECTED).sum()), len(st))
        fit.segments[name] = seg
    fit.redefault, fit.redefault_days = _redefaults(tr, last_day)
    fit.charge_off_dpd = _event_dpd(tr, CHARGED_OFF)
    fit.placement_dpd = _event_dpd(tr, PLACED)
    if minimum is not None and minimum.matched < 0.99:
        fit.notes.append(
            f"portfolio.min_payment_usd/min_payment_share: the rule max(floor, share x balance) "
            f"reproduces only {minimum.matched:.1%} of the past-due amounts in accounts.csv"
        )
    return fit
