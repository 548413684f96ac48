"""The back-test: a fit passes on its own held-out days, a wrong scenario fails."""

from __future__ import annotations

import copy
import math

import pytest
from scipy.special import stdtrit

from simulator.calibrate import CalibrationDataError, read_trace
from simulator.calibrate.backtest import LAYER_METRICS, VOLUMES, backtest, backtest_kpi
from simulator.calibrate.backtest import check_metric as _check
from simulator.calibrate.kpi import write_daily_kpis
from simulator.calibrate.synthetic import write_synthetic_trace
from simulator.scenario import load_scenario
from simulator.scenario.load import parse_scenario
from tests.conftest import SCENARIOS
from tests.validation.test_calibrate_kpi import wrong_base


@pytest.fixture(scope="module")
def trace15(tmp_path_factory):
    raw = copy.deepcopy(dict(load_scenario(SCENARIOS / "table_14_1.toml").raw))
    raw["calendar"]["working_days"] = 15
    folder = tmp_path_factory.mktemp("bt")
    write_synthetic_trace(folder, parse_scenario(raw), seed=21)
    return folder, read_trace(folder)


@pytest.mark.slow
def test_the_fit_passes_its_back_test(trace15):
    _, tr = trace15
    # 16 replications: the prediction interval rests on their standard deviation, which a
    # handful of replications estimates poorly
    bt = backtest(tr, 5, replications=16, seed=2)
    assert bt.passed, bt.table()
    assert (bt.holdout_days, bt.fit_days, bt.first_holdout_date) == (5, 10, "2024-01-15")
    units = {c.unit for c in bt.checks}
    assert units == {"center", "low_risk", "high_risk"}
    assert len(bt.checks) == 3 * (len(LAYER_METRICS) + len(VOLUMES))
    assert all(c.verdict != "not observed" for c in bt.checks)
    # the fit behind it used only the first ten days
    assert bt.calibrated.calibration.last_date == "2024-01-12"
    assert "back-test PASSED" in bt.table()


@pytest.mark.slow
def test_a_wrong_scenario_fails_its_back_test(trace15):
    _, tr = trace15
    bt = backtest(tr, 5, scenario=wrong_base(), replications=8, seed=2)
    assert not bt.passed
    failed = {(c.unit, c.metric) for c in bt.checks if c.verdict == "fail"}
    for layer in LAYER_METRICS:
        assert ("center", layer) in failed
    assert "back-test FAILED" in bt.table()


@pytest.mark.slow
def test_the_kpi_back_test(trace15, tmp_path):
    folder, tr = trace15
    write_daily_kpis(tr, tmp_path / "daily.csv")
    good = backtest_kpi(tmp_path / "daily.csv", 5, SCENARIOS / "table_14_1.toml", replications=6, seed=3)
    assert good.passed, good.table()
    assert {c.unit for c in good.checks} == {"center", "low_risk_team", "high_risk_team"}
    # the same data fitted onto a base whose unidentified parts are wrong: its handling-time
    # split is wrong but the mean is refitted, so rpc per hour still passes ...
    wrong = backtest_kpi(tmp_path / "daily.csv", 5, wrong_base(), replications=6, seed=3)
    assert ("center", "rpc_per_productive_hour") not in {
        (c.unit, c.metric) for c in wrong.checks if c.verdict == "fail"
    }


@pytest.mark.slow
def test_holdout_days_must_leave_days_to_fit(trace15):
    _, tr = trace15
    for n in (0, 15):
        with pytest.raises(CalibrationDataError, match="--holdout-days"):
            backtest(tr, n, replications=2)


def test_prediction_interval_closed_form():
    sims = [10.0, 12.0, 11.0, 13.0]
    m, s = 11.5, math.sqrt(5 / 3)
    level = 1 - 0.05 / 10
    c = _check("u", "x", 14.0, sims, level, 0.5)
    half = float(stdtrit(3, 0.5 + level / 2)) * s * math.sqrt(1 + 1 / 4 + 0.5)
    assert c.sim_mean == pytest.approx(m) and c.sim_high == pytest.approx(m + half)
    assert c.verdict == ("pass" if 14.0 <= m + half else "fail")
    far = _check("u", "x", m + half + 0.5, sims, level, 0.5)
    assert far.verdict == "fail"
    near = _check("u", "x", 100.5, [100.0, 100.0001, 99.9999], level, 0.0)  # outside a tiny PI, within 1%
    assert near.verdict == "pass (<1%)"
    assert _check("u", "x", None, sims, level, 0.0).verdict == "not observed"
