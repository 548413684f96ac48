"""``collectsim run --trace DIR`` keeps replication 0's trace as the run makes it: the files are
those of the same replication run on its own with its recorder on, whatever the executor (the
files come back from the worker with the replication's result), replication 0 runs once, and
the results are those of a run without --trace."""

from __future__ import annotations

import json

import pytest

from simulator.cli import main
from simulator.experiment import replications
from simulator.experiment.replications import run_experiment
from simulator.experiment.trace_export import TRACE_FILES, trace_tables, traced_world
from simulator.scenario import load_scenario

from ..conftest import small_scenario, write_toml

SEED = 5


@pytest.fixture(scope="module")
def scen(tmp_path_factory):
    raw = small_scenario(calendar__working_days=2)
    raw["skip_trace"] = {"invalid_attempts": 1, "delay_days": 1}  # phone status in accounts.csv
    return write_toml(tmp_path_factory.mktemp("trace") / "s.toml", raw)


@pytest.fixture(scope="module")
def expected(scen):
    """Replication 0's trace files, from a world of its own, and the results of a run without
    --trace."""
    tables = trace_tables(traced_world(load_scenario(scen).scenario, SEED, 0))
    plain = run_experiment(load_scenario(scen), 3, SEED).to_json()
    return tables, plain


@pytest.mark.parametrize("executor", ["serial", "process", "dask"])
def test_the_trace_is_replication_0s_whatever_the_executor(scen, expected, tmp_path, executor):
    if executor == "dask":
        pytest.importorskip("distributed")
    tables, plain = expected
    args = ["run", str(scen), "-r", "3", "--seed", str(SEED), "-q", "--executor", executor]
    if executor != "serial":
        args += ["--workers", "2"]
    out = tmp_path / "out"
    assert main([*args, "--trace", str(tmp_path / "T"), "--out", str(out)]) == 0
    assert sorted(tables) == sorted(TRACE_FILES)
    for name, data in tables.items():
        assert (tmp_path / "T" / name).read_bytes() == data, name
    assert (out / "results.json").read_text(encoding="utf-8") == plain
    records = [json.loads(line) for line in (out / "replications.jsonl").read_text().splitlines()]
    assert sorted(r["replication"] for r in records) == [0, 1, 2]  # in the order they ended
    assert all("trace" not in r["result"] for r in records)


def test_replication_0_runs_once_with_its_trace(scen, expected, monkeypatch):
    tables, plain = expected
    calls = []
    real = replications.run_replication

    def recording(scenario, seed, replication, trace=False):
        calls.append((replication, trace))
        return real(scenario, seed, replication, trace=trace)

    monkeypatch.setattr(replications, "run_replication", recording)
    res = run_experiment(load_scenario(scen), 3, SEED, trace=True)
    assert calls == [(0, True), (1, False), (2, False)]
    assert res.trace == tables
    assert res.to_json() == plain
    assert all("trace" not in rep for rep in res.per_rep)


def test_a_precision_run_keeps_the_trace_of_its_first_batch(scen, expected):
    tables, _ = expected
    res = run_experiment(
        load_scenario(scen), 2, SEED, precision="kept_rate=0.000001", max_replications=4, trace=True
    )
    assert res.replications == 4 and res.trace == tables


def test_a_trace_that_cannot_be_built_costs_only_the_trace(scen, expected, tmp_path, monkeypatch, capsys):
    """Building the files runs out of memory: the results are written all the same, the error
    names --trace, and the exit code is 2."""

    def no_memory(world):
        raise MemoryError("trace too large")

    monkeypatch.setattr(replications, "trace_tables", no_memory)
    out, trace = tmp_path / "r.json", tmp_path / "trace"
    code = main(
        ["run", str(scen), "-r", "3", "--seed", str(SEED), "-q", "--json", str(out), "--trace", str(trace)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--trace" in err and "trace too large" in err
    assert out.read_text() == expected[1]
    assert not trace.exists() or not any(trace.iterdir())
