"""Dialer modes against theory and against each other."""

import math

import pytest

from simulator.base.statistics import t_interval
from simulator.experiment.replications import run_experiment
from simulator.scenario import LoadedScenario, load_scenario, parse_scenario

from ..conftest import SCENARIOS, small_scenario


def _loaded(raw: dict) -> LoadedScenario:
    return LoadedScenario(parse_scenario(raw), "<test>", "0" * 64, (), raw)


def _center(doc, metric):
    return doc["metrics"]["center"][metric]


def mmcd_abandon_probability(lam: float, mu: float, n: int, tau: float) -> float:
    """P(abandon) in the M/M/n+D queue: Poisson arrivals (rate lam), n servers with exponential
    service (rate mu), every customer waits at most tau (deterministic patience).

    From the M/M/n+G results of Baccelli & Hebuterne (1981) and Zeltyn & Mandelbaum (2005,
    Queueing Systems 51, "Call centers with impatient customers"): with G the patience law and
    H(x) = int_0^x (1 - G(u)) du, the offered wait V has density lam * pi_{n-1} * exp(lam H(x) -
    n mu x) for x > 0, where pi_j = pi_0 a^j / j! (a = lam/mu, j < n) are the probabilities of
    j busy servers and no wait. For deterministic patience H(x) = min(x, tau); normalising and
    integrating the density beyond tau (PASTA: an arrival abandons iff its offered wait exceeds
    tau) gives P(abandon) = lam pi_{n-1} exp(-(n mu - lam) tau) / (n mu).
    """
    a = lam / mu
    terms = [a**j / math.factorial(j) for j in range(n)]
    d = n * mu - lam
    tail = lam * terms[-1] * ((1 - math.exp(-d * tau)) / d + math.exp(-d * tau) / (n * mu))
    pi0 = 1.0 / (sum(terms) + tail)
    return lam * pi0 * terms[-1] * math.exp(-d * tau) / (n * mu)


def mmcd_scenario(n: int, calls_per_hour: float, talk_mean_s: float, tau_s: float) -> dict:
    """Every call is answered live after 10 s; talk is exponential, no wrap-up, no breaks, one
    24-hour shift: the live answers are a delayed Poisson process, hence Poisson."""
    raw = small_scenario()
    raw["calendar"] = {"working_days": 1, "open_time": "00:00", "close_time": "24:00"}
    raw["teams"]["t1"] = {
        "headcount": n,
        "segments": ["s1"],
        "hourly_wage_usd": 20.0,
        "shift_start_time": "00:00",
        "shift_length_h": 24.0,
    }
    seg = raw["segments"]["s1"]
    seg["accounts"] = 20000
    for o in seg["outcomes"].values():
        o["probability"] = 0.0
    seg["outcomes"]["rpc"] = {
        "probability": 1.0,
        "ring_time_s": 10.0,
        "talk_time_s": {"dist": "exponential", "mean": talk_mean_s},
        "wrap_time_s": 0.0,
    }
    seg["promise_probability"] = 0.0
    raw["compliance"] = {"enforce_calling_window": False}
    raw["dialer"] = {
        "mode": "predictive",
        "pacing": "poisson",
        "calls_per_hour": calls_per_hour,
        "abandon_after_s": tau_s,
    }
    return raw


@pytest.mark.parametrize("n,calls_per_hour,tau", [(10, 190.0, 2.0), (5, 80.0, 10.0)])
def test_abandonment_matches_mmn_plus_d(n, calls_per_hour, tau):
    talk = 180.0
    res = run_experiment(_loaded(mmcd_scenario(n, calls_per_hour, talk, tau)), 10, 3).to_dict()
    st = _center(res, "abandon_rate")
    expected = mmcd_abandon_probability(calls_per_hour / 3600, 1 / talk, n, tau)
    assert st["ci95_low"] <= expected <= st["ci95_high"], (expected, st)


def _dialer_modes(*sets: str, days: int = 2, headcount: int = 20) -> LoadedScenario:
    return load_scenario(
        SCENARIOS / "dialer_modes.toml",
        [
            f"calendar.working_days={days}",
            f"teams.collectors.headcount={headcount}",
            "segments.consumer.accounts=20000",
            *sets,
        ],
    )


@pytest.mark.slow
def test_predictive_ratio_one_behaves_like_progressive():
    reps = 8
    prog = run_experiment(_dialer_modes("dialer.mode=progressive"), reps, 5).to_dict()
    pred = run_experiment(
        _dialer_modes("dialer.mode=predictive", "dialer.pacing=fixed", "dialer.ratio=1.0"), reps, 5
    ).to_dict()
    for metric in ("rpc_per_productive_hour", "dials_per_productive_hour", "promise_rate", "occupancy"):
        a, b = _center(prog, metric), _center(pred, metric)
        half = (a["ci95_high"] - a["ci95_low"]) / 2 + (b["ci95_high"] - b["ci95_low"]) / 2
        assert abs(a["mean"] - b["mean"]) <= half, (metric, a["mean"], b["mean"], half)
    assert _center(pred, "abandon_rate")["mean"] < 0.005  # only calls left ringing at a break


@pytest.mark.slow
def test_abandonment_rises_with_the_ratio():
    rates = []
    for ratio in (1.5, 2.0, 2.5, 3.0, 3.5):
        doc = run_experiment(
            _dialer_modes("dialer.mode=predictive", "dialer.pacing=fixed", f"dialer.ratio={ratio}", days=1),
            3,
            2,
        ).to_dict()
        rates.append(_center(doc, "abandon_rate")["mean"])
    assert all(b > a for a, b in zip(rates, rates[1:])), rates
    assert rates[-1] > 0.03 > rates[0]


def test_preview_dials_less_than_progressive():
    prev = run_experiment(_dialer_modes("dialer.mode=preview", days=1), 3, 1).to_dict()
    prog = run_experiment(_dialer_modes("dialer.mode=progressive", days=1), 3, 1).to_dict()
    p, q = _center(prev, "dials_per_productive_hour"), _center(prog, "dials_per_productive_hour")
    assert p["ci95_high"] < q["ci95_low"]


@pytest.mark.slow
def test_adaptive_pacing_holds_the_limit_and_beats_progressive():
    """30-day (here: whole-run) abandon rate <= 3% in at least 95% of replications, and more
    right-party contacts per productive hour than progressive, paired by seed."""
    reps = 20
    adaptive = run_experiment(
        _dialer_modes(
            "dialer.mode=predictive", "dialer.pacing=adaptive", "dialer.max_abandon_rate=0.03", days=1
        ),
        reps,
        7,
    ).to_dict()
    prog = run_experiment(_dialer_modes("dialer.mode=progressive", days=1), reps, 7).to_dict()
    worst = adaptive["compliance"]["worst_30_day_abandon_rate"]["values"]
    assert sum(w <= 0.03 for w in worst) >= 0.95 * reps, worst
    diff = [
        a - b
        for a, b in zip(
            _center(adaptive, "rpc_per_productive_hour")["values"],
            _center(prog, "rpc_per_productive_hour")["values"],
        )
    ]
    mean, lo, hi = t_interval(diff)
    assert lo > 0, (mean, lo, hi)


def test_amd_false_positives_are_abandoned_calls():
    """With AMD of accuracy q on a progressive dialer, abandoned / live answers -> 1 - q."""
    doc = run_experiment(
        _dialer_modes("dialer.mode=progressive", "dialer.amd=true", "dialer.amd_accuracy=0.9", days=1), 5, 1
    ).to_dict()
    st = _center(doc, "abandon_rate")
    assert st["ci95_low"] <= 0.1 <= st["ci95_high"], st
