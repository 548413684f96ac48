"""The penalised model of live answers over (weekday, hour) cells that both contact-curve fits
share: :mod:`.contact_curve` on a segment's cell counts and :mod:`.contact_by_account` dial by
dial. :class:`LiveAnswerModel` is the log-linear model of (third party, right party, not live)
with its smoothing penalties, :func:`fellner_schall` chooses the smoothing weights and fits it,
and :func:`curve_multipliers` reads one hour or weekday curve off the fit with its 95% interval.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize

from ...base.outcomes import ABANDONED, BUSY, INVALID, MACHINE, NO_ANSWER, RPC, THIRD_PARTY
from .regression import Z95

__all__ = ["LiveAnswerModel", "fellner_schall", "curve_multipliers", "NON_LIVE"]

NON_LIVE = (NO_ANSWER, BUSY, MACHINE, INVALID)
"""The outcomes that are not a live answer: the model's "not live"."""
LAMBDA_MAX = 1e9


def _centred_basis(w: np.ndarray) -> np.ndarray:
    """Columns spanning {x : w . x = 0} (k x (k-1))."""
    return linalg.null_space(w[None, :])


class LiveAnswerModel:
    """The penalised log-linear model of (third party, right party, not live) over the
    (weekday, hour) cells of ``counts`` (see :mod:`.contact_curve`): ``with_tp``/``with_rpc`` say
    which live outcomes the data hold. Parameter blocks are in ``slices``, penalties in
    ``blocks``, grouped by smoothing weight in ``groups``."""

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
        """Penalised fit at smoothing weights ``lam``; returns (theta, penalised Hessian). The
        optimiser also asks for derivatives at the points it tries and rejects (outside the
        model's domain, where the objective is infinite): those get finite stand-ins."""
        S = self.penalty(lam)

        def f(th):
            return self.negloglik(th) + 0.5 * th @ S @ th

        def jac(th):
            g = self.grad_hess(th)[0] + S @ th
            return g if np.isfinite(g).all() else np.zeros_like(g)

        def hess(th):
            H = self.grad_hess(th)[1] + S
            return H if np.isfinite(H).all() else np.eye(len(th))

        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            res = optimize.minimize(
                f, th0, jac=jac, hess=hess, method="trust-exact", options={"gtol": 1e-8, "maxiter": 500}
            )
            th = res.x
            return th, hess(th)


def fellner_schall(m: LiveAnswerModel) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
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


def curve_multipliers(
    m: LiveAnswerModel, th, cov, block: str, Z: np.ndarray, positions: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers and 95% CI of one curve (``size`` hours or weekdays) from its centred block of
    the fit ``th``, ``cov``; ``positions``: the hours or weekdays the data have."""
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
