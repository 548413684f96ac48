"""The test-size arithmetic against textbook values and its own Monte Carlo."""

import math

import numpy as np
import pytest

from simulator.studies.test_size import accounts_needed, pilot_variance, power_of


def test_accounts_needed_matches_the_textbook_two_sample_formula():
    # sigma 1, a lift of 0.2 sd, alpha 5% two-sided, power 80%: 2 (1.95996 + 0.84162)^2 / 0.04
    # = 392.4 per arm (the standard table gives 393).
    n = accounts_needed(1.0, 0.2, 0.05, 0.8)
    assert n / 2 == pytest.approx(2 * (1.959964 + 0.841621) ** 2 / 0.04, rel=1e-6)
    assert math.ceil(n / 2) == 393
    # Unequal shares cost more: 20/80 needs (1/.2 + 1/.8) / (1/.5 + 1/.5) = 1.5625 times the accounts.
    assert accounts_needed(1.0, 0.2, shares=(0.8, 0.2)) == pytest.approx(1.5625 * n)
    assert accounts_needed(1.0, 0.0) == math.inf


def test_power_of_inverts_accounts_needed():
    n = accounts_needed(4.0, 0.5, 0.05, 0.9)
    assert power_of(4.0, 0.5, n / 2, n / 2) == pytest.approx(0.9, abs=1e-3)
    assert power_of(4.0, 0.0, 100, 100) == pytest.approx(0.05)


def test_pilot_variance_recovers_sigma_and_its_upper_bound_covers():
    rng = np.random.default_rng(7)
    sigma, n_c, n_h, r = 3.0, 400, 100, 12
    inv = [1 / n_c + 1 / n_h] * r
    covered = 0
    trials = 2000
    estimates = []
    for _ in range(trials):
        d = rng.normal(0.0, sigma * math.sqrt(inv[0]), r)
        pv = pilot_variance(d.tolist(), inv, level=0.9)
        estimates.append(pv.sigma2)
        covered += pv.sigma2_upper >= sigma**2
    # Unbiased: the mean of the estimates within 4 standard errors of sigma^2.
    se = sigma**2 * math.sqrt(2 / (r - 1)) / math.sqrt(trials)
    assert abs(np.mean(estimates) - sigma**2) < 4 * se
    # The 90% upper bound covers sigma^2 in 90% of pilots (binomial sd 0.67 points).
    assert abs(covered / trials - 0.9) < 4 * math.sqrt(0.09 / trials)


def test_pilot_variance_needs_two_replications():
    with pytest.raises(ValueError):
        pilot_variance([1.0], [0.1])
