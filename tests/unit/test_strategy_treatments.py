"""The strategy tree's team and contact-path treatments and its phone and channel conditions
(world/strategy_teams.py, world/channel_paths.py, world/strategy_conditions.py): every dial of an
account sent to a team is by that team, a path treatment sends exactly its path's messages and is
chosen once, the conditions match the accounts a one-at-a-time reading says, and bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from simulator.scenario import ScenarioError, parse_scenario
from simulator.scenario.phones import PHONE_TYPES
from simulator.world.build import World

from ..conftest import small_scenario


def _two_teams(rules: list[dict], mode: str = "progressive") -> dict:
    """s1 (3000 accounts, scores uniform 500-800) worked by t1, s2 (1000) by t2."""
    raw = small_scenario()
    raw["dialer"] = {"mode": mode}
    raw["segments"]["s1"]["risk_score"] = {"dist": "uniform", "low": 500.0, "high": 800.0}
    raw["segments"]["s2"] = dict(copy.deepcopy(raw["segments"]["s1"]), accounts=1000)
    raw["teams"]["t2"] = dict(copy.deepcopy(raw["teams"]["t1"]), segments=["s2"], headcount=3)
    raw["strategy"] = {"rules": rules}
    return raw


@pytest.mark.parametrize("mode", ["preview", "progressive", "predictive"])
def test_every_dial_of_an_account_sent_to_a_team_is_by_that_team(mode):
    """Rule: s1 accounts with score >= 650 go to t2 (which works s2). On the trace every dial of
    such an account is placed by t2's campaign and talked by a t2 collector, every other s1 dial
    by t1; the sent accounts are dialed (t2 shares its time with them) and s2 still is."""
    raw = _two_teams([{"name": "to_t2", "segments": ["s1"], "risk_score": {"lo": 650.0}, "team": "t2"}], mode)
    w = World(parse_scenario(raw), 1, 0, trace=True)
    w.run()
    tr, p = w.trace_arrays(), w.portfolio
    a, coll, camp = tr["acct"].astype(int), tr["coll"].astype(int), tr["camp"].astype(int)
    sent = (p.segment[a] == 0) & (p.risk_score[a] >= 650.0)
    t2_camp = [k.name for k in w.campaigns].index("t2")
    assert (camp[sent] == t2_camp).all() and (camp[~sent & (p.segment[a] == 0)] != t2_camp).all()
    by_collector = (coll >= 0) & (coll < len(w.collectors))
    team = np.full(len(a), -1)
    team[by_collector] = np.asarray(w.structure.collector_team)[coll[by_collector]]
    t1, t2 = w.scenario.team_names.index("t1"), w.scenario.team_names.index("t2")
    assert (team[sent & by_collector] == t2).all()
    assert (team[~sent & (p.segment[a] == 0) & by_collector] == t1).all()
    assert (team[(p.segment[a] == 1) & by_collector] == t2).all()
    assert sent.sum() > 500 and (p.segment[a] == 1).sum() > 500


def test_a_team_read_each_morning_follows_the_account():
    """The team is the rule's of the morning: accounts whose score is moved across the band
    after day 0 are dialed by t2 on day 0 and by t1's campaign from day 1 (no call is on a line
    at midnight: the shifts end at 17:00)."""
    raw = _two_teams([{"name": "to_t2", "segments": ["s1"], "risk_score": {"lo": 650.0}, "team": "t2"}])
    w = World(parse_scenario(raw), 1, 0, trace=True)
    p = w.portfolio
    movers = np.flatnonzero((p.segment == 0) & (p.risk_score >= 650.0))

    def lower(_e=None):
        p.risk_score[movers] = 600.0

    w.env.timeout(86400.0 - 1.0).callbacks.append(lower)  # just before the second morning
    w.run()
    tr = w.trace_arrays()
    a, camp, t = tr["acct"].astype(int), tr["camp"].astype(int), tr["t"]
    mine = np.isin(a, movers)
    t2_camp = [k.name for k in w.campaigns].index("t2")
    day = (t // 86400.0).astype(int)
    assert (camp[mine & (day == 0)] == t2_camp).all() and (mine & (day == 0)).sum() > 100
    assert (camp[mine & (day >= 1)] != t2_camp).all() and (mine & (day >= 1)).sum() > 100


def _paths(rules: list[dict], send_time: str = "08:00") -> World:
    """Path a: one SMS on day 1; path b: an email every day. Neither calls, so no account is
    ever dialed and every account stays open."""
    raw = small_scenario()
    raw["segments"]["s1"]["risk_score"] = {"dist": "uniform", "low": 500.0, "high": 800.0}
    raw["channels"] = {
        "sms": {"cost_usd": 0.01, "send_time": send_time},
        "email": {"cost_usd": 0.002, "send_time": send_time},
        "path": "a",
        "paths": {
            "a": {"s1": [{"day": 1, "channel": "sms"}]},
            "b": {"s1": [{"day": 1, "channel": "email", "every_days": 1}]},
        },
    }
    raw["strategy"] = {"rules": rules}
    return World(parse_scenario(raw), 1, 0, trace=True)


def test_a_path_treatment_sends_exactly_its_paths_messages():
    """3000 accounts, 3 working days, no call step: the accounts with score >= 650 (n_b) get an
    email on each day and never an SMS, the others one SMS: sms = n - n_b, email = 3 n_b,
    cost = 0.01 (n - n_b) + 0.002 * 3 n_b, no dial."""
    w = _paths([{"name": "digital", "risk_score": {"lo": 650.0}, "contact_path": "b"}])
    cnt = w.run()
    p = w.portfolio
    b = p.risk_score >= 650.0
    n, n_b = p.n, int(b.sum())
    block = cnt.blocks["channels"]
    assert block["sms/sent"] == n - n_b and block["email/sent"] == 3 * n_b
    assert block["sms/cost"] + block["email/cost"] == pytest.approx(
        0.01 * (n - n_b) + 0.002 * 3 * n_b, abs=1e-9
    )
    for _day, channel, accts in w.channels.sends:
        assert (b[accts] == (channel == "email")).all()
    assert len(w.trace_arrays()["acct"]) == 0


def test_a_path_is_chosen_once_on_the_first_working_day():
    """Accounts moved out of the rule's band after their first morning keep path b (an email
    each day, no SMS); the rule's other treatments follow the morning's match."""
    w = _paths([{"name": "digital", "risk_score": {"lo": 650.0}, "contact_path": "b"}])
    p = w.portfolio
    b0 = p.risk_score >= 650.0
    paths = w.channels.paths
    first = paths.due(0)
    assert (first["email"] == b0).all() and (first["sms"] == ~b0).all()
    p.risk_score[:] = 700.0  # every account now matches the rule
    second = paths.due(1)
    assert (second["email"] == b0).all() and not second["sms"].any()  # path day 2: no SMS step
    assert (paths.path_of == np.where(b0, 1, 0)).all()


def test_without_a_contact_path_rule_every_account_follows_the_scenarios_paths():
    w = _paths([{"name": "prio", "risk_score": {"lo": 650.0}, "priority": 3}])
    assert w.channels.paths.path_of is None and w.channels.paths.path_names == ["a"]
    assert w.lists.tree.teams is None


NUMBERS = [
    {"type": "cell", "share": 0.6, "consent": 0.5},
    {"type": "home", "share": 0.5},
    {"type": "work", "share": 0.3},
]


def _conditions_world(rules: list[dict]) -> World:
    raw = small_scenario(segments__s1__phone_numbers=NUMBERS)
    raw["channels"] = {
        "sms": {"cost_usd": 0.01, "opt_out": {"probability": 0.1}},
        "email": {"cost_usd": 0.0},
        "path": "",
    }
    raw["strategy"] = {"rules": rules}
    return World(parse_scenario(raw), 2, 0)


def test_phone_and_consent_conditions_match_a_reading_of_each_accounts_numbers():
    """Rules: cell with consent; no cell with consent and a home or work number; the rest. Each
    account's rule is read from its numbers one at a time."""
    w = _conditions_world(
        [
            {"name": "consented", "has_cell_consent": True},
            {"name": "landline", "has_cell_consent": False, "phone_types": ["home", "work"]},
        ]
    )
    ph, n = w.phone_numbers, w.portfolio.n
    got = w.lists.tree.match(np.arange(n), 0)
    cell = PHONE_TYPES.index("cell")
    want = []
    for a in range(n):
        mine = range(ph.first[a], ph.first[a] + ph.count[a])
        if any(ph.kind[i] == cell and ph.consent[i] for i in mine):
            want.append(0)
        elif any(ph.kind[i] != cell for i in mine):
            want.append(1)
        else:
            want.append(-1)
    want = np.array(want)
    assert (got == want).all()
    # a cell with consent: (0.6, or none of the three drawn, which gives the first listed) x 0.5
    q = 0.5 * (0.6 + 0.4 * 0.5 * 0.7)
    assert abs(np.mean(want == 0) - q) < 4 * np.sqrt(q * (1 - q) / n)
    for x in (0, 1, -1):
        assert (want == x).sum() > 100


