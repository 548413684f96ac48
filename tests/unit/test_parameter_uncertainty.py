"""run --parameter-uncertainty: each replication draws a fitted scenario's parameters from the
fit's sampling distribution (simulator/experiment/uncertainty.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import stdtrit

from simulator.base.rng import Streams
from simulator.calibrate import calibrate
from simulator.cli import main
from simulator.experiment.replications import run_experiment
from simulator.experiment.uncertainty import STREAM, parameter_uncertainty
from simulator.scenario import load_scenario
from simulator.scenario.schema import OUTCOMES
from tests.conftest import SCENARIOS, write_trace


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """table_14_1 fitted from two days of its own trace: a fit with wide intervals."""
    base = load_scenario(SCENARIOS / "table_14_1.toml", ["calendar.working_days=2"])
    folder = tmp_path_factory.mktemp("trace")
    write_trace(folder, base.scenario, 4)
    path = folder / "fitted.toml"
    path.write_text(calibrate(folder, base=SCENARIOS / "table_14_1.toml").toml())
    return path


def test_without_a_calibration_section_it_exits_2(capsys):
    code = main(["run", str(SCENARIOS / "table_14_1.toml"), "-r", "2", "-q", "--parameter-uncertainty"])
    err = capsys.readouterr().err
    assert code == 2 and "has no [calibration] section" in err and "Traceback" not in err


def test_draws_follow_the_fit_and_keep_the_constraints(fitted):
    loaded = load_scenario(fitted)
    pu = parameter_uncertainty(loaded)
    params = {p.key: p for p in loaded.scenario.calibration.parameters}
    assert len(pu.draws) > 50 and not pu.held
    rng = Streams(1, 0).generator(STREAM)
    draws = [pu.raw_for(rng) for _ in range(400)]
    for seg in ("low_risk", "high_risk"):
        # every draw: outcome probabilities in [0, 1] summing to 1, promise and keep in (0, 1)
        probs = np.array(
            [[d["segments"][seg]["outcomes"][o]["probability"] for o in OUTCOMES] for d in draws]
        )
        assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-9) and (probs >= 0).all() and (probs <= 1).all()
        for key in ("promise_probability", "keep_probability"):
            x = np.array([d["segments"][seg][key] for d in draws])
            p = params[f"segments.{seg}.{key}"]
            assert ((x > 0) & (x < 1)).all()
            # the spread of the draws is the fit's standard error (400 draws: the SD within 15%)
            assert abs(x.std() / p.se - 1) < 0.15, (seg, key, x.std(), p.se)
            assert abs(x.mean() - p.value) < 3 * p.se / 20
        rpc = probs[:, OUTCOMES.index("rpc")]
        assert abs(rpc.std() / params[f"segments.{seg}.outcomes.rpc.probability"].se - 1) < 0.2
        talk = np.array([d["segments"][seg]["outcomes"]["rpc"]["talk_time_s"]["mean"] for d in draws])
        talk_se = params[f"segments.{seg}.outcomes.rpc.talk_time_s.mean"].se
        assert (talk > 0).all() and abs(talk.std() / talk_se - 1) < 0.15
    # a drawn scenario passes the schema and differs from the point estimates
    a, b = pu.scenario(1, 0), pu.scenario(1, 1)
    assert a.segments["low_risk"].promise_probability != b.segments["low_risk"].promise_probability
    assert pu.scenario(1, 0) == a  # a pure function of (seed, replication)


def test_a_what_if_value_is_not_drawn(fitted):
    loaded = load_scenario(fitted, ["segments.low_risk.promise_probability=0.9"])
    pu = parameter_uncertainty(loaded)
    assert pu.held == ["segments.low_risk.promise_probability"]
    assert {pu.scenario(1, r).segments["low_risk"].promise_probability for r in range(5)} == {0.9}
    assert len({pu.scenario(1, r).segments["high_risk"].promise_probability for r in range(5)}) == 5
    # one of the six outcome probabilities changed by hand: the six are held together
    raw = dict(loaded.raw)
    p = raw["segments"]["high_risk"]["outcomes"]
    a, b = p["no_answer"]["probability"], p["busy"]["probability"]
    held = parameter_uncertainty(
        load_scenario(
            fitted,
            [
                f"segments.high_risk.outcomes.no_answer.probability={a - 0.01}",
                f"segments.high_risk.outcomes.busy.probability={b + 0.01}",
            ],
        )
    ).held
    assert {f"segments.high_risk.outcomes.{o}.probability" for o in OUTCOMES} <= set(held)


@pytest.mark.slow
def test_intervals_widen_and_the_mean_stays_with_the_point_estimates(fitted, tmp_path):
    """The intervals at least 1.5 times as wide; the mean of the drawn runs agrees with that of
    the point estimates: their difference inside its 95% interval, t sqrt(s0^2/R + s1^2/R) (the
    drawn runs' mean carries the fit's noise over sqrt(R), larger than the point estimates' CI,
    so "inside that CI" alone would fail by chance)."""
    loaded = load_scenario(fitted, ["calendar.working_days=2"])
    plain = run_experiment(loaded, 10, seed=5)
    drawn = run_experiment(loaded, 10, seed=5, parameter_uncertainty=True)
    d0, d1 = plain.to_dict(), drawn.to_dict()
    assert "parameter_uncertainty" not in d0 and d1["parameter_uncertainty"]["drawn"] > 50
    for level, unit in (("center", None), ("segments", "low_risk"), ("segments", "high_risk")):
        s0 = d0["metrics"]["center"] if unit is None else d0["metrics"][level][unit]
        s1 = d1["metrics"]["center"] if unit is None else d1["metrics"][level][unit]
        for metric in ("value_per_paid_hour", "promise_rate", "kept_rate"):
            w0 = s0[metric]["ci95_high"] - s0[metric]["ci95_low"]
            w1 = s1[metric]["ci95_high"] - s1[metric]["ci95_low"]
            assert w1 > 1.5 * w0, (unit, metric, w0, w1)
            v0, v1 = np.array(s0[metric]["values"]), np.array(s1[metric]["values"])
            half = float(stdtrit(9, 0.975)) * np.sqrt(v0.var(ddof=1) / 10 + v1.var(ddof=1) / 10)
            assert abs(v1.mean() - v0.mean()) <= half, (unit, metric, v0.mean(), v1.mean(), half)


@pytest.mark.slow
def test_same_seed_same_bytes_serial_or_parallel(fitted, tmp_path):
    out = []
    for k, extra in enumerate(([], [], ["--workers", "2"])):
        path = tmp_path / f"r{k}.json"
        assert (
            main(
                [
                    "run",
                    str(fitted),
                    "-r",
                    "3",
                    "-q",
                    "--set",
                    "calendar.working_days=1",
                    "--parameter-uncertainty",
                    "--json",
                    str(path),
                    *extra,
                ]
            )
            == 0
        )
        out.append(path.read_bytes())
    assert out[0] == out[1] == out[2]
    doc = json.loads(out[0])
    assert doc["parameter_uncertainty"]["stream"] == STREAM
    other = tmp_path / "other.json"
    assert (
        main(
            [
                "run",
                str(fitted),
                "-r",
                "3",
                "-q",
                "--set",
                "calendar.working_days=1",
                "--seed",
                "2",
                "--parameter-uncertainty",
                "--json",
                str(other),
            ]
        )
        == 0
    )
    assert other.read_bytes() != out[0]
