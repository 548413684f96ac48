"""The compliance block's 7-in-7 counts against the dial trace: the largest 7-day count, the
accounts that went over the cap and the calls beyond it, recomputed from the dials themselves
with the rule switched off (so that there are violations to count)."""

import numpy as np

from simulator.base.clock import DAY_S
from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario


def trace_counts(tr: dict, cap: int, first_day: int, last_day: int) -> tuple[int, int, int]:
    """(largest 7-day count, accounts over the cap, calls beyond it) over days first..last: for
    each account and day d, T = its calls on days d-6..d and n = its calls on d; over the cap
    when T > cap, with min(n, T - cap) calls beyond it."""
    day = (tr["t"] // DAY_S).astype(np.int64)
    acct = tr["acct"].astype(np.int64)
    per = {}
    for a, d in zip(acct.tolist(), day.tolist()):
        per.setdefault(a, {}).setdefault(d, 0)
        per[a][d] += 1
    most, over, beyond = 0, set(), 0
    for a, days in per.items():
        for d in range(first_day, last_day + 1):
            n = days.get(d, 0)
            if not n:
                continue
            t = sum(days.get(k, 0) for k in range(d - 6, d + 1))
            most = max(most, t)
            if t > cap:
                over.add(a)
                beyond += min(n, t - cap)
    return most, len(over), beyond


def test_seven_day_counts_equal_those_of_the_trace():
    raw = small_scenario(calendar__working_days=6)
    raw["calendar"]["warmup_days"] = 1
    raw["calendar"]["weekdays"] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    raw["segments"]["s1"]["accounts"] = 400
    raw["compliance"]["max_attempts_in_7_days"] = 4
    raw["compliance"]["enforce_7_in_7"] = False
    w = World(parse_scenario(raw), 3, 0, trace=True)
    w.run()
    comp = w.counters.blocks["compliance"]
    first, last = w.calendar.first_measured_day, w.calendar.last_work_day
    most, over, beyond = trace_counts(w.trace_arrays(), 4, first, last)
    assert over > 20 and beyond > over  # the rule is broken, and counted
    assert comp["max_attempts_in_7_days"] == most
    assert comp["accounts_over_7_day_limit"] == over
    assert comp["calls_over_7_day_limit"] == beyond


def test_no_account_over_the_cap_when_the_rule_is_enforced():
    raw = small_scenario(calendar__working_days=6)
    raw["compliance"]["max_attempts_in_7_days"] = 4
    w = World(parse_scenario(raw), 3, 0)
    w.run()
    comp = w.counters.blocks["compliance"]
    assert comp["max_attempts_in_7_days"] <= 4
    assert comp["accounts_over_7_day_limit"] == comp["calls_over_7_day_limit"] == 0
