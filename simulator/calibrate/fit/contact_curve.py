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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from ..read.trace import ABANDONED, RPC, THIRD_PARTY

__all__ = ["OutcomeFit", "fit_outcomes", "cell_counts", "local_hour_weekday", "in_fit_convention", "Z95"]

Z95 = 1.959963984540054
NON_LIVE = (0, 1, 2, 3)
LAMBDA_MAX = 1e9


def local_hour_weekday(
    t_s: np.ndarray, tz_h: np.ndarray, origin_weekday: int
) -> tuple[np.ndarray, np.ndarray]:
    """Local hour (0-23) and weekday (0 = Monday) of each dial, as the simulator computes them:
    local time = center time + offset, hours floored."""
    hours = np.floor((t_s + tz_h * 3600.0) / 3600.0).astype(np.int64)
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
        tp, rpc = b[4] * a, b[5] * a * r
        other = b[:4].sum()
        rest = max(0.0, 1.0 - tp - rpc)
        return np.concatenate([b[:4] * (rest / other if other > 0 else 0.0), [tp, rpc]])


def _centred_basis(w: np.ndarray) -> np.ndarray:
    """Columns spanning {x : w . x = 0} (k x (k-1))."""
    return linalg.null_space(w[None, :])


class _LiveModel:
    """The penalised log-linear model of (third party, right party, not live) over cells."""

    def __init__(self, counts: np.ndarray, with_tp: bool, with_rpc: bool) -> None:
        dials_dh = counts.sum(axis=2)
        seen = dials_dh > 0
        self.hours = np.flatnonzero(seen.any(axis=0))
        self.days = np.flatnonzero(seen.any(axis=1))
        cells = np.argwhere(seen)  # (weekday, hour) pairs with dials
        d_idx, h_idx = cells[:, 0], cells[:, 1]
        c = counts[d_idx, h_idx]
        self.n1 = c[:, THIRD_PARTY].astype(float)
        self.n2 = c[:, RPC].astype(float)
        self.nA = c[:, ABANDONED].astype(float)
        self.n0 = c[:, list(NON_LIVE)].sum(axis=1).astype(float)
        self.with_tp, self.with_rpc = with_tp, with_rpc
        total = dials_dh.sum()
        self.w_h = dials_dh.sum(axis=0)[self.hours] / total
        self.w_d = dials_dh.sum(axis=1)[self.days] / total
        H, D = len(self.hours), len(self.days)
        Zh = _centred_basis(self.w_h) if H > 1 else np.zeros((H, 0))
        Zd = _centred_basis(self.w_d) if D > 1 else np.zeros((D, 0))
        self.Zh, self.Zd = Zh, Zd
        both = with_tp and with_rpc
        # parameter blocks: b_tp, b_rpc, alpha_h, rho_h, alpha_d, rho_d (rho only with both live outcomes)
        sizes = {
            "b_tp": int(with_tp),
            "b_rpc": int(with_rpc),
            "alpha_h": Zh.shape[1],
            "rho_h": Zh.shape[1] if both else 0,
            "alpha_d": Zd.shape[1],
            "rho_d": Zd.shape[1] if both else 0,
        }
        self.slices, k = {}, 0
        for name, n in sizes.items():
            self.slices[name] = slice(k, k + n)
            k += n
        self.P = k
        n_cells = len(cells)
        hpos = np.searchsorted(self.hours, h_idx)
        dpos = np.searchsorted(self.days, d_idx)
        Eh = np.zeros((n_cells, H))
        Eh[np.arange(n_cells), hpos] = 1.0
        Ed = np.zeros((n_cells, D))
        Ed[np.arange(n_cells), dpos] = 1.0
        X1 = np.zeros((n_cells, k))
        X2 = np.zeros((n_cells, k))
        s = self.slices
        X1[:, s["b_tp"]] = 1.0
        X2[:, s["b_rpc"]] = 1.0
        for X, live in ((X1, with_tp), (X2, with_rpc)):
            if live:
                X[:, s["alpha_h"]] = Eh @ Zh
                X[:, s["alpha_d"]] = Ed @ Zd
        if both:
            X2[:, s["rho_h"]] = Eh @ Zh
            X2[:, s["rho_d"]] = Ed @ Zd
        self.X1, self.X2 = X1, X2
        # penalties (unit weight): first differences across adjacent seen hours, ridge on weekdays
        Dh = np.diff(np.eye(H), axis=0)
        Ph = Zh.T @ Dh.T @ Dh @ Zh
        self.blocks: dict[str, np.ndarray] = {}
        for name, P in (("alpha_h", Ph), ("rho_h", Ph), ("alpha_d", Zd.T @ Zd), ("rho_d", Zd.T @ Zd)):
            sl = s[name]
            if sl.stop > sl.start:
                S = np.zeros((k, k))
                S[sl, sl] = P
                self.blocks[name] = S
        self.groups = {
            "hour_answer": ["alpha_h"],
            "hour_rpc": ["rho_h"],
            "weekday_answer": ["alpha_d"],
            "weekday_rpc": ["rho_d"],
        }
        self.groups = {g: [b for b in bl if b in self.blocks] for g, bl in self.groups.items()}
        self.groups = {g: bl for g, bl in self.groups.items() if bl}

    def start(self) -> np.ndarray:
        """Flat curves at the overall shares (abandoned dials split in proportion), scaled so
        that the start is feasible even when nearly every dial was live."""
        th = np.zeros(self.P)
        n1, n2, nA = self.n1.sum(), self.n2.sum(), self.nA.sum()
        n = self.n0.sum() + n1 + n2 + nA
        live = max(n1 + n2, 1.0)
        q1, q2 = (n1 + nA * n1 / live) / n, (n2 + nA * n2 / live) / n
        scale = min(1.0, 0.98 / max(q1 + q2, 1e-12))
        if self.with_tp:
            th[self.slices["b_tp"]] = np.log(q1 * scale)
        if self.with_rpc:
            th[self.slices["b_rpc"]] = np.log(q2 * scale)
        return th

    def penalty(self, lam: dict[str, float]) -> np.ndarray:
        S = np.zeros((self.P, self.P))
        for g, names in self.groups.items():
            for b in names:
                S += lam[g] * self.blocks[b]
        return S

    def _q(self, th):
        e1 = self.X1 @ th
        e2 = self.X2 @ th
        q1 = np.exp(e1) if self.with_tp else np.zeros_like(e1)
        q2 = np.exp(e2) if self.with_rpc else np.zeros_like(e2)
        return e1, e2, q1, q2

    def negloglik(self, th: np.ndarray) -> float:
        e1, e2, q1, q2 = self._q(th)
        rest = 1.0 - q1 - q2
        if np.any(rest <= 0) or np.any(q1 + q2 <= 0):
            return np.inf
        ll = (self.n0 * np.log(rest)).sum() + (self.nA * np.log(q1 + q2)).sum()
        if self.with_tp:
            ll += (self.n1 * e1).sum()
        if self.with_rpc:
            ll += (self.n2 * e2).sum()
        return -float(ll)

    def grad_hess(self, th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian of the negative log-likelihood."""
        _, _, q1, q2 = self._q(th)
        S = q1 + q2
        r = 1.0 - S
        a0 = self.n0 / r
        aA = np.where(S > 0, self.nA / np.where(S > 0, S, 1.0), 0.0)
        g1 = self.n1 - a0 * q1 + aA * q1
        g2 = self.n2 - a0 * q2 + aA * q2
        b0 = self.n0 / r**2
        bA = np.where(S > 0, self.nA / np.where(S > 0, S, 1.0) ** 2, 0.0)
        h11 = -b0 * q1 * (1 - q2) + bA * q1 * q2
        h22 = -b0 * q2 * (1 - q1) + bA * q1 * q2
        h12 = -b0 * q1 * q2 - bA * q1 * q2
        X1, X2 = self.X1, self.X2
        g = X1.T @ g1 + X2.T @ g2
        H = (X1.T * h11) @ X1 + (X1.T * h12) @ X2 + (X2.T * h12) @ X1 + (X2.T * h22) @ X2
        return -g, -H

    def fit(self, lam: dict[str, float], th0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Penalised fit at smoothing weights ``lam``; returns (theta, penalised Hessian)."""
        S = self.penalty(lam)

        def f(th):
            return self.negloglik(th) + 0.5 * th @ S @ th

        def jac(th):
            return self.grad_hess(th)[0] + S @ th

        def hess(th):
            return self.grad_hess(th)[1] + S

        res = optimize.minimize(
            f, th0, jac=jac, hess=hess, method="trust-exact", options={"gtol": 1e-8, "maxiter": 500}
        )
        th = res.x
        return th, hess(th)


def _fellner_schall(m: _LiveModel) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Smoothing weights by the generalised Fellner-Schall update; returns theta, the penalised
    Hessian and the weights."""
    lam = {g: 1.0 for g in m.groups}
    th = m.start()
    for _ in range(60):
        th, Hp = m.fit(lam, th)
        Hinv = linalg.inv(Hp)
        new = {}
        for g, names in m.groups.items():
            Sb = sum(m.blocks[b] for b in names)
            dim = sum(m.slices[b].stop - m.slices[b].start for b in names)
            edf = dim - lam[g] * np.trace(Hinv @ Sb)
            quad = float(th @ Sb @ th)
            new[g] = LAMBDA_MAX if quad <= dim / LAMBDA_MAX else min(LAMBDA_MAX, max(1e-8, edf / quad))
        done = all(abs(np.log(new[g]) - np.log(lam[g])) < 1e-3 for g in lam)
        lam = new
        if done:
            break
    th, Hp = m.fit(lam, th)
    return th, Hp, lam


def _curve(m: _LiveModel, th, cov, block: str, Z: np.ndarray, positions: np.ndarray, size: int):
    """Multipliers and 95% CI of one curve from its centred block."""
    val = np.ones(size)
    ci = np.full((2, size), np.nan)
    sl = m.slices[block]
    if sl.stop == sl.start:
        if len(positions) == 1:
            ci[:, positions] = 1.0
        return val, ci
    log_v = Z @ th[sl]
    V = Z @ cov[sl, sl] @ Z.T
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    val[positions] = np.exp(log_v)
    ci[0, positions] = np.exp(log_v - Z95 * se)
    ci[1, positions] = np.exp(log_v + Z95 * se)
    return val, ci


def fit_outcomes(counts: np.ndarray) -> OutcomeFit:
    """Fit the outcome model to (7, 24, 7) weekday x hour x outcome counts (see module doc)."""
    totals = counts.sum(axis=(0, 1))
    n = int(totals.sum())
    if n == 0:
        raise ValueError("no dials to fit outcome probabilities to")
    nl = totals[list(NON_LIVE)].astype(float)
    n_nl = nl.sum()
    pi = nl / n_nl if n_nl > 0 else np.zeros(4)
    m = _LiveModel(counts, with_tp=totals[THIRD_PARTY] > 0, with_rpc=totals[RPC] > 0)
    if m.P:
        th, Hp, lam = _fellner_schall(m)
        cov = linalg.inv(Hp)
    else:
        th, cov, lam = np.zeros(0), np.zeros((0, 0)), {}
    s = m.slices
    b = np.zeros(6)
    var_b = np.zeros(6)
    p1 = float(np.exp(th[s["b_tp"]][0])) if m.with_tp else 0.0
    p2 = float(np.exp(th[s["b_rpc"]][0])) if m.with_rpc else 0.0
    b[4], b[5] = p1, p2
    i1, i2 = s["b_tp"].start, s["b_rpc"].start
    v11 = cov[i1, i1] if m.with_tp else 0.0
    v22 = cov[i2, i2] if m.with_rpc else 0.0
    v12 = cov[i1, i2] if m.with_tp and m.with_rpc else 0.0
    var_b[4], var_b[5] = p1 * p1 * v11, p2 * p2 * v22
    rest = 1.0 - p1 - p2
    var_rest = p1 * p1 * v11 + p2 * p2 * v22 + 2 * p1 * p2 * v12
    for k in range(4):
        b[k] = pi[k] * rest
        var_pi = pi[k] * (1 - pi[k]) / n_nl if n_nl > 0 else 0.0
        var_b[k] = rest * rest * var_pi + pi[k] * pi[k] * var_rest
    dials_dh = counts.sum(axis=2)
    hw = dials_dh.sum(axis=0) / n
    dw = dials_dh.sum(axis=1) / n
    ah, ah_ci = _curve(m, th, cov, "alpha_h", m.Zh, m.hours, 24)
    rh, rh_ci = _curve(m, th, cov, "rho_h", m.Zh, m.hours, 24)
    ad, ad_ci = _curve(m, th, cov, "alpha_d", m.Zd, m.days, 7)
    rd, rd_ci = _curve(m, th, cov, "rho_d", m.Zd, m.days, 7)
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
    base[4], base[5] = b[4] * np.exp(a), b[5] * np.exp(a + r)
    other = b[:4].sum()
    base[:4] = b[:4] / other * (1 - base[4] - base[5]) if other > 0 else 0.0
    out["base"] = base
    return out
