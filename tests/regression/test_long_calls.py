"""Regression: a call may end days after it was placed (found by the fuzz run, issue 8)."""
from __future__ import annotations

import pytest

from pathlib import Path

from simulator.scenario import load_scenario, parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario


@pytest.mark.parametrize("mode", ["preview", "progressive", "predictive"])
def test_call_ending_days_later_is_counted_not_a_crash(mode):
    """A right-party ring time with a 35-hour mean (valid: distributions are unbounded) makes
    conversations, and so promises, end days after the calling days. The per-day counters used
    to be sized for the calling days plus the longest promise delay and raised IndexError; they
    now grow, and every promise is still resolved exactly once."""
    raw = small_scenario()
    raw["segments"]["s1"]["outcomes"]["rpc"]["ring_time_s"] = {"dist": "exponential", "mean": 126548.0}
    raw["segments"]["s1"]["promise_due_days"] = 16
    raw["dialer"] = {"mode": mode}
    w = World(parse_scenario(raw), 1, 0)
    cnt = w.run()
    if mode != "predictive":   # (a predictive pacer that expects 17-hour rings never counts anyone free)
        assert cnt.promises.sum() > 0
    assert cnt.kept.sum() + cnt.broken.sum() == cnt.promises.sum()
    assert cnt.daily_promises.sum() == cnt.promises.sum()
    assert cnt.daily_kept.sum() == cnt.kept.sum()
    assert cnt.dials.sum() == cnt.daily_dials.sum()


def test_fuzz_input_with_35_hour_ring_runs():
    """The fuzz run's input itself (preview dialer, a second segment whose right-party ring time
    has a 126,548 s mean, promises due 16 days later): IndexError before, now the per-day arrays
    grow past the planned horizon and every promise is counted once."""
    sc = load_scenario(Path(__file__).parent / "data" / "fuzz_long_ring.toml").scenario
    w = World(sc, 1, 0)
    cnt = w.run()
    assert cnt.daily_promises.shape[1] > w.n_days
    assert cnt.kept.sum() + cnt.broken.sum() == cnt.promises.sum() == cnt.daily_promises.sum()
    assert cnt.dials.sum() == cnt.daily_dials.sum()
