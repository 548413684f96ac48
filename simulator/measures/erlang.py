"""Erlang B, C and A: the analytic figures of one queue of inbound calls, and the agents a target
needs. The baseline beside the simulator's inbound queue, as :mod:`.pyramid` is for the pyramid.

Calls arrive as a Poisson process at ``calls_per_hour``; handle times (talk and wrap) are
exponential with mean ``aht_s`` seconds; ``agents`` collectors answer them first come, first
served. The offered load is ``A = calls_per_hour / 3600 x aht_s`` Erlangs. Internally every rate
is per second: lambda = calls_per_hour / 3600, mu = 1 / aht_s, theta = 1 / patience_s.

- **Erlang B** (M/M/n/n): a call that finds every agent busy is lost. ``B(n)`` by the recursion
  ``B(k) = A B(k-1) / (k + A B(k-1))``, ``B(0) = 1``, carried in log space so that hundreds of
  agents neither overflow nor underflow.
- **Erlang C** (M/M/n): calls wait as long as it takes; needs ``n > A``.
  ``P(wait) = C = B / (1 - (A/n)(1 - B))``; ``P(W > t) = C exp(-(n mu - lambda) t)``;
  ``ASA = C / (n mu - lambda)``.
- **Erlang A** (M/M/n+M, Palm; Garnett, Mandelbaum & Reiman 2002): a waiting caller hangs up
  after an exponential patience of mean ``patience_s``. The number in the system is a birth-death
  chain with birth rate lambda and death rate ``min(k, n) mu + max(k - n, 0) theta``; its
  stationary law ``p`` is summed in log space up to where the tail is below 1e-22 of the peak.
  By PASTA a caller finds ``j = k - n >= 0`` callers waiting ahead with probability ``p[n + j]``.
  With ``i`` ahead the caller's place changes at rate ``n mu + (i + 1) theta``: it moves up
  (rate ``n mu + i theta``) or the caller hangs up (rate theta). The time at each place does
  not depend on which of the two happens, so a caller who finds ``j`` ahead is answered with
  probability ``n mu / (n mu + (j + 1) theta)`` (the product telescopes) after a wait that is a
  sum of independent exponentials of rates ``n mu + theta, ..., n mu + (j + 1) theta``. Such a
  sum (rates ``c + i theta``, i = 1..j+1) is the ``(j+1)``-th smallest of ``c / theta + j + 1``
  exponentials of rate theta, whose distribution function is the regularized incomplete beta
  ``I_{1 - exp(-theta t)}(j + 1, c / theta + 1)``: an exact, positive sum with no cancellation
  (the closed form of the hypoexponential alternates in sign and loses every digit past a few
  dozen callers). Hence the service level
  ``P(answered within t) = sum_{k<n} p[k] + sum_j p[n+j] n mu / (n mu + (j+1) theta) I(...)``,
  ``P(abandon) = theta E[queue] / lambda``, and the ASA of answered calls from the same sums.

The service level is the share of **all arriving calls** answered within ``target_s`` seconds
(a caller who hangs up first counts as a miss); ``asa_s`` is the mean wait of the calls answered;
``mean_wait_s`` the mean wait of all callers, those who hung up included (``E[queue] / lambda``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.special import betainc, gammaln, logsumexp

__all__ = [
    "MODELS",
    "TARGETS",
    "MAX_AGENTS",
    "Traffic",
    "ErlangFigures",
    "erlang_b",
    "erlang_c",
    "figures",
    "agents_needed",
    "meets",
]

MODELS = ("b", "c", "a")
"""Erlang B (lost calls), Erlang C (infinite patience), Erlang A (exponential patience)."""

TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "service_level": (">=", ("b", "c", "a")),
    "asa_s": ("<=", ("c", "a")),
    "p_abandon": ("<=", ("a",)),
    "occupancy": ("<=", ("b", "c", "a")),
    "p_blocked": ("<=", ("b",)),
}
"""Each figure a target may bound: the direction of the bound and the models it applies to."""

MAX_AGENTS = 100_000
"""The largest team :func:`agents_needed` tries before saying the target cannot be met."""

_MAX_QUEUE = 5_000_000
_TAIL = 50.0  # the chain is summed until a term is below exp(-50) of the largest


@dataclass(frozen=True)
class Traffic:
    """The calls offered to one queue: ``calls_per_hour`` (calls per hour), ``aht_s`` (mean handle
    time, seconds), ``patience_s`` (mean patience before hanging up, seconds; Erlang A only)."""

    calls_per_hour: float
    aht_s: float
    patience_s: float | None = None

    def __post_init__(self) -> None:
        for name in ("calls_per_hour", "aht_s", "patience_s"):
            v = getattr(self, name)
            if v is None and name == "patience_s":
                continue
            if not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
                raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
        if not math.isfinite(self.load):
            raise ValueError(
                f"calls_per_hour x aht_s ({self.calls_per_hour:g} x {self.aht_s:g}) is too large: "
                "the offered load is not a finite number of Erlangs"
            )

    @property
    def arrival_rate(self) -> float:
        """lambda, calls per second."""
        return self.calls_per_hour / 3600.0

    @property
    def load(self) -> float:
        """The offered load A = lambda x AHT, in Erlangs (agents kept busy on average)."""
        return self.arrival_rate * self.aht_s


@dataclass(frozen=True)
class ErlangFigures:
    """The steady-state figures of one queue with ``agents`` collectors. Probabilities and shares
    are fractions of all arriving calls; times in seconds; queue length in calls."""

    model: str
    agents: int
    offered_load: float
    p_blocked: float
    p_wait: float
    p_abandon: float
    service_level: float
    asa_s: float
    mean_wait_s: float
    avg_queue_length: float
    occupancy: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _log_erlang_b(n: int, load: float) -> float:
    """log B(n, A) by the recursion B(k) = A B(k-1) / (k + A B(k-1)) in log space."""
    log_a = math.log(load)
    lb = 0.0
    for k in range(1, n + 1):
        x = log_a + lb  # log(A B(k-1))
        lb = x - (math.log(k) + math.log1p(math.exp(x - math.log(k))))
    return lb


def erlang_b(n: int, load: float) -> float:
    """Erlang B: the share of calls lost with ``n`` agents and ``load`` Erlangs offered."""
    _check_agents(n)
    if load <= 0:
        return 0.0
    return math.exp(_log_erlang_b(n, load))


def erlang_c(n: int, load: float) -> float:
    """Erlang C: the probability that a call waits, ``n`` agents, ``load`` Erlangs (< n)."""
    _check_agents(n)
    if load >= n:
        raise ValueError(_unstable(n, load))
    b = erlang_b(n, load)
    return b / (1.0 - (load / n) * (1.0 - b))


def figures(model: str, traffic: Traffic, agents: int, target_s: float = 20.0) -> ErlangFigures:
    """Erlang ``model`` ('b', 'c' or 'a') figures for ``agents`` collectors; the service level
    counts calls answered within ``target_s`` seconds."""
    _check_agents(agents)
    if not math.isfinite(target_s) or target_s < 0:
        raise ValueError(f"target_s must be a finite number >= 0, got {target_s!r}")
    if model == "b":
        return _figures_b(traffic, agents)
    if model == "c":
        return _figures_c(traffic, agents, target_s)
    if model == "a":
        if traffic.patience_s is None:
            raise ValueError("Erlang A needs patience_s, the mean patience in seconds")
        return _figures_a(traffic, agents, target_s)
    raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")


def meets(f: ErlangFigures, metric: str, bound: float) -> bool:
    """Whether ``f`` meets the target ``metric`` >= or <= ``bound`` (:data:`TARGETS`)."""
    op = TARGETS[metric][0]
    v = getattr(f, metric)
    return v >= bound if op == ">=" else v <= bound


def agents_needed(model: str, traffic: Traffic, metric: str, bound: float, target_s: float = 20.0) -> int:
    """The smallest number of agents whose ``metric`` meets ``bound`` (every figure a target may
    bound improves with each agent added, so the search is a doubling then a bisection)."""
    if metric not in TARGETS:
        raise ValueError(f"metric must be one of {', '.join(TARGETS)}, got {metric!r}")
    op, models = TARGETS[metric]
    if model not in models:
        raise ValueError(f"a {metric} target applies to Erlang {'/'.join(m.upper() for m in models)} only")
    if metric == "asa_s":
        if not math.isfinite(bound) or bound <= 0:
            raise ValueError(f"an asa_s target must be a number of seconds > 0, got {bound!r}")
    elif not math.isfinite(bound) or not 0 < bound < 1 and not (metric == "occupancy" and bound == 1):
        raise ValueError(f"a {metric} target must be a fraction between 0 and 1, got {bound!r}")
    if traffic.load >= MAX_AGENTS:
        raise ValueError(
            f"the offered load is {traffic.load:,.0f} Erlangs: a {metric} target would need more "
            f"than the {MAX_AGENTS:,} agents this calculator searches"
        )
    # Erlang C needs n > A.
    lo = int(math.floor(traffic.load)) if model == "c" else 0
    if metric == "occupancy" and model == "c":
        lo = max(lo, int(math.ceil(traffic.load / bound)) - 1)  # occupancy = A / n
    lo = max(lo, 0)  # a team of lo agents fails (or is empty)

    def ok(n: int) -> bool:
        return n >= 1 and meets(figures(model, traffic, n, target_s), metric, bound)

    hi = max(lo + 1, 1)
    while not ok(hi):
        lo = hi
        hi = 2 * hi
        if hi > MAX_AGENTS:
            if ok(MAX_AGENTS):
                hi = MAX_AGENTS
                break
            raise ValueError(f"the target {metric} {op} {bound:g} is not met even with {MAX_AGENTS:,} agents")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _figures_b(t: Traffic, n: int) -> ErlangFigures:
    b = erlang_b(n, t.load)
    return ErlangFigures(
        model="b",
        agents=n,
        offered_load=t.load,
        p_blocked=b,
        p_wait=0.0,
        p_abandon=0.0,
        service_level=1.0 - b,
        asa_s=0.0,
        mean_wait_s=0.0,
        avg_queue_length=0.0,
        occupancy=t.load * (1.0 - b) / n,
    )


def _figures_c(t: Traffic, n: int, target_s: float) -> ErlangFigures:
    c = erlang_c(n, t.load)
    mu = 1.0 / t.aht_s
    gap = n * mu - t.arrival_rate  # calls per second the team clears beyond the arrivals
    asa = c / gap
    return ErlangFigures(
        model="c",
        agents=n,
        offered_load=t.load,
        p_blocked=0.0,
        p_wait=c,
        p_abandon=0.0,
        service_level=1.0 - c * math.exp(-gap * target_s),
        asa_s=asa,
        mean_wait_s=asa,
        avg_queue_length=t.arrival_rate * asa,
        occupancy=t.load / n,
    )


def _figures_a(t: Traffic, n: int, target_s: float) -> ErlangFigures:
    lam, mu = t.arrival_rate, 1.0 / t.aht_s
    assert t.patience_s is not None
    theta = 1.0 / t.patience_s
    log_busy, log_queue = _log_chain(lam, mu, theta, n)
    log_z = np.logaddexp(logsumexp(log_busy), logsumexp(log_queue))
    p_busy = np.exp(log_busy - log_z)  # p[0..n-1]: a free agent
    p_queue = np.exp(log_queue - log_z)  # p[n + j], j = 0, 1, ...: j callers waiting
    j = np.arange(p_queue.size, dtype=float)
    nmu = n * mu
    answered = nmu / (nmu + (j + 1.0) * theta)  # P(answered | j waiting ahead)
    within = betainc(j + 1.0, nmu / theta + 1.0, -math.expm1(-theta * target_s))
    rates = nmu + (j + 1.0) * theta
    expected_wait = np.cumsum(1.0 / rates)  # E[wait | answered, j ahead]
    queue = float(np.dot(j, p_queue))
    p_abandon = theta * queue / lam
    p_answered = 1.0 - p_abandon
    served_wait = float(np.sum(p_queue * answered * expected_wait))
    return ErlangFigures(
        model="a",
        agents=n,
        offered_load=t.load,
        p_blocked=0.0,
        p_wait=float(p_queue.sum()),
        p_abandon=p_abandon,
        service_level=float(p_busy.sum() + np.sum(p_queue * answered * within)),
        asa_s=served_wait / p_answered if p_answered > 0 else math.inf,
        mean_wait_s=queue / lam,
        avg_queue_length=queue,
        occupancy=lam * p_answered / nmu,
    )


def _log_chain(lam: float, mu: float, theta: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Unnormalized log stationary probabilities of the M/M/n+M chain: states 0..n-1, then
    n + j for j = 0..J, J where the terms fall below exp(-50) of the largest."""
    log_load = math.log(lam / mu)
    k = np.arange(n, dtype=float)
    log_busy = k * log_load - gammaln(k + 1.0)
    log_n = n * log_load - float(gammaln(n + 1.0))
    peak = max(0.0, (lam - n * mu) / theta)  # the queue length where the terms stop rising
    size = int(peak) + 256
    while True:
        if size > _MAX_QUEUE:
            raise ValueError(
                f"Erlang A with {n} agents: the queue would hold over {_MAX_QUEUE:,} callers "
                "(the load far exceeds the agents and callers are very patient)"
            )
        i = np.arange(1, size, dtype=float)
        log_queue = np.concatenate(([log_n], log_n + np.cumsum(math.log(lam) - np.log(n * mu + i * theta))))
        if log_queue[-1] < log_queue.max() - _TAIL:
            return log_busy, log_queue
        size *= 2


def _check_agents(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"agents must be a whole number >= 1, got {n!r}")


def _unstable(n: int, load: float) -> str:
    return (
        f"Erlang C is unstable with {n} agents: the offered load is {load:.4g} Erlangs, so calls "
        f"arrive at least as fast as {n} agents can answer them and the queue grows without bound; "
        f"give more than {load:.4g} agents, or a patience (Erlang A)"
    )
