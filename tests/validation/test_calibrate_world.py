"""Calibration on the simulator's own dial trace (World(..., trace=True)): the fitted scenario
recovers the outcome probabilities and reproduces the pyramid."""

from __future__ import annotations

import csv
import datetime

import numpy as np
import pytest

from simulator.calibrate import CalibrationDataError, calibrate
from simulator.calibrate.fit.contact_curve import in_fit_convention
from simulator.calibrate.fit.regression import Z95
from simulator.calibrate.read.formats import DIAL_OUTCOMES
from simulator.experiment.replications import run_experiment
from simulator.scenario import load_scenario
from simulator.scenario.load import LoadedScenario, parse_scenario
from simulator.scenario.schema import OUTCOMES
from simulator.world.build import World
from tests.conftest import SCENARIOS


def write_world_dials(world: World, path) -> int:
    """dials.csv from a finished traced World (the columns trace_arrays gives today)."""
    sc = world.scenario
    tr = world.trace_arrays()
    p = world.portfolio
    origin = datetime.datetime(2024, 1, 1)  # a Monday: the scenarios here start on Monday
    bucket = np.asarray(p.bucket_list)[tr["acct"]]
    tz = np.asarray(p.bucket_offset_s)[bucket] / 3600.0
    names = sc.segment_names
    seg = np.asarray(p.segment)[tr["acct"]]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "call_start",
                "account_id",
                "segment",
                "tz_offset_h",
                "collector_id",
                "outcome",
                "ring_s",
                "talk_s",
                "wrap_s",
                "dialer_mode",
            ]
        )
        for i in range(len(tr["t"])):
            c = int(tr["coll"][i])
            w.writerow(
                [
                    (origin + datetime.timedelta(seconds=float(tr["t"][i]))).isoformat(
                        timespec="milliseconds"
                    ),
                    f"A{tr['acct'][i]}",
                    names[seg[i]],
                    f"{tz[i]:g}",
                    world.collectors[c].name if c < len(world.collectors) else "",
                    DIAL_OUTCOMES[tr["out"][i]],
                    f"{tr['ring'][i]:.4f}",
                    f"{tr['talk'][i]:.4f}",
                    f"{tr['wrap'][i]:.4f}",
                    sc.dialer.mode,
                ]
            )
    return len(tr["t"])


@pytest.fixture(scope="module")
def fitted_table(tmp_path_factory):
    loaded = load_scenario(SCENARIOS / "table_14_1.toml")
    world = World(loaded.scenario, 1, 0, trace=True)
    world.run()
    folder = tmp_path_factory.mktemp("world")
    n = write_world_dials(world, folder / "dials.csv")
    return loaded, calibrate(folder, base=loaded), n


@pytest.mark.slow
def test_outcome_probabilities_from_a_simulator_trace(fitted_table):
    loaded, fitted, n = fitted_table
    assert n > 30_000
    for name, sf in fitted.fit.segments.items():
        true = in_fit_convention(loaded.scenario.segments[name], sf.outcomes)["base"]
        # table_14_1 has flat curves: the convention changes nothing
        assert np.allclose(true, [o.probability for o in loaded.scenario.segments[name].outcomes.as_list()])
        for i, o in enumerate(OUTCOMES):
            err = abs(sf.outcomes.base[i] - true[i])
            assert err <= 0.01 or err <= Z95 * sf.outcomes.base_se[i], (name, o)


@pytest.mark.slow
def test_handling_times_from_a_simulator_trace(fitted_table):
    loaded, fitted, _ = fitted_table
    for name in ("low_risk", "high_risk"):
        got, want = fitted.scenario.segments[name].outcomes, loaded.scenario.segments[name].outcomes
        for o in OUTCOMES:
            for k in ("ring_time_s", "talk_time_s", "wrap_time_s"):
                g, w = getattr(getattr(got, o), k), getattr(getattr(want, o), k)
                if w.variance == 0:
                    assert g.dist == "constant" and g.value == pytest.approx(w.value, abs=1e-3), (name, o, k)
                else:
                    assert g.dist == w.dist, (name, o, k)
                    assert g.mean == pytest.approx(w.mean, rel=0.03) and g.sd == pytest.approx(w.sd, rel=0.06)
    # what dials.csv cannot say stays as the base has it
    assert fitted.scenario.teams == loaded.scenario.teams
    assert fitted.scenario.segments["low_risk"].promise_probability == 0.85
    assert any("no shifts.csv" in s for s in fitted.calibration.not_identified)


@pytest.mark.slow
def test_fitted_scenario_reproduces_value_per_paid_hour(fitted_table):
    loaded, fitted, _ = fitted_table
    a = run_experiment(loaded, replications=3, seed=7)
    b = run_experiment(fitted.loaded, replications=3, seed=7)
    for seg in ("low_risk", "high_risk"):
        for metric in ("rpc_per_productive_hour", "value_per_paid_hour"):
            va = np.mean(a.values(f"segments.{seg}.{metric}"))
            vb = np.mean(b.values(f"segments.{seg}.{metric}"))
            assert abs(vb / va - 1) < 0.05, (seg, metric, va, vb)


@pytest.mark.slow
def test_skip_tracing_invalid_numbers_are_fitted_per_account(tmp_path):
    """With skip tracing a bad number leaves the lists after its first invalid dial, so invalid
    dials are far rarer than bad numbers; the fit counts accounts whose first dial was invalid."""
    loaded = load_scenario(SCENARIOS / "skip_trace.toml")
    world = World(loaded.scenario, 1, 0, trace=True)
    world.run()
    write_world_dials(world, tmp_path / "dials.csv")
    per_account = calibrate(tmp_path, base=loaded)
    raw = dict(loaded.raw)
    raw.pop("skip_trace")
    no_skip = LoadedScenario(parse_scenario(raw), "<no skip tracing>", "0" * 64, (), raw)
    per_dial = calibrate(tmp_path, base=no_skip)
    with pytest.raises(CalibrationDataError, match="s1 of the data are worked by no team"):
        calibrate(tmp_path, base=SCENARIOS / "table_14_1.toml")
    params = {p.key: p for p in per_account.calibration.parameters}
    for name, seg in loaded.scenario.segments.items():
        truth = seg.outcomes.invalid.probability
        q = params[f"skip_trace.bad_number_share_by_segment.{name}"]
        assert abs(q.value - truth) <= max(0.01, Z95 * q.se), (name, q.value, truth)
        assert per_account.scenario.skip_trace.bad_number_share_by_segment[name] == pytest.approx(
            q.value, rel=1e-5
        )
        got = per_account.fit.segments[name].outcomes
        for i, o in enumerate(OUTCOMES):
            true = getattr(seg.outcomes, o).probability
            assert abs(got.base[i] - true) <= max(0.012, Z95 * got.base_se[i]), (name, o, got.base[i], true)
        # read per dial, the invalid share is far below the bad-number share
        assert per_dial.fit.segments[name].outcomes.base[3] < truth - 0.04
