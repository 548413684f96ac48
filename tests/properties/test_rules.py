"""Calling rules hold on random valid scenarios, checked from the dial trace, not from the
dialer's own counters; and a rule switched off shows up as violations."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.base.clock import DAY_S
from simulator.base.outcomes import ABANDONED, RPC  # noqa: E402
from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario


@st.composite
def scenarios(draw):
    raw = small_scenario()
    raw["calendar"]["working_days"] = draw(st.integers(1, 9))
    raw["calendar"]["weekdays"] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    t = raw["teams"]["t1"]
    t["headcount"] = draw(st.integers(1, 6))
    t["shift_start_time"] = "08:00"
    t["shift_length_h"] = 12.0
    raw["calendar"]["close_time"] = "21:00"
    seg = raw["segments"]["s1"]
    seg["accounts"] = draw(st.integers(20, 600))
    offsets = draw(
        st.lists(st.sampled_from([-3.0, -2.0, -1.0, -0.5, 0.0, 1.0]), min_size=1, max_size=3, unique=True)
    )
    seg["time_zones"] = {"offsets_h": offsets, "weights": [1.0] * len(offsets)}
    seg["promise_due_days"] = {"dist": "uniform_int", "low": 0, "high": 3}
    start = draw(st.integers(8, 11))
    end = draw(st.integers(start + 2, 21))
    raw["attempts"] = {
        "max_per_day": draw(st.integers(1, 5)),
        "retry_delay_min": draw(st.sampled_from([0.0, 10.0, 60.0])),
        "promise_reminder": draw(st.booleans()),
    }
    raw["compliance"] = {
        "calling_window_start": f"{start:02d}:00",
        "calling_window_end": f"{end:02d}:00",
        "max_attempts_in_7_days": draw(st.integers(1, 7)),
        "wait_after_conversation_days": float(draw(st.integers(0, 7))),
        "exempt_promise_confirmation": False,
        "enforce_no_redial_after_abandon": draw(st.booleans()),
        "no_redial_after_abandon_h": 72.0,
    }
    mode = draw(st.sampled_from(["preview", "progressive", "predictive"]))
    raw["dialer"] = {
        "mode": mode,
        "ratio": draw(st.sampled_from([1.0, 2.0, 3.0])),
        "amd": draw(st.booleans()),
        "amd_accuracy": 0.9,
    }
    return raw


def check_trace(raw: dict, seed: int) -> dict:
    sc = parse_scenario(raw)
    w = World(sc, seed, 0, trace=True)
    cnt = w.run()
    tr = w.trace_arrays()
    p = w.portfolio
    comp = sc.compliance
    a = tr["acct"].astype(np.int64)
    t = tr["t"]
    off = np.asarray(p.bucket_offset_s)[p.bucket[a]]
    local_min = ((t + off) % DAY_S) // 60
    lo = int(comp.calling_window_start[:2]) * 60
    hi = int(comp.calling_window_end[:2]) * 60
    day = (t // DAY_S).astype(np.int64)
    per_day = np.bincount(a * 1000 + day) if len(a) else np.zeros(1, int)
    worst7 = 0
    if len(a):
        counts = np.zeros((p.n, int(day.max()) + 7), dtype=np.int64)
        np.add.at(counts, (a, day), 1)
        csum = np.cumsum(np.pad(counts, ((0, 0), (1, 0))), axis=1)
        worst7 = int((csum[:, 7:] - csum[:, :-7]).max())
    end = t + tr["ring"] + tr["talk"]
    in_wait = 0
    after_abandon = 0
    order = np.lexsort((t, a))
    last_conv = {}
    last_ab = {}
    for i in order:
        acct = int(a[i])
        is_reminder_exempt = False
        if (
            acct in last_conv
            and t[i] < last_conv[acct] + comp.wait_after_conversation_days * DAY_S
            and not is_reminder_exempt
        ):
            in_wait += 1
        if comp.enforce_no_redial_after_abandon and acct in last_ab and t[i] < last_ab[acct] + 72 * 3600:
            after_abandon += 1
        if tr["out"][i] == RPC:
            last_conv[acct] = end[i]
        if tr["out"][i] == ABANDONED:
            last_ab[acct] = t[i] + tr["ring"][i]
    return {
        "outside": int(((local_min < lo) | (local_min >= hi)).sum()),
        "per_day": int(per_day.max()),
        "worst7": worst7,
        "in_wait": in_wait,
        "after_abandon": after_abandon,
        "block": cnt.blocks["compliance"],
        "dials": len(a),
    }


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios(), st.integers(0, 1000))
def test_rules_hold_in_every_mode(raw, seed):
    r = check_trace(raw, seed)
    comp = raw["compliance"]
    assert r["outside"] == 0
    assert r["per_day"] <= raw["attempts"]["max_per_day"]
    assert r["worst7"] <= comp["max_attempts_in_7_days"]
    assert r["in_wait"] == 0
    assert r["after_abandon"] == 0
    b = r["block"]
    assert b["calls_outside_window"] == 0 and b["calls_in_waiting_period"] == 0
    assert b["max_attempts_in_7_days"] == r["worst7"]


def test_rules_switched_off_show_violations():
    """The compliance block measures; it does not just echo the enforcement."""
    raw = small_scenario(segments__s1__accounts=40)
    raw["calendar"]["working_days"] = 8
    raw["calendar"]["weekdays"] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    raw["segments"]["s1"]["time_zones"] = {"offsets_h": [-3.0], "weights": [1.0]}
    raw["attempts"] = {"max_per_day": 3, "retry_delay_min": 10.0}
    raw["compliance"] = {
        "enforce_calling_window": False,
        "enforce_7_in_7": False,
        "enforce_wait_after_conversation": False,
    }
    r = check_trace(raw, 1)
    b = r["block"]
    assert r["outside"] > 0 and b["calls_outside_window"] == r["outside"]
    assert r["worst7"] > 7 and b["max_attempts_in_7_days"] == r["worst7"]
    assert r["in_wait"] > 0 and b["calls_in_waiting_period"] == r["in_wait"]
