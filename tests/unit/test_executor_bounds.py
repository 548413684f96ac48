"""Bounded under any input, in this process: --workers is lowered to the work and the CPUs, and a
run whose workers would need more memory than the machine has is refused before any executor
opens.

The process counts are tested end to end in tests/e2e/test_executor_limits.py."""

from __future__ import annotations

import math

import pytest

from simulator.cli import main

from ..conftest import ROOT, small_scenario, write_toml


@pytest.fixture
def scen(tmp_path):
    return str(write_toml(tmp_path / "s.toml", small_scenario(calendar__working_days=1)))


@pytest.fixture
def no_executor(monkeypatch):
    """Fails the test if an executor is opened (a pool or a cluster would start processes)."""

    def boom(*a, **k):
        raise AssertionError("an executor was opened")

    monkeypatch.setattr("simulator.experiment.executors.open_executor", boom)


def cli(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    return code, err


# ------------------------------------------------------------------ workers sized to the work


def test_workers_are_lowered_to_the_replications_with_one_line(scen, capsys, monkeypatch):
    opened = []

    def spy(kind=None, workers=None, scheduler=None, jobs=None):
        opened.append((kind, workers))
        raise KeyboardInterrupt  # stop before anything starts

    monkeypatch.setattr("simulator.experiment.executors.open_executor", spy)
    code, err = cli(capsys, "run", scen, "-q", "-r", "2", "--workers", "100000")
    assert code == 130 and opened == [(None, 2)]
    assert err.splitlines() == [
        "collectsim: note: --workers 100,000 lowered to 2: there are only 2 replication(s) to run",
        "collectsim: interrupted",
    ]


def test_workers_are_lowered_to_four_per_cpu(scen, capsys, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    opened = []

    def spy(kind=None, workers=None, scheduler=None, jobs=None):
        opened.append((kind, workers))
        raise KeyboardInterrupt

    monkeypatch.setattr("simulator.experiment.executors.open_executor", spy)
    code, err = cli(capsys, "run", scen, "-q", "-r", "50", "--executor", "dask", "--workers", "100")
    assert code == 130 and opened == [("dask", 8)]
    assert "--workers 100 lowered to 8: at most 4 per CPU on this machine of 2 CPU(s)" in err
    # asked for no more than the work and the CPUs: nothing said
    opened.clear()
    code, err = cli(capsys, "run", scen, "-q", "-r", "3", "--workers", "3")
    assert opened == [(None, 3)] and "lowered" not in err


def test_the_library_bounds_a_pool_by_its_jobs_and_the_cpus(monkeypatch):
    from simulator.experiment.executors import open_executor

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    with open_executor("process", workers=100000, jobs=3) as ex:
        assert ex._max_workers == 3
    with open_executor("process", workers=100000) as ex:
        assert ex._max_workers == 8


# ------------------------------------------------------------------ memory, before any process


@pytest.fixture
def huge(tmp_path):
    """40 segments of 50,000,000 accounts (the most one may hold): about 400 GB for one
    replication by the size estimate (200 MB per million accounts)."""
    raw = small_scenario(calendar__working_days=1)
    one = raw["segments"].pop("s1")
    raw["segments"] = {f"s{i}": dict(one, accounts=50_000_000) for i in range(40)}
    raw["teams"]["t1"]["segments"] = list(raw["segments"])
    return str(write_toml(tmp_path / "huge.toml", raw))


def test_a_scenario_too_large_for_this_machine_is_refused_before_anything_runs(
    huge, tmp_path, capsys, no_executor
):
    code, err = cli(capsys, "run", huge, "-q", "-r", "1")
    assert code == 2
    assert "collectsim: error: this run needs about" in err and "more than the" in err
    assert "available on this machine; even one replication does not fit" in err
    assert "2,000,000,000 accounts" in err
    sweep = ["sweep", huge, "--set", "teams.t1.headcount=2,3", "-q", "--workers", "2"]
    code, err = cli(capsys, *sweep, "--out", tmp_path / "out")
    assert code == 2 and "this run needs about" in err and not (tmp_path / "out").exists()


def test_workers_times_one_replication_over_the_memory_available_is_refused(
    scen, capsys, no_executor, monkeypatch
):
    from simulator.experiment.sizing import BASE_MB

    # room for 3 replications of this small scenario (each a little over BASE_MB)
    monkeypatch.setattr("simulator.experiment.capacity.available_memory_mb", lambda: 3.5 * BASE_MB)
    code, err = cli(capsys, "run", scen, "-q", "-r", "8", "--workers", "8")
    assert code == 2
    assert "(8 worker(s) x about 71 MB per replication, the estimate of 'collectsim validate'" in err
    assert "use --workers 3 or fewer" in err
    # the check counts the workers that would start: 8 asked, 2 replications, 2 workers fit
    monkeypatch.setattr("simulator.experiment.executors.open_executor", _stop)
    code, err = cli(capsys, "run", scen, "-q", "-r", "2", "--workers", "8")
    assert code == 130 and "needs about" not in err


def _stop(*a, **k):
    raise KeyboardInterrupt


def test_available_memory_is_known_on_linux():
    from simulator.experiment.capacity import available_memory_mb

    mb = available_memory_mb()
    assert mb is not None and 0 < mb < math.inf


def test_the_contract_documents_the_bounds():
    text = " ".join((ROOT / "docs" / "contract.md").read_text(encoding="utf-8").split())
    for words in (
        "lowered to 2: there are only 2 replication(s) to run",
        "more than 4 per CPU",
        "the memory available",
    ):
        assert words in text, words
