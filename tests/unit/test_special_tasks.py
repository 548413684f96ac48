"""The special-task blocks: off by default, conservation, bookkeeping (small worlds, fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import load_scenario, run_experiment
from simulator.base.clock import DAY_S
from simulator.base.outcomes import INVALID, NO_ANSWER, RPC
from simulator.report.table import blocks_table
from simulator.scenario.load import ScenarioError
from simulator.world.build import World
from simulator.world.portfolio import PLACED
from simulator.world.tasks.aging import bucket_of

from ..conftest import SCENARIOS, small_scenario, write_toml


def _load(tmp_path, raw, overrides=()):
    return load_scenario(write_toml(tmp_path / "s.toml", raw), list(overrides))


def _world(tmp_path, raw, seed=3, rep=0, trace=False):
    w = World(_load(tmp_path, raw).scenario, seed, rep, trace=trace)
    w.run()
    return w


# --------------------------------------------------------------------------- off by default


def test_disabled_blocks_change_nothing(tmp_path):
    base = run_experiment(_load(tmp_path, small_scenario()), 2, seed=4).to_dict()
    raw = small_scenario()
    raw.update(
        {
            "skip_trace": {"enabled": False},
            "tracking": {"enabled": False},
            "roll_rates": {"enabled": False},
            "placement": {"enabled": False, "at_days_past_due": 40.0},
            "rearrangement": {"enabled": False, "order": ["plan"], "plan": {}},
        }
    )
    off = run_experiment(_load(tmp_path, raw), 2, seed=4).to_dict()
    assert off["metrics"] == base["metrics"] and off["series"] == base["series"]
    assert off["compliance"] == base["compliance"]
    for b in ("skip_trace", "rearrangement", "tracking", "roll_rates", "placement"):
        assert b not in off


def test_bad_special_keys_are_reported_with_their_path(tmp_path):
    raw = small_scenario()
    raw["placement"] = {"recovery_curve_days": [0.0, 30.0], "recovery_curve_share": [0.1, 0.05, 0.2]}
    raw["skip_trace"] = {"bad_number_share_by_segment": {"nope": 0.1}}
    with pytest.raises(ScenarioError) as info:
        _load(tmp_path, raw)
    msg = str(info.value)
    assert "placement.recovery_curve_share" in msg and "skip_trace.bad_number_share_by_segment.nope" in msg
    raw = small_scenario()
    raw["skip_trace"] = {"hit_rate": 0.5}
    with pytest.raises(ScenarioError) as info:
        _load(tmp_path, raw)
    assert "hit_rate" in str(info.value)


# --------------------------------------------------------------------------- skip tracing


def _skip_raw(**st):
    raw = small_scenario(calendar__working_days=6)
    raw["skip_trace"] = {
        "invalid_attempts": 1,
        "third_party_attempts": 2,
        "delay_days": 1,
        "hit_probability": 0.6,
        "new_number_bad_probability": 0.2,
        **st,
    }
    return raw


def test_skip_trace_conservation(tmp_path):
    w = _world(tmp_path, _skip_raw(), trace=True)
    sk = w.task("skip_trace")
    b = w.counters.blocks["skip_trace"]
    # one trace per account (max_traces_per_account = 1): traced accounts are counted once
    assert b["traces"] == b["accounts_traced"] == len(sk.history) == len({a for a, _, _ in sk.history})
    assert b["hits"] + b["misses"] + b["pending"] == b["traces"]
    assert b["cost_usd"] == pytest.approx(2.5 * b["traces"])
    assert b["hits"] > 50 and b["misses"] > 20
    # no account is dialed while its trace is out (from queueing to the end of its result day)
    tr = w.trace_arrays()
    acct, t = tr["acct"], tr["t"]
    for a, queued_s, due in sk.history:
        mine = t[acct == a]
        assert not ((mine >= queued_s) & (mine < (due + 1) * DAY_S)).any()
    # untraced accounts keep their number: each one's dials are all invalid or none is
    out = tr["out"]
    untraced = np.flatnonzero(sk.traces_n == 0)
    inv = np.bincount(acct[out == INVALID], minlength=w.portfolio.n)
    allc = np.bincount(acct, minlength=w.portfolio.n)
    assert ((inv[untraced] == 0) | (inv[untraced] == allc[untraced])).all()
    assert b["collected_traced_usd"] > 0


def test_skip_trace_keeps_first_dial_marginals(tmp_path):
    """With default bad-number shares the first dial of an account ends as the segment says."""
    raw = _skip_raw()
    raw["segments"]["s1"]["accounts"] = 4000
    w = _world(tmp_path, raw, trace=True)
    tr = w.trace_arrays()
    _, first = np.unique(tr["acct"], return_index=True)
    o = tr["out"][first]
    n = len(o)
    assert n > 2500
    for code, p in ((INVALID, 0.10), (RPC, 0.20), (NO_ANSWER, 0.40)):
        share = (o == code).mean()
        assert abs(share - p) < 3.5 * np.sqrt(p * (1 - p) / n), (code, share)


# --------------------------------------------------------------------------- rearrangement


def test_rearrangement_bookkeeping(tmp_path):
    raw = small_scenario(calendar__working_days=5)
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform", "low": 0.0, "high": 120.0}
    raw["rearrangement"] = {
        "order": ["plan", "settlement", "reage"],
        "plan": {
            "min_balance_usd": 800.0,
            "installments": 3,
            "interval_days": 10,
            "acceptance_probability": 0.5,
            "breaks_allowed": 1,
        },
        "settlement": {"min_days_past_due": 60.0, "discount_share": 0.4},
        "reage": {"max_days_past_due": 60.0, "qualifying_payment_usd": 40.0},
    }
    w = _world(tmp_path, raw)
    b = w.counters.blocks["rearrangement"]
    cnt = w.counters
    assert b["plan_accepted"] > 20 and b["settlement_accepted"] > 5 and b["reage_accepted"] > 5
    assert (
        b["plan_accepted"] == b["plan_completed"] + b["plan_broken_arrangements"] + b["plans_in_force_at_end"]
    )
    assert b["plans_in_force_at_end"] == 0  # the world runs until every payment resolves
    assert b["plan_payments_kept"] >= 2 * b["plan_completed"]  # 3 installments, one break allowed
    assert b["settlement_accepted"] == b["settlement_payments_kept"] + b["settlement_payments_broken"]
    # a re-age is three qualifying payments in a row (FFIEC): it completes or breaks
    assert b["reage_accepted"] == b["reage_completed"] + b["reage_broken_arrangements"]
    assert b["reage_payments_kept"] >= 3 * b["reage_completed"]
    assert b["settlement_discount_usd"] == pytest.approx(b["settlement_collected_usd"] * 0.4 / 0.6, rel=1e-9)
    # every promise (installments included) is resolved, and the core counters hold the dollars
    assert cnt.promises.sum() == cnt.kept.sum() + cnt.broken.sum()
    assert (
        cnt.collected.sum()
        >= b["plan_collected_usd"] + b["settlement_collected_usd"] + b["reage_collected_usd"]
    )
    assert (w.portfolio.balance >= -1e-9).all()


# --------------------------------------------------------------------------- tracking


def test_tracking_series_add_up(tmp_path):
    raw = small_scenario(calendar__working_days=4)
    raw["tracking"] = {}
    res = run_experiment(_load(tmp_path, raw), 1, seed=2).to_dict()
    tr = res["series"]["tracking"]
    daily = tr["daily"]
    assert set(daily) == {"open_promises", "due_today", "broken_awaiting", "plans_in_force"}
    center = res["metrics"]["center"]
    assert sum(daily["due_today"]) == center["kept"]["mean"] + center["broken"]["mean"]
    assert daily["open_promises"][-1] == 0 and max(daily["open_promises"]) > 0
    for name, m in res["metrics"]["collectors"].items():
        for k in ("dials", "rpc", "promises", "kept", "collected"):
            assert sum(tr["collectors"][name][k]) == pytest.approx(m[k]["mean"])
    assert res["tracking"]["peak_open_promises"]["mean"] == max(daily["open_promises"])


# --------------------------------------------------------------------------- roll rates


def test_buckets_and_cure_rule(tmp_path):
    assert bucket_of(np.array([0.0, 1.0, 29.0, 30.0, 59.5, 60.0, 89.0, 90.0, 400.0])).tolist() == [
        0,
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    raw = small_scenario(calendar__working_days=1)
    raw["roll_rates"] = {"min_payment_usd": 25.0, "min_payment_share": 0.0, "period_days": 5}
    w = World(_load(tmp_path, raw).scenario, 1, 0)
    ag = w.task("aging")
    ag.dpd[:3] = [75.0, 75.0, 75.0]  # three cycles past due: $75 cures
    ag.on_payment(0, 75.0, 0)
    ag.on_payment(1, 50.0, 0)  # two minimum payments: 60 days back
    ag.on_payment(2, 20.0, 0)  # less than one: no change
    assert ag.dpd[:3].tolist() == [0.0, 15.0, 75.0]
    w.run()
    b = w.counters.blocks["roll_rates"]
    assert b["periods"] >= 1 and 0 <= b["forward_roll_rate"] <= 1


# --------------------------------------------------------------------------- placement


def test_no_placed_account_is_dialed(tmp_path):
    raw = small_scenario(calendar__working_days=8)
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform", "low": 60.0, "high": 95.0}
    raw["placement"] = {"at_days_past_due": 90.0}
    w = _world(tmp_path, raw, trace=True)
    pl = w.task("placement")
    assert pl.placed.sum() > 1000
    assert (w.portfolio.status[pl.placed] == PLACED).all()
    tr = w.trace_arrays()
    day_of_dial = (tr["t"] // DAY_S).astype(np.int64)
    pd = pl.placed_day[tr["acct"]]
    assert not ((pd >= 0) & (day_of_dial >= pd)).any()
    assert w.counters.blocks["placement"]["dialed_after_placement"] == 0
    # the rule: never before the account reaches 90 days past due; on that day unless it then held
    # a promise (placed once the promise is broken)
    placed = np.flatnonzero(pl.placed)
    due = np.maximum(0, np.ceil(90.0 - np.maximum(w.portfolio.days_past_due_at_entry[placed], 0)))
    assert (pl.placed_day[placed] >= due).all()
    assert (pl.placed_day[placed] == due).mean() > 0.9


def test_placement_day_is_a_set_key(tmp_path):
    raw = small_scenario(calendar__working_days=2)
    raw["placement"] = {}
    lo = _load(tmp_path, raw, ["placement.at_days_past_due=60", "placement.commission_share=0.25"])
    assert lo.scenario.placement.at_days_past_due == 60 and lo.scenario.placement.commission_share == 0.25
    assert float(lo.scenario.placement.curve(60.0)) == pytest.approx(0.04 + (0.09 - 0.04) / 2)


# --------------------------------------------------------------------------- printing


def test_blocks_table_renders_each_block():
    st = lambda m, h: {"mean": m, "ci95_low": m - h, "ci95_high": m + h, "values": [m]}  # noqa: E731
    doc = {
        "schema": "x",
        "metrics": {},
        "series": {},
        "scenario": {"name": "n"},
        "placement": {"placed_accounts": st(120.0, 5.0), "agency_net_usd": st(15000.0, 300.0)},
        "roll_rates": {
            "forward_roll_rate": st(0.5, 0.01),
            "cure_rate": {"mean": None, "ci95_low": None, "ci95_high": None, "values": [None]},
        },
    }
    text = blocks_table(doc)
    assert "placement" in text and "roll_rates" in text and "metrics" not in text
    assert "120.0 ± 5.0" in text and "15,000 ± 300" in text and "50.0 ± 1.0 %" in text and "n/a" in text
    assert blocks_table({"metrics": {}, "series": {}}) == ""


# --------------------------------------------------------------------------- the warm-up


def _bundled(name: str, warmup: int):
    sc = load_scenario(SCENARIOS / f"{name}.toml", [f"calendar.warmup_days={warmup}"]).scenario
    w = World(sc, 1, 0)
    w.run()
    return w


STOCKS = {
    "skip_trace": ("pending", "unreachable_accounts"),
    "rearrangement": ("plans_in_force_at_end",),
    "roll_rates": tuple(f"accounts_{b}_end" for b in ("current", "1_29", "30_59", "60_89", "90p")),
}
FLOWS = {
    "skip_trace": ("traces", "accounts_traced", "hits", "misses", "cost_usd"),
    "rearrangement": ("plan_offers", "plan_accepted"),
    "placement": ("placed_accounts", "placed_balance_usd", "agency_recovered_usd"),
}


@pytest.mark.parametrize("name", ["skip_trace", "rearrangement", "placement"])
def test_task_blocks_leave_the_warm_up_out(name):
    """A warm-up changes what is counted, not what happens: with 4 warm-up days the same world
    runs (stocks at the end equal), the blocks' flows lose the warm-up's events, and the blocks
    agree with the metrics that already left the warm-up out."""
    whole, measured = _bundled(name, 0), _bundled(name, 4)
    for block, keys in STOCKS.items():
        if block in whole.counters.blocks:
            for k in keys:
                assert measured.counters.blocks[block][k] == whole.counters.blocks[block][k], (block, k)
    b0, b4 = whole.counters.blocks[name], measured.counters.blocks[name]
    for k in FLOWS[name]:
        assert 0 < b4[k] < b0[k], k
    c = measured.counters
    if name == "skip_trace":
        assert b4["cost_usd"] == pytest.approx(c.skip_trace_fees_usd.sum(), abs=0.005)
        assert b4["cost_usd"] == pytest.approx(2.5 * b4["traces"])
    if name == "placement":
        assert b4["agency_recovered_usd"] == pytest.approx(c.agency_collected_usd.sum(), abs=0.005)
        first = measured.calendar.first_measured_day
        assert b4["placed_accounts"] == (measured.task("placement").placed_day >= first).sum()


def test_placement_block_agrees_with_the_living_ledger_after_a_warm_up():
    """Two ways of counting the accounts placed with the agency in the measured window: the
    placement block and the portfolio ledger (living.py), to the account and the cent."""
    sc = load_scenario(
        SCENARIOS / "open_portfolio.toml", ["calendar.working_days=25", "calendar.warmup_days=10"]
    ).scenario
    w = World(sc, 1, 0)
    b = w.run().blocks
    assert b["placement"]["placed_accounts"] == b["portfolio"]["accounts_placed"] > 1000
    assert b["placement"]["placed_balance_usd"] == pytest.approx(b["portfolio"]["balance_placed"], abs=0.005)


def test_task_blocks_with_a_warm_up_add_up_and_match_the_metrics():
    """With a warm-up, each block still adds up within itself and agrees, to the cent, with the
    metrics that count the same events."""
    b = _bundled("skip_trace", 4).counters.blocks["skip_trace"]
    b0 = _bundled("skip_trace", 0).counters.blocks["skip_trace"]
    assert b["traces"] == b["hits"] + b["misses"] + b["pending"] > 0
    assert b["hit_rate"] == pytest.approx(b["hits"] / (b["hits"] + b["misses"]))
    assert 0 < b["collected_traced_usd"] < b0["collected_traced_usd"]
    # counted when the window opens: the warm-up's traces have found numbers by then
    assert 0 < b["bad_number_accounts_start"] < b0["bad_number_accounts_start"]
    w = _bundled("rearrangement", 4)
    c, b = w.counters, w.counters.blocks["rearrangement"]
    options = ("plan", "settlement", "reage")
    assert sum(b[f"{o}_collected_usd"] for o in options) == pytest.approx(
        c.arrangement_collected.sum(), abs=0.005
    )
    assert b["plan_payments_kept"] + b["plan_payments_broken"] == c.plan_installments_due.sum() > 0
    assert b["plan_payments_kept"] == c.plan_installments_kept.sum()


def test_roll_rates_report_a_period_after_a_long_warm_up():
    """The one 30-day roll period must end in the measured window: the world keeps going."""
    sc = load_scenario(
        SCENARIOS / "roll_rates.toml", ["calendar.working_days=30", "calendar.warmup_days=22"]
    ).scenario
    w = World(sc, 1, 0)
    r = w.run().blocks["roll_rates"]
    assert r["periods"] == 1 and r["forward_roll_rate"] is not None
    assert w.env.now >= 2 * 30 * DAY_S > w.calendar.first_measured_day * DAY_S


def test_tracking_per_collector_series_start_from_zero_after_the_warm_up():
    w = _bundled("tracking", 4)
    coll = w.counters.series["tracking"]["collectors"]
    for name, series in coll.items():
        for k, v in series.items():
            assert min(v) >= 0, (name, k)


def test_roll_rates_and_tracking_count_the_measured_days():
    whole, measured = _bundled("roll_rates", 0), _bundled("roll_rates", 4)
    r0, r4 = whole.counters.blocks["roll_rates"], measured.counters.blocks["roll_rates"]
    start = [f"accounts_{b}_start" for b in ("current", "1_29", "30_59", "60_89", "90p")]
    # the same accounts (a closed portfolio counts them all) by bucket 4 days later: some
    # have rolled on, and the transitions of the one 30-day period, which ends after the
    # warm-up, are those of the whole run
    assert sum(r4[k] for k in start) == sum(r0[k] for k in start) == whole.portfolio.n
    assert r4["accounts_90p_start"] > r0["accounts_90p_start"] == 0
    assert r4["periods"] == r0["periods"] == 1 and r4["forward_roll_rate"] == r0["forward_roll_rate"]
    whole, measured = _bundled("tracking", 0), _bundled("tracking", 4)
    d = whole.counters.series["tracking"]["daily"]["open_promises"]
    first = measured.calendar.first_measured_day
    assert first == 4 and measured.counters.blocks["tracking"]["mean_open_promises"] == pytest.approx(
        np.mean(d[first:])
    )
    assert whole.counters.blocks["tracking"]["mean_open_promises"] == pytest.approx(np.mean(d))
