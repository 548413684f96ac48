"""Ctrl-C is one line: SIGINT to the whole process group (a terminal's Ctrl-C) while collectsim
is still starting ends it with exit 130 and exactly one line on stderr."""

from __future__ import annotations

import os
import random
import signal
import time

import pytest

from ..conftest import small_scenario, write_toml
from .processes import has_mapped, kill_session, start, wait_gone

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


def test_ctrl_c_while_collectsim_starts_is_one_line(scen):
    """SIGINT to the group at random moments from the first import of numpy on: while
    collectsim imports numpy, SciPy and pydantic, parses or loads the scenario. (Before
    that, Python starts and runs its site hooks: a Ctrl-C then is Python's to report.)"""
    rng = random.Random("starting")
    for _ in range(6):
        proc = start("run", scen, "-q", "-r", "5000")
        try:
            numpy_loads = lambda p=proc: has_mapped(p.pid, "_multiarray_umath")  # noqa: E731
            err = interrupt(proc, numpy_loads, True, rng, timeout=30, spread_s=1.0)
        finally:
            kill_session(proc)
        assert proc.returncode == 130, err
        assert err.splitlines() == ["collectsim: interrupted"]
