"""Messages as actions and contact paths ([channels], world/channels.py, world/channel_paths.py):
a closed form for a send with one response kind, the ledger and the cost identity to the cent,
opt-outs honoured within their business days, suppression flags, call days of a path, and bad
input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator import load_scenario
from simulator.base.clock import DAY_S
from simulator.measures.breaches import breaches
from simulator.measures.metrics import COST_COMPONENTS, replication_metrics
from simulator.scenario.load import ScenarioError
from simulator.scenario.schema import Scenario
from simulator.world.build import World
from simulator.world.channels import business_day_after
from simulator.world.phone_numbers import CELL

from ..conftest import SCENARIOS, small_scenario, tiny_scenario, write_toml


def _with_channels(raw: dict, channels: dict) -> Scenario:
    raw = dict(raw)
    raw["channels"] = channels
    return Scenario.model_validate(raw)


def _run(sc: Scenario, seed: int = 1, trace: bool = True):
    w = World(sc, seed, 0, trace=trace)
    cnt = w.run()
    return w, cnt, replication_metrics(w.structure, cnt)


SMS_ONLY = {
    "sms": {
        "cost_usd": 0.01,
        "delivery_probability": 0.9,
        "send_time": "10:00",
        "payment": {"probability": 0.2, "delay_h": {"dist": "exponential", "mean": 10.0}},
    },
    "path": "p",
    "paths": {"p": {"s1": [{"day": 1, "channel": "sms"}]}},
}


def test_one_sms_per_account_pays_accounts_x_delivery_x_probability_on_the_days_of_its_delay():
    """3000 accounts, one SMS each at 10:00 of day 0, no calls (the path has no call step):
    payments ~ Binomial(3000, d p P(delay < horizon)) with d = 0.9, p = 0.2 and an exponential
    delay of mean 10 h cut at the end of the last calling day (day 2: 62 h after the send); by
    day, the shares of the delay's mass in each day. Every dollar paid comes off the balances."""
    sc = _with_channels(small_scenario(), SMS_ONLY)
    w, cnt, m = _run(sc)
    n, d, p, mean_h = 3000, 0.9, 0.2, 10.0
    horizon = 62.0
    q = d * p * (1 - math.exp(-horizon / mean_h))
    block = cnt.blocks["channels"]
    assert block["sms/sent"] == n and block["sms/cost"] == pytest.approx(n * 0.01, abs=1e-9)
    pays = block["sms/payments"]
    assert abs(pays - n * q) < 4 * math.sqrt(n * q * (1 - q))
    assert m["center"]["center"]["dials"] == 0  # a path without a call step: never called
    days = np.array([int(t // DAY_S) for t, *_ in w.channels.paid])
    edges = [0.0, 14.0, 38.0, 62.0]  # hours after the send at which days 0, 1, 2 end
    for day in range(3):
        share = (math.exp(-edges[day] / mean_h) - math.exp(-edges[day + 1] / mean_h)) / (
            1 - math.exp(-horizon / mean_h)
        )
        got = float(np.mean(days == day))
        assert abs(got - share) < 4 * math.sqrt(share * (1 - share) / len(days)) + 1e-9
    p_ = w.portfolio
    assert float((p_.balance_at_entry - p_.balance).sum()) == pytest.approx(block["sms/collected"], abs=0.005)
    c = m["center"]["center"]
    assert c["cost_channels"] == pytest.approx(n * 0.01, abs=1e-9)
    assert c["cost"] == pytest.approx(math.fsum(c[k] for k in COST_COMPONENTS), abs=0.005)
    assert c["channel_sent"] == n and c["channel_collected"] == pytest.approx(block["sms/collected"])


def _channels_toml(*extra: str) -> Scenario:
    base = ("calendar.working_days=12", "calendar.warmup_days=2")
    return load_scenario(SCENARIOS / "channels.toml", overrides=(*base, *extra)).scenario


@pytest.mark.parametrize("path", ["digital_first", "call_first"])
def test_channels_toml_keeps_the_ledger_and_the_cost_identity_to_the_cent(path):
    """Self-service payments and the channels' kept promises go through the living portfolio:
    its balance ledger still balances, the channels' dollars are among its cash, and the
    channels' cost is a cost component at every level (center, segments, teams)."""
    w, cnt, m = _run(_channels_toml(f"channels.path={path}"), trace=False)
    led = cnt.blocks["portfolio"]
    inflow = led["balance_start"] + led["balance_inflow"]
    out = sum(
        led[k]
        for k in (
            "collected_total",
            "settlement_discount",
            "balance_cured",
            "balance_charged_off",
            "balance_placed",
            "balance_end",
        )
    )
    assert inflow == pytest.approx(out, abs=0.005)
    block = cnt.blocks["channels"]
    names = ("sms", "email", "letter", "voicemail")
    money = sum(block[f"{c}/collected"] for c in names)
    assert money > 0 and money <= led["collected_total"]
    cost = sum(block[f"{c}/cost"] for c in names)
    center = m["center"]["center"]
    assert center["cost_channels"] == pytest.approx(cost, abs=0.005)
    for level in ("center", "segments", "teams"):
        for unit in m[level].values():
            assert unit["cost"] == pytest.approx(math.fsum(unit[k] for k in COST_COMPONENTS), abs=0.005)
    assert sum(u["cost_channels"] for u in m["teams"].values()) == pytest.approx(cost, abs=0.005)
    for c in names:  # the per-segment figures add up to the channel's
        for fig in ("sent", "collected", "cost", "opt_outs"):
            by_seg = sum(block[f"{c}/{s}/{fig}"] for s in w.structure.segments)
            assert by_seg == pytest.approx(block[f"{c}/{fig}"], abs=1e-6)


def test_an_opt_out_is_honoured_within_its_business_days_and_never_a_send_after():
    """A text every day, STOP with probability 0.3 an hour after delivery, honoured within 3
    business days: no text to an account on or after the 3rd business day after its STOP, and
    (the rule allows it) some go out in between."""
    ch = {
        "sms": {
            "cost_usd": 0.01,
            "opt_out": {"probability": 0.3, "delay_h": 1.0},
        },
        "path": "p",
        "paths": {"p": {"s1": [{"day": 1, "channel": "sms", "every_days": 1}]}},
        "opt_out_business_days": 3,
    }
    sc = _with_channels(small_scenario(calendar__working_days=10, segments__s1__accounts=500), ch)
    w, cnt, _ = _run(sc)
    chan = w.channels
    sent_days: dict[int, list[int]] = {}
    for day, _name, accts in chan.sends:
        for a in accts.tolist():
            sent_days.setdefault(a, []).append(day)
    assert chan.opt_outs and cnt.blocks["channels"]["sms/opt_outs"] == len(chan.opt_outs)
    between = 0
    for day, _name, a, until in chan.opt_outs:
        assert until == business_day_after(day, 3, w.calendar.weekday)
        assert until - day >= 3 and w.calendar.weekday(until) < 5
        assert all(d < until for d in sent_days[a])
        between += sum(day < d < until for d in sent_days[a])
    assert between > 0


def test_suppression_flags_stop_what_they_stop():
    """Cease-communication stops every message and call; a dispute stops calls and texts but
    not letters."""
    ch = {
        "sms": {"cost_usd": 0.01},
        "letter": {"cost_usd": 0.8},
        "path": "p",
        "paths": {
            "p": {
                "s1": [
                    {"day": 1, "channel": "call", "every_days": 1},
                    {"day": 1, "channel": "sms", "every_days": 1},
                    {"day": 1, "channel": "letter", "every_days": 1},
                ]
            }
        },
        "suppressions": {"all": {"cease_communication": 0.2, "dispute": 0.2}},
    }
    sc = _with_channels(small_scenario(segments__s1__accounts=400), ch)
    w, _cnt, _ = _run(sc)
    flags = w.channels.paths.flags
    cease, dispute = flags["cease_communication"], flags["dispute"]
    assert 40 < cease.sum() < 120 and 40 < dispute.sum() < 120
    dialed = np.unique(w.trace_arrays()["acct"].astype(np.int64))
    assert len(dialed) > 100 and not (cease | dispute)[dialed].any()
    got = {"sms": set(), "letter": set()}
    for _day, name, accts in w.channels.sends:
        got[name].update(accts.tolist())
    sms, letters = np.array(sorted(got["sms"])), np.array(sorted(got["letter"]))
    assert not (cease | dispute)[sms].any()
    assert not cease[letters].any() and dispute[letters].sum() > 20


def test_a_path_calls_an_account_only_on_its_call_days():
    """Calls every 3 days from path day 2 (day 1 = day 0 of the run for the initial accounts):
    dials fall exactly on the calendar days of those steps, a step on a weekend moving to the
    next working day."""
    ch = {
        "sms": {"cost_usd": 0.01},
        "path": "p",
        "paths": {"p": {"s1": [{"day": 2, "channel": "call", "every_days": 3}]}},
    }
    sc = _with_channels(small_scenario(calendar__working_days=10, segments__s1__accounts=150), ch)
    w, _cnt, _ = _run(sc)
    work = w.calendar.work_days
    expected = set()
    for x in range(1, 14, 3):  # calendar day of path day 2 + 3k
        nxt = [d for d in work if d >= x]
        if nxt:
            expected.add(nxt[0])
    t = w.trace_arrays()["t"]
    assert set((t // DAY_S).astype(int).tolist()) == expected


def test_without_a_path_the_block_still_gates_nothing_and_sends_nothing():
    """Channels on but no path in use: every account is called as without the block, nothing
    is sent, nothing costs."""
    ch = dict(SMS_ONLY, path="")
    raw = small_scenario(calendar__working_days=1, segments__s1__accounts=300)
    _w, cnt, m = _run(_with_channels(raw, ch), trace=False)
    _w0, cnt0, m0 = _run(Scenario.model_validate(raw), trace=False)
    assert m["center"]["center"]["dials"] == m0["center"]["center"]["dials"] > 0
    assert cnt.blocks["channels"]["sms/sent"] == 0 and m["center"]["center"]["cost_channels"] == 0


@pytest.mark.parametrize(
    "channels, words",
    [
        ({"path": "nope"}, "path 'nope' is not among paths"),
        ({"paths": {"p": {"s1": [{"day": 1, "channel": "sms"}]}}}, "has no [channels.sms] block"),
        ({"paths": {"p": {"zz": [{"day": 1, "channel": "call"}]}}}, "unknown segment"),
        (
            {
                "sms": {
                    "cost_usd": 0.01,
                    "payment": {"probability": 0.7},
                    "opt_out": {"probability": 0.5},
                }
            },
            "sum to 1.2",
        ),
        ({"sms": {"cost_usd": -1.0}}, "cost_usd = -1.0: expected a number >= 0"),
    ],
)
def test_bad_channels_get_a_clear_message(tmp_path, channels, words):
    raw = small_scenario()
    raw["channels"] = channels
    path = write_toml(tmp_path / "bad.toml", raw)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert words in str(e.value)


def test_business_days_skip_the_weekend():
    weekday = lambda d: d % 7  # noqa: E731  day 0 a Monday
    assert business_day_after(4, 1, weekday) == 7  # Friday -> Monday
    assert business_day_after(0, 10, weekday) == 14
    assert business_day_after(3, 0, weekday) == 3


def test_inbound_calls_the_messages_prompt_reach_the_queue():
    """channels.toml has no calls back from dials (no inbound.responses): every response caller
    in the queue is a call a message prompted. Nearly all the prompted calls arrive, within 10%
    (a few find the account on a line or come after the last window; a few prompted in the
    warm-up arrive after it)."""
    _w, cnt, m = _run(_channels_toml(), trace=False)
    block = cnt.blocks["channels"]
    prompted = sum(block[f"{c}/inbound_calls"] for c in ("sms", "email", "letter", "voicemail"))
    arrived = m["center"]["center"]["inbound_response_calls"]
    assert prompted > 100 and abs(arrived - prompted) <= 0.1 * prompted


def test_the_channels_table_gives_each_channels_share_of_money_and_cost():
    from simulator.report.channels import channel_rows, channels_html, channels_text

    s = lambda v: {"mean": v}  # noqa: E731
    body = {
        "sms/collected": s(300.0),
        "sms/cost": s(10.0),
        "letter/collected": s(100.0),
        "letter/cost": s(30.0),
        "sms/seg/collected": s(300.0),
        "responses_dropped": s(2.0),
    }
    rows = dict(channel_rows(body))
    assert rows["sms / seg"]["collected"] == 300.0
    text = channels_text(body)
    sms = next(line for line in text.splitlines() if line.startswith("sms "))
    assert "75.0%" in sms and "25.0%" in sms  # 300 of 400 dollars, 10 of 40 dollars of cost
    assert "dropped): 2.0" in text
    assert "<h2>Channels</h2>" in channels_html({"channels": body}) and channels_html({}) == ""
    # With the center's figures, the shares are of all the cash and all the cost.
    metrics = {"center": {"collected_cash": s(2000.0), "cost": s(1000.0)}}
    text = channels_text(body, metrics)
    sms = next(line for line in text.splitlines() if line.startswith("sms "))
    assert "share of all cash" in text and "15.0%" in sms and "1.0%" in sms  # 300 / 2000, 10 / 1000
    html = channels_html({"channels": body, "metrics": metrics})
    assert "share of all cost" in html and "<td>15.0%</td><td>1.0%</td>" in html


@pytest.mark.slow
def test_a_digital_first_path_trades_calls_for_messages_paired():
    """channels.toml, digital-first against call-first with common random numbers (4 paired
    replications): the digital path makes fewer dials, its messages bring dollars and opt-outs,
    each difference with a 95% t-interval that excludes 0."""
    from scipy import stats

    diffs: dict[str, list[float]] = {"dials": [], "channel_collected": [], "channel_opt_outs": []}
    for r in range(4):
        got = {}
        for path in ("call_first", "digital_first"):
            w = World(_channels_toml(f"channels.path={path}"), 1, r)
            got[path] = replication_metrics(w.structure, w.run())["center"]["center"]
        for k in diffs:
            diffs[k].append(got["digital_first"][k] - got["call_first"][k])
    t = stats.t.ppf(0.975, 3)
    for k, d in diffs.items():
        half = t * np.std(d, ddof=1) / 2.0
        lo, hi = np.mean(d) - half, np.mean(d) + half
        assert (hi < 0) if k == "dials" else (lo > 0), (k, lo, hi)


def test_limits_repeat_end_and_days_past_due_band_of_a_step():
    """A daily text from path day 1 to day 9, only to accounts under 30 days past due, at most 2
    in any 7 days and 3 in all: sends on days 0-1 and 7-8 (the window frees on day 7) until the
    third, never after path day 9, never to an account at 30 days past due or more."""
    ch = {
        "sms": {"cost_usd": 0.01, "max_per_period": 2, "period_days": 7, "max_per_account": 3},
        "path": "p",
        "paths": {
            "p": {
                "s1": [
                    {"day": 1, "channel": "sms", "every_days": 1, "until_day": 9, "days_past_due": [0, 30]}
                ]
            }
        },
    }
    raw = small_scenario(calendar__working_days=12, segments__s1__accounts=300)
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform", "low": 0.0, "high": 60.0}
    w, _cnt, _ = _run(_with_channels(raw, ch))
    days: dict[int, list[int]] = {}
    for day, _name, accts in w.channels.sends:
        for a in accts.tolist():
            days.setdefault(a, []).append(day)
    dpd = w.portfolio.days_past_due_at_entry
    assert days and all(dpd[a] < 30 for a in days)
    young = [a for a in range(300) if dpd[a] < 30]
    for a in young:
        assert days[a] == [0, 1, 7]  # weekdays 0-4 and 7-8; the third send ends it


@pytest.mark.parametrize("enforce", [True, False])
def test_massachusetts_counts_texts_with_calls(enforce):
    """A text every working day (3 days, no calls) to 3000 accounts, half with an MA address, under
    compliance.rules = ["massachusetts"] (two telephone communications in 7 days to personal
    numbers): enforced, each MA account gets its first two texts and the third is blocked (not
    sent, not paid for, in rules.csv and messages.csv); measured only, all are sent and the third
    is each MA account's one text beyond the limit."""
    from simulator.experiment.trace_export import trace_tables

    raw = small_scenario()
    raw["segments"]["s1"]["states"] = {"MA": 0.5, "NY": 0.5}
    raw["compliance"] = {**raw.get("compliance", {}), "rules": ["massachusetts"], "enforce_rules": enforce}
    sc = _with_channels(
        raw, {**SMS_ONLY, "paths": {"p": {"s1": [{"day": 1, "channel": "sms", "every_days": 1}]}}}
    )
    w, cnt, _ = _run(sc)
    ma = int(np.sum(np.array(w.portfolio.state_names)[w.portfolio.state] == "MA"))
    assert 1300 < ma < 1700
    block, comp = cnt.blocks["channels"], cnt.blocks["compliance"]
    sent = 3 * 3000 - (ma if enforce else 0)
    assert block["sms/sent"] == sent and block["sms/cost"] == pytest.approx(sent * 0.01, abs=1e-9)
    assert comp["massachusetts_actions_blocked"] == (ma if enforce else 0)
    assert comp["massachusetts_actions_over_limit"] == (0 if enforce else ma)
    assert comp["massachusetts_accounts_over_limit"] == (0 if enforce else ma)
    assert comp["massachusetts_largest_count"] == (2 if enforce else 3)
    tables = trace_tables(w)
    rules = tables["rules.csv"].decode().splitlines()[1:]
    messages = tables["messages.csv"].decode().splitlines()[1:]
    assert len(rules) == ma and all(",sms,massachusetts," in r for r in rules)
    actions = [r.split(",")[5] for r in messages]
    assert actions.count("blocked" if enforce else "not_enforced") == ma
    assert actions.count("sent") == 3 * 3000 - ma


@pytest.mark.parametrize("enforce", [True, False])
def test_texts_and_recorded_calls_reach_no_cell_without_consent(enforce):
    """Cells with consent on 40% of 3000 accounts, a home number on 50%; a text and an IVR call
    to every account on day 0. Enforced (TCPA), a text goes to a consented cell, else to the
    home number, and an account whose only number is a cell without consent gets neither: held,
    (1 - 0.4)(1 - 0.5) = 30% of accounts, per message. Not enforced, every account gets both
    and the messages to cells without consent are counted: a text to every account whose cell
    lacks consent (60%), an IVR call too (the cell is listed first)."""
    raw = small_scenario()
    raw["segments"]["s1"]["phone_numbers"] = [
        {"type": "cell", "consent": 0.4},
        {"type": "home", "share": 0.5},
    ]
    raw["compliance"]["enforce_cell_consent"] = enforce
    ivr = {"cost_usd": 0.05, "send_time": "11:00"}
    vm = {"cost_usd": 0.02, "send_time": "12:00"}
    steps = [{"day": 1, "channel": c} for c in ("sms", "ivr_call", "voicemail")]
    sc = _with_channels(
        raw,
        {
            "sms": dict(SMS_ONLY["sms"]),
            "ivr_call": ivr,
            "voicemail": vm,
            "path": "p",
            "paths": {"p": {"s1": steps}},
        },
    )
    w, cnt, _ = _run(sc)
    ph, n = w.phone_numbers, 3000
    cell_ok = np.array([ph.consent[ph.first[a]] for a in range(n)])
    has_home = np.array([ph.count[a] == 2 for a in range(n)])
    held = int((~cell_ok & ~has_home).sum())
    assert abs(held - 0.3 * n) < 4 * math.sqrt(0.3 * 0.7 * n)
    comp, block = cnt.blocks["compliance"], cnt.blocks["channels"]
    # a voicemail is a prerecorded message to a phone: screened as an IVR call is
    if enforce:
        assert block["sms/sent"] == block["ivr_call/sent"] == block["voicemail/sent"] == n - held
        assert comp["messages_without_usable_number"] == 3 * held
        assert comp["messages_to_cells_without_consent"] == 0
    else:
        assert block["sms/sent"] == block["ivr_call/sent"] == block["voicemail/sent"] == n
        assert comp["messages_without_usable_number"] == 0
        assert comp["messages_to_cells_without_consent"] == 3 * int((~cell_ok).sum())
        found = breaches(sc, {k: {"values": [v]} for k, v in comp.items()})
        assert [b["measure"] for b in found] == ["messages_to_cells_without_consent"]
    # the trace's messages: the phone type each went to
    cells = {(m[1], m[2]) for m in w.channels.messages if m[3] == CELL}
    no_consent = {(ch, a) for ch, a in cells if not cell_ok[a]}
    assert len(no_consent) == comp["messages_to_cells_without_consent"]


@pytest.mark.parametrize("second_day, sent", [(7, 100), (8, 200), (9, 200)])
def test_a_send_leaves_the_period_limit_when_its_period_is_over(second_day, sent):
    """One text per 7 days, texts on path days 1 and ``second_day`` to 100 accounts, every day a
    working day: the second is refused inside the period (day 7: calendar day 6) and goes once
    the period of the first is over (calendar day 7 or later), whether or not a send came
    exactly seven days later."""
    raw = tiny_scenario(days=12, collectors=1, accounts=100)
    raw["calendar"]["weekdays"] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    steps = [{"day": 1, "channel": "sms"}, {"day": second_day, "channel": "sms"}]
    sms = {"cost_usd": 0.01, "send_time": "10:00", "max_per_period": 1, "period_days": 7}
    sc = _with_channels(raw, {"sms": sms, "path": "p", "paths": {"p": {"s1": steps}}})
    w, cnt, _ = _run(sc)
    assert cnt.blocks["channels"]["sms/sent"] == sent
    assert [d for d, _, a in w.channels.sends] == ([0] if sent == 100 else [0, second_day - 1])


def test_a_text_stop_revokes_the_cells_consent_for_the_dialer():
    """Every account has a cell with consent (and 30% a home line); a text on day 1, STOP with
    probability 0.4 an hour after delivery, calls every day, the STOP honoured within 2 business
    days (dials to the cell go on until then): from that day no dial reaches an opted-out
    account's cell (the progressive dialer needs consent), those with only a cell leave the
    lists, and every STOP revokes exactly one cell's consent."""
    raw = small_scenario(calendar__working_days=6, segments__s1__accounts=600)
    raw["segments"]["s1"]["phone_numbers"] = [
        {"type": "cell", "consent": 1.0},
        {"type": "home", "share": 0.3},
    ]
    ch = {
        "sms": {"cost_usd": 0.01, "opt_out": {"probability": 0.4, "delay_h": 1.0}},
        "path": "p",
        "paths": {
            "p": {"s1": [{"day": 1, "channel": "sms"}, {"day": 1, "channel": "call", "every_days": 1}]}
        },
        "opt_out_business_days": 2,
    }
    w, cnt, _ = _run(_with_channels(raw, ch))
    ph, tr = w.phone_numbers, w.trace_arrays()
    stops = {a: until for _day, _name, a, until in w.channels.opt_outs}
    assert abs(len(stops) - 0.4 * 600) < 4 * math.sqrt(0.24 * 600)
    assert cnt.blocks["phones"]["cells_consent_revoked"] == len(stops)
    after = before = 0
    for a, t, j in zip(tr["acct"].tolist(), tr["t"].tolist(), tr["phone"].tolist()):
        if a in stops:
            if t >= stops[a] * DAY_S:
                after += ph.kind_at(a, j) == CELL
            else:
                before += 1
    assert after == 0 and before > 50
    only_cell = [a for a in stops if ph.count[a] == 1]
    assert only_cell and all(not tr["acct"][tr["t"] >= stops[a] * DAY_S].tolist().count(a) for a in only_cell)


def test_messages_go_at_the_send_time_local_to_each_account():
    """Accounts in three time zones (center, 1 and 3 hours behind): a text at 10:00 and an email
    at 09:00 reach every account at that local time, one send per zone, so an account three hours
    behind gets them at 13:00 and 12:00 center time."""
    raw = small_scenario()
    raw["segments"]["s1"]["time_zones"] = {"offsets_h": [0.0, -1.0, -3.0], "weights": [0.5, 0.3, 0.2]}
    path = {"p": {"s1": [{"day": 1, "channel": "sms"}, {"day": 1, "channel": "email"}]}}
    ch = {"sms": {"cost_usd": 0.01, "send_time": "10:00"}, "email": {"cost_usd": 0.002, "send_time": "09:00"}}
    w, cnt, _ = _run(_with_channels(raw, {**ch, "path": "p", "paths": path}))
    p = w.portfolio
    local = {"sms": 10 * 3600.0, "email": 9 * 3600.0}
    seen = {
        (name, (t + p.bucket_offset_s[p.bucket_list[a]]) % DAY_S) for t, name, a, *_ in w.channels.messages
    }
    assert seen == {("sms", local["sms"]), ("email", local["email"])}
    assert len(w.channels.messages) == 2 * 3000 == cnt.blocks["channels"]["sms/sent"] * 2
    assert sorted({t for t, name, *_ in w.channels.messages if name == "sms"}) == [36000.0, 39600.0, 46800.0]


@pytest.mark.parametrize("channel", ["sms", "email", "voicemail", "ivr_call"])
def test_a_send_time_outside_the_calling_window_is_refused(channel):
    raw = small_scenario()
    raw["channels"] = {
        channel: {"cost_usd": 0.01, "send_time": "07:30"},
        "letter": {"cost_usd": 0.5, "send_time": "06:00"},
    }
    with pytest.raises(
        Exception, match=f"channels.{channel}.send_time: 07:30 is outside the calling window 08:00-21:00"
    ):
        Scenario.model_validate(raw)
    raw["channels"][channel]["send_time"] = "20:59"
    Scenario.model_validate(raw)  # and a letter at 06:00 is fine
