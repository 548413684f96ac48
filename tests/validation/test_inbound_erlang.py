"""The inbound queue against Erlang A and Erlang C (measures/erlang.py), within the simulation's
95% confidence interval.

The degenerate center: one inbound team of ``n`` collectors working round the clock every day of
the week, an outbound team of 0, Poisson arrivals at a constant rate all day (calling window
00:00-24:00, no hour or weekday curve, no busyness), exponential talk time and no wrap-up,
exponential patience (Erlang A) or patience of years (Erlang C), no retrials. The queue then runs
without a break across midnights, so it is the stationary M/M/n+M (M/M/n) queue once the first
day, a warm-up from an empty queue, is dropped.
"""

import pytest

from simulator import run_experiment
from simulator.measures.erlang import Traffic, figures
from simulator.scenario import LoadedScenario, parse_scenario

from ..conftest import small_scenario

WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def inbound_center(agents: int, calls_per_hour: float, aht_s: float, patience, days: int = 6) -> dict:
    """The raw scenario of an inbound-only center (module docstring)."""
    raw = small_scenario()
    raw["calendar"] = {
        "working_days": days,
        "warmup_days": 1,
        "weekdays": WEEK,
        "open_time": "00:00",
        "close_time": "24:00",
    }
    raw["compliance"]["calling_window_start"] = "00:00"
    raw["compliance"]["calling_window_end"] = "24:00"
    raw["teams"]["t1"]["headcount"] = 0
    raw["teams"]["desk"] = {
        "headcount": agents,
        "segments": ["s1"],
        "hourly_wage_usd": 20.0,
        "shift_start_time": "00:00",
        "shift_length_h": 24.0,
        "role": "inbound",
    }
    raw["inbound"] = {
        "calls_per_hour": {"s1": calls_per_hour},
        "talk_s": {"dist": "exponential", "mean": aht_s},
        "wrap_s": 0.0,
        "patience_s": patience,
        "service_level_s": 20.0,
    }
    return raw


def simulate(raw: dict, reps: int, seed: int) -> dict:
    res = run_experiment(LoadedScenario(parse_scenario(raw), "<test>", "0" * 64, (), raw), reps, seed)
    return res.to_dict()["metrics"]["center"]


PAIRS = (  # simulated metric, Erlang figure
    ("inbound_abandon_rate", "p_abandon"),
    ("inbound_queued_share", "p_wait"),
    ("service_level", "service_level"),
    ("asa_s", "asa_s"),
)


def check(center: dict, theory) -> list[str]:
    """The pairs whose Erlang figure falls outside the simulated 95% CI."""
    out = []
    for metric, fig in PAIRS:
        st, want = center[metric], getattr(theory, fig)
        if not st["ci95_low"] <= want <= st["ci95_high"]:
            ci = f"[{st['ci95_low']:.4f}, {st['ci95_high']:.4f}]"
            out.append(f"{metric}: theory {want:.4f}, simulated {st['mean']:.4f} {ci}")
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("agents", "calls_per_hour", "patience_s", "seed"), [(10, 110.0, 180.0, 1), (4, 50.0, 60.0, 2)]
)
def test_inbound_queue_matches_erlang_a(agents, calls_per_hour, patience_s, seed):
    """M/M/n+M: P(abandon), P(wait), service level and ASA inside the simulated 95% CIs."""
    patience = {"dist": "exponential", "mean": patience_s}
    center = simulate(inbound_center(agents, calls_per_hour, 300.0, patience), 8, seed)
    theory = figures("a", Traffic(calls_per_hour, 300.0, patience_s), agents, target_s=20.0)
    assert center["inbound_abandoned"]["mean"] > 0
    assert not check(center, theory), check(center, theory)


@pytest.mark.slow
def test_inbound_queue_without_abandonment_matches_erlang_c():
    """M/M/n: patience of years, so nobody hangs up; P(wait), service level, ASA as Erlang C."""
    center = simulate(inbound_center(10, 100.0, 300.0, 1.0e9), 8, 3)
    theory = figures("c", Traffic(100.0, 300.0), 10, target_s=20.0)
    assert center["inbound_abandoned"]["mean"] == 0.0
    assert not check(center, theory), check(center, theory)


def test_erlang_a_check_has_power():
    """The same comparison rejects a model one collector off (the check can fail)."""
    patience = {"dist": "exponential", "mean": 180.0}
    center = simulate(inbound_center(10, 110.0, 300.0, patience, days=3), 3, 4)
    wrong = figures("a", Traffic(110.0, 300.0, 180.0), 11, target_s=20.0)
    assert len(check(center, wrong)) >= 3
