"""Unit checks of the calibration estimators: distribution families, rates, shift layout, the
outcome model's algebra."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.calibrate.fit.contact_curve import cell_counts, fit_outcomes, local_hour_weekday
from simulator.calibrate.fit.distribution_fit import fit_distribution
from simulator.calibrate.fit.regression import poisson_rate, proportion
from simulator.calibrate.fit.teams import block_layout, ratio_estimate
from simulator.scenario.distributions import Gamma, LogNormal
from simulator.scenario.schema import Team


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_family_chosen_correctly_on_lognormal_and_gamma_data(seed):
    rng = np.random.default_rng(seed)
    ln = LogNormal(dist="lognormal", mean=180.0, sd=90.0).sample(rng, 3000)
    ga = Gamma(dist="gamma", mean=46.0, sd=20.0).sample(rng, 3000)
    f_ln, f_ga = fit_distribution(ln), fit_distribution(ga)
    assert f_ln.family == "lognormal" and f_ga.family == "gamma"
    assert f_ln.spec["dist"] == "lognormal" and f_ga.spec["dist"] == "gamma"
    assert f_ln.aic["lognormal"] < f_ln.aic["gamma"] and f_ga.aic["gamma"] < f_ga.aic["lognormal"]
    # the fitted moments are within their own 99.9% intervals of the truth (12 checks over the seeds)
    z = 3.29
    assert abs(f_ln.mean - 180.0) < z * f_ln.mean_se and abs(f_ln.sd - 90.0) < z * f_ln.sd_se
    assert abs(f_ga.mean - 46.0) < z * f_ga.mean_se and abs(f_ga.sd - 20.0) < z * f_ga.sd_se


def test_delta_method_se_matches_the_spread_over_repeated_samples():
    rng = np.random.default_rng(4)
    means, ses = [], []
    for _ in range(200):
        f = fit_distribution(rng.gamma(2.0, 20.0, 500))
        means.append(f.mean)
        ses.append(f.mean_se)
    assert abs(np.std(means) / np.mean(ses) - 1) < 0.15


def test_constant_discrete_and_zero_mixed_samples():
    f = fit_distribution(np.full(50, 30.0))
    assert (f.family, f.spec, f.mean_se) == ("constant", 30.0, 0.0)
    f = fit_distribution(np.array([3.0, 4.0, 4.0, 5.0] * 25))
    assert (
        f.family == "discrete"
        and f.spec["values"] == [3.0, 4.0, 5.0]
        and f.spec["weights"] == [0.25, 0.5, 0.25]
    )
    assert f.probs_se[1] == pytest.approx(math.sqrt(0.25 / 100))
    x = np.concatenate([np.zeros(30), np.random.default_rng(1).gamma(3, 10, 70)])
    f = fit_distribution(x)
    assert (
        f.family == "gamma (moments)"
        and f.mean == pytest.approx(x.mean())
        and f.sd == pytest.approx(x.std(ddof=1))
    )
    f = fit_distribution(np.random.default_rng(2).uniform(0, 1, 2000), ("lognormal", "gamma", "uniform"))
    assert f.family == "uniform" and f.spec["low"] >= 0 and f.spec["high"] <= 1


def test_proportion_and_poisson_intervals():
    p = proportion(80, 100)
    assert p.value == 0.8 and p.se == pytest.approx(0.04)
    assert (round(p.low, 4), round(p.high, 4)) == (0.7112, 0.8666)  # Wilson
    r = poisson_rate(10, 5.0)
    assert r.value == 2.0 and (round(r.low * 5, 3), round(r.high * 5, 3)) == (4.795, 18.39)  # Garwood
    assert poisson_rate(0, 5.0).low == 0.0


def test_ratio_estimate_closed_form():
    num = np.array([408.0, 400.0, 410.0, 405.0])
    den = np.array([480.0, 480.0, 481.0, 479.0])
    e = ratio_estimate(num, den)
    r = num.sum() / den.sum()
    resid = num - r * den
    assert e.value == pytest.approx(r)
    assert e.se == pytest.approx(math.sqrt((resid**2).sum() / 12) / den.mean())


def test_block_layout_scales_the_base_and_falls_back_to_the_convention():
    base = {
        "shift_start_time": "09:00",
        "breaks": [{"start_time": "10:30", "length_min": 15.0}, {"start_time": "15:00", "length_min": 15.0}],
        "lunch": {"start_time": "12:30", "length_min": 30.0},
        "meeting_min_per_day": 7.0,
        "training_min_per_day": 5.0,
    }
    out = block_layout(10 * 60, 8.0, 144.0, base)  # twice the unproductive time, an hour later
    assert out["breaks"] == [
        {"start_time": "11:30", "length_min": 30.0},
        {"start_time": "16:00", "length_min": 30.0},
    ]
    assert out["lunch"] == {"start_time": "13:30", "length_min": 60.0}
    assert (out["meeting_min_per_day"], out["training_min_per_day"]) == (14.0, 10.0)
    conv = block_layout(9 * 60, 8.0, 72.0)
    team = Team(
        headcount=1, segments=["s"], hourly_wage_usd=1.0, shift_start_time="09:00", shift_length_h=8.0, **conv
    )
    assert sum(b[1] for b in team.unproductive_blocks()) == pytest.approx(72.0)
    assert [b[2] for b in team.unproductive_blocks()] == ["break", "lunch", "break"]


def test_local_hour_and_weekday_follow_the_simulator():
    # 23:30 center time on day 0 (a Monday), one hour ahead -> 00:30 Tuesday local
    h, d = local_hour_weekday(np.array([23.5 * 3600, 23.5 * 3600]), np.array([0.0, 1.0]), 0)
    assert h.tolist() == [23, 0] and d.tolist() == [0, 1]
    # a Friday start: day 2 is Sunday
    h, d = local_hour_weekday(np.array([2 * 86400 + 9 * 3600.0]), np.array([-0.5]), 4)
    assert h.tolist() == [8] and d.tolist() == [6]


def test_outcome_model_is_exact_on_expected_counts():
    """Fed the expected counts of a known model (no noise), the fit returns that model."""
    base = np.array([0.40, 0.05, 0.17, 0.10, 0.08, 0.20])
    A = np.ones(24)
    A[9:17] = [0.8, 0.9, 1.0, 1.1, 1.2, 1.1, 1.0, 0.9]
    counts = np.zeros((7, 24, 7))
    for d in range(5):
        for h in range(9, 17):
            tp, rpc = base[4] * A[h], base[5] * A[h]
            rest = 1 - tp - rpc
            p = np.concatenate([base[:4] / base[:4].sum() * rest, [tp, rpc]])
            counts[d, h, :6] = 1e6 * p
    f = fit_outcomes(counts)
    la = np.log(A[9:17])
    la -= la.mean()
    assert np.allclose(np.log(f.answer_by_hour[9:17]), la, atol=2e-3)
    assert np.allclose(f.rpc_by_hour[9:17], 1.0, atol=2e-3)
    assert np.allclose(f.answer_by_weekday[:5], 1.0, atol=1e-6)
    for h in range(9, 17):
        assert np.allclose(f.probabilities(h, 2), counts[2, h, :6] / 1e6, atol=1e-4)
    assert f.answer_by_hour[3] == 1.0 and np.isnan(f.answer_by_hour_ci[0, 3])


def test_abandoned_dials_count_as_live_with_party_unknown():
    rng = np.random.default_rng(3)
    n = 200_000
    out = rng.choice(6, n, p=[0.40, 0.05, 0.17, 0.10, 0.08, 0.20])
    live = out >= 4
    out = np.where(live & (rng.random(n) < 0.2), 6, out)  # a fifth of live answers abandoned
    f = fit_outcomes(cell_counts(out, np.full(n, 10), np.zeros(n, int)))
    assert abs(f.base[4] - 0.08) < 3 * f.base_se[4] and abs(f.base[5] - 0.20) < 3 * f.base_se[5]
    assert abs(f.base[0] - 0.40) < 3 * f.base_se[0]
