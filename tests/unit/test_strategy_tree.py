"""The strategy tree in the world (world/strategy.py, world/list_order.py): first match wins on
half-open bands and arms, holds keep accounts off the lists, priorities and orders of several
keys come out exactly as a full sort, and expected value is P(pay) x amount due."""

from __future__ import annotations

import math
from bisect import bisect_left

import numpy as np
import pytest

from simulator import load_scenario
from simulator.base.clock import DAY_S
from simulator.scenario import parse_scenario
from simulator.scenario.strategy import Band
from simulator.world.build import World
from simulator.world.call_lists import CallLists
from simulator.world.delinquency import CYCLE_DAYS
from simulator.world.portfolio import OPEN, PAID, PROMISED
from simulator.world.strategy import BROKEN_FIRST, REMINDER_FIRST

from ..conftest import SCENARIOS, small_scenario

RULES = [
    {"name": "young_rich", "arms": ["challenger"], "balance_usd": {"lo": 1000.0}, "priority": 5},
    {"name": "hold_mid", "risk_score": {"lo": 600.0, "hi": 700.0}, "hold_days": 2},
    {"name": "old", "days_past_due": {"lo": 2.0}, "list_order": ["oldest", "balance"], "priority": 2},
    {"name": "risky", "segments": ["s1"], "risk_score": {"hi": 600.0}, "list_order": ["riskiest"]},
]


def _world(rules: list[dict], strategy: str | list[str] = "least_recent", **kw) -> World:
    raw = small_scenario(segments__s1__accounts=4000)
    raw["dialer"] = {"mode": "progressive", "list_strategy": strategy}
    raw["attempts"]["broken_promise_first"] = True
    raw["segments"]["s1"]["time_zones"] = {"offsets_h": [0.0, -1.0, -3.0], "weights": [0.5, 0.3, 0.2]}
    raw["segments"]["s1"]["risk_score"] = {"dist": "uniform", "low": 500.0, "high": 800.0}
    raw["strategy"] = {"arms": {"champion": 0.5, "challenger": 0.5}, "rules": rules}
    return World(parse_scenario(raw), 1, 0, **kw)


def _scramble(w: World, rng: np.random.Generator, day: int) -> None:
    """Ties and exclusions of every kind (as tests/unit/test_call_lists.py), bands hit exactly
    on their bounds, and accounts that entered on different days."""
    p, n = w.portfolio, w.portfolio.n
    la = rng.choice([-np.inf, 3600.0, 7200.0], n, p=[0.6, 0.2, 0.2])
    p.last_attempt_s[:] = la
    p.balance[rng.random(n) < 0.3] = 1000.0  # on the bound of young_rich
    p.risk_score[rng.random(n) < 0.1] = 600.0  # on the bound of hold_mid (in) and risky (out)
    p.risk_score[rng.random(n) < 0.1] = 700.0  # just out of hold_mid
    p.days_past_due[:] = rng.integers(0, 5, n)
    p.entry_day[:] = rng.integers(0, day + 1, n)
    p.status[:] = rng.choice([OPEN, PROMISED, PAID], n, p=[0.8, 0.1, 0.1])
    p.priority[:] = (rng.random(n) < 0.05).astype(np.int8)
    p.reminder_due[:] = ((p.status == PROMISED) & (rng.random(n) < 0.3)).astype(np.int8)
    p.blocked_until_s[:] = np.where(rng.random(n) < 0.2, (day + rng.integers(-2, 3, n)) * DAY_S, -np.inf)
    p.arm[:] = rng.integers(0, 2, n)


def _rule_of(w: World, a: int) -> int:
    """The first rule account ``a`` matches, one account at a time from the schema's objects."""
    p, sc = w.portfolio, w.scenario
    arms, segs = sc.strategy.arm_names, sc.segment_names
    for k, r in enumerate(sc.strategy.rules):
        if r.arms and arms[p.arm[a]] not in r.arms:
            continue
        if r.segments and segs[p.segment[a]] not in r.segments:
            continue
        bands = ((r.risk_score, p.risk_score), (r.days_past_due, p.days_past_due), (r.balance_usd, p.balance))
        if all(b is None or b.holds(float(x[a])) for b, x in bands):
            return k
    return -1


