"""The calibration round trip, through the command line as a user runs it:

    collectsim run scenarios/table_14_1.toml -r 1 --trace T
    collectsim calibrate T --out f.toml
    collectsim run f.toml -r 10

The fitted scenario's value per paid hour of every segment is within 5% of the original's (both
run 10 times at the same seed), and every fitted outcome probability is within 0.01 of the truth
or inside its own 95% interval. About 10 s."""

from __future__ import annotations

import json

import pytest

from simulator.cli import main
from simulator.scenario import load_scenario
from simulator.scenario.schema import OUTCOMES
from tests.conftest import SCENARIOS

TABLE = SCENARIOS / "table_14_1.toml"


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("roundtrip")
    trace, fitted = tmp / "T", tmp / "f.toml"
    assert main(["run", str(TABLE), "-r", "1", "--trace", str(trace), "-q"]) == 0
    assert main(["calibrate", str(trace), "--out", str(fitted)]) == 0
    out = {}
    for name, scenario in (("original", TABLE), ("fitted", fitted)):
        path = tmp / f"{name}.json"
        assert main(["run", str(scenario), "-r", "10", "-q", "--workers", "2", "--json", str(path)]) == 0
        out[name] = json.loads(path.read_text())
    return load_scenario(fitted), out


@pytest.mark.slow
def test_value_per_paid_hour_within_5_percent(round_trip):
    _, out = round_trip
    for seg in ("low_risk", "high_risk"):
        a = out["original"]["metrics"]["segments"][seg]["value_per_paid_hour"]["mean"]
        b = out["fitted"]["metrics"]["segments"][seg]["value_per_paid_hour"]["mean"]
        assert abs(b / a - 1) < 0.05, (seg, a, b)


@pytest.mark.slow
def test_every_fitted_outcome_probability_within_001_or_its_interval(round_trip):
    fitted, _ = round_trip
    truth = load_scenario(TABLE).scenario
    params = {p.key: p for p in fitted.scenario.calibration.parameters}
    checked = 0
    for seg in ("low_risk", "high_risk"):
        for o in OUTCOMES:
            p = params[f"segments.{seg}.outcomes.{o}.probability"]
            true = getattr(truth.segments[seg].outcomes, o).probability  # flat curves: no rescaling
            assert abs(p.value - true) <= 0.01 or p.ci95_low <= true <= p.ci95_high, (seg, o, p, true)
            assert getattr(fitted.scenario.segments[seg].outcomes, o).probability == pytest.approx(
                p.value, abs=1e-6
            )
            checked += 1
    assert checked == 12
    assert fitted.scenario.calibration.data == "trace" and fitted.scenario.calendar.working_days == 5
