"""Small regressions with standard errors: binomial logistic (scipy), log-linear least squares,
and binomial and Poisson rates with 95% intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, special

__all__ = [
    "Link",
    "fit_logistic",
    "fit_log_binomial",
    "fit_loglinear",
    "proportion",
    "poisson_rate",
    "Estimate",
    "Z95",
    "entry_average",
]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A fitted number with its standard error and 95% interval."""

    value: float
    se: float
    low: float
    high: float
    n: int


def proportion(successes: float, trials: float) -> Estimate:
    """A binomial proportion: SE sqrt(p(1-p)/n) and the Wilson 95% interval (sound near 0 and 1)."""
    n = float(trials)
    if n <= 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(p, math.sqrt(p * (1 - p) / n), max(0.0, centre - half), min(1.0, centre + half), int(n))


def poisson_rate(count: float, exposure: float) -> Estimate:
    """Events per unit of exposure: SE sqrt(count)/exposure, exact (Garwood) 95% interval."""
    if exposure <= 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    from scipy.stats import chi2

    lo = chi2.ppf(0.025, 2 * count) / 2 if count > 0 else 0.0
    hi = chi2.ppf(0.975, 2 * count + 2) / 2
    return Estimate(count / exposure, math.sqrt(count) / exposure, lo / exposure, hi / exposure, int(count))


@dataclass
class Link:
    """A fitted regression: ``response`` = intercept + sum coef_j (x_j - center_j) on the link
    scale (logit of a probability, or log of an amount). ``coef[0]`` is the intercept (the
    value at the average account); slopes are per unit of each covariate."""

    kind: str  # "logistic", "log-binomial" or "loglinear"
    response: str
    terms: list[str]
    center: list[float]
    coef: list[float]
    se: list[float]
    n: int
    residual_sd: float = 0.0  # loglinear only
    cov: np.ndarray | None = None  # covariance of coef (inverse information)

    def ci(self, j: int) -> tuple[float, float]:
        return self.coef[j] - Z95 * self.se[j], self.coef[j] + Z95 * self.se[j]


