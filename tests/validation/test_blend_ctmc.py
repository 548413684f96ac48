"""Threshold blending against its continuous-time Markov chain (world/blend.py), within the
simulation's 95% confidence interval.

The degenerate center: one blend team of ``n`` collectors working round the clock, Poisson
inbound arrivals at rate lambda, exponential patience (rate theta), and every inbound call and every
outbound dial an exponential piece of work of the same mean 1/mu (outbound: every dial reaches an
answering machine, rings 0 s, talks an exponential time, no wrap-up; a portfolio far larger than
the team can dial, so the outbound backlog never runs dry). A free blend collector answers a
waiting caller first, else dials while more than r blend collectors are free (counting itself).

With equal service rates the state is one number, n = busy collectors + callers waiting, and the
chain is a birth-death process on n >= N - r (N collectors; idle collectors never exceed r):

- birth rate lambda (an arrival takes an idle collector, or waits);
- death rate 0 at n = N - r (a collector who finishes there is the (r+1)-th free one and dials
  at once: an outbound start, the state unchanged), n mu for N - r < n <= N (a collector falls
  idle), and N mu + (n - N) theta above N (a finishing collector takes the next caller, or a
  caller hangs up).

So pi_n is proportional to prod lambda / death(k) for k from N - r + 1 to n, and, by PASTA:

- P(wait) = sum over n >= N of pi_n (an arrival finds no idle collector);
- P(abandon) = sum over n > N of pi_n (n - N) theta / lambda;
- outbound dials per hour = 3600 pi_{N-r} (N - r) mu;
- occupancy = sum of pi_n min(n, N) / N.
"""

import numpy as np
import pytest

from simulator import run_experiment
from simulator.scenario import LoadedScenario, parse_scenario

from .test_inbound_erlang import inbound_center

AHT_S = 300.0
PATIENCE_S = 120.0


def chain(agents: int, reserve: int, calls_per_hour: float, aht_s: float, patience_s: float) -> dict:
    """P(wait), P(abandon), outbound dials per hour and occupancy of the chain (module docstring)."""
    lam, mu, theta = calls_per_hour / 3600.0, 1.0 / aht_s, 1.0 / patience_s
    lo, hi = agents - reserve, agents + 400
    n = np.arange(lo, hi + 1)
    death = np.where(n <= agents, n * mu, agents * mu + (n - agents) * theta)
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(death[1:]))])
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    queue = np.maximum(n - agents, 0)
    return {
        "inbound_queued_share": float(pi[n >= agents].sum()),
        "inbound_abandon_rate": float((pi * queue * theta).sum() / lam),
        "dials_per_hour": float(3600.0 * pi[0] * lo * mu),
        "occupancy": float((pi * np.minimum(n, agents)).sum() / agents),
    }


def blend_center(agents: int, reserve: int, calls_per_hour: float, days: int = 6) -> dict:
    """The raw scenario of the degenerate blend center (module docstring)."""
    raw = inbound_center(agents, calls_per_hour, AHT_S, {"dist": "exponential", "mean": PATIENCE_S}, days)
    raw["teams"]["desk"]["role"] = "blend"
    raw["inbound"]["reservation_threshold"] = reserve
    seg = raw["segments"]["s1"]
    seg["accounts"] = 40000
    never = {"probability": 0.0, "ring_time_s": 0.0}
    seg["outcomes"] = {
        "no_answer": never,
        "busy": never,
        "invalid": never,
        "machine": {
            "probability": 1.0,
            "ring_time_s": 0.0,
            "talk_time_s": {"dist": "exponential", "mean": AHT_S},
            "wrap_time_s": 0.0,
        },
        "third_party": never,
        "rpc": never,
    }
    return raw


def simulate(raw: dict, reps: int, seed: int) -> dict:
    res = run_experiment(LoadedScenario(parse_scenario(raw), "<test>", "0" * 64, (), raw), reps, seed)
    return res.to_dict()["metrics"]["center"]


def outside(center: dict, theory: dict, hours: float) -> list[str]:
    """The figures of the chain outside the simulated 95% CIs (dials: per hour of the run)."""
    out = []
    for metric, want in theory.items():
        scale = hours if metric == "dials_per_hour" else 1.0
        st = center["dials" if metric == "dials_per_hour" else metric]
        lo, hi = st["ci95_low"] / scale, st["ci95_high"] / scale
        if not lo <= want <= hi:
            out.append(f"{metric}: chain {want:.4f}, simulated {st['mean'] / scale:.4f} [{lo:.4f}, {hi:.4f}]")
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("agents", "reserve", "calls_per_hour", "seed"), [(8, 2, 60.0, 1), (6, 1, 40.0, 2)])
def test_threshold_blending_matches_its_markov_chain(agents, reserve, calls_per_hour, seed):
    """P(wait), P(abandon), outbound throughput and occupancy inside the simulated 95% CIs."""
    center = simulate(blend_center(agents, reserve, calls_per_hour), 8, seed)
    theory = chain(agents, reserve, calls_per_hour, AHT_S, PATIENCE_S)
    assert not outside(center, theory, 5 * 24.0), outside(center, theory, 5 * 24.0)


def test_blend_check_has_power():
    """The same comparison rejects the chain of the neighbouring threshold (the check can fail)."""
    center = simulate(blend_center(8, 2, 60.0, days=3), 3, 4)
    assert len(outside(center, chain(8, 1, 60.0, AHT_S, PATIENCE_S), 2 * 24.0)) >= 2
    assert len(outside(center, chain(8, 3, 60.0, AHT_S, PATIENCE_S), 2 * 24.0)) >= 2
