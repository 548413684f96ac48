"""The rule packs (compliance.rules): Reg F's exact counting, Massachusetts by state, the
compliance block per pack, and enforcement checked on the dial trace (world/rule_engine.py)."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest
from pydantic import ValidationError

from simulator.base.clock import DAY_S
from simulator.base.outcomes import ABANDONED, BUSY, INVALID, RPC
from simulator.experiment.trace_export import trace_tables
from simulator.measures.breaches import RULES, breaches
from simulator.report.data import compliance_label
from simulator.scenario.rules import shipped_packs
from simulator.scenario.schema import Scenario
from simulator.world.build import World

from ..conftest import tiny_scenario

ALL_ATTEMPTS = {
    "limits": [{"kinds": ["call"], "max": 7, "window_days": 7, "basis": "attempts"}],
    "wait_after_conversation_days": 7,
}
"""Reg F as the old counting read it: every attempt counted (busy and invalid dials too)."""


def scenario(
    rules: list[str], invalid: float = 0.35, days: int = 10, states: dict | None = None, **compliance
) -> Scenario:
    """A small center that works its 150 accounts hard enough for a 7-day limit to bind; a share
    ``invalid`` of dials end on a number not in service; ``states``: the segment's state mix."""
    raw = tiny_scenario(days=days, collectors=4, accounts=150, **{"attempts__max_per_day": 4})
    o = raw["segments"]["s1"]["outcomes"]
    o["no_answer"]["probability"] = 0.50 - invalid
    o["invalid"]["probability"] = invalid
    if states is not None:
        raw["segments"]["s1"]["states"] = states
    raw["compliance"].update(rules=rules, **compliance)
    return Scenario.model_validate(raw)


def traced(sc: Scenario, seed: int = 1) -> tuple[World, dict[str, np.ndarray]]:
    w = World(sc, seed, 0, trace=True)
    w.run()
    return w, w.trace_arrays()


