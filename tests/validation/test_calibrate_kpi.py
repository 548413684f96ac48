"""The daily-KPI path fits exactly what aggregates identify, keeps the base for the rest."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from simulator.calibrate import CalibrationDataError, read_trace
from simulator.calibrate.fit.regression import Z95
from simulator.calibrate.kpi import KPI_NOT_IDENTIFIED, calibrate_kpi, write_daily_kpis
from simulator.calibrate.synthetic import write_synthetic_trace
from simulator.experiment.replications import run_experiment
from simulator.scenario import load_scenario
from simulator.scenario.load import LoadedScenario, parse_scenario
from simulator.scenario.schema import OUTCOMES
from tests.conftest import SCENARIOS

TRUTH_VALUES = {"low_risk": (0.85, 0.65, 140.0, 0.20), "high_risk": (0.75, 0.50, 100.0, 0.10)}


def wrong_base() -> LoadedScenario:
    """table_14_1 made wrong in every way: rates, amounts, handling times, breaks, curves."""
    raw = copy.deepcopy(dict(load_scenario(SCENARIOS / "table_14_1.toml").raw))
    for s in raw["segments"].values():
        s["promise_probability"], s["keep_probability"] = 0.5, 0.3
        s["payment_usd"] = {"dist": "lognormal", "mean": 80.0, "sd": 60.0}
        s["promise_due_days"] = {"dist": "uniform_int", "low": 1, "high": 5}
        s["outcomes"]["rpc"]["talk_time_s"] = {"dist": "lognormal", "mean": 90.0, "sd": 45.0}
        s["contact_curve"] = {
            "answer_by_hour": [1.0] * 9 + [0.8, 0.9, 1.0, 1.1, 1.2, 1.1, 1.0, 0.9] + [1.0] * 7
        }
    for t in raw["teams"].values():
        t["breaks"] = [{"start_time": "10:30", "length_min": 5.0}]
        t["lunch"] = {"start_time": "12:30", "length_min": 20.0}
        t["meeting_min_per_day"] = t["training_min_per_day"] = 0.0
    return LoadedScenario(parse_scenario(raw), "<wrong base>", "0" * 64, (), raw)


@pytest.fixture(scope="module")
def kpi_fit(tmp_path_factory):
    raw = copy.deepcopy(dict(load_scenario(SCENARIOS / "table_14_1.toml").raw))
    raw["calendar"]["working_days"] = 15
    truth = parse_scenario(raw)
    folder = tmp_path_factory.mktemp("kpi")
    write_synthetic_trace(folder, truth, seed=21)
    n = write_daily_kpis(read_trace(folder), folder / "daily.csv")
    base = wrong_base()
    return truth, base, calibrate_kpi(folder / "daily.csv", base), n


@pytest.mark.slow
def test_identified_ratios_are_fitted_with_intervals(kpi_fit):
    truth, base, fitted, n = kpi_fit
    assert n == 24 * 15
    params = {p.key: p for p in fitted.calibration.parameters}
    for seg, (promise, keep, pay, rpc) in TRUTH_VALUES.items():
        got = fitted.scenario.segments[seg]
        for key, true in (
            ("promise_probability", promise),
            ("keep_probability", keep),
            ("payment_usd.mean", pay),
        ):
            p = params[f"segments.{seg}.{key}"]
            # six checks: each at 99.9% (z 3.29) so the family errs less than 1% of the time
            assert abs(p.value - true) <= 3.29 * p.se, (seg, key, p.value, true, p.se)
        assert got.payment_usd.mean == pytest.approx(
            params[f"segments.{seg}.payment_usd.mean"].value, rel=1e-5
        )
        # rpc per dial: the fitted base probability averaged over the shift's hours is the data's
        team = truth.teams[f"{seg}_team"]
        avg = np.mean(
            [
                got.outcome_probabilities(h, d)[5]
                for d in range(5)
                for h in range(int(team.shift_start_min // 60), int(team.shift_end_min // 60))
            ]
        )
        assert abs(avg - rpc) < 2.576 * params[f"kpi.{seg}_team.rpc_per_dial"].se
        # mean handling per dial: 3600 / dials per productive hour (truth: 72 s by Table 14-1's design)
        mean_h = sum(o.probability * o.mean_handling_s for o in got.outcomes.as_list())
        e = params[f"segments.{seg}.mean_handling_s_per_dial"]
        assert mean_h == pytest.approx(e.value, rel=0.01) and abs(e.value - 72.0) < 2.576 * e.se + 0.5
    for team in truth.teams:
        pr = params[f"kpi.{team}.productive_rate"]
        assert abs(pr.value - 0.85) < 0.002
        blocks = sum(b[1] for b in fitted.scenario.teams[team].unproductive_blocks())
        assert blocks == pytest.approx(0.15 * 480, abs=1.0)


@pytest.mark.slow
def test_what_aggregates_cannot_identify_stays_as_the_base_has_it(kpi_fit):
    truth, base, fitted, _ = kpi_fit
    for seg in TRUTH_VALUES:
        got, was = fitted.scenario.segments[seg], base.scenario.segments[seg]
        assert got.contact_curve == was.contact_curve
        assert got.promise_due_days == was.promise_due_days
        assert got.payment_usd.sd / got.payment_usd.mean == pytest.approx(
            was.payment_usd.sd / was.payment_usd.mean
        )
        # the unanswered outcomes keep their proportions; handling times keep their shape
        ratio = [
            getattr(got.outcomes, o).probability / getattr(was.outcomes, o).probability for o in OUTCOMES[:5]
        ]
        assert np.allclose(ratio, ratio[0])
        f = got.outcomes.rpc.talk_time_s.mean / was.outcomes.rpc.talk_time_s.mean
        assert (
            got.outcomes.no_answer.ring_time_s.mean / was.outcomes.no_answer.ring_time_s.mean
            == pytest.approx(f)
        )
        assert got.outcomes.rpc.talk_time_s.sd / got.outcomes.rpc.talk_time_s.mean == pytest.approx(0.5)
    # break placement is the base's, scaled
    starts = [b[0] for b in fitted.scenario.teams["low_risk_team"].unproductive_blocks()]
    assert starts == [b[0] for b in base.scenario.teams["low_risk_team"].unproductive_blocks()]
    notes = " ".join(fitted.calibration.not_identified)
    for item in KPI_NOT_IDENTIFIED:
        assert item in notes
    assert fitted.calibration.data == "kpi" and fitted.calibration.links == []


@pytest.mark.slow
def test_kpi_fitted_scenario_simulates_the_data_rates(kpi_fit):
    truth, base, fitted, _ = kpi_fit
    params = {p.key: p.value for p in fitted.calibration.parameters}
    res = run_experiment(fitted.loaded, replications=2, seed=3)
    for seg in TRUTH_VALUES:
        sim = np.mean(res.values(f"segments.{seg}.rpc_per_productive_hour"))
        assert abs(sim / params[f"kpi.{seg}_team.rpc_per_productive_hour"] - 1) < 0.05


@pytest.mark.slow
def test_kpi_rows_must_name_a_known_team(tmp_path, kpi_fit):
    _, base, _, _ = kpi_fit
    p = tmp_path / "daily.csv"
    p.write_text(
        "date,team,paid_hours,productive_hours,dials,rpc,promises,kept,collected_usd\n"
        "2024-01-01,low_risk_team,8,6.8,340,68,57,37,5180\n"
        "2024-01-01,night_team,8,6.8,340,68,57,37,5180\n"
    )
    with pytest.raises(CalibrationDataError) as e:
        calibrate_kpi(p, base)
    assert (e.value.row, e.value.column) == (3, "team") and "night_team" in str(e.value)
    p.write_text(
        "date,paid_hours,productive_hours,dials,rpc,promises,kept,collected_usd\n"
        "2024-01-01,8,6.8,340,68,57,37,5180\n"
    )
    with pytest.raises(CalibrationDataError) as e:
        calibrate_kpi(p, base)
    assert (e.value.row, e.value.column) == (1, "team")
    p.write_text(
        "date,team,paid_hours,productive_hours,dials,rpc,promises,kept,collected_usd\n"
        "2024-01-01,low_risk_team,8,8.5,340,68,57,37,5180\n"
    )
    with pytest.raises(CalibrationDataError) as e:
        calibrate_kpi(p, base)
    assert (e.value.row, e.value.column) == (2, "productive_hours")
    assert Z95 > 1.95
