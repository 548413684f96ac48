"""Bounded under any input, end to end: ``--workers 100000`` starts no more worker processes than
there are replications."""

from __future__ import annotations

import time

import pytest

from ..conftest import ROOT
from .processes import descendants, kill_session, start

SAMPLE = ROOT / "examples" / "sample_center.toml"


def is_worker(cmd: str, executor: str) -> bool:
    if "resource_tracker" in cmd:
        return False
    return "spawn_main" in cmd if executor == "dask" else True


@pytest.mark.parametrize("executor", ["process", "dask"])
def test_workers_100000_on_two_replications_start_at_most_two_processes(executor):
    """The pool's (or the local cluster's) worker processes are counted below collectsim every
    few milliseconds for the whole run; more than 2 stops the run at once (before this bound,
    the process pool forked until the system refused: 2,784 processes)."""
    if executor == "dask":
        pytest.importorskip("distributed")
    dask = ["--executor", "dask"] if executor == "dask" else []
    proc = start("run", SAMPLE, "-q", "-r", "2", "--workers", "100000", *dask)
    most = 0
    try:
        deadline = time.monotonic() + 180
        while proc.poll() is None and most <= 2 and time.monotonic() < deadline:
            workers = [p for p, cmd in descendants(proc.pid).items() if is_worker(cmd, executor)]
            most = max(most, len(workers))
            time.sleep(0.005)
        assert most <= 2, f"{most} worker processes or more for 2 replications"
        _, err = proc.communicate(timeout=180)
    finally:
        kill_session(proc)
    assert proc.returncode == 0, err
    assert most >= 1  # the run did use a pool (or a cluster) of workers
    assert err.splitlines() == [
        "collectsim: note: --workers 100,000 lowered to 2: there are only 2 replication(s) to run"
    ]
