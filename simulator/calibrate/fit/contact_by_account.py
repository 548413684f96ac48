"""Dial outcomes with account-level behaviour: the contact curve and the answer link together.

With account-level behaviour (world/behaviour.py) a dial to account i at local slot c (weekday,
hour) reaches a live person with probability ``S_live(c) x o_i`` where ``S`` is the segment's
outcome model of :mod:`.contact_curve` (base probabilities and hour and weekday curves) and

    o_i = exp(b_score z_score + b_dpd z_dpd + b_phones log k) / K x (1 - f)^n

the account's answer multiplier (its standardised score, its days past due at entry less the
segment's mean in 30-day cycles, its number of phones k; K the mean of the exponential over the
segment's accounts at entry) times contact fatigue for its n attempts in the previous 7
calendar days and earlier the same day. The phone's state persists: a disconnected number
always ends ``invalid`` (so the segment's invalid probability is the share of such accounts),
a wrong number's live answers are third parties, and the working numbers' right-party and
third-party chances are those that keep the segment's marginal ones (and a live-answer
probability over 1, for a very responsive account at a good hour, is scaled down to 1 as the
simulator does):

    right party (working number)  S_rpc(c) / W x o_i,      W = 1 - q_disconnected - q_wrong
    third party (working number) (S_tp(c) - q_wrong S_rpc(c) / W) / (1 - q_disconnected) x o_i
    third party (wrong number)   (S_tp(c) + S_rpc(c)) / (1 - q_disconnected) x o_i

Fitting the dials one by one with this likelihood (the curve's penalised terms as in
:mod:`.contact_curve`, the link's coefficients and log(1 - f) unpenalised) separates the curve from
who was dialed when: the accounts dialed late in the day are the ones that did not answer in
the morning, with lower multipliers and more attempts, so the segment-level hourly shares of
right-party contacts mix the curve with that selection, which the link takes out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ...base.outcomes import ABANDONED, INVALID, RPC, THIRD_PARTY
from ...scenario.schema import OUTCOMES
from .contact_curve import OutcomeFit, cell_counts
from .curve_model import NON_LIVE, LiveAnswerModel, curve_multipliers, fellner_schall
from .regression import Z95, Estimate, Link

__all__ = ["AnswerLink", "fit_account_outcomes", "fatigue_attempts", "FATIGUE_WINDOW_DAYS"]

FATIGUE_SLOPE_MAX = 20.0
"""A log answer slope per attempt beyond +-this (a factor of 5e8 per attempt) is no estimate."""
FATIGUE_WINDOW_DAYS = 6
"""Previous calendar days whose attempts tire an account (with the same day's earlier ones: the
last 7 calendar days), as the simulator counts them (Portfolio.attempts_7_list)."""


@dataclass
class AnswerLink:
    """The answer multiplier's link: ``link`` holds the log multiplier's slopes per unit of
    each account attribute (``coef[0]`` is 0: the level is the contact curve's); ``fatigue``
    is f, the share of the answer probability lost per attempt."""

    link: Link
    fatigue: Estimate | None


def fatigue_attempts(acct: np.ndarray, t_s: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Per dial: dials to the same account in the previous ``FATIGUE_WINDOW_DAYS`` calendar days
    and earlier the same day (dials in any order; ties in time count in file order)."""
    order = np.lexsort((np.arange(len(acct)), t_s, acct))
    a, d = acct[order].astype(np.int64), day[order].astype(np.int64)
    span = int(d.max() - d.min()) + FATIGUE_WINDOW_DAYS + 2 if len(d) else 1
    key = a * span + (d - (d.min() if len(d) else 0))
    first = np.searchsorted(key, key - FATIGUE_WINDOW_DAYS, side="left")
    out = np.empty(len(acct), dtype=np.int64)
    out[order] = np.arange(len(acct)) - first
    return out


class _AccountLiveModel(LiveAnswerModel):
    """The curve model of :class:`.curve_model.LiveAnswerModel` fitted dial by dial, with per-dial
    covariates ``Z`` (their coefficients appended to theta, unpenalised) and the phone-state
    coefficients of the module doc."""

    def __init__(self, counts, cell, y, Z, wrong, q_dead, q_wrong) -> None:
        super().__init__(counts, with_tp=True, with_rpc=True)
        seen = counts.sum(axis=2) > 0
        lookup = np.full(7 * 24, -1)
        cells = np.argwhere(seen)
        lookup[cells[:, 0] * 24 + cells[:, 1]] = np.arange(len(cells))
        # the dials sorted by cell, so per-cell sums are one np.add.reduceat over contiguous runs
        cell = lookup[cell]
        order = np.argsort(cell, kind="stable")
        self.cell = cell[order]
        self.n_cells = len(cells)
        self.cell_start = np.searchsorted(self.cell, np.arange(self.n_cells))
        y, Z, wrong = y[order], Z[order], wrong[order]
        self.y = y  # 0 third party, 1 right party, 2 live unknown, 3 not live
        self.k = Z.shape[1]
        self.P0 = self.P
        self.P = self.P0 + self.k
        for name, S in self.blocks.items():
            big = np.zeros((self.P, self.P))
            big[: self.P0, : self.P0] = S
            self.blocks[name] = big
        w = 1.0 - q_dead - q_wrong
        a = 1.0 / (1.0 - q_dead)
        # P_tp = (A_tp E1 + B_tp E2) o, P_rpc = B_rpc E2 o; live = a (E1 + E2) o for every row
        self.A_tp = np.full(len(y), a)
        self.B_tp = np.where(wrong, a, -q_wrong / (w * (1.0 - q_dead)))
        self.B_rpc = np.where(wrong, 0.0, 1.0 / w)
        self.live_a = a
        self.by_y = [np.flatnonzero(y == k) for k in range(4)]
        self.Zt = np.ascontiguousarray(Z.T)
        self._last = None

    def start(self) -> np.ndarray:
        th = np.zeros(self.P)
        y = self.y
        n = len(y)
        live = (y != 3).sum() / n
        valid = self.B_rpc > 0
        r = max((y[valid] == 1).sum() / max(valid.sum(), 1), 1e-6)
        e2 = r / self.B_rpc[valid][0] if valid.any() else 1e-6
        e1 = max(live / self.live_a - e2, 1e-6)
        s = min(1.0, 0.9 / max(live, 1e-12))
        th[self.slices["b_tp"]] = math.log(e1 * s)
        th[self.slices["b_rpc"]] = math.log(e2 * s)
        return th

    def _rows(self, th):
        t = th[: self.P0]
        e1c, e2c = np.exp(self.X1 @ t), np.exp(self.X2 @ t)
        o = np.exp(th[self.P0 :] @ self.Zt) if self.k else np.ones(len(self.y))
        E1, E2 = e1c[self.cell] * o, e2c[self.cell] * o
        tp = self.A_tp * E1 + self.B_tp * E2
        rpc = self.B_rpc * E2
        return E1, E2, tp, rpc

    def negloglik(self, th: np.ndarray) -> float:
        E1, E2, tp, rpc = self._rows(th)
        live = tp + rpc
        i = self.by_y
        if np.any(live[i[3]] >= 1.0) or np.any(tp[i[0]] <= 0) or np.any(rpc[i[1]] <= 0):
            return np.inf
        # a live-answer probability over 1 is scaled down to 1, as the simulator does
        over = np.maximum(live, 1.0)
        ll = (
            np.log(tp[i[0]] / over[i[0]]).sum()
            + np.log(rpc[i[1]] / over[i[1]]).sum()
            + np.log(np.minimum(live[i[2]], 1.0)).sum()
            + np.log1p(-live[i[3]]).sum()
        )
        return -float(ll)

    def grad_hess(self, th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian of the negative log-likelihood (the last ones kept: the
        optimiser asks for both at the same point)."""
        if self._last is not None and np.array_equal(self._last[0], th):
            return self._last[1], self._last[2]
        E1, E2, tp, rpc = self._rows(th)
        # per row: the probability of what happened, P, and its derivatives P1, P2 in the two
        # linear predictors (log E1, log E2); log P contributes g = (P1, P2) / P and
        # h = diag(P1, P2) / P - g g' ("not live" is 1 - live: P1, P2 change sign)
        a = self.live_a
        g1, g2 = np.empty(len(E1)), np.empty(len(E1))
        i = self.by_y
        g1[i[0]] = self.A_tp[i[0]] * E1[i[0]] / tp[i[0]]
        g2[i[0]] = self.B_tp[i[0]] * E2[i[0]] / tp[i[0]]
        g1[i[1]] = 0.0
        g2[i[1]] = 1.0
        live = E1[i[2]] + E2[i[2]]
        g1[i[2]], g2[i[2]] = E1[i[2]] / live, E2[i[2]] / live
        rest = 1.0 - tp[i[3]] - rpc[i[3]]
        g1[i[3]], g2[i[3]] = -a * E1[i[3]] / rest, -a * E2[i[3]] / rest
        h11, h22, h12 = g1 - g1 * g1, g2 - g2 * g2, -g1 * g2
        # a live answer over 1, scaled down to 1 (P / L): log L's derivatives w = (E1, E2) / (E1 + E2)
        # and diag(w) - w w' come off (for a live answer of unknown party nothing is left)
        over = np.flatnonzero((tp + rpc >= 1.0) & (self.y != 3))
        if len(over):
            w1 = E1[over] / (E1[over] + E2[over])
            w2 = 1.0 - w1
            g1[over] -= w1
            g2[over] -= w2
            h11[over] -= w1 - w1 * w1
            h22[over] -= w2 - w2 * w2
            h12[over] += w1 * w2
        # per-cell sums of the row terms (rows of a terms x dials array, each contiguous)
        k = self.k
        Zt = self.Zt
        terms = np.empty((5 + 2 * k, len(E1)))
        terms[0], terms[1], terms[2], terms[3], terms[4] = g1, g2, h11, h12, h22
        if k:
            np.multiply(h11 + h12, Zt, out=terms[5 : 5 + k])
            np.multiply(h12 + h22, Zt, out=terms[5 + k :])
        cs = np.add.reduceat(terms, self.cell_start, axis=1).T
        X1, X2 = self.X1, self.X2
        g = np.zeros(self.P)
        H = np.zeros((self.P, self.P))
        g[: self.P0] = X1.T @ cs[:, 0] + X2.T @ cs[:, 1]
        H[: self.P0, : self.P0] = (
            (X1.T * cs[:, 2]) @ X1 + (X1.T * cs[:, 3]) @ X2 + (X2.T * cs[:, 3]) @ X1 + (X2.T * cs[:, 4]) @ X2
        )
        if k:
            g[self.P0 :] = Zt @ (g1 + g2)
            H[: self.P0, self.P0 :] = X1.T @ cs[:, 5 : 5 + k] + X2.T @ cs[:, 5 + k :]
            H[self.P0 :, : self.P0] = H[: self.P0, self.P0 :].T
            H[self.P0 :, self.P0 :] = (Zt * (h11 + 2 * h12 + h22)) @ Zt.T
        self._last = (th.copy(), -g, -H)
        return -g, -H


def fit_account_outcomes(
    out: np.ndarray,
    hour: np.ndarray,
    weekday: np.ndarray,
    Z: np.ndarray,
    terms: list[str],
    wrong: np.ndarray,
    dead: np.ndarray,
    q_dead: Estimate,
    q_wrong: Estimate | None,
    entry_Z: np.ndarray,
) -> tuple[OutcomeFit, AnswerLink]:
    """Fit the module's model to one segment's dials: outcome codes, local hour and weekday,
    per-dial covariates ``Z`` (columns named by ``terms``: account attributes in their units,
    centred, then ``fatigue``, the attempts of :func:`fatigue_attempts`, last), whether the
    account's number is wrong or disconnected, and the shares of such numbers. ``entry_Z``: the
    attributes of the segment's accounts at entry, centred alike (for K). Returns the segment's
    outcome model in the simulator's convention and the answer link."""
    qd, qw = q_dead.value, (q_wrong.value if q_wrong is not None else 0.0)
    keep = ~dead
    o, h, d = out[keep], hour[keep], weekday[keep]
    y = np.select([o == THIRD_PARTY, o == RPC, o == ABANDONED], [0, 1, 2], 3)
    counts = cell_counts(o, h, d)
    m = _AccountLiveModel(counts, d * 24 + h, y, Z[keep], wrong[keep], qd, qw)
    th, Hp, lam = fellner_schall(m)
    cov = linalg.inv(Hp)
    P0 = m.P0
    sl = m.slices
    i1, i2 = sl["b_tp"].start, sl["b_rpc"].start
    # K: the mean answer multiplier over the accounts at entry (fatigue apart)
    k_terms = [j for j, t in enumerate(terms) if t != "fatigue"]
    beta = th[P0:][k_terms]
    eta = entry_Z[:, : len(k_terms)] @ beta if len(k_terms) else np.zeros(len(entry_Z))
    w = np.exp(eta - eta.max()) if len(eta) else np.ones(1)
    log_k = float(eta.max() + math.log(w.mean())) if len(eta) else 0.0
    dlogk = np.zeros(m.P)
    if len(k_terms):
        dlogk[P0 + np.array(k_terms)] = (w[:, None] * entry_Z[:, : len(k_terms)]).sum(axis=0) / w.sum()
    base = np.zeros(len(OUTCOMES))
    base_se = np.zeros(len(OUTCOMES))
    for code, i in ((THIRD_PARTY, i1), (RPC, i2)):
        grad = dlogk.copy()
        grad[i] += 1.0
        base[code] = math.exp(th[i] + log_k)
        base_se[code] = base[code] * math.sqrt(max(float(grad @ cov @ grad), 0.0))
    # the unanswered outcomes: disconnected numbers are the invalid ones; no answer, busy and
    # machine share the rest in their proportions among the other numbers' unanswered dials
    nl = np.bincount(o[(o != INVALID) & np.isin(o, NON_LIVE)], minlength=4)[:3].astype(float)
    pi = nl / nl.sum() if nl.sum() else np.array([1.0, 0.0, 0.0])
    rest = 1.0 - qd - base[THIRD_PARTY] - base[RPC]
    var_rest = float(base_se[THIRD_PARTY] ** 2 + base_se[RPC] ** 2)
    for k in range(3):
        base[k] = pi[k] * rest
        base_se[k] = math.sqrt(
            rest**2 * pi[k] * (1 - pi[k]) / max(nl.sum(), 1) + pi[k] ** 2 * (var_rest + q_dead.se**2)
        )
    base[INVALID], base_se[INVALID] = qd, q_dead.se
    c = cov[:P0, :P0]
    ah, ah_ci = curve_multipliers(m, th, c, "alpha_h", m.Zh, m.hours, 24)
    rh, rh_ci = curve_multipliers(m, th, c, "rho_h", m.Zh, m.hours, 24)
    ad, ad_ci = curve_multipliers(m, th, c, "alpha_d", m.Zd, m.days, 7)
    rd, rd_ci = curve_multipliers(m, th, c, "rho_d", m.Zd, m.days, 7)
    n = int(keep.sum())
    dials_dh = counts.sum(axis=2)
    of = OutcomeFit(
        base,
        base_se,
        ah,
        rh,
        ad,
        rd,
        ah_ci,
        rh_ci,
        ad_ci,
        rd_ci,
        dials_dh.sum(axis=0) / n,
        dials_dh.sum(axis=1) / n,
        counts,
        {g: float(v) for g, v in lam.items()},
        n,
    )
    fatigue = None
    j = P0 + terms.index("fatigue") if "fatigue" in terms else None
    if j is not None and abs(th[j]) < FATIGUE_SLOPE_MAX:  # beyond: the dials do not identify it
        b, se = float(th[j]), math.sqrt(max(float(cov[j, j]), 0.0))

        def exp(x: float) -> float:  # a slope the data hardly identify can have a huge SE
            return math.exp(min(x, 700.0))

        fatigue = Estimate(1.0 - exp(b), exp(b) * se, 1.0 - exp(b + Z95 * se), 1.0 - exp(b - Z95 * se), n)
    idx = np.array([P0 + j for j in k_terms], dtype=np.int64)
    link = Link(
        "log",
        "answer",
        [terms[j] for j in k_terms],
        [0.0] * len(k_terms),
        [0.0, *th[idx].tolist()],
        [0.0, *np.sqrt(np.clip(np.diag(cov)[idx], 0, None)).tolist()],
        n,
    )
    c_link = np.zeros((len(idx) + 1, len(idx) + 1))
    c_link[1:, 1:] = cov[np.ix_(idx, idx)]
    link.cov = c_link
    return of, AnswerLink(link, fatigue)
