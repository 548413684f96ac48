"""Two collectsim processes given the same output at once: the second is refused at its check
(exit 2), writes nothing and takes nothing from the first, with or without --force; the first
finishes with files that all come from it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import collectsim_env, tiny_scenario, write_toml

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ENV = collectsim_env()
COLLECTSIM = [sys.executable, "-m", "simulator"]


@pytest.fixture
def scen(tmp_path):
    return str(write_toml(tmp_path / "s.toml", tiny_scenario(days=3, collectors=3, accounts=2000)))


def start_holding(argv: list[str], lock: Path) -> subprocess.Popen:
    """Start collectsim and wait until it holds ``lock`` (its process id written in it)."""
    p = subprocess.Popen(
        [*COLLECTSIM, *argv], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if lock.read_text().split()[-1] == str(p.pid):
                return p
        except (OSError, IndexError):
            pass
        assert p.poll() is None, p.stderr.read()
        time.sleep(0.05)
    p.kill()
    raise AssertionError(f"{argv} never locked {lock}")


def second(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([*COLLECTSIM, *argv], env=ENV, capture_output=True, text=True, timeout=120)


def interrupt(p: subprocess.Popen) -> None:
    p.send_signal(signal.SIGINT)
    assert p.wait(60) == 130, p.stderr.read()


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_two_runs_into_one_out_folder(scen, tmp_path):
    race = tmp_path / "race"
    first = start_holding(
        ["run", scen, "-r", "100000", "-q", "--seed", "1", "--out", str(race)], race / ".lock"
    )
    try:
        for force in ([], ["--force"]):
            p = second(["run", scen, "-r", "2", "-q", "--seed", "2", "--out", str(race), *force])
            assert p.returncode == 2, p.stderr
            assert f"another collectsim run is writing to this folder (process {first.pid})" in p.stderr
        p = second(["sweep", scen, "--set", "teams.t1.headcount=1,2", "-r", "1", "-q", "--out", str(race)])
        assert p.returncode == 2 and "another collectsim run is writing to this folder" in p.stderr
    finally:
        interrupt(first)
    recs = records(race / "replications.jsonl")
    assert recs and {r["seed"] for r in recs} == {1}
    assert [r["replication"] for r in recs] == list(range(len(recs)))
    assert sorted(p.name for p in race.iterdir()) == ["replications.jsonl"]  # interrupted: no results yet


def test_two_runs_writing_one_json_file(scen, tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    lock = tmp_path / ".r.json.lock"
    first = start_holding(["run", scen, "-r", "100000", "-q", "--json", str(target), "--force"], lock)
    try:
        for force in ([], ["--force"]):
            p = second(["run", scen, "-r", "2", "-q", "--seed", "2", "--json", str(target), *force])
            assert p.returncode == 2, p.stderr
            assert (
                f"--json {target}: another collectsim run is writing this file (process {first.pid})"
                in p.stderr
            )
            assert "written" not in p.stderr
    finally:
        interrupt(first)
    assert target.read_text() == "old"  # neither wrote: the first was stopped, the second refused
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "s.toml"]


def test_the_first_run_finishes_with_files_that_are_all_its_own(scen, tmp_path):
    """Whether the second run is refused by the lock or, the first having finished, by the files
    it left, it exits 2 and the folder holds one run's results and records."""
    race, js = tmp_path / "race", tmp_path / "r.json"
    first = start_holding(
        ["run", scen, "-r", "40", "-q", "--seed", "1", "--out", str(race), "--json", str(js)], race / ".lock"
    )
    p = second(["run", scen, "-r", "40", "-q", "--seed", "2", "--out", str(race), "--json", str(js)])
    assert p.returncode == 2, p.stderr
    assert "another collectsim run is writing" in p.stderr or "exists; not overwritten" in p.stderr
    assert first.wait(300) == 0, first.stderr.read()
    doc = json.loads((race / "results.json").read_text())
    assert doc["seed"] == 1 and doc["replications"] == 40
    assert json.loads(js.read_text()) == doc
    recs = records(race / "replications.jsonl")
    assert len(recs) == 40 and {r["seed"] for r in recs} == {1}
    assert [r["result"]["metrics"]["center"]["center"]["dials"] for r in recs] == doc["metrics"]["center"][
        "dials"
    ]["values"]
    assert sorted(p.name for p in race.iterdir()) == ["replications.jsonl", "results.json", "summary.txt"]
