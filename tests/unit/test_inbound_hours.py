"""The inbound queue by hour of arrival (world/inbound_hours.py, the ``inbound_by_hour`` block):
the hours add up to the queue's totals, each call counts in the hour it arrived, the block's
ratios pool to the center's, and a scenario without ``[inbound]`` has none of it."""

import numpy as np
import pytest

from simulator.experiment.replications import run_replication
from simulator.measures.inbound import HOUR_FIGURES, hour_key, window_hours
from simulator.scenario import parse_scenario
from simulator.world.build import World
from simulator.world.counters import HOUR_COLUMNS, QUEUE_COLUMNS

from ..conftest import small_scenario
from .test_inbound import blended_floor

Q = {k: i for i, k in enumerate(QUEUE_COLUMNS)}
H = {k: i for i, k in enumerate(HOUR_COLUMNS)}


def peaked_floor(**inbound) -> dict:
    """The blended floor with a morning peak, nothing before 09:00 or after 16:00, one warm-up day
    and retrials."""
    hours = [0.0] * 24
    hours[9:16] = [0.5, 1.5, 2.0, 1.0, 0.8, 1.2, 0.6]
    raw = blended_floor(
        hour_multipliers=hours,
        retrial_probability=0.4,
        retrial_delay_s={"dist": "exponential", "mean": 600.0},
        patience_s={"dist": "exponential", "mean": 60.0},
        **inbound,
    )
    raw["calendar"].update(working_days=3, warmup_days=1)
    return raw


def run(raw: dict, seed: int = 1) -> World:
    w = World(parse_scenario(raw), seed, 0)
    w.run()
    return w


def test_hours_add_up_to_the_queue_after_the_warm_up():
    w = run(peaked_floor())
    by_hour, q = w.counters.inbound_hours, w.counters.inbound_queue.sum(axis=0)
    assert by_hour.shape == (24, len(HOUR_COLUMNS))
    for hk, qk in (
        ("calls", "calls"),
        ("answered", "answered"),
        ("abandoned", "abandoned"),
        ("answered_in_sl", "answered_in_sl"),
    ):
        assert by_hour[:, H[hk]].sum() == q[Q[qk]], hk
    assert by_hour[:, H["wait_answered_s"]].sum() == pytest.approx(q[Q["wait_answered_s"]], rel=1e-12)
    assert q[Q["calls"]] > 500 and q[Q["retrials"]] > 0  # the warm-up day is not in these
    # first calls arrive only in hours with a rate; retrials only after a hang-up, inside the window
    assert by_hour[:9, H["calls"]].sum() == 0
    assert by_hour[9:16, H["calls"]].min() > 0
    assert by_hour[11, H["calls"]] > by_hour[9, H["calls"]]  # multiplier 2.0 against 0.5


def test_a_call_counts_in_the_hour_it_arrived():
    """Calls arrive only between 08:00 and 09:00, before the desk opens at 09:00, and wait with a
    patience of days: every one is answered, and counted in hour 8, after a wait of at least the
    time to 09:00."""
    hours = [0.0] * 24
    hours[8] = 1.0
    raw = blended_floor(
        calls_per_hour={"s1": 30.0},
        hour_multipliers=hours,
        patience_s={"dist": "constant", "value": 1.0e9},
        talk_s={"dist": "constant", "value": 20.0},
        wrap_s=0.0,
    )
    w = run(raw)
    by_hour = w.counters.inbound_hours
    calls = by_hour[8, H["calls"]]
    assert calls > 40
    assert by_hour[8, H["answered"]] == calls and by_hour[8, H["abandoned"]] == 0
    assert by_hour[8, H["answered_in_sl"]] == 0  # nobody is answered within 20 s of arriving
    assert np.delete(by_hour, 8, axis=0).sum() == 0
    # each waited from its arrival, uniform over 08:00-09:00, to at least 09:00: 1,800 s on
    # average (standard error 3600 / sqrt(12 n) < 170 s for the n > 40 calls of two days)
    assert by_hour[8, H["wait_answered_s"]] / calls > 600.0


def test_the_block_pools_to_the_center():
    """Per replication: the hours of the calling window, counts that sum to the center's, and
    hourly ratios whose call-weighted sum is the center's ratio."""
    sc = parse_scenario(peaked_floor())
    rep = run_replication(sc, 3, 0)
    block, c = rep["blocks"]["inbound_by_hour"], rep["metrics"]["center"]["center"]
    window = window_hours(sc)
    assert list(window) == list(range(8, 21))  # the default calling window 08:00-21:00
    assert list(block) == [hour_key(h, f) for h in window for f in HOUR_FIGURES]
    calls = {h: block[hour_key(h, "calls")] for h in window}
    assert sum(calls.values()) == c["inbound_calls"]
    assert sum(block[hour_key(h, "answered")] for h in window) == c["inbound_answered"]
    assert sum(block[hour_key(h, "abandoned")] for h in window) == c["inbound_abandoned"]
    on = [h for h in window if calls[h] > 0]
    assert block[hour_key(8, "service_level")] is None and block[hour_key(8, "asa_s")] is None
    pooled_sl = sum(calls[h] * block[hour_key(h, "service_level")] for h in on) / c["inbound_calls"]
    pooled_ab = sum(calls[h] * block[hour_key(h, "abandon_rate")] for h in on) / c["inbound_calls"]
    assert pooled_sl == pytest.approx(c["service_level"], rel=1e-12)
    assert pooled_ab == pytest.approx(c["inbound_abandon_rate"], rel=1e-12)
    answered = {h: block[hour_key(h, "answered")] for h in on}
    waited = sum(answered[h] * block[hour_key(h, "asa_s")] for h in on if answered[h])
    assert waited / c["inbound_answered"] == pytest.approx(c["asa_s"], rel=1e-12)


def test_window_hours_cover_a_part_hour():
    raw = peaked_floor()
    raw["compliance"].update(calling_window_start="07:30", calling_window_end="20:15")
    assert list(window_hours(parse_scenario(raw))) == list(range(7, 21))


def test_no_inbound_block_no_hours():
    sc = parse_scenario(small_scenario(calendar__working_days=1))
    w = World(sc, 1, 0)
    w.run()
    assert w.counters.inbound_hours is None
    assert "inbound_by_hour" not in run_replication(sc, 1, 0)["blocks"]
