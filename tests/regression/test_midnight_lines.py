"""Regression: an account on a line at midnight is not dialed again on the new day's list while
that line lasts (issue 24).

A predictive call still ringing at midnight used to be neither in the closing day's log nor
anywhere the new day's list looked, so the account went onto the new list and was dialed at once
on a second line. When both lines reached the right party, the first made a promise and the
second was counted as a reminder contact although reminders were off.
"""

from __future__ import annotations

import numpy as np

from simulator.base.clock import DAY_S
from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario
from ..lines import overlapping_dials


def calling_through_midnight(mode: str = "predictive", **dialer) -> dict:
    """A center that calls the whole day: one team on a 24-hour shift from 00:00, the calling
    window the whole day. Half the dials reach the right party after a random ring, and every
    right party promises; a no-answer rings for 90 s, so calls placed before midnight ring on
    after it."""
    raw = small_scenario(calendar__working_days=4, segments__s1__accounts=20000)
    raw["calendar"].update(open_time="00:00", close_time="24:00")
    raw["compliance"].update(calling_window_start="00:00", calling_window_end="24:00")
    raw["teams"]["t1"].update(
        shift_start_time="00:00",
        shift_length_h=24.0,
        headcount=8,
        breaks=[],
        lunch=None,
        meeting_min_per_day=0.0,
        training_min_per_day=0.0,
    )
    seg = raw["segments"]["s1"]
    seg["promise_probability"] = 1.0
    outs = seg["outcomes"]
    outs["rpc"].update(
        probability=0.3, ring_time_s={"dist": "exponential", "mean": 15.0}, talk_time_s=30.0, wrap_time_s=5.0
    )
    outs["no_answer"].update(probability=0.4, ring_time_s=90.0)
    outs["machine"].update(probability=0.05)
    raw["dialer"] = {"mode": mode, **dialer}
    return raw


def _run(raw: dict, seed: int = 0):
    w = World(parse_scenario(raw), seed, 0, trace=True)
    cnt = w.run()
    return w.trace_arrays(), cnt


def test_a_call_ringing_at_midnight_keeps_its_account_off_a_second_line():
    tr, cnt = _run(calling_through_midnight(pacing="fixed", ratio=2.0))
    midnights = np.arange(1, 5) * DAY_S
    start, end = tr["t"], tr["t"] + tr["ring"] + tr["talk"]
    across = ((start[:, None] < midnights) & (end[:, None] > midnights)).any(axis=1)
    assert across.sum() >= 5  # the case is there: lines that run across a midnight
    assert overlapping_dials(tr) == []
    assert cnt.reminders_reached == 0  # reminders are off: no right-party call is a reminder
