"""Dial outcome probabilities by local hour and weekday, in the scenario's own form.

The simulator (``Segment.outcome_probabilities``) gives, at local hour h and weekday d,

    third party  q_tp  = p_tp  * A_h * A_d
    right party  q_rpc = p_rpc * A_h * A_d * R_h * R_d
    each other outcome k: (1 - q_tp - q_rpc) * pi_k,   pi_k = p_k / (p_na + p_busy + p_machine + p_invalid)

so the two live outcomes are log-linear in hour and weekday effects and the four others share
what is left in fixed proportions. This module fits exactly that model by penalised maximum
likelihood on the dial counts of each (weekday, hour) cell:

- pi is the closed-form multinomial estimate over all non-live dials;
- log p_tp, log p_rpc, log A_h, log R_h (hours seen in the data) and log A_d, log R_d (weekdays
  seen) maximise the likelihood of (third party, right party, not live) with a first-difference
  penalty across adjacent hours and a ridge penalty on weekday effects, so a sparse hour borrows
  strength from its neighbours. An ``abandoned`` dial (a live answer, party unknown) counts as
  "third party or right party".
- The smoothing weights are chosen by the generalised Fellner-Schall iteration (Wood and
  Fasiolo, Biometrics 2017), which maximises the Laplace-approximate marginal likelihood.
- Identifiability: each curve's log multipliers average 0 over the data's dials (a dial-weighted
  geometric mean of 1), so the base probability is the one at a typical hour and weekday.
  Hours and weekdays with no dials keep multiplier 1.
- Standard errors come from the inverse penalised Hessian (the Bayesian covariance of a
  penalised fit, whose intervals have close to nominal coverage across the curve: Nychka 1988).

The model, its smoothing and its curves are :mod:`.curve_model`'s, shared with the dial-by-dial
fit of :mod:`.contact_by_account`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ...base.clock import HOUR_S
from ...base.outcomes import ABANDONED, RPC, THIRD_PARTY
from ...scenario.schema import OUTCOMES, WEEKDAYS
from .curve_model import NON_LIVE, LiveAnswerModel, curve_multipliers, fellner_schall

__all__ = [
    "OutcomeFit",
    "fit_outcomes",
    "flat_outcomes",
    "make_feasible",
    "cell_counts",
    "local_hour_weekday",
    "in_fit_convention",
]


def local_hour_weekday(
    t_s: np.ndarray, tz_h: np.ndarray, origin_weekday: int
) -> tuple[np.ndarray, np.ndarray]:
    """Local hour (0-23) and weekday (0 = Monday) of each dial, as the simulator computes them:
    local time = center time + offset, hours floored."""
    hours = np.floor((t_s + tz_h * HOUR_S) / HOUR_S).astype(np.int64)
    return hours % 24, (origin_weekday + hours // 24) % 7


def cell_counts(out: np.ndarray, hour: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """(7, 24, 7) counts: weekday x hour x outcome code (6 = abandoned, party unknown)."""
    idx = (weekday * 24 + hour) * 7 + out.astype(np.int64)
    return np.bincount(idx, minlength=7 * 24 * 7).reshape(7, 24, 7)


@dataclass
class OutcomeFit:
    """Fitted outcome model of one segment. ``base``/``base_se``: the six base probabilities
    (OUTCOMES order). Curves are (value, lower, upper) arrays of multipliers with 95% CIs
    (NaN bounds where the data have no dials)."""

    base: np.ndarray
    base_se: np.ndarray
    answer_by_hour: np.ndarray
    rpc_by_hour: np.ndarray
    answer_by_weekday: np.ndarray
    rpc_by_weekday: np.ndarray
    answer_by_hour_ci: np.ndarray  # (2, 24)
    rpc_by_hour_ci: np.ndarray
    answer_by_weekday_ci: np.ndarray  # (2, 7)
    rpc_by_weekday_ci: np.ndarray
    hour_weights: np.ndarray  # share of dials per local hour (the normalisation)
    weekday_weights: np.ndarray
    counts: np.ndarray  # (7, 24, 7) the data
    lambdas: dict[str, float]
    n_dials: int

    def probabilities(self, hour: int, weekday: int) -> np.ndarray:
        """Fitted outcome probabilities at a local hour and weekday (the simulator's formula)."""
        a = self.answer_by_hour[hour] * self.answer_by_weekday[weekday]
        r = self.rpc_by_hour[hour] * self.rpc_by_weekday[weekday]
        b = self.base
        tp, rpc = b[THIRD_PARTY] * a, b[RPC] * a * r
        other = b[:4].sum()
        rest = max(0.0, 1.0 - tp - rpc)
        return np.concatenate([b[:4] * (rest / other if other > 0 else 0.0), [tp, rpc]])


def fit_outcomes(counts: np.ndarray) -> OutcomeFit:
    """Fit the outcome model to (7, 24, 7) weekday x hour x outcome counts (see module doc)."""
    totals = counts.sum(axis=(0, 1))
    n = int(totals.sum())
    if n == 0:
        raise ValueError("no dials to fit outcome probabilities to")
    nl = totals[list(NON_LIVE)].astype(float)
    n_nl = nl.sum()
    pi = nl / n_nl if n_nl > 0 else np.zeros(len(NON_LIVE))
    m = LiveAnswerModel(counts, with_tp=totals[THIRD_PARTY] > 0, with_rpc=totals[RPC] > 0)
    if m.P:
        th, Hp, lam = fellner_schall(m)
        cov = linalg.inv(Hp)
    else:
        th, cov, lam = np.zeros(0), np.zeros((0, 0)), {}
    s = m.slices
    b = np.zeros(len(OUTCOMES))
    var_b = np.zeros(len(OUTCOMES))
    p1 = float(np.exp(th[s["b_tp"]][0])) if m.with_tp else 0.0
    p2 = float(np.exp(th[s["b_rpc"]][0])) if m.with_rpc else 0.0
    b[THIRD_PARTY], b[RPC] = p1, p2
    i1, i2 = s["b_tp"].start, s["b_rpc"].start
    v11 = cov[i1, i1] if m.with_tp else 0.0
    v22 = cov[i2, i2] if m.with_rpc else 0.0
    v12 = cov[i1, i2] if m.with_tp and m.with_rpc else 0.0
    var_b[THIRD_PARTY], var_b[RPC] = p1 * p1 * v11, p2 * p2 * v22
    rest = 1.0 - p1 - p2
    var_rest = p1 * p1 * v11 + p2 * p2 * v22 + 2 * p1 * p2 * v12
    for k in NON_LIVE:
        b[k] = pi[k] * rest
        var_pi = pi[k] * (1 - pi[k]) / n_nl if n_nl > 0 else 0.0
        var_b[k] = rest * rest * var_pi + pi[k] * pi[k] * var_rest
    dials_dh = counts.sum(axis=2)
    hw = dials_dh.sum(axis=0) / n
    dw = dials_dh.sum(axis=1) / n
    ah, ah_ci = curve_multipliers(m, th, cov, "alpha_h", m.Zh, m.hours, 24)
    rh, rh_ci = curve_multipliers(m, th, cov, "rho_h", m.Zh, m.hours, 24)
    ad, ad_ci = curve_multipliers(m, th, cov, "alpha_d", m.Zd, m.days, 7)
    rd, rd_ci = curve_multipliers(m, th, cov, "rho_d", m.Zd, m.days, 7)
    return OutcomeFit(
        b,
        np.sqrt(var_b),
        ah,
        rh,
        ad,
        rd,
        ah_ci,
        rh_ci,
        ad_ci,
        rd_ci,
        hw,
        dw,
        counts,
        {g: float(v) for g, v in lam.items()},
        n,
    )


def flat_outcomes(counts: np.ndarray) -> OutcomeFit:
    """The outcome shares with flat curves, for dials that leave the model nothing to fit (every
    dial a live answer: the likelihood grows without bound toward a live-answer probability of
    1). Abandoned dials (live, party unknown) are split between third and right party in their
    proportions (equally when there are neither); binomial standard errors."""
    totals = counts.sum(axis=(0, 1)).astype(float)
    n = float(totals.sum())
    if n == 0:
        raise ValueError("no dials to fit outcome probabilities to")
    b = totals[: len(OUTCOMES)].copy()
    tp, rpc = totals[THIRD_PARTY], totals[RPC]
    share_tp = tp / (tp + rpc) if tp + rpc > 0 else 0.5
    b[THIRD_PARTY] += totals[ABANDONED] * share_tp
    b[RPC] += totals[ABANDONED] * (1 - share_tp)
    b /= n
    ones, nan24, nan7 = np.ones(24), np.full((2, 24), np.nan), np.full((2, 7), np.nan)
    dials_dh = counts.sum(axis=2)
    return OutcomeFit(
        b,
        np.sqrt(b * (1 - b) / n),
        ones,
        ones.copy(),
        np.ones(7),
        np.ones(7),
        nan24,
        nan24.copy(),
        nan7,
        nan7.copy(),
        dials_dh.sum(axis=0) / n,
        dials_dh.sum(axis=1) / n,
        counts,
        {},
        int(n),
    )


def live_probabilities(of: OutcomeFit, shrink: float = 1.0) -> np.ndarray:
    """(7, 24) live-answer probabilities of every weekday and hour, the curves' logs scaled by
    ``shrink`` (the simulator's formula before its cap)."""
    a = np.outer(of.answer_by_weekday**shrink, of.answer_by_hour**shrink)
    r = np.outer(of.rpc_by_weekday**shrink, of.rpc_by_hour**shrink)
    return a * (of.base[THIRD_PARTY] + of.base[RPC] * r)


def make_feasible(of: OutcomeFit, limit: float = 0.999) -> str | None:
    """Make ``of`` a valid scenario's outcome model, in place; returns what was done, in words
    (None: nothing).

    - The base probabilities must be >= 0: when the live-answer and invalid probabilities sum
      over 1 (an account-level fit on a handful of accounts can), the unanswered outcomes' share
      is negative; it is set to 0 and the live ones scaled down to make the sum 1.
    - Every weekday and hour's live-answer probability must be at most 1, and the scenario file
      holds the multipliers to 5 significant digits, so at most ``limit``. The fit keeps the
      cells with dials below 1, but a combination the data never saw (an hour without dials,
      multiplier 1, on a weekday with a high multiplier) can exceed it: the curves' logs are
      then shrunk toward 0 (flat) by the largest factor that keeps every cell within ``limit``,
      and, if the base alone exceeds it, the live probabilities are scaled down to fit.
    """
    said = []
    if (of.base < 0).any():
        b = np.clip(of.base, 0.0, None)
        total, live = float(b.sum()), b[THIRD_PARTY] + b[RPC]
        if total > 1 and live > 0:
            f = max(live - (total - 1), 0.0) / live
            b[THIRD_PARTY] *= f
            b[RPC] *= f
        of.base = b / b.sum()
        now = of.base[THIRD_PARTY] + of.base[RPC]
        said.append(
            f"the fitted live-answer and invalid probabilities summed to {total:.4g}, leaving nothing "
            f"for the unanswered outcomes; the live ones were scaled down to {now:.4g}"
        )
    curves = ("answer_by_hour", "rpc_by_hour", "answer_by_weekday", "rpc_by_weekday")
    if all((getattr(of, c) == 1.0).all() for c in curves):
        limit = 1.0  # flat curves: nothing is rounded
    grid = live_probabilities(of)
    peak = float(grid.max())
    if peak > limit:
        said.append(_shrink(of, grid, peak, limit, curves))
    return "; ".join(said) or None


def _shrink(of: OutcomeFit, grid: np.ndarray, peak: float, limit: float, curves: tuple[str, ...]) -> str:
    """The second step of :func:`make_feasible`."""
    d, h = np.unravel_index(int(np.argmax(grid)), grid.shape)
    n = of.counts[d, h].sum()
    where = f"hour {h} on {WEEKDAYS[d]} " + (
        "(no dials there)"
        if n == 0
        else f"({n} dial(s) there, {of.counts[d, h, list(NON_LIVE)].sum()} unanswered)"
    )
    what = []
    live = of.base[THIRD_PARTY] + of.base[RPC]
    if live > limit:
        f = limit / live
        of.base[THIRD_PARTY] *= f
        of.base[RPC] *= f
        other = [k for k in range(len(OUTCOMES)) if k not in (THIRD_PARTY, RPC)]
        rest = of.base[other].sum()
        of.base[other] = of.base[other] / rest * (1 - limit) if rest > 0 else (1 - limit) / len(other)
        what.append(f"the base live-answer probability {live:.4g} scaled to {limit:.6g}")
    lo, hi = 0.0, 1.0
    if float(live_probabilities(of).max()) > limit:
        for _ in range(50):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if float(live_probabilities(of, mid).max()) <= limit else (lo, mid)
        for name in curves:
            setattr(of, name, getattr(of, name) ** lo)
            ci = getattr(of, name + "_ci")
            setattr(of, name + "_ci", ci**lo)
        what.append(f"the curves' log multipliers shrunk toward flat by a factor of {lo:.3g}")
    return (
        f"the fitted curves put the live-answer probability at {peak:.4f} at {where}, too few dials to "
        f"bound it; {' and '.join(what)} (every weekday and hour is kept at most {limit:g}, below 1 "
        "once rounded)"
    )


def in_fit_convention(segment, fit: OutcomeFit) -> dict[str, np.ndarray]:
    """A scenario segment's outcome model rescaled to the fit's convention (each curve's log
    multipliers averaging 0 over the fit's dials), for comparing a fit with the truth it came
    from: ``base`` (6 probabilities) and the four curves. The rescaling changes no
    probability at any hour and weekday; it only moves scale between base and curves."""
    c = segment.contact_curve
    hw, dw = fit.hour_weights, fit.weekday_weights
    out: dict[str, np.ndarray] = {}
    shift = {}
    for name, w in (
        ("answer_by_hour", hw),
        ("rpc_by_hour", hw),
        ("answer_by_weekday", dw),
        ("rpc_by_weekday", dw),
    ):
        log_v = np.log(np.asarray(getattr(c, name), dtype=float))
        shift[name] = float((w * log_v).sum())
        out[name] = np.exp(log_v - shift[name])
    b = np.array([o.probability for o in segment.outcomes.as_list()])
    a = shift["answer_by_hour"] + shift["answer_by_weekday"]
    r = shift["rpc_by_hour"] + shift["rpc_by_weekday"]
    base = b.copy()
    base[THIRD_PARTY], base[RPC] = b[THIRD_PARTY] * np.exp(a), b[RPC] * np.exp(a + r)
    other = b[:4].sum()
    base[:4] = b[:4] / other * (1 - base[THIRD_PARTY] - base[RPC]) if other > 0 else 0.0
    out["base"] = base
    return out
