"""Outputs of the real command: a refused output path ends collectsim quickly, before any
simulation, and a reader that closes the pipe early ends it quietly with the shell's status."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..conftest import collectsim_env, tiny_scenario, write_toml

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ENV = collectsim_env()


@pytest.fixture
def scen(tmp_path):
    return str(write_toml(tmp_path / "s.toml", tiny_scenario(accounts=1500)))


def test_refusals_come_before_simulating_as_a_command(scen, tmp_path):
    """100,000 replications take far longer than the timeout: only a refusal made before the
    first replication returns in time."""
    existing = tmp_path / "r.json"
    existing.write_text("mine")
    for target in ("/nonexistent/x.json", str(existing)):
        p = subprocess.run(
            [sys.executable, "-m", "simulator", "run", scen, "-r", "100000", "-q", "--json", target],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert p.returncode == 2, p.stderr
        assert existing.read_text() == "mine"


def test_broken_pipe_ends_quietly(scen):
    p = subprocess.run(
        f"{sys.executable} -m simulator run {scen} -r 2 | head -1",
        shell=True,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        executable="/bin/bash",
    )
    assert p.stdout.startswith("collectsim ") and len(p.stdout.splitlines()) == 1
    assert p.stderr == "", p.stderr
    # a reader that leaves before anything is written: the write fails with EPIPE for sure
    status = subprocess.run(
        f"{sys.executable} -m simulator run {scen} -r 2 | true; echo ${{PIPESTATUS[0]}}",
        shell=True,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        executable="/bin/bash",
    )
    assert status.stdout.strip() == "141" and status.stderr == ""
