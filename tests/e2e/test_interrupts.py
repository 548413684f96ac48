"""Ctrl-C at any moment: a sweep keeps every finished replication and resumes to the bytes of an
uninterrupted run, on every executor; a run of a billion replications stops at once in bounded
memory. A sweep killed outright (SIGKILL) also resumes to the same summary."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from simulator.cli import main

from ..conftest import ROOT, collectsim_env, tiny_scenario, write_toml

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ENV = collectsim_env()
SWEEP = [
    "sweep",
    str(ROOT / "scenarios" / "table_14_1.toml"),
    "--set",
    "calendar.working_days=2",
    "--set",
    "teams.low_risk_team.headcount=4,8",
    "--set",
    "dialer.mode=progressive,preview",
    "-r",
    "6",
    "--seed",
    "3",
    "-q",
]
JOBS = 4 * 6
EXECUTORS = {"serial": [], "process": ["--workers", "2"], "dask": ["--executor", "dask", "--workers", "2"]}


def collectsim(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *argv], env=ENV, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "sweep"
    p = collectsim(*SWEEP, "--out", str(out))
    assert p.returncode == 0, p.stderr
    return (out / "summary.json").read_bytes()


HANG_S = 30
"""A collectsim that has not exited this long after Ctrl-C hangs: a liveness guard, not a speed
figure (it exits well under a second after the signal)."""


def interrupt(argv: list[str], ready, rng: random.Random, timeout: float = 120) -> tuple[int, str]:
    """Start collectsim in its own process group, wait until ``ready()``, wait a random moment
    more, then SIGINT the whole group as a terminal's Ctrl-C does. Returns (exit code, stderr);
    raises TimeoutExpired if it hangs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", *argv],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert proc.poll() is None, f"ended before the interrupt: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "never got ready"
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=HANG_S)
        return proc.returncode, err
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def lines(path) -> int:
    try:
        return len(path.read_bytes().splitlines())
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("executor", list(EXECUTORS))
def test_sigint_mid_sweep_then_resume_gives_the_uninterrupted_summary(tmp_path, uninterrupted, executor):
    if executor == "dask":
        pytest.importorskip("distributed")
    rng = random.Random(f"interrupt-{executor}")
    out = tmp_path / "sweep"
    jsonl = out / "replications.jsonl"
    argv = [*SWEEP, *EXECUTORS[executor], "--out", str(out)]
    at_least = rng.randint(2, 6)
    code, err = interrupt(argv, lambda: lines(jsonl) >= at_least, rng)
    kept = lines(jsonl)
    # replications are recorded as they end, so the interrupt lands mid-run (a sweep that
    # recorded them all in a burst at the end would be past JOBS - 1 here)
    assert at_least <= kept < JOBS - 4, "the sweep was not interrupted mid-run"
    assert code == 130, err
    assert err.strip().splitlines() == [
        f"collectsim: interrupted; finished replications are kept in {out}: "
        "run the same command again to resume"
    ]
    if executor == "dask":
        time.sleep(1)
        assert not _children_of_dead_sweeps(), "the Dask cluster outlived the sweep"

    p = collectsim(*argv)
    assert p.returncode == 0, p.stderr
    assert f"ran {JOBS - kept}, {kept} already done" in p.stdout
    assert (out / "summary.json").read_bytes() == uninterrupted
    keys = Counter((r["variant"], r["replication"]) for r in map(json.loads, jsonl.read_text().splitlines()))
    assert len(keys) == JOBS and set(keys.values()) == {1}  # no replication recorded twice


def _children_of_dead_sweeps() -> list[str]:
    """Processes of a Dask cluster whose parent has gone (adopted by init)."""
    out = subprocess.run(["ps", "-eo", "ppid=,args="], capture_output=True, text=True).stdout
    return [
        line
        for line in out.splitlines()
        if line.split(None, 1)[0] == "1" and ("distributed" in line or "multiprocessing" in line)
    ]


def test_sigint_stops_a_billion_replications_in_bounded_memory():
    """Jobs are submitted lazily: after 5 s of a billion replications Ctrl-C ends the run, with
    exit 130 and no traceback, and the run never held 1 GB."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "run", "-r", "1000000000", "-q", "--yes"],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(5)
    os.killpg(proc.pid, signal.SIGINT)
    deadline = time.monotonic() + HANG_S
    pid = 0
    while pid == 0:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == 0:
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                pytest.fail(f"collectsim still running {HANG_S} s after Ctrl-C")
            time.sleep(0.05)
    err = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 130, err
    assert usage.ru_maxrss < 1024 * 1024, f"peak {usage.ru_maxrss / 1024:.0f} MB"  # ru_maxrss in KiB
    assert err.splitlines()[-1] == "collectsim: interrupted" and "Traceback" not in err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sweep_killed_mid_run_resumes_to_the_same_summary(tmp_path, workers):
    scen = write_toml(tmp_path / "s.toml", tiny_scenario(accounts=1500))
    args = ["sweep", str(scen), "--set", "teams.t1.headcount=2,3", "-r", "25", "--seed", "4", "-q"]
    out = tmp_path / "killed"
    # killed while running serially, or with a process pool (whose workers end with their parent)
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", *args, "--workers", workers, "--out", str(out)],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    jsonl = out / "replications.jsonl"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if jsonl.exists() and jsonl.read_bytes().count(b"\n") >= 3:
                break
            time.sleep(0.01)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:  # it had already ended (the assertion below says so)
            pass
    finally:
        proc.wait()
    before = jsonl.read_bytes()
    done = before.count(b"\n")
    assert 3 <= done < 50, "the sweep was not interrupted mid-run"
    assert not (out / "summary.json").exists()
    # the kill may also land in the middle of a line: simulate the worst case
    with open(jsonl, "ab") as f:
        f.write(b'{"variant": "v001", "replication": 24, "ok": tr')
    assert main([*args, "--out", str(out)]) == 0
    after = jsonl.read_bytes()
    assert after.startswith(before)  # finished work kept as it was, the torn line dropped
    recs = [json.loads(line) for line in after.splitlines()]
    assert len(recs) == 50  # nothing done twice
    assert len({(r["variant"], r["replication"]) for r in recs}) == 50
    ref = tmp_path / "ref"
    assert main([*args, "--out", str(ref)]) == 0
    for name in ("summary.json", "summary.csv", "tidy.csv", "variants/v001.json"):
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
