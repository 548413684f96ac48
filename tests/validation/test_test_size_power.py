"""``collectsim test-size`` against the empirical power of the tests it sizes.

Design (docs/champion-challenger.md, "Sizing a test"):

1. **Pilot.** A small living portfolio without arms (one team of 4, 2,000 accounts, 60 new a
   calendar day, a 20% control group, 10 working days), piloted as ``test-size`` does: an A/A
   split of the called accounts 50/50 (:func:`run_pilot`), 200 replications at seed 41. It gives
   sigma per account of ``collected_cash_per_account``.
2. **The size.** The lift Delta is chosen so that the recommended size at alpha 0.05 and power 0.8
   is F = 3 times the pilot's accounts per arm: N/2 = 3 x n_pilot.
3. **The tests.** The scenario scaled by F (accounts, inflow and collectors x 3, so each arm holds
   about N/2 accounts and each account sees the same floor), A/A again, 400 independent
   replications at other seeds (seed 43): each replication is one test of about N/2 accounts an
   arm. A test with a true lift Delta is the A/A difference D_r plus Delta: the lift shifts the
   challenger's figure and leaves the noise as it is (a shift alternative), so D_r + Delta has
   exactly the distribution of a test with that lift. The test is the two-sided z test the size
   assumes: reject when |D_r + Delta| > z_0.975 sigma_pilot sqrt(1/n_c + 1/n_h), with the
   replication's own arm sizes.

Checks: the detection rate over the 400 tests is 0.80 +- 0.05; at Delta = 0 the rejection rate
(false positives) is within the 99.9% binomial range of alpha = 0.05; and the variance of D_r at
3x the size is the pilot's sigma^2 x mean(1/n_c + 1/n_h) within its F-test range (the 1/n
scaling the size rests on). And the CLI's default pilot of 10 replications: 40 disjoint pilots
of 10 cut from the 400 tests, the mean power their sizes really have against its chi-square
theory. About 75 CPU seconds. Measured: sigma $66.82 per account, lift $4.64, 3,260 accounts an
arm; detected in 312 of 400 tests (0.780), false positives 12 of 400 (0.030); pilots of 10: mean
realised power 0.677 at the point estimate (theory 0.738), 0.903 at the upper bound (0.933).
"""

from __future__ import annotations

import math
import statistics

import pytest
from scipy.integrate import quad
from scipy.special import ndtr
from scipy.stats import binom, chi2
from scipy.stats import f as f_dist

from simulator.experiment.replications import run_experiment
from simulator.scenario.load import load_scenario
from simulator.studies.test_size import accounts_needed, pilot_variance, power_of
from simulator.studies.test_size_pilot import A_A_ARMS, run_pilot, size_test

from ..conftest import small_scenario, write_toml

pytestmark = pytest.mark.slow

METRIC = "collected_cash_per_account"
SCALE = 3
PILOT_REPS, TESTS = 200, 400
SMALL_PILOT = 10  # the CLI's default pilot
Z = 1.959963984540054


def _living() -> dict:
    raw = small_scenario(calendar__working_days=10, segments__s1__accounts=2000)
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform_int", "low": 1, "high": 29}
    raw["segments"]["s1"]["self_cure_per_day"] = 0.02
    raw["segments"]["s1"]["inflow"] = {"accounts_per_day": 60.0}
    raw["portfolio"] = {"control_share": 0.2}
    return raw


