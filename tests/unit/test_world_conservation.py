"""Conservation laws and calling rules, checked against the dial trace of small runs."""

import numpy as np
import pytest

from simulator.base.clock import DAY_S
from simulator.base.outcomes import RPC, Outcome
from simulator.measures.metrics import replication_metrics
from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario


@pytest.fixture(scope="module")
def run():
    sc = parse_scenario(small_scenario(segments__s1__accounts=600))  # small list: retries and caps bind
    w = World(sc, seed=7, replication=0, trace=True)
    balance0 = w.portfolio.balance.copy()
    cnt = w.run()
    return sc, w, cnt, balance0, w.trace_arrays()


def test_every_dial_has_exactly_one_outcome(run):
    _, _, cnt, _, tr = run
    assert cnt.dials.sum() == len(tr["out"]) > 0
    assert set(np.unique(tr["out"])) <= set(Outcome)
    np.testing.assert_array_equal(cnt.dials.sum(axis=(0, 1)), np.bincount(tr["out"], minlength=len(Outcome)))
    assert cnt.daily_dials.sum() == cnt.hourly_dials.sum() == cnt.dials.sum()


def test_funnel_is_monotone_and_promises_resolve(run):
    _, w, cnt, _, _ = run
    st = w.structure
    m = replication_metrics(st, cnt)
    for level in ("segments", "teams", "collectors"):
        for unit in m[level].values():
            assert unit["dials"] >= unit["connects"] >= unit["rpc"] >= unit["promises"] >= unit["kept"]
            assert unit["kept"] + unit["broken"] == unit["promises"]
            assert unit["productive_hours"] <= unit["paid_hours"] + 1e-9
    assert w.book.open == 0 and not w.book.by_due_day


def test_collected_equals_the_balance_paid_down(run):
    _, w, cnt, balance0, _ = run
    paid_down = (balance0 - w.portfolio.balance).sum()
    assert cnt.collected.sum() == pytest.approx(paid_down, rel=1e-12)
    assert cnt.daily_collected.sum() == pytest.approx(paid_down, rel=1e-12)
    assert (w.portfolio.balance >= -1e-9).all()


def test_attempt_caps_retry_delay_and_recontact(run):
    sc, _, _, _, tr = run
    att = sc.attempts
    day = (tr["t"] // DAY_S).astype(np.int64)
    per_day = np.bincount(tr["acct"].astype(np.int64) * 10_000 + day)
    assert per_day.max() <= att.max_per_day
    assert per_day.max() == att.max_per_day  # the cap binds in this run, so the check has teeth
    order = np.lexsort((tr["t"], tr["acct"]))
    a, t, o = tr["acct"][order], tr["t"][order], tr["out"][order]
    end = t + (tr["ring"] + tr["talk"] + tr["wrap"])[order]
    same = a[1:] == a[:-1]
    gap = t[1:] - end[:-1]
    retry = same & (o[:-1] != RPC) & (day[order][1:] == day[order][:-1])
    assert retry.any()
    assert gap[retry].min() >= att.retry_delay_min * 60 - 1e-6
    after_rpc = same & (o[:-1] == RPC)
    if after_rpc.any():
        assert gap[after_rpc].min() >= sc.compliance.wait_after_conversation_days * DAY_S - 1e-6


def test_no_dials_outside_shift_and_breaks(run):
    sc, w, _, _, tr = run
    team = sc.teams["t1"]
    tod = tr["t"] % DAY_S
    assert tod.min() >= team.shift_start_min * 60
    # a dial may start only before the shift's end (the last call may run over)
    assert tod.max() < team.shift_end_min * 60
    c = w.collectors[0]
    for start, length, _ in c.blocks:
        inside = (tr["coll"] == 0) & (tod > start + 600) & (tod < start + length - 1)
        assert not inside.any()