def window_counts(
    tr: dict[str, np.ndarray], counted: np.ndarray, window: int, accounts=None
) -> dict[int, list[int]]:
    """For each account, per counted dial (in time order) the counted dials in the ``window``
    calendar days ending with it, itself included."""
    out: dict[int, list[int]] = defaultdict(list)
    order = np.argsort(tr["t"], kind="stable")
    days: dict[int, list[int]] = defaultdict(list)
    for i in order.tolist():
        a = int(tr["acct"][i])
        if not counted[i] or (accounts is not None and a not in accounts):
            continue
        d = int(tr["t"][i] // DAY_S)
        mine = days[a]
        mine.append(d)
        out[a].append(sum(1 for x in mine if x >= d - window + 1))
    return out


def calls_in_wait(tr: dict[str, np.ndarray], wait_days: int) -> int:
    """Dials placed on a day d..d + wait - 1 after a conversation (a right-party dial) that ended
    on day d before the dial was placed."""
    order = np.argsort(tr["t"], kind="stable")
    last_end: dict[int, float] = {}
    n = 0
    for i in order.tolist():
        a, t = int(tr["acct"][i]), float(tr["t"][i])
        e = last_end.get(a)
        if e is not None and e < t and int(t // DAY_S) - int(e // DAY_S) < wait_days:
            n += 1
        if tr["out"][i] == RPC:
            last_end[a] = t + tr["ring"][i] + tr["talk"][i]
    return n


def connecting(tr) -> np.ndarray:
    return (tr["out"] != BUSY) & (tr["out"] != INVALID)


def test_reg_f_on_the_trace_never_7_connecting_in_7_days_nor_a_call_in_the_wait():
    w, tr = traced(scenario(["reg_f"]))
    counts = window_counts(tr, connecting(tr), 7)
    assert max(max(v) for v in counts.values()) == 7  # the limit binds, and holds
    assert calls_in_wait(tr, 7) == 0
    block = w.counters.blocks["compliance"]
    assert block["reg_f_actions_blocked"] > 0
    assert block["reg_f_accounts_over_limit"] == block["reg_f_actions_over_limit"] == 0
    # the attempts (busy and invalid included) go over 7: the old counting would have stopped them
    assert max(max(v) for v in window_counts(tr, np.ones(len(tr["t"]), bool), 7).values()) > 7


def test_reg_f_excluding_calls_that_do_not_connect_makes_more_attempts_paired():
    """Same seeds (common random numbers), the same limit of 7 in 7 days: counting only calls
    that connect lets a center with many numbers not in service dial more. Over 5 seeds the
    paired differences are all positive and their mean is > 4 standard errors."""
    diffs = []
    for seed in range(1, 6):
        _, old = traced(scenario(["all_attempts"], packs={"all_attempts": ALL_ATTEMPTS}), seed)
        _, new = traced(scenario(["reg_f"]), seed)
        diffs.append(len(new["t"]) - len(old["t"]))
        assert max(max(v) for v in window_counts(new, connecting(new), 7).values()) <= 7
    d = np.asarray(diffs, dtype=float)
    assert (d > 0).all(), diffs
    assert d.mean() > 4 * d.std(ddof=1) / np.sqrt(len(d)), diffs


def test_reg_f_dials_more_than_the_legacy_counting_at_the_same_seed():
    """Against today's counting (no `rules`: every attempt in the 7-in-7 cap)."""
    more = [
        len(traced(scenario(["reg_f"]), s)[1]["t"]) - len(traced(scenario([]), s)[1]["t"]) for s in (1, 2, 3)
    ]
    assert all(x > 0 for x in more), more


def test_massachusetts_accounts_get_at_most_two_calls_in_any_7_days():
    w, tr = traced(scenario(["reg_f", "massachusetts"], invalid=0.1, states={"MA": 0.3, "other": 0.7}))
    ma = set(np.flatnonzero(w.portfolio.state == w.portfolio.state_names.index("MA")).tolist())
    assert 25 <= len(ma) <= 65  # 30% of 150, binomial
    every = np.ones(len(tr["t"]), bool)
    ma_counts = window_counts(tr, every, 7, ma)
    assert max(max(v) for v in ma_counts.values()) == 2
    others = window_counts(tr, every, 7, set(range(150)) - ma)
    assert max(max(v) for v in others.values()) > 2  # the pack applies by state only
    block = w.counters.blocks["compliance"]
    assert block["massachusetts_largest_count"] == 2
    assert block["massachusetts_actions_blocked"] > 0


def test_with_enforcement_off_the_block_counts_equal_the_trace():
    sc = scenario(
        ["reg_f", "massachusetts"], invalid=0.2, states={"MA": 0.5, "other": 0.5}, enforce_rules=False
    )
    w, tr = traced(sc)
    block = w.counters.blocks["compliance"]
    ma = set(np.flatnonzero(w.portfolio.state == w.portfolio.state_names.index("MA")).tolist())
    for name, counted, limit, who in (
        ("reg_f", connecting(tr), 7, None),
        ("massachusetts", np.ones(len(tr["t"]), bool), 2, ma),
    ):
        counts = window_counts(tr, counted, 7, who)
        assert block[f"{name}_largest_count"] == max(max(v) for v in counts.values())
        assert block[f"{name}_actions_over_limit"] == sum(x > limit for v in counts.values() for x in v)
        assert block[f"{name}_accounts_over_limit"] == sum(any(x > limit for x in v) for v in counts.values())
        assert block[f"{name}_actions_blocked"] == 0
    assert block["reg_f_actions_over_limit"] > 0 and block["massachusetts_actions_over_limit"] > 0
    assert block["reg_f_calls_in_waiting_period"] == calls_in_wait(tr, 7) > 0


def test_without_rules_the_block_has_no_pack_keys():
    w, _ = traced(scenario([], days=2))
    assert not [k for k in w.counters.blocks["compliance"] if k.startswith(("reg_f", "massachusetts"))]


def test_shipped_packs_and_bad_names():
    packs = shipped_packs()
    assert set(packs) == {"reg_f", "massachusetts", "ofcom"}
    assert packs["reg_f"].limits[0].basis == "connecting" and packs["reg_f"].wait_after_conversation_days == 7
    assert [(x.max, x.window_days, x.numbers) for x in packs["massachusetts"].limits] == [
        (2, 7, "personal"),
        (2, 30, "other"),
    ]
    assert packs["massachusetts"].states == ["MA"]
    with pytest.raises(ValidationError, match="unknown rule pack 'reg_g'"):
        scenario(["reg_g"])
    with pytest.raises(ValidationError, match="names of shipped packs"):
        scenario(["reg_f"], packs={"reg_f": ALL_ATTEMPTS})
    with pytest.raises(ValidationError, match="basis"):
        scenario(["mine"], packs={"mine": {"limits": [{"max": 1, "window_days": 1, "basis": "calls"}]}})


def test_the_audit_trail_lists_every_blocked_dial():
    w, _ = traced(scenario(["reg_f", "massachusetts"], invalid=0.1, days=8, states={"MA": 0.3, "other": 0.7}))
    rows = trace_tables(w)["rules.csv"].decode().splitlines()
    assert rows[0] == "at,account_id,segment,kind,rule,action"
    block = w.counters.blocks["compliance"]
    by_rule = Counter(r.split(",")[4] for r in rows[1:])
    assert by_rule == {
        "reg_f": block["reg_f_actions_blocked"],
        "massachusetts": block["massachusetts_actions_blocked"],
    }
    assert {r.split(",")[5] for r in rows[1:]} == {"blocked"}
    # without rules the file is a header alone
    assert trace_tables(traced(scenario([], days=1))[0])["rules.csv"].decode().splitlines() == [rows[0]]


def test_breaches_with_packs_are_the_packs_not_the_old_7_day_count():
    sc = scenario(["reg_f"])
    over = {"values": [0.0, 3.0]}
    found = breaches(sc, {"max_attempts_in_7_days": {"values": [12.0]}, "reg_f_actions_over_limit": over})
    assert [b["measure"] for b in found] == ["reg_f_actions_over_limit"]
    assert "12 CFR 1006.14(b)" in found[0]["message"] and "enforce_rules: enforced" in found[0]["message"]
    plain = breaches(scenario([]), {"max_attempts_in_7_days": {"values": [12.0]}})
    assert [b["measure"] for b in plain] == ["max_attempts_in_7_days"]


def test_report_labels_name_the_right_regulator_for_each_abandon_rate():
    assert "Ofcom" not in compliance_label("worst_30_day_abandon_rate")[0]
    assert "FCC" in compliance_label("worst_30_day_abandon_rate")[0]
    assert "Ofcom" in compliance_label("worst_daily_abandon_rate")[0]
    assert "Ofcom" not in RULES["worst_30_day_abandon_rate"][1]
    assert compliance_label("reg_f_actions_over_limit") == (
        "reg_f: calls and messages beyond a limit",
        0.0,
        "count",
    )
    assert compliance_label("max_attempts_in_7_days", packs_on=True)[1] is None


def calls_after_abandon(tr: dict[str, np.ndarray], hours: float) -> int:
    """Dials placed within ``hours`` after an abandoned call to the same account ended."""
    order = np.argsort(tr["t"], kind="stable")
    last: dict[int, float] = {}
    n = 0
    for i in order.tolist():
        a, t = int(tr["acct"][i]), float(tr["t"][i])
        if a in last and t < last[a] + hours * 3600.0:
            n += 1
        if tr["out"][i] == ABANDONED:
            last[a] = t + tr["ring"][i]  # an abandoned call's row ends when it is dropped
    return n


@pytest.mark.parametrize("enforce", [True, False])
def test_ofcom_no_predictive_call_within_72_hours_after_an_abandon(enforce):
    raw = tiny_scenario(days=5, collectors=4, accounts=400, **{"attempts__max_per_day": 4})
    raw["dialer"] = {"mode": "predictive", "pacing": "fixed", "ratio": 3.0}
    raw["compliance"].update(rules=["ofcom"], enforce_rules=enforce)
    w, tr = traced(Scenario.model_validate(raw))
    block = w.counters.blocks["compliance"]
    assert (tr["out"] == ABANDONED).sum() > 50
    if enforce:
        assert calls_after_abandon(tr, 72) == 0 and block["ofcom_actions_blocked"] > 0
    else:
        assert block["ofcom_calls_in_waiting_period"] == calls_after_abandon(tr, 72) > 0


def two_zone_scenario(enforce: bool) -> Scenario:
    raw = tiny_scenario(days=3, collectors=4, accounts=400, **{"attempts__max_per_day": 4})
    raw["segments"]["s1"]["time_zones"] = {
        "offsets_h": [0.0, -3.0],
        "weights": [0.5, 0.5],
        "address_differs_share": 0.4,
    }
    raw["compliance"]["enforce_calling_window"] = enforce
    return Scenario.model_validate(raw)


def outside_address_window(w: World, tr: dict[str, np.ndarray]) -> int:
    """Dials on the trace outside 08:00-21:00 at the account's address (those with one)."""
    off = w.address_zones.offset_s
    local = [(t + off[a]) % DAY_S for a, t in zip(tr["acct"].tolist(), tr["t"].tolist()) if a in off]
    return sum(1 for x in local if not 8 * 3600 <= x < 21 * 3600)


@pytest.mark.parametrize("enforce", [True, False])
def test_the_calling_window_holds_in_the_address_zone_too(enforce):
    """An account whose address is 3 hours behind its area code's zone is called only when both
    clocks are inside 08:00-21:00: from 11:00 at the center (shifts start at 09:00)."""
    w, tr = traced(two_zone_scenario(enforce))
    off = w.address_zones.offset_s
    assert 120 <= len(off) <= 200  # 40% of 400 accounts, binomial
    assert set(off.values()) == {0.0, -3 * 3600.0}
    # each address zone differs from the account's area code's (its bucket's)
    assert all(w.portfolio.bucket_offset_s[w.portfolio.bucket_list[a]] != x for a, x in off.items())
    block = w.counters.blocks["compliance"]
    if enforce:
        assert outside_address_window(w, tr) == 0
        assert block["accounts_delayed_for_address_window"] > 0
        late = [t % DAY_S for a, t in zip(tr["acct"].tolist(), tr["t"].tolist()) if off.get(a) == -3 * 3600.0]
        assert min(late) >= 11 * 3600
    else:
        assert block["calls_outside_address_window"] == outside_address_window(w, tr) > 0
        assert block["accounts_delayed_for_address_window"] == 0


def _reminders(exempt: bool, packs: dict | None = None, rules: tuple[str, ...] = ("reg_f",)) -> Scenario:
    raw = tiny_scenario(days=10, collectors=4, accounts=150, **{"attempts__max_per_day": 4})
    raw.setdefault("attempts", {})["promise_reminder"] = True
    raw["compliance"].update(rules=list(rules), exempt_promise_confirmation=exempt, packs=packs or {})
    return Scenario.model_validate(raw)


@pytest.mark.parametrize("exempt", [True, False])
def test_promise_reminders_in_reg_f_wait_are_consented_and_counted(exempt):
    """Promise reminders under reg_f: with the exemption (the debtor agreed to the reminder when
    promising, consent within 7 days) they pass the wait and every one is counted as a consented
    call in it: the count equals the trace's dials inside the wait; without it they obey the
    wait like any call (none on the trace)."""
    w, tr = traced(_reminders(exempt))
    block = w.counters.blocks["compliance"]
    in_wait = calls_in_wait(tr, 7)
    assert block["reg_f_calls_in_waiting_period"] == 0
    if exempt:
        assert in_wait > 50
        assert block["reg_f_consented_calls_in_waiting_period"] == in_wait
    else:
        assert in_wait == 0 and block["reg_f_consented_calls_in_waiting_period"] == 0
    # a figure, not a limit: the report does not show it as a breach
    assert compliance_label("reg_f_consented_calls_in_waiting_period", True)[1] is None


def _in_wait_by_consent_age(tr: dict[str, np.ndarray], wait_days: int) -> tuple[int, int]:
    """Dials inside a ``wait_days`` wait after a conversation (calls_in_wait), split by the time
    since that conversation's end: (under seven days, seven days or more)."""
    order = np.argsort(tr["t"], kind="stable")
    last_end: dict[int, float] = {}
    young = old = 0
    for i in order.tolist():
        a, t = int(tr["acct"][i]), float(tr["t"][i])
        e = last_end.get(a)
        if e is not None and e < t and int(t // DAY_S) - int(e // DAY_S) < wait_days:
            if t - e < 7 * DAY_S:
                young += 1
            else:
                old += 1
        if tr["out"][i] == RPC:
            last_end[a] = t + tr["ring"][i] + tr["talk"][i]
    return young, old


def test_a_reminder_seven_days_after_the_promise_has_no_consent():
    """A pack with a 9-day wait: a reminder placed seven days or more after the promise
    conversation is past the seven days of consent, so it obeys the wait (none on the trace);
    those placed before are consented, and counted so."""
    packs = {"long_wait": {"wait_after_conversation_days": 9}}
    w, tr = traced(_reminders(True, packs, rules=("long_wait",)))
    block = w.counters.blocks["compliance"]
    young, old = _in_wait_by_consent_age(tr, 9)
    assert old == 0
    assert block["long_wait_consented_calls_in_waiting_period"] == young > 50
    assert block["long_wait_calls_in_waiting_period"] == 0


def test_a_packs_abandon_rate_is_the_daily_limit():
    """The dialer allows 5%; Ofcom's pack sets 3% per campaign per 24 hours, a pack of the
    scenario 1%: the daily abandon rate's limit is the smallest, 1%, named after its pack; a
    replication at 2% breaches it, and breaches nothing with the dialer's limit alone. The 30-day
    rate keeps the dialer's limit."""
    raw = tiny_scenario(days=2)
    raw.setdefault("dialer", {})["max_abandon_rate"] = 0.05
    block = {
        "worst_daily_abandon_rate": {"values": [0.02, 0.005]},
        "worst_30_day_abandon_rate": {"values": [0.02]},
    }
    assert breaches(Scenario.model_validate(raw), block) == []
    raw["compliance"].update(rules=["ofcom", "uk_strict"], packs={"uk_strict": {"max_abandon_rate": 0.01}})
    sc = Scenario.model_validate(raw)
    found = breaches(sc, block)
    assert [(b["measure"], b["limit"], b["worst"], b["replications_over"]) for b in found] == [
        ("worst_daily_abandon_rate", 0.01, 0.02, 1)
    ]
    assert found[0]["rule"].startswith("uk_strict")
    raw["compliance"].update(rules=["ofcom"], packs={})
    found = breaches(Scenario.model_validate(raw), {"worst_daily_abandon_rate": {"values": [0.04]}})
    assert found[0]["limit"] == 0.03 and found[0]["rule"].startswith("ofcom")
