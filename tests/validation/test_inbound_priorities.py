"""Queue priorities against the non-preemptive priority M/M/n queue (Cobham's formula).

The center of test_inbound_erlang (one inbound team round the clock, Poisson background calls,
exponential talk, no wrap-up, patience of years) with a second Poisson stream of class
``response`` put ahead of the background calls (``priorities``). With n servers of rate mu,
load a = (l1 + l2) / mu, rho_k = l_k / (n mu) and P_W Erlang C's probability of waiting, a
non-preemptive priority queue with equal service rates gives the mean waits

    W_1 = P_W / (n mu (1 - rho_1)),    W_2 = P_W / (n mu (1 - rho_1) (1 - rho_1 - rho_2)),

(the time to the next free server, P_W / (n mu) on average for an arrival, divided by the
share of the servers' capacity left by the classes ahead; Cobham 1954). Their mean over both
classes is Erlang C's: priorities move the waiting, not its total.
"""

import numpy as np
import pytest
from scipy import stats

from simulator.base.clock import DAY_S
from simulator.measures.erlang import Traffic, figures
from simulator.scenario import parse_scenario
from simulator.world.build import World
from simulator.world.counters import QUEUE_COLUMNS
from simulator.world.inbound_traffic import RESPONSE

from .test_inbound_erlang import inbound_center

Q = {k: i for i, k in enumerate(QUEUE_COLUMNS)}


def poisson_calls(env, desk, per_hour: float, end_s: float, rng: np.random.Generator):
    """Calls of class response, a Poisson stream of ``per_hour`` until ``end_s`` (no account)."""
    t = 0.0
    while True:
        t += rng.exponential(3600.0 / per_hour)
        if t >= end_s:
            return
        yield env.timeout(t - env.now)
        desk.arrive(-1, 0, False, klass=RESPONSE)


def waits(agents: int, background: float, response: float, days: int, seed: int, reps: int) -> np.ndarray:
    """Per replication, the mean wait (s) of the answered response and background calls."""
    raw = inbound_center(agents, background, 300.0, 1.0e9, days=days)
    raw["inbound"]["priorities"] = {"response": 0, "background": 1}
    sc = parse_scenario(raw)
    out = []
    for r in range(reps):
        w = World(sc, seed, r)
        rng = np.random.default_rng([seed, r])
        w.env.process(poisson_calls(w.env, w.inbound, response, days * DAY_S, rng))
        q = w.run().inbound_queue.sum(axis=0)
        resp = q[Q["response_wait_s"]] / q[Q["response_answered"]]
        back = (q[Q["wait_answered_s"]] - q[Q["response_wait_s"]]) / (
            q[Q["answered"]] - q[Q["response_answered"]]
        )
        out.append((resp, back))
    return np.asarray(out)


def cobham(agents: int, background: float, response: float, aht_s: float) -> tuple[float, float]:
    """Mean waits (s) of the high (response) and low (background) class (module docstring)."""
    p_wait = figures("c", Traffic(background + response, aht_s), agents, target_s=20.0).p_wait
    n_mu = agents / aht_s
    rho1 = response * aht_s / 3600.0 / agents
    rho = (background + response) * aht_s / 3600.0 / agents
    return p_wait / (n_mu * (1 - rho1)), p_wait / (n_mu * (1 - rho1) * (1 - rho))


@pytest.mark.slow
def test_priority_waits_match_cobham():
    """4 collectors, 28 background and 12 response calls an hour of 300 s (0.83 busy): each
    class's mean wait inside the simulated 99% confidence interval of its replications."""
    w = waits(4, 28.0, 12.0, days=8, seed=5, reps=6)
    want = cobham(4, 28.0, 12.0, 300.0)
    half = stats.t.ppf(0.995, len(w) - 1) * w.std(axis=0, ddof=1) / np.sqrt(len(w))
    mean = w.mean(axis=0)
    for k, name in enumerate(("response", "background")):
        assert abs(mean[k] - want[k]) <= half[k], (name, mean[k], half[k], want[k])
    # the check has power: first come first served (Erlang C's ASA for both) is rejected
    fcfs = figures("c", Traffic(40.0, 300.0), 4, target_s=20.0).asa_s
    assert abs(mean[0] - fcfs) > half[0]
