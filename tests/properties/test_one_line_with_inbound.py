"""One line per account with inbound calls (issue 24): outbound dials and inbound calls counted
together, no account is ever on two lines at once (a caller holds the account's line from
arrival to hang-up or the end of the talk), and no account is dialed out after an inbound
conversation on the same day. Centers call across midnight and inbound traffic is heavy on a
small portfolio, so that collisions would happen without the rule (the counts of
world/account_lines.py show they were met and avoided)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.base.clock import DAY_S
from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..lines import dials_after_inbound_conversation, overlapping_dials, with_inbound_lines
from ..regression.test_midnight_lines import calling_through_midnight
from .test_one_line_per_account import centers

MODES = {
    "progressive": {},
    "preview": {},
    "predictive": {"pacing": "fixed", "ratio": 2.0},
}


def with_desk(raw: dict, calls_per_hour: float, headcount: int = 4, hours=("00:00", 24.0), **inbound) -> dict:
    """``raw`` with an inbound desk (a 24-hour shift unless ``hours`` = (start, length h) say
    otherwise) and heavy inbound traffic from its one segment."""
    raw["teams"]["desk"] = {
        "headcount": headcount,
        "segments": ["s1"],
        "hourly_wage_usd": 20.0,
        "shift_start_time": hours[0],
        "shift_length_h": hours[1],
        "breaks": [],
        "lunch": None,
        "meeting_min_per_day": 0.0,
        "training_min_per_day": 0.0,
        "role": "inbound",
    }
    raw["inbound"] = {
        "calls_per_hour": {"s1": calls_per_hour},
        "talk_s": {"dist": "exponential", "mean": 240.0},
        **inbound,
    }
    return raw


def _run(raw: dict, seed: int, runs: bool = True):
    w = World(parse_scenario(raw), seed, 0, trace=True)
    if not runs:  # progressive: every dial through the kernel, none in runs of dials
        w.dialer.runs = False
    cnt = w.run()
    return w, cnt, w.trace_arrays(), w.recorder.inbound_calls


def _lines_report(tr, calls) -> list:
    both = with_inbound_lines(tr, calls)
    pairs = overlapping_dials(both)
    return [
        (
            int(both["acct"][i]),
            float(both["t"][i]),
            float(both["t"][j]),
            float(both["ring"][i] + both["talk"][i]),
        )
        for i, j in pairs[:3]
    ]


@pytest.mark.parametrize("mode", [*MODES, "progressive-one-dial"])
def test_no_account_on_an_outbound_and_an_inbound_line_at_once(mode):
    """Calling all day and night on 600 accounts, 120 inbound calls an hour (a fifth of the
    portfolio calls in each day): callers drawn from accounts on a line are redrawn, accounts
    the lists give while their debtor is on the inbound line are passed over, and the lines of
    dials and calls never overlap, across midnight included."""
    runs = mode != "progressive-one-dial"
    mode = mode.removesuffix("-one-dial")
    raw = calling_through_midnight(mode, **MODES[mode])
    raw["segments"]["s1"].update(accounts=600, promise_probability=0.05)  # most stay open
    raw["attempts"]["retry_delay_min"] = 20.0
    raw = with_desk(
        raw,
        120.0,
        patience_s={"dist": "exponential", "mean": 300.0},
        retrial_probability=0.8,
        retrial_delay_s={"dist": "exponential", "mean": 120.0},
    )
    w, cnt, tr, calls = _run(raw, 0, runs)
    lines = w.lines
    assert len(tr["t"]) > 1000 and len(calls) > 5000
    assert lines.redrawn > 50 and lines.passed_over > 20 and lines.dropped > 0
    across = [c for c in calls if c[1] >= 0 and c[3] // DAY_S != c[5] // DAY_S]
    assert len(across) >= 3  # inbound lines that run across a midnight
    assert _lines_report(tr, calls) == []
    assert dials_after_inbound_conversation(tr, calls) == []
    assert cnt.reminders_reached == 0


@pytest.mark.parametrize("mode", list(MODES))
def test_an_inbound_conversation_takes_the_account_off_todays_lists(mode):
    """A day-time center with an enforced 7-day waiting period: no dial reaches an account after
    an inbound conversation that day, and so none falls inside a waiting period (the dialer
    used to keep dialing the day's list, each such dial a violation)."""
    raw = calling_through_midnight(mode, **MODES[mode])
    raw["calendar"].update(open_time="08:00", close_time="20:00")
    raw["compliance"].update(calling_window_start="08:00", calling_window_end="20:00")
    raw["teams"]["t1"].update(shift_start_time="08:00", shift_length_h=12.0)
    raw["segments"]["s1"].update(accounts=2000, promise_probability=0.3)
    raw["attempts"].update(max_per_day=4, retry_delay_min=30.0)
    raw = with_desk(raw, 60.0, headcount=6, hours=("08:00", 12.0))
    w, cnt, tr, calls = _run(raw, 1)
    talked = sum(c[6] for c in calls)
    assert talked > 500 and w.lines.passed_over > 10
    assert dials_after_inbound_conversation(tr, calls) == []
    assert cnt.blocks["compliance"]["calls_in_waiting_period"] == 0
    assert _lines_report(tr, calls) == []


@st.composite
def centers_with_inbound(draw) -> dict:
    """A small center of test_one_line_per_account with a 24-hour inbound desk whose traffic
    reaches a good share of the portfolio every day."""
    raw = draw(centers())
    accounts = raw["segments"]["s1"]["accounts"]
    per_day = draw(st.sampled_from([0.1, 0.5, 2.0]))  # calls a day per account, at most 600 an hour
    return with_desk(
        raw,
        min(600.0, per_day * accounts / 24.0),
        headcount=draw(st.integers(1, 8)),
        patience_s=draw(st.sampled_from([30.0, {"dist": "exponential", "mean": 600.0}])),
        retrial_probability=draw(st.sampled_from([0.0, 0.9])),
        retrial_delay_s=draw(st.sampled_from([10.0, {"dist": "exponential", "mean": 300.0}])),
        talk_s=draw(st.sampled_from([5.0, {"dist": "exponential", "mean": 400.0}])),
    )


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(centers_with_inbound(), st.integers(0, 3))
def test_no_account_is_ever_on_two_lines_with_inbound_calls(raw, seed):
    w, cnt, tr, calls = _run(raw, seed)
    assert _lines_report(tr, calls) == []
    assert dials_after_inbound_conversation(tr, calls) == []
    assert cnt.reminders_reached == 0


@pytest.mark.parametrize("mode", ["progressive", "predictive"])
def test_the_blended_floor_keeps_one_line_per_account_with_callbacks(mode):
    """scenarios/inbound_blend.toml (blend team, call-backs on every refusal, calls back after
    messages) on a small portfolio: no account on two lines, call-backs included, and no dial
    outside the calling window."""
    import tomllib

    from ..conftest import ROOT

    raw = tomllib.loads((ROOT / "scenarios" / "inbound_blend.toml").read_text())
    raw["calendar"]["working_days"], raw["calendar"]["warmup_days"] = 3, 1
    raw["segments"]["early_stage"]["accounts"], raw["segments"]["late_stage"]["accounts"] = 1500, 800
    raw["inbound"]["callbacks"] = {"probability": 1.0, "delay_s": {"dist": "exponential", "mean": 3600.0}}
    if mode == "predictive":
        raw["dialer"] = {"mode": "predictive", "pacing": "fixed", "ratio": 2.0}
    w, cnt, tr, calls = _run(raw, 5)
    assert cnt.callbacks[:, 1].sum() > 50  # call-backs were made
    assert not overlapping_dials(with_inbound_lines(tr, calls))
    assert w.rules.outside_window == 0