def test_the_recommended_size_detects_the_lift_at_the_stated_power(tmp_path):
    path = write_toml(tmp_path / "living.toml", _living())
    pilot = run_pilot(load_scenario(path), METRIC, PILOT_REPS, seed=41)
    assert pilot.a_a and len(pilot.differences) == PILOT_REPS
    n_pilot = (pilot.champion_accounts + pilot.challenger_accounts) / 2
    n_arm = SCALE * n_pilot
    # the lift whose recommended size (alpha 0.05, power 0.8, 50/50) is n_arm accounts an arm
    sigma2 = size_test(pilot, lift=1.0).pilot.sigma2
    k = (Z + 0.8416212335729143) ** 2
    delta = math.sqrt(sigma2 * 4 * k / (2 * n_arm))
    size = size_test(pilot, lift=delta)
    assert size.accounts_per_arm[0] == pytest.approx(n_arm, rel=1e-9)
    assert accounts_needed(sigma2, delta) == pytest.approx(size.accounts_total)

    scaled = load_scenario(
        path,
        [
            f"segments.s1.accounts={2000 * SCALE}",
            f"segments.s1.inflow.accounts_per_day={60.0 * SCALE}",
            f"teams.t1.headcount={4 * SCALE}",
            A_A_ARMS,
        ],
    )
    res = run_experiment(scaled, TESTS, seed=43)
    a = res.values(f"arms.champion.{METRIC}")
    b = res.values(f"arms.challenger.{METRIC}")
    na, nb = res.values("arms.champion.accounts"), res.values("arms.challenger.accounts")
    d = [y - x for x, y in zip(a, b)]
    se = [math.sqrt(sigma2 * (1 / m + 1 / n)) for m, n in zip(na, nb)]
    # each arm held about the recommended accounts (within 3%)
    assert statistics.fmean(na) == pytest.approx(n_arm, rel=0.03)
    assert statistics.fmean(nb) == pytest.approx(n_arm, rel=0.03)

    detected = sum(abs(x + delta) > Z * s for x, s in zip(d, se)) / TESTS
    false_pos = sum(abs(x) > Z * s for x, s in zip(d, se)) / TESTS
    expected = statistics.fmean(power_of(sigma2, delta, m, n) for m, n in zip(na, nb))
    print(
        f"sigma {math.sqrt(sigma2):.3f} per account (pilot {PILOT_REPS} reps, {n_pilot:.0f} an arm); "
        f"lift {delta:.4f}; recommended {n_arm:.0f} an arm; power at the realised sizes {expected:.3f}; "
        f"detected {detected:.3f}; false positives {false_pos:.3f}"
    )
    assert abs(expected - 0.8) < 0.01  # the realised arms are the recommended size
    assert abs(detected - 0.8) <= 0.05
    lo, hi = binom.ppf([0.0005, 0.9995], TESTS, 0.05) / TESTS
    assert lo <= false_pos <= hi, (false_pos, lo, hi)
    # the 1/n scaling: Var(D_r) at 3x the pilot's size is sigma^2 mean(1/n_c + 1/n_h), two-sided
    # 99% F range with (TESTS - 1, PILOT_REPS - 1) degrees of freedom
    ratio = statistics.variance(d) / (sigma2 * statistics.fmean(1 / m + 1 / n for m, n in zip(na, nb)))
    f_lo, f_hi = f_dist.ppf([0.005, 0.995], TESTS - 1, PILOT_REPS - 1)
    print(
        f"Var(D_r) / (sigma^2 mean(1/n_c + 1/n_h)) at {SCALE}x: {ratio:.3f} (99% range {f_lo:.3f}-{f_hi:.3f})"
    )
    assert f_lo <= ratio <= f_hi, (ratio, f_lo, f_hi)

    # The CLI's default pilot has 10 replications: its N is noisy. The 400 tests, cut into 40
    # disjoint pilots of 10, each size the test for Delta; the power that size really has is
    # power_of with the 200-replication sigma. sigma_hat^2 / sigma^2 ~ chi2_9 / 9, so the mean
    # realised power is E[Phi(sqrt(X/9) (z_0.975 + z_0.8) - z_0.975)], X ~ chi2_9: 0.738 at the
    # point estimate (below the nominal 0.80) and 0.933 at the 90% upper bound.
    small = SMALL_PILOT
    pw, pw_up = [], []
    for j in range(TESTS // small):
        part = slice(j * small, (j + 1) * small)
        inv = [1 / m + 1 / n for m, n in zip(na[part], nb[part])]
        pv = pilot_variance(d[part], inv)
        for s2, out in ((pv.sigma2, pw), (pv.sigma2_upper, pw_up)):
            half = accounts_needed(s2, delta) / 2
            out.append(power_of(sigma2, delta, half, half))
    k2 = Z + 0.8416212335729143
    df = small - 1
    c = chi2.ppf(0.10, df)
    theory = [
        quad(lambda x, s=s: ndtr(math.sqrt(x / s) * k2 - Z) * chi2.pdf(x, df), 0, 300)[0] for s in (df, c)
    ]
    mean, mean_up = statistics.fmean(pw), statistics.fmean(pw_up)
    print(
        f"{len(pw)} pilots of {small}: mean realised power {mean:.3f} at the point estimate (theory "
        f"{theory[0]:.3f}), {mean_up:.3f} at the upper bound (theory {theory[1]:.3f}); "
        f"{sum(p >= 0.8 for p in pw)} and {sum(p >= 0.8 for p in pw_up)} of {len(pw)} reach 0.8"
    )
    # the spread of the 40 pilots, and the 200-replication sigma's own error (power moves by
    # about 0.39 per unit of relative error in sigma^2, which has sd sqrt(2 / 199))
    tol = 3 * math.hypot(statistics.stdev(pw) / math.sqrt(len(pw)), 0.39 * math.sqrt(2 / (PILOT_REPS - 1)))
    assert abs(mean - theory[0]) < tol, (mean, theory[0], tol)
    assert mean < 0.8 < mean_up and mean_up > 0.85
