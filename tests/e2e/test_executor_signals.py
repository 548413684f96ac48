"""Ctrl-C is one line on every executor: SIGINT to the whole process group (a terminal's Ctrl-C)
or to collectsim alone, while replications run or while collectsim is still starting, ends it
with exit 130, exactly one line on stderr, what finished kept on disk, and no process left."""

from __future__ import annotations

import json
import os
import random
import signal
import time

import pytest

from ..conftest import ROOT, small_scenario, write_toml
from .processes import descendants, has_mapped, kill_session, start, wait_gone

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXECUTORS = {"serial": [], "process": ["--workers", "2"], "dask": ["--executor", "dask", "--workers", "2"]}
HANG_S = 30
"""A collectsim still running this long after Ctrl-C hangs: a liveness guard, not a speed figure."""


@pytest.fixture(scope="module")
def scen(tmp_path_factory):
    return write_toml(tmp_path_factory.mktemp("sig") / "s.toml", small_scenario(calendar__working_days=2))


def lines(path) -> int:
    try:
        return len(path.read_bytes().splitlines())
    except FileNotFoundError:
        return 0


def interrupt(
    proc, ready, to_group: bool, rng: random.Random, timeout: float = 180, spread_s: float = 0.3
) -> str:
    """Wait until ``ready()``, a random moment more (up to ``spread_s``), then SIGINT ``proc``'s
    process group or ``proc`` alone; returns stderr once it has ended, with nothing of its
    session left."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"ended before the interrupt: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "never got ready"
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, spread_s))
    if to_group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=HANG_S)
    left = wait_gone(proc.pid, 10)
    assert not left, f"still running after collectsim ended: {left}"
    return err


@pytest.mark.parametrize("to_group", [True, False], ids=["group", "parent"])
@pytest.mark.parametrize("executor", list(EXECUTORS))
def test_ctrl_c_mid_run_is_one_line_and_keeps_the_finished_replications(scen, tmp_path, executor, to_group):
    if executor == "dask":
        pytest.importorskip("distributed")
    rng = random.Random(f"{executor}-{to_group}")
    out = tmp_path / "out"
    records = out / "replications.jsonl"
    proc = start("run", scen, "-q", "-r", "5000", "--out", out, *EXECUTORS[executor])
    try:
        err = interrupt(proc, lambda: lines(records) >= 1, to_group, rng)
    finally:
        kill_session(proc)
    assert proc.returncode == 130, err
    assert err.splitlines() == [f"collectsim: interrupted; the finished replications are in {records}"]
    kept = [json.loads(line) for line in records.read_text().splitlines()]
    assert 1 <= len(kept) < 5000 and all(r["ok"] for r in kept)


@pytest.mark.parametrize("executor", ["serial", "process"])
def test_ctrl_c_while_collectsim_starts_is_one_line(scen, executor):
    """SIGINT to the group at random moments from the first import of numpy on: while
    collectsim imports numpy, SciPy and pydantic, parses, loads the scenario or starts the pool.
    (Before that, Python starts and runs its site hooks: a Ctrl-C then is Python's to report.)"""
    rng = random.Random(f"starting-{executor}")
    for _ in range(6):
        proc = start("run", scen, "-q", "-r", "5000", *EXECUTORS[executor])
        try:
            numpy_loads = lambda p=proc: has_mapped(p.pid, "_multiarray_umath")  # noqa: E731
            err = interrupt(proc, numpy_loads, True, rng, timeout=30, spread_s=1.0)
        finally:
            kill_session(proc)
        assert proc.returncode == 130, err
        assert err.splitlines() == ["collectsim: interrupted"]


@pytest.mark.parametrize("to_group", [True, False], ids=["group", "parent"])
def test_ctrl_c_while_the_dask_cluster_starts_is_one_line(scen, to_group):
    """SIGINT as the local cluster's first worker process appears: the cluster is starting, and
    the Ctrl-C must neither be lost (the run going on) nor reach the workers (tracebacks)."""
    pytest.importorskip("distributed")
    rng = random.Random(f"cluster-{to_group}")
    for _ in range(2):
        proc = start("run", scen, "-q", "-r", "5000", *EXECUTORS["dask"])

        def cluster_starts(p=proc) -> bool:
            return any("spawn_main" in cmd for cmd in descendants(p.pid).values())

        try:
            err = interrupt(proc, cluster_starts, to_group, rng, timeout=60, spread_s=1.0)
        finally:
            kill_session(proc)
        assert proc.returncode == 130, err
        assert err.splitlines() == ["collectsim: interrupted"]


SWEEP = [
    "sweep",
    ROOT / "scenarios" / "table_14_1.toml",
    "--set",
    "calendar.working_days=2",
    "--set",
    "teams.low_risk_team.headcount=4,8",
    "-r",
    "8",
    "--seed",
    "3",
    "-q",
]


@pytest.mark.parametrize("to_group", [True, False], ids=["group", "parent"])
def test_ctrl_c_mid_dask_sweep_keeps_finished_replications_and_resumes(tmp_path, to_group):
    pytest.importorskip("distributed")
    out = tmp_path / "sweep"
    records = out / "replications.jsonl"
    argv = [*SWEEP, *EXECUTORS["dask"], "--out", out]
    proc = start(*argv)
    try:
        err = interrupt(proc, lambda: lines(records) >= 2, to_group, random.Random(str(to_group)))
    finally:
        kill_session(proc)
    assert proc.returncode == 130, err
    assert err.splitlines() == [
        f"collectsim: interrupted; finished replications are kept in {out}: "
        "run the same command again to resume"
    ]
    kept = lines(records)
    assert 2 <= kept < 16
    proc = start(*argv)
    try:
        _, err = proc.communicate(timeout=300)
    finally:
        kill_session(proc)
    assert proc.returncode == 0, err
    done = [json.loads(line) for line in records.read_text().splitlines()]
    assert len(done) == 16 and len({(r["variant"], r["replication"]) for r in done}) == 16