def _design(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    center = X.mean(axis=0) if X.shape[1] else np.zeros(0)
    return np.column_stack([np.ones(len(X)), X - center]), center


def fit_logistic(
    X: np.ndarray, y: np.ndarray, trials: np.ndarray | None, terms: list[str], response: str
) -> Link:
    """Binomial logistic regression by Newton's method (scipy trust-region); SEs from the
    inverse Fisher information. ``y`` successes out of ``trials`` (None: one trial per row)."""
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    y = np.asarray(y, dtype=float)
    m = np.ones(len(y)) if trials is None else np.asarray(trials, dtype=float)
    D, center = _design(X)
    p0 = min(max(y.sum() / m.sum(), 1e-6), 1 - 1e-6)
    b0 = np.zeros(D.shape[1])
    b0[0] = math.log(p0 / (1 - p0))
    ridge = 1e-8 * m.sum()  # keeps the Hessian invertible under separation

    def f(b):
        eta = D @ b
        return float((m * np.logaddexp(0.0, eta) - y * eta).sum() + 0.5 * ridge * (b[1:] @ b[1:]))

    def info(b):
        p = special.expit(D @ b)
        H = (D.T * (m * p * (1 - p))) @ D
        H[1:, 1:] += ridge * np.eye(len(b) - 1)
        return H

    def jac(b):
        p = special.expit(D @ b)
        g = D.T @ (m * p - y)
        g[1:] += ridge * b[1:]
        return g

    res = optimize.minimize(f, b0, jac=jac, hess=info, method="trust-exact", options={"gtol": 1e-9})
    cov = linalg.inv(info(res.x))
    return Link(
        "logistic",
        response,
        terms,
        [float(c) for c in center],
        [float(c) for c in res.x],
        [float(math.sqrt(max(v, 0.0))) for v in np.diag(cov)],
        int(len(y)),
        cov=cov,
    )


def fit_log_binomial(X: np.ndarray, y: np.ndarray, terms: list[str], response: str) -> Link:
    """Bernoulli regression with a log link, P(y) = exp(coef[0] + sum coef_j (x_j - center_j)),
    by Newton's method with step halving (every probability kept below 1); SEs from the inverse
    observed information. For small daily rates (self-cure), where the log link makes the
    coefficients log rate ratios."""
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    y = np.asarray(y, dtype=float)
    D, center = _design(X)
    p0 = min(max(y.mean(), 1e-9), 0.5)
    b = np.zeros(D.shape[1])
    b[0] = math.log(p0)

    def loglik(b):
        eta = D @ b
        if eta.max() >= 0:
            return -np.inf
        mu = np.exp(eta)
        return float((y * eta).sum() + ((1 - y) * np.log1p(-mu)).sum())

    def grad_hess(b):
        mu = np.exp(D @ b)
        g = D.T @ ((y - mu) / (1 - mu))
        w = (1 - y) * mu / (1 - mu) ** 2
        return g, (D.T * w) @ D

    ll = loglik(b)
    for _ in range(100):
        g, H = grad_hess(b)
        step = linalg.solve(H + 1e-10 * np.eye(len(b)), g, assume_a="pos")
        t = 1.0
        while t > 1e-8:
            new = loglik(b + t * step)
            if new >= ll - 1e-12:
                break
            t /= 2
        b, old = b + t * step, ll
        ll = loglik(b)
        if abs(ll - old) < 1e-10 * max(1.0, abs(ll)):
            break
    cov = linalg.inv(grad_hess(b)[1])
    return Link(
        "log-binomial",
        response,
        terms,
        [float(c) for c in center],
        [float(c) for c in b],
        [float(math.sqrt(max(v, 0.0))) for v in np.diag(cov)],
        int(len(y)),
        cov=cov,
    )


def fit_loglinear(X: np.ndarray, amount: np.ndarray, terms: list[str], response: str) -> Link:
    """Least squares of log(amount) on the covariates; classical SEs."""
    X = np.asarray(X, dtype=float).reshape(len(amount), -1)
    D, center = _design(X)
    ly = np.log(np.asarray(amount, dtype=float))
    coef, *_ = linalg.lstsq(D, ly)
    resid = ly - D @ coef
    dof = max(len(ly) - D.shape[1], 1)
    s2 = float(resid @ resid) / dof
    cov = s2 * linalg.inv(D.T @ D)
    return Link(
        "loglinear",
        response,
        terms,
        [float(c) for c in center],
        [float(c) for c in coef],
        [float(math.sqrt(max(v, 0.0))) for v in np.diag(cov)],
        int(len(ly)),
        math.sqrt(s2),
        cov,
    )


def entry_average(ln: Link, X: np.ndarray, link: str) -> Estimate:
    """The mean over accounts (rows of ``X``, the link's covariates in its units) of the
    fitted probability (``link`` "logit") or rate ("log"): how the simulator sets a segment's
    rate from account-level propensities (their average over the accounts at entry). SE by the
    delta method from the link's covariance; the interval on the logit or log scale."""
    X = np.asarray(X, dtype=float).reshape(len(X), -1)
    D = np.column_stack([np.ones(len(X)), X - np.asarray(ln.center)])
    eta = D @ np.asarray(ln.coef)
    if link == "logit":
        p = special.expit(eta)
        v = float(p.mean())
        g = (D * (p * (1 - p))[:, None]).mean(axis=0)
        se = math.sqrt(max(float(g @ ln.cov @ g), 0.0))
        s = se / max(v * (1 - v), 1e-12)
        lv = special.logit(min(max(v, 1e-12), 1 - 1e-12))
        return Estimate(v, se, float(special.expit(lv - Z95 * s)), float(special.expit(lv + Z95 * s)), ln.n)
    w = np.exp(eta - eta.max())
    v = float(math.exp(eta.max()) * w.mean())
    g = (D * w[:, None]).sum(axis=0) / w.sum()  # gradient of log v
    s = math.sqrt(max(float(g @ ln.cov @ g), 0.0))
    return Estimate(v, v * s, v * math.exp(-Z95 * s), v * math.exp(Z95 * s), ln.n)
