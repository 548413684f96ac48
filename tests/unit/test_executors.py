"""Executors: serial, process pool and Dask give identical results, in job order."""

import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from simulator import load_scenario, run_experiment
from simulator.cli import main
from simulator.experiment.executors import ExecutorUnavailable, SerialExecutor, open_executor, run_ordered

from ..conftest import tiny_scenario, write_toml


@pytest.fixture(scope="module")
def scen(tmp_path_factory):
    raw = tiny_scenario(days=2, collectors=4, accounts=3000)
    return write_toml(tmp_path_factory.mktemp("ex") / "s.toml", raw)


def test_serial_process_and_dask_give_identical_results(scen):
    from distributed import Client, LocalCluster

    loaded = load_scenario(scen)
    serial = run_experiment(loaded, 4, 9).to_json()
    assert run_experiment(loaded, 4, 9, executor="process", workers=2).to_json() == serial
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        assert run_experiment(loaded, 4, 9, executor=client.get_executor()).to_json() == serial
        # --scheduler ADDRESS: connect to a running cluster (here the one above)
        assert run_experiment(loaded, 4, 9, scheduler=cluster.scheduler_address).to_json() == serial


def test_cli_sweep_on_an_existing_dask_scheduler_equals_serial(scen, tmp_path):
    from distributed import LocalCluster

    args = ["sweep", str(scen), "--set", "teams.t1.headcount=3,4", "-r", "2", "-q"]
    assert main([*args, "--out", str(tmp_path / "serial")]) == 0
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        assert main([*args, "--out", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address]) == 0
    assert (tmp_path / "serial" / "summary.json").read_bytes() == (
        tmp_path / "dask" / "summary.json"
    ).read_bytes()


def test_run_ordered_keeps_job_order_whatever_the_completion_order():
    def job(i):
        time.sleep(0.02 * (4 - i))  # later jobs finish first
        return i

    seen = {}
    with ThreadPoolExecutor(4) as ex:
        n = run_ordered(
            ex, job, [(i,) for i in range(4)], lambda i, f: seen.setdefault(i, f.result()), max_in_flight=4
        )
    assert n == 4 and seen == {0: 0, 1: 1, 2: 2, 3: 3}
    assert list(seen) != [0, 1, 2, 3]  # handled in completion order, each with its own index


def test_serial_executor_keeps_errors_on_the_future():
    fut = SerialExecutor().submit(lambda: 1 / 0)
    assert isinstance(fut.exception(), ZeroDivisionError)
    assert SerialExecutor().submit(lambda x: x + 1, 1).result() == 2


def test_executor_choice_and_bad_options():
    with open_executor() as ex:
        assert isinstance(ex, SerialExecutor)
    with pytest.raises(ExecutorUnavailable, match="expected one of"):
        with open_executor("threads"):
            pass
    with pytest.raises(ExecutorUnavailable, match="needs the dask executor"):
        with open_executor("process", scheduler="tcp://127.0.0.1:1"):
            pass


@pytest.mark.slow
def test_unreachable_scheduler_is_bad_input(scen, capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("simulator.experiment.executors.DASK_CONNECT_TIMEOUT_S", 1)
    rc = main(["run", str(scen), "-r", "2", "--scheduler", "tcp://127.0.0.1:9", "-q"])
    assert rc == 2
    assert "cannot connect to a Dask scheduler" in capsys.readouterr().err


def test_missing_dask_is_bad_input_with_the_install_command(scen, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    rc = main(["run", str(scen), "-r", "2", "--executor", "dask", "-q"])
    assert rc == 2
    err = capsys.readouterr().err
    assert 'pip install "collectsim[dask]"' in err and "Traceback" not in err
    rc = main(
        [
            "sweep",
            str(scen),
            "--set",
            "teams.t1.headcount=3,4",
            "-r",
            "1",
            "--executor",
            "dask",
            "--out",
            str(tmp_path / "o"),
            "-q",
        ]
    )
    assert rc == 2 and "dask" in capsys.readouterr().err
