"""One line per account, over random small centers (Hypothesis): in every dialer mode, with
shifts that reach midnight and the next day's calling starting at once, no account is ever on
two lines at once (its dials' intervals [start, end of ring and talk] never overlap, whatever
the ring, talk and retry times), and with reminders off no right-party call is counted as a
reminder contact (a second right-party answer on the same account used to be)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario
from ..lines import overlapping_dials

OUTCOMES = ("no_answer", "busy", "invalid", "machine", "third_party", "rpc")

# (team name, shift start, shift length h): a day shift that ends long before midnight, an
# evening shift to 24:00 with a night shift from 00:00, a 24-hour shift, and two day shifts
# of which one ends at midnight (nobody dials right after it).
SHIFTS = {
    "day": [("t1", "09:00", 8.0)],
    "evening_and_night": [("t1", "16:00", 8.0), ("night", "00:00", 6.0)],
    "all_day": [("t1", "00:00", 24.0)],
    "to_midnight": [("t1", "09:00", 8.0), ("late", "15:00", 9.0)],
}

seconds = st.sampled_from([4.0, 12.0, 30.0, 90.0, 400.0, 1800.0])


@st.composite
def ring_times(draw):
    if draw(st.booleans()):
        return draw(seconds)
    return {"dist": "exponential", "mean": draw(seconds)}


@st.composite
def centers(draw) -> dict:
    """A small center: a dialer mode, a shift layout, random outcomes and rules."""
    accounts = draw(st.sampled_from([100, 400, 1500, 6000, 20000]))
    raw = small_scenario(calendar__working_days=draw(st.integers(3, 6)), segments__s1__accounts=accounts)
    raw["calendar"].update(open_time="00:00", close_time="24:00")
    raw["compliance"].update(
        calling_window_start="00:00",
        calling_window_end="24:00",
        wait_after_conversation_days=draw(st.sampled_from([0.0, 1.0, 7.0])),
        enforce_no_redial_after_abandon=draw(st.booleans()),
        no_redial_after_abandon_h=draw(st.sampled_from([1.0, 24.0])),
    )
    raw["attempts"].update(
        max_per_day=draw(st.integers(1, 4)),
        retry_delay_min=draw(st.sampled_from([1.0, 20.0, 60.0])),
        promise_reminder=False,
    )
    template = raw["teams"].pop("t1")
    layout = draw(st.sampled_from(["day", "to_midnight", "evening_and_night", "all_day", "all_day"]))
    for name, start, length in SHIFTS[layout]:
        raw["teams"][name] = {
            **template,
            "headcount": draw(st.integers(2, 8)),
            "shift_start_time": start,
            "shift_length_h": length,
            "breaks": [],
            "lunch": None,
            "meeting_min_per_day": 0.0,
            "training_min_per_day": 0.0,
        }
    seg = raw["segments"]["s1"]
    weights = [draw(st.integers(1, 10)) for _ in OUTCOMES]
    probs = [w / sum(weights) for w in weights]
    probs[-1] = 1.0 - sum(probs[:-1])
    for o, p in zip(OUTCOMES, probs):
        seg["outcomes"][o]["probability"] = p
        seg["outcomes"][o]["ring_time_s"] = draw(ring_times())
    seg["outcomes"]["rpc"]["talk_time_s"] = draw(ring_times())
    seg["promise_probability"] = draw(st.sampled_from([0.3, 1.0]))
    if draw(st.booleans()):
        seg["time_zones"] = {"offsets_h": [0.0, -1.0], "weights": [0.5, 0.5]}
    mode = draw(st.sampled_from(["preview", "progressive", "predictive"]))
    dialer: dict = {
        "mode": mode,
        "list_strategy": draw(st.sampled_from(["least_recent", "random", "balance"])),
    }
    if draw(st.booleans()):
        dialer.update(amd=True, amd_accuracy=0.8)
    if draw(st.booleans()):
        dialer["ring_timeout_s"] = 25.0
    if mode == "predictive":
        pacing = draw(st.sampled_from(["fixed", "adaptive", "poisson"]))
        dialer.update(pacing=pacing, ratio=draw(st.sampled_from([1.0, 2.0, 4.0])))
        dialer["abandon_after_s"] = draw(st.sampled_from([2.0, 30.0]))
        if pacing == "poisson":
            dialer["calls_per_hour"] = draw(st.sampled_from([60.0, 600.0]))
        if len(raw["teams"]) > 1:
            raw["routing"] = {
                "policy": "pooled",
                "overflow": draw(st.sampled_from(["wait", "overflow", "abandon"])),
            }
    raw["dialer"] = dialer
    return raw


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(centers(), st.integers(0, 3))
def test_no_account_is_ever_on_two_lines(raw, seed):
    w = World(parse_scenario(raw), seed, 0, trace=True)
    cnt = w.run()
    tr = w.trace_arrays()
    pairs = overlapping_dials(tr)
    assert pairs == [], [
        (int(tr["acct"][i]), float(tr["t"][i]), float(tr["t"][j]), float(tr["ring"][i] + tr["talk"][i]))
        for i, j in pairs[:3]
    ]
    assert cnt.reminders_reached == 0


def test_the_overlap_check_can_fail():
    """The checker is not vacuous: a dial that starts while the account's earlier line still rings
    or talks is caught, one that starts as the line ends (or on another account) is not."""
    tr = {
        "acct": np.array([7, 7, 7, 8]),
        "t": np.array([100.0, 140.0, 130.0, 110.0]),
        "ring": np.array([20.0, 5.0, 5.0, 50.0]),
        "talk": np.array([10.0, 0.0, 0.0, 0.0]),
    }
    # account 7: [100, 130], then [130, 135] (starts as the first ends: fine), then [140, 145]
    assert overlapping_dials(tr) == []
    tr["t"][2] = 129.0  # now it starts one second before the first line ends
    assert overlapping_dials(tr) == [(0, 2)]