def test_opt_out_and_message_window_conditions_by_day():
    """Sends written into the channel's running total day by day (working days 0-4 and 7-9, a
    weekend skipped) and opt-outs honoured from given days: each morning the rules match the
    accounts a direct count of the sends in the days before says."""
    w = _conditions_world(
        [
            {"name": "opted", "opted_out": True},
            {"name": "texted", "messages_in_last_days": {"channel": "sms", "days": 3, "at_least": 2}},
            {
                "name": "quiet",
                "messages_in_last_days": {"channel": "sms", "days": 3, "at_least": 0, "at_most": 0},
            },
        ]
    )
    ch, n = w.channels, w.portfolio.n
    k = ch.names.index("sms")
    rng = np.random.default_rng(5)
    opt_from = rng.choice([0, 3, 8, np.iinfo(np.int64).max], n, p=[0.05, 0.05, 0.05, 0.85])
    ch.opt_out_from[k][:] = opt_from
    sends = np.zeros((12, n), dtype=np.int64)
    idx = np.arange(n)
    for day in (0, 1, 2, 3, 4, 7, 8, 9, 10):
        got = w.lists.tree.match(idx, day)
        recent = sends[max(0, day - 3) : day].sum(axis=0)
        want = np.where(opt_from <= day, 0, np.where(recent >= 2, 1, np.where(recent == 0, 2, -1)))
        assert (got == want).all(), day
        today = (rng.random(n) < 0.5).astype(np.int64) * rng.integers(1, 3, n)
        sends[day] = today
        ch.total[k][:] += today
    assert (got == 1).sum() > 100 and (got == 2).sum() > 100 and (got == 0).sum() > 100


