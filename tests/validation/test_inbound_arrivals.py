"""Inbound arrivals: the hour curve (counts per hour against the rate, chi-square) and the daily
gamma busyness factor (its coefficient of variation across days)."""

import numpy as np
import pytest
from scipy import stats

from simulator.base.clock import DAY_S, HOUR_S
from simulator.scenario import parse_scenario
from simulator.world.build import World
from simulator.world.inbound import busyness_factors

from .test_inbound_erlang import inbound_center

CURVE = [0.0] * 8 + [0.5, 1.0, 1.5, 2.0, 2.0, 1.5, 1.0, 1.0, 0.8, 0.6, 0.4, 0.2] + [0.0] * 4


def arrival_times(raw: dict, seed: int = 1) -> tuple[np.ndarray, World]:
    """Seconds of every inbound arrival of one replication (retrials included)."""
    w = World(parse_scenario(raw), seed, 0)
    times = []
    arrive = w.inbound.arrive

    def record(a, s, retrial, _event=None):
        times.append(w.env.now)
        arrive(a, s, retrial)

    w.inbound.arrive = record
    w.run()
    return np.asarray(times), w


def test_arrivals_follow_the_hour_curve():
    """Counts per hour of the day over 14 days match rate x curve (chi-square), none where the
    curve is 0; a flat curve is rejected by the same test (it has power)."""
    raw = inbound_center(6, 60.0, 120.0, {"dist": "exponential", "mean": 120.0}, days=14)
    raw["calendar"]["warmup_days"] = 0
    raw["inbound"]["hour_multipliers"] = CURVE
    t, _ = arrival_times(raw)
    counts = np.bincount((t % DAY_S // HOUR_S).astype(int), minlength=24)
    on = np.asarray(CURVE) > 0
    assert counts[~on].sum() == 0
    expected = 60.0 * 14 * np.asarray(CURVE)[on]
    assert stats.chisquare(counts[on], expected * counts[on].sum() / expected.sum()).pvalue > 0.01
    assert abs(counts.sum() - expected.sum()) < 4 * np.sqrt(expected.sum())  # Poisson total
    flat = np.full(on.sum(), counts[on].sum() / on.sum())
    assert stats.chisquare(counts[on], flat).pvalue < 1e-6


def test_weekday_multipliers_scale_the_days():
    """A weekday multiplier of 0 silences that weekday; 2 doubles it (within 4 Poisson sd)."""
    raw = inbound_center(6, 40.0, 120.0, {"dist": "exponential", "mean": 120.0}, days=14)
    raw["calendar"]["warmup_days"] = 0
    raw["inbound"]["weekday_multipliers"] = [1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    t, w = arrival_times(raw)
    wd = (w.calendar.start_weekday + (t // DAY_S).astype(int)) % 7
    per = np.bincount(wd, minlength=7)
    assert per[6] == 0
    base = 40.0 * 24 * 2  # two weeks of a weekday at multiplier 1
    assert abs(per[1] - 2 * base) < 4 * np.sqrt(2 * base)
    assert abs(per[0] - base) < 4 * np.sqrt(base)


@pytest.mark.slow
def test_busyness_factor_has_the_configured_cv():
    """Daily counts N_d ~ Poisson(L B_d): Var N / (E N)^2 - 1 / E N estimates cv^2. Over 120 days
    the estimate of cv = 0.3 has a standard error near 0.025; the bound is 3 of them. With cv 0
    the days are Poisson only."""
    for cv in (0.3, 0.0):
        raw = inbound_center(3, 20.0, 60.0, {"dist": "exponential", "mean": 60.0}, days=120)
        raw["calendar"]["warmup_days"] = 0
        raw["inbound"]["busyness_cv"] = cv
        t, _ = arrival_times(raw, seed=5)
        n = np.bincount((t // DAY_S).astype(int))
        cv2 = n.var(ddof=1) / n.mean() ** 2 - 1.0 / n.mean()
        assert abs(np.sqrt(max(cv2, 0.0)) - cv) < 0.075, (cv, cv2)


def test_busyness_factors_are_gamma_mean_one():
    """The factors themselves: mean 1 and the given cv (20 000 draws: se 0.002 and 0.002)."""
    b = busyness_factors(0.25, 20_000, np.random.default_rng(3))
    assert abs(b.mean() - 1.0) < 0.01
    assert abs(b.std(ddof=1) - 0.25) < 0.01
    assert (busyness_factors(0.0, 5, np.random.default_rng(3)) == 1.0).all()
