"""Fixtures the unit tests share."""

from __future__ import annotations

import pytest

from simulator.experiment import replications as experiment

from ..conftest import tiny_scenario, write_toml


@pytest.fixture
def scen(tmp_path):
    """A tiny scenario file (1,500 accounts); a test module may define its own ``scen``."""
    return str(write_toml(tmp_path / "s.toml", tiny_scenario(accounts=1500)))


@pytest.fixture
def no_simulation(monkeypatch):
    """Fails the test if a replication starts: the command was to refuse before running."""

    def boom(*a, **k):
        raise AssertionError("a replication ran although the command should have refused first")

    monkeypatch.setattr(experiment, "run_replication", boom)