@pytest.mark.parametrize(
    "rule, extra, where",
    [
        ({"contact_path": "nope"}, {}, "strategy.rules.0.contact_path"),
        ({"contact_path": "a"}, {"no_channels": True}, "strategy.rules.0.contact_path"),
        ({"team": "t9"}, {}, "strategy.rules.0.team"),
        ({"team": "t1"}, {"routing": {"policy": "pooled"}}, "strategy.rules.0.team"),
        ({"has_cell_consent": True}, {}, "strategy.rules.0.has_cell_consent"),
        ({"phone_types": ["cell"]}, {}, "strategy.rules.0.phone_types"),
        ({"opted_out": True}, {"no_channels": True}, "strategy.rules.0.opted_out"),
        (
            {"messages_in_last_days": {"channel": "email", "days": 7}},
            {},
            "strategy.rules.0.messages_in_last_days.channel",
        ),
        (
            {"messages_in_last_days": {"channel": "sms", "days": 7, "at_least": 3, "at_most": 1}},
            {},
            "at_most",
        ),
    ],
)
def test_bad_treatments_and_conditions_are_refused_with_their_key(rule, extra, where):
    raw = small_scenario()
    if not extra.get("no_channels"):
        raw["channels"] = {"sms": {"cost_usd": 0.01}, "paths": {"a": {"s1": [{"day": 1, "channel": "sms"}]}}}
    if "routing" in extra:
        raw["routing"] = extra["routing"]
    raw["strategy"] = {"rules": [{"name": "r", **rule}]}
    with pytest.raises(ScenarioError, match=where.replace(".", r"\.")):
        parse_scenario(raw)


def test_an_inbound_team_is_refused_as_a_treatment():
    raw = _two_teams([{"name": "r", "team": "desk"}])
    raw["teams"]["desk"] = dict(copy.deepcopy(raw["teams"]["t1"]), role="inbound", segments=["s1"])
    raw["inbound"] = {"calls_per_hour": {"s1": 1.0}}
    with pytest.raises(ScenarioError, match="answers inbound calls only"):
        parse_scenario(raw)