KEY = {
    "least_recent": lambda p, a: p.last_attempt_s[a],
    "balance": lambda p, a: -p.balance[a],
    "riskiest": lambda p, a: p.risk_score[a],
    "oldest": lambda p, a: -p.days_past_due[a],
}


def _expected(w: World, day: int) -> list[list[int]]:
    """Each bucket's list by a full sort: (group, rank / accounts, account), group = reminder,
    broken promise, then the rule's priority; the rank is the account's place among the accounts
    of its bucket, group and order, by the order's keys then account number (each its own)."""
    p, sc = w.portfolio, w.scenario
    ok = ((p.status == OPEN) & (p.blocked_until_s <= day * DAY_S)) | (p.reminder_due == 1)
    rows = []
    for a in np.flatnonzero(ok).tolist():
        k = _rule_of(w, a)
        rule = sc.strategy.rules[k] if k >= 0 else None
        if rule is not None and day - p.entry_day[a] < rule.hold_days and not p.reminder_due[a]:
            continue
        first = (
            REMINDER_FIRST
            if p.reminder_due[a]
            else BROKEN_FIRST
            if p.priority[a] == 1
            else (rule.priority if rule else 0)
        )
        order = tuple(rule.list_order) if rule and rule.list_order else sc.dialer.list_order
        rows.append((a, first, order, tuple(float(KEY[x](p, a)) for x in order)))
    groups: dict[tuple, list] = {}
    for a, first, order, key in rows:
        groups.setdefault((p.bucket_list[a], first, order), []).append((key, a))
    for g in groups.values():
        g.sort()
    out: list[list[tuple]] = [[] for _ in w.lists.fresh]
    for a, first, order, key in rows:
        g = groups[(p.bucket_list[a], first, order)]
        out[p.bucket_list[a]].append((-first, bisect_left(g, (key, a)) / len(g), a))
    return [[a for *_, a in sorted(rows_b)] for rows_b in out]


def _drain(lists: CallLists, b: int, day: int) -> list[int]:
    got = []
    while (a := lists.take(b, day * DAY_S + 9 * 3600.0)) is not None:
        got.append(a)
    return got


@pytest.mark.parametrize("helping", [1, 37, 10_000])
@pytest.mark.parametrize("rules", [RULES, [RULES[1]]], ids=["four_orders", "one_order"])
def test_priority_hold_and_orders_equal_a_full_sort(rules, helping, monkeypatch):
    """Served helping by helping, each bucket's list is exactly the full lexicographic sort by
    (priority group, rank within the account's own order, account), with held accounts left
    out: first match wins, bands are half-open, the arms condition holds."""
    monkeypatch.setattr(CallLists, "MIN_HELPING", helping)
    w = _world(rules)
    rng = np.random.default_rng([len(rules), helping])
    for day in (2, 3):
        _scramble(w, rng, day)
        expected = _expected(w, day)
        w.lists.rebuild(day)
        assert sum(map(len, expected)) > 1000
        for b, exp in enumerate(expected):
            assert _drain(w.lists, b, day) == exp


def test_first_match_wins_on_half_open_bands_and_arms():
    """Hand-made accounts: the band's lower bound is in, its upper bound out; a rule for the
    challenger arm skips a champion account; a later rule never takes an account an earlier
    rule matched."""
    w = _world(RULES)
    p = w.portfolio
    # (arm, balance, risk score, days past due) -> expected rule
    cases = [
        ((1, 1000.0, 650.0, 3.0), 0),  # challenger, balance on lo: young_rich (first of three)
        ((0, 1000.0, 650.0, 3.0), 1),  # champion: not young_rich; hold_mid before old
        ((1, 999.99, 700.0, 3.0), 2),  # score on hold_mid's hi: out; old
        ((0, 500.0, 600.0, 1.0), 1),  # score on hold_mid's lo: in (and on risky's hi: out)
        ((0, 500.0, 599.0, 1.0), 3),  # risky
        ((0, 500.0, 750.0, 1.99), -1),  # nothing
    ]
    for a, ((arm, bal, score, dpd), _) in enumerate(cases):
        p.arm[a], p.balance[a], p.risk_score[a], p.days_past_due[a] = arm, bal, score, dpd
    got = w.lists.tree.match(np.arange(len(cases)), 0)
    assert got.tolist() == [k for _, k in cases]
    assert Band(lo=600.0, hi=700.0).holds(600.0) and not Band(lo=600.0, hi=700.0).holds(700.0)


