"""The same seed gives the same results, whatever else draws random numbers (the same bytes from
two processes: tests/e2e/test_determinism.py)."""

import json

from simulator import load_scenario, run_experiment

from ..conftest import small_scenario, write_toml


def test_same_seed_same_bytes(tmp_path):
    path = write_toml(tmp_path / "s.toml", small_scenario())
    a = run_experiment(load_scenario(path), 3, seed=11).to_json()
    b = run_experiment(load_scenario(path), 3, seed=11).to_json()
    c = run_experiment(load_scenario(path), 3, seed=12).to_json()
    assert a == b
    assert json.loads(a)["metrics"] != json.loads(c)["metrics"]


def test_new_stream_does_not_shift_others():
    from simulator.base.rng import Streams

    s = Streams(3, 1)
    a = s.generator("outcome/low").random(5)
    s.generator("something/new").random(100)
    assert (Streams(3, 1).generator("outcome/low").random(5) == a).all()
    assert not (Streams(3, 2).generator("outcome/low").random(5) == a).all()
