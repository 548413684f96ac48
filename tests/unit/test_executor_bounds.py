"""Bounded under any input, in this process: --workers is lowered to the work and the CPUs, a run
whose workers would need more memory than the machine has is refused before any executor opens,
and a malformed --scheduler or --scheduler-timeout is bad input naming it.

The peers that are not Dask schedulers, the process counts and Ctrl-C are tested end to end in
tests/e2e/test_executor_limits.py and tests/e2e/test_executor_signals.py."""

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


@pytest.mark.slow
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
    from simulator.experiment.sizing import describe_mb, estimate
    from simulator.scenario.load import load_scenario

    one = describe_mb(estimate(load_scenario(scen).scenario).peak_mb)
    code, err = cli(capsys, "run", scen, "-q", "-r", "8", "--workers", "8")
    assert code == 2
    assert f"(8 worker(s) x about {one} per replication, the estimate of 'collectsim validate'" in err
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


# ------------------------------------------------------------------ --scheduler, checked as text


@pytest.mark.parametrize(
    "address, why",
    [
        ("garbage", "no port"),
        ("tcp://", "no host and port"),
        ("http://127.0.0.1:8099", "the scheme 'http://' is not supported, only tcp://"),
        ("tcp://[::1:8786", "an IPv6 address opened with [ is not closed with ]"),
        ("::1:8786", "an IPv6 address needs brackets"),
        ("tcp://host:99999", "the port '99999' is not a whole number from 1 to 65535"),
        ("tcp://host:8786/path", "a host and port only"),
    ],
)
def test_a_malformed_scheduler_address_is_bad_input_naming_it(scen, capsys, no_executor, address, why):
    code, err = cli(capsys, "run", scen, "-q", "-r", "2", "--scheduler", address)
    assert code == 2
    [line] = err.splitlines()
    assert line.startswith(f"collectsim: error: --scheduler {address}: {why}")
    assert line.endswith(
        "expected the address of a Dask scheduler, tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)"
    )


def test_every_simulating_command_checks_the_scheduler_address(scen, tmp_path, capsys, no_executor):
    for argv in (
        ["sensitivity", scen, "-r", "2"],
        ["compare", scen, scen, "-r", "2"],
        ["sweep", scen, "--set", "teams.t1.headcount=2,3", "-r", "1", "--out", tmp_path / "out"],
    ):
        code, err = cli(capsys, *argv, "-q", "--scheduler", "tcp://")
        assert code == 2 and "--scheduler tcp://: no host and port" in err, argv


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e9", "ten"])
def test_scheduler_timeout_is_a_bounded_number_of_seconds(scen, capsys, value):
    with pytest.raises(SystemExit) as exit_:
        main(["run", scen, "-q", "--scheduler", "tcp://127.0.0.1:1", "--scheduler-timeout", value])
    assert exit_.value.code == 2 and "--scheduler-timeout" in capsys.readouterr().err


def test_scheduler_timeout_without_a_scheduler_is_refused(scen, capsys, no_executor):
    code, err = cli(capsys, "run", scen, "-q", "--scheduler-timeout", "5")
    assert code == 2 and "--scheduler-timeout 5: is only used with --scheduler ADDRESS" in err


def test_help_documents_the_scheduler_timeout(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--scheduler-timeout SECONDS" in text and "(default 10 each; at most 3600)" in text


def test_the_contract_documents_the_bounds():
    text = " ".join((ROOT / "docs" / "contract.md").read_text(encoding="utf-8").split())
    for words in (
        "`--scheduler-timeout SECONDS`",
        "lowered to 2: there are only 2 replication(s) to run",
        "more than 4 per CPU",
        "the memory available",
        "not a Dask scheduler",
        "whether SIGINT reaches the whole process group",
    ):
        assert words in text, words