def test_hold_keeps_accounts_off_the_lists_until_it_ends():
    """On the dial trace: no dial reaches an account of a 2-day hold rule on calendar days 0 and
    1 (the initial book enters on day 0), and such accounts are dialed once the hold is over;
    the counts of the strategy block agree with the rule's reach."""
    raw = small_scenario(segments__s1__accounts=600)
    raw["calendar"] = {
        "working_days": 4,
        "weekdays": ["mon", "tue", "wed", "thu", "fri"],
        "start_weekday": "mon",
    }
    raw["strategy"] = {"rules": [{"name": "hold_big", "balance_usd": {"lo": 1000.0}, "hold_days": 2}]}
    w = World(parse_scenario(raw), 3, 0, trace=True)
    big = w.portfolio.balance >= 1000.0  # balances do not change without a living portfolio
    cnt = w.run()
    tr = w.trace_arrays()
    acct, day = tr["acct"].astype(np.int64), (tr["t"] // DAY_S).astype(np.int64)
    assert not np.any(big[acct] & (day < 2))
    assert np.count_nonzero(big[acct] & (day >= 2)) > 50
    assert np.count_nonzero(~big[acct] & (day < 2)) > 50
    block = cnt.blocks["strategy"]
    assert block["rules.hold_big.accounts"] == big.sum()
    # held on days 0 and 1: every big account was eligible then (nothing dialed them)
    assert block["rules.hold_big.held_account_days"] == 2 * big.sum()


def test_a_block_without_rules_dials_as_without_the_block():
    """Arms alone (no rule) change nothing in the world: the same dials at the same times."""
    base = small_scenario(segments__s1__accounts=800)
    with_arms = {**base, "strategy": {"arms": {"champion": 0.7, "challenger": 0.3}}}
    traces = []
    for raw in (base, with_arms):
        w = World(parse_scenario(raw), 5, 0, trace=True)
        w.run()
        traces.append(w.trace_arrays())
    for k in ("acct", "t", "out", "coll"):
        np.testing.assert_array_equal(traces[0][k], traces[1][k])


def test_list_strategy_of_several_keys_is_the_lexicographic_sort(monkeypatch):
    """dialer.list_strategy = ["oldest", "balance"] without a strategy block: most days past due
    first, then the largest balance, then account number (promise reminders and broken promises
    first)."""
    monkeypatch.setattr(CallLists, "MIN_HELPING", 11)
    raw = small_scenario(segments__s1__accounts=3000)
    raw["dialer"] = {"mode": "progressive", "list_strategy": ["oldest", "balance"]}
    raw["attempts"]["broken_promise_first"] = True
    w = World(parse_scenario(raw), 1, 0)
    p = w.portfolio
    _scramble(w, np.random.default_rng(7), 2)
    ok = ((p.status == OPEN) & (p.blocked_until_s <= 2 * DAY_S)) | (p.reminder_due == 1)
    idx = np.flatnonzero(ok)
    first = np.where(p.reminder_due[idx] == 1, 2, p.priority[idx])
    exp = idx[np.lexsort((idx, -p.balance[idx], -p.days_past_due[idx], -first))]
    w.lists.rebuild(2)
    assert _drain(w.lists, 0, 2) == exp.tolist()


def test_expected_value_is_p_pay_times_amount_due():
    """Without account-level behaviour: rpc x promise x keep of the segment x balance (0.2 x 0.8
    x 0.6 x balance in the small scenario). With it and a living portfolio (open_portfolio):
    the account's answer multiplier x the segment's rpc x its promise and keep probabilities
    today x the past-due amount, read one account at a time from the behaviour model."""
    w = World(parse_scenario(small_scenario(segments__s1__accounts=500)), 1, 0)
    idx = np.arange(500)
    np.testing.assert_allclose(
        w.lists.order.expected_value(idx), 0.2 * 0.8 * 0.6 * w.portfolio.balance[idx], rtol=1e-12
    )
    sc = load_scenario(SCENARIOS / "open_portfolio.toml").scenario
    w = World(sc, 1, 0)
    p, b, pf = w.portfolio, w.behaviour, sc.portfolio
    p.days_past_due[:] += 7.0  # a week older than at entry: promise and keep move with it
    a_s = np.arange(0, p.n_initial, 97)
    got = w.lists.order.expected_value(a_s)
    names = sc.segment_names
    for a, ev in zip(a_s.tolist(), got.tolist()):
        seg = sc.segments[names[p.segment[a]]]
        minimum = max(pf.min_payment_usd, pf.min_payment_share * p.balance_at_entry[a])
        due = min(minimum * math.ceil(p.days_past_due[a] / CYCLE_DAYS), p.balance[a])
        want = (
            seg.outcomes.rpc.probability * b.answer_mult[a] * b.promise_probability(a) * b.keep_probability(a)
        )
        assert ev == pytest.approx(want * due, rel=1e-9)


def test_expected_value_order_lists_the_largest_expected_payment_first():
    """list_strategy = "expected_value": each bucket's fresh list falls in expected value."""
    raw = small_scenario(segments__s1__accounts=2000)
    raw["dialer"] = {"mode": "progressive", "list_strategy": "expected_value"}
    w = World(parse_scenario(raw), 1, 0)
    w.lists.rebuild(0)
    got = np.array(_drain(w.lists, 0, 0))
    ev = w.lists.order.expected_value(got)
    assert len(got) == 2000 and np.all(np.diff(ev) <= 0)


@pytest.mark.parametrize("name", ["", " ", "1st", "a b", "x" * 65])
def test_a_bad_arm_name_is_refused(name):
    from simulator.scenario import ScenarioError

    raw = small_scenario()
    raw["strategy"] = {"arms": {"champion": 0.5, name: 0.5}}
    with pytest.raises(ScenarioError, match="name"):
        parse_scenario(raw)
    raw["strategy"] = {"arms": {"champion": 0.5, "arm-2_b": 0.5}}
    assert parse_scenario(raw).strategy.arm_names == ["champion", "arm-2_b"]


def test_two_orders_interleave_whatever_their_ties():
    """Champion by least_recent, challenger by expected_value, 40% of the accounts never dialed
    (tied on -inf): each account has its own rank, so the first fifth of a bucket's list holds
    each arm at its share of the list (within 2 accounts), not the champion's tied accounts
    first (ranks shared by ties put 393 champion accounts and 1 challenger there)."""
    rules = [
        {"name": "champ", "arms": ["champion"], "list_order": ["least_recent"]},
        {"name": "chal", "arms": ["challenger"], "list_order": ["expected_value"]},
    ]
    w = _world(rules)
    p, rng = w.portfolio, np.random.default_rng(1)
    p.status[:] = OPEN
    p.blocked_until_s[:] = -np.inf
    p.last_attempt_s[:] = np.where(rng.random(p.n) < 0.4, -np.inf, rng.random(p.n) * DAY_S * 0.9)
    w.lists.rebuild(1)
    arm = p.arm[np.array(_drain(w.lists, 0, 1))]
    k = len(arm) // 5
    assert len(arm) > 1500
    for a in (0, 1):
        assert abs((arm[:k] == a).sum() - k * (arm == a).mean()) <= 2


def test_orders_interleave_within_a_priority_group():
    """A priority-5 rule and two rules of other orders in group 0: ranks are taken within the
    priority group, so the first tenth of group 0 holds a tenth of each rule's accounts (within
    2), whatever the priority-5 accounts' keys (ranked across groups, the oldest-first rule's
    accounts all ranked behind the priority-5 accounts, the oldest, and none came first)."""
    rules = [
        {"name": "vip_old", "risk_score": {"lo": 650.0}, "list_order": ["oldest"], "priority": 5},
        {"name": "mid_old", "risk_score": {"lo": 575.0}, "list_order": ["oldest"]},
        {"name": "rest_bal", "list_order": ["balance"]},
    ]
    w = _world(rules)
    p, rng = w.portfolio, np.random.default_rng(0)
    p.status[:] = OPEN
    p.blocked_until_s[:] = -np.inf
    p.days_past_due[:] = np.where(p.risk_score >= 650, 60 + rng.random(p.n), rng.random(p.n) * 60)
    w.lists.rebuild(1)
    got = np.array(_drain(w.lists, 0, 1))
    rule = w.lists.tree.rule[got]
    assert np.all(rule[: (rule == 0).sum()] == 0)  # the priority group comes first
    g0 = rule[rule != 0]
    head = g0[: len(g0) // 10]
    for r in (1, 2):
        assert (g0 == r).sum() > 300
        assert abs((head == r).sum() - len(head) * (g0 == r).mean()) <= 2
