"""Abandon economics on scenarios/dialer_modes.toml (docs/dialer.md): with the scenario's lost
contacts, cost per abandoned call and spam label, the abusive fixed ratio 8 (a quarter to 40% of
live answers abandoned) has neither the highest net value nor the highest value per paid hour;
the lost-contact effect and the label are each visible in a paired comparison; and the abandon
cost is abandons x the rate, exactly.

Five working days, as the issue measured it, for the first checks; the scenario's own ten for the
full comparison of settings. Common random numbers: replication r of every setting draws from
the streams of (seed, r), so the paired differences are sharp."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator.experiment import run_experiment
from simulator.scenario.load import load_scenario

from ..conftest import SCENARIOS

DIALER_MODES = SCENARIOS / "dialer_modes.toml"
DAYS = "calendar.working_days=5"
FIXED_8 = ['dialer.pacing="fixed"', "dialer.ratio=8"]
SETTINGS = {
    "fixed 8": FIXED_8,
    "fixed 2": ['dialer.pacing="fixed"', "dialer.ratio=2"],
    "adaptive": ['dialer.pacing="adaptive"'],
    "progressive": ['dialer.mode="progressive"'],
}
REPS = 4


def _center(sets: list[str], reps: int = REPS) -> list[dict]:
    res = run_experiment(load_scenario(DIALER_MODES, [DAYS, *sets]), reps, 1)
    return [r["metrics"]["center"]["center"] for r in res.per_rep]


def _center_and_label(sets: list[str], reps: int = REPS) -> list[tuple[dict, dict]]:
    """Per replication on the scenario's own calendar: the center's metrics and the
    ``reputation`` block."""
    res = run_experiment(load_scenario(DIALER_MODES, sets), reps, 1)
    return [(r["metrics"]["center"]["center"], r["blocks"]["reputation"]) for r in res.per_rep]


def _paired_ci(b: list[float], a: list[float]) -> tuple[float, float]:
    """95% t-interval of the mean paired difference b - a."""
    d = np.subtract(b, a)
    h = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean() - h), float(d.mean() + h)


@pytest.mark.slow
def test_fixed_ratio_8_no_longer_has_the_highest_net_value():
    runs = {name: _center(sets) for name, sets in SETTINGS.items()}
    net = {name: [m["net_value"] for m in reps] for name, reps in runs.items()}
    per_hour = {name: [m["net_value"] / m["paid_hours"] for m in reps] for name, reps in runs.items()}
    best = max(net, key=lambda k: np.mean(net[k]))
    assert best != "fixed 8"
    # the compliant adaptive pacing beats it, and so does fixed ratio 2, both with a paired CI
    # above 0, in net value and in net value per paid hour
    for other in ("adaptive", "fixed 2"):
        assert _paired_ci(net[other], net["fixed 8"])[0] > 0, other
        assert _paired_ci(per_hour[other], per_hour["fixed 8"])[0] > 0, other
    # the abandon cost is abandons x the scenario's $10, replication by replication
    for reps in runs.values():
        for m in reps:
            assert m["cost_abandon_penalty"] == pytest.approx(10.0 * m["abandoned"], rel=1e-12)
    # 29% over 5 days: 42% on its first day, less once the spam label thins the live answers
    assert np.mean([m["abandon_rate"] for m in runs["fixed 8"]]) > 0.25


@pytest.mark.slow
def test_the_lost_contacts_cost_fixed_ratio_8_right_parties():
    """Factor 1 against the scenario's 0.7 at the same seeds: the right parties hung up on answer
    less, so fixed ratio 8 reaches fewer right parties and collects less per paid hour (paired
    CIs below 0)."""
    off = _center([*FIXED_8, "dialer.abandon_answer_factor=1"])
    on = _center(FIXED_8)
    assert _paired_ci([m["rpc"] for m in on], [m["rpc"] for m in off])[1] < 0
    vph = "value_per_paid_hour"
    assert _paired_ci([m[vph] for m in on], [m[vph] for m in off])[1] < 0


ALL_SETTINGS = {
    "preview": ['dialer.mode="preview"'],
    "progressive": ['dialer.mode="progressive"'],
    "fixed 1.5": ['dialer.pacing="fixed"', "dialer.ratio=1.5"],
    "fixed 2": ['dialer.pacing="fixed"', "dialer.ratio=2"],
    "fixed 3": ['dialer.pacing="fixed"', "dialer.ratio=3"],
    "fixed 8": FIXED_8,
    "adaptive 3%": ['dialer.pacing="adaptive"'],
}


@pytest.mark.slow
def test_fixed_ratio_8_has_neither_the_highest_value_per_paid_hour_nor_net_value():
    """Every setting on the scenario's ten working days with its defaults. Fixed ratio 8 is over
    the spam-label threshold every day, so its numbers are labelled from the second calling day
    on (a 7-day label bridges the weekend): 9 of 10 days, by the closed form. Adaptive pacing
    stays under it and is never labelled. It then beats fixed ratio 8 on value per paid hour and
    on net value, with paired 95% CIs above 0, and the best setting on each is not fixed 8."""
    runs = {name: _center_and_label(sets) for name, sets in ALL_SETTINGS.items()}
    for metric in ("value_per_paid_hour", "net_value"):
        vals = {name: [m[metric] for m, _ in reps] for name, reps in runs.items()}
        best = max(vals, key=lambda k: np.mean(vals[k]))
        assert best != "fixed 8", metric
        assert _paired_ci(vals[best], vals["fixed 8"])[0] > 0, (metric, best)
        assert _paired_ci(vals["adaptive 3%"], vals["fixed 8"])[0] > 0, metric
    for m, rep in runs["fixed 8"]:
        assert rep["days_over_threshold"] == 10 and rep["days_labelled"] == 9
        assert m["abandon_rate"] > 0.2
    for _, rep in runs["adaptive 3%"]:
        assert rep["days_labelled"] == 0


@pytest.mark.slow
def test_the_spam_label_costs_fixed_ratio_8_value_per_paid_hour():
    """Answer factor 1 (labelled, but people answer as before) against the scenario's 0.375 at
    the same seeds: fixed ratio 8 reaches fewer right parties and collects less per paid hour."""
    off = [m for m, _ in _center_and_label([*FIXED_8, "dialer.spam_label_answer_factor=1"])]
    on = [m for m, _ in _center_and_label(FIXED_8)]
    assert _paired_ci([m["rpc"] for m in on], [m["rpc"] for m in off])[1] < 0
    vph = "value_per_paid_hour"
    assert _paired_ci([m[vph] for m in on], [m[vph] for m in off])[1] < 0
