"""The lift over the never-called control (measures/lift.py), the per-group roll matrices it
reads (world/tasks/aging.py), promises sized by the past-due amount
(portfolio.promise_past_due_multiple) and the control group's unit: one account, however often
it re-defaults."""

import csv

import numpy as np
import pytest

from simulator.experiment.trace_export import traced_world, write_trace
from simulator.measures.lift import LIFT_METRICS, control_lift
from simulator.scenario import parse_scenario
from simulator.scenario.problems import ScenarioError
from simulator.world.build import World, simulate
from simulator.world.counters import Counters
from simulator.world.tasks.aging import roll_rates

from ..conftest import small_scenario


def _living(control_share: float = 0.3, **portfolio) -> dict:
    raw = small_scenario(calendar__working_days=15, segments__s1__accounts=2000)
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform_int", "low": 1, "high": 29}
    raw["segments"]["s1"]["self_cure_per_day"] = 0.02
    raw["portfolio"] = {"control_share": control_share, **portfolio}
    raw["roll_rates"] = {"period_days": 7}
    return raw


def _counters(groups: np.ndarray, dollars: np.ndarray | None = None) -> Counters:
    cnt = Counters.__new__(Counters)
    cnt.roll_groups = groups
    cnt.roll_groups_usd = groups.astype(float) if dollars is None else dollars
    cnt.received_usd = np.zeros((groups.shape[0], 2))
    return cnt


def test_lifts_of_a_known_roll_matrix():
    g = np.zeros((1, 2, 5, 6), dtype=np.int64)
    # treated: 100 accounts in 1-29: 60 cured, 25 stayed, 15 rolled; 10 in 30-59: 2 charged off
    g[0, 0, 1, [0, 1, 2]] = [60, 25, 15]
    g[0, 0, 2, [2, 5]] = [8, 2]
    # control: 50 in 1-29: 20 cured, 10 stayed, 20 rolled; 5 in 30-59: 3 charged off
    g[0, 1, 1, [0, 1, 2]] = [20, 10, 20]
    g[0, 1, 2, [2, 5]] = [2, 3]
    usd = g.astype(float)
    usd[0, 1, 1, 2] = 40.0  # the control's rollers owe twice as much: by balance 40 of 70
    m = control_lift(_counters(g, usd), [0])
    assert m["cure_rate_treated"] == pytest.approx(60 / 110)
    assert m["cure_rate_control"] == pytest.approx(20 / 55)
    assert m["cure_lift"] == pytest.approx(60 / 110 - 20 / 55)
    assert m["roll_rate_treated"] == pytest.approx(17 / 110)
    assert m["roll_rate_control"] == pytest.approx(23 / 55)
    assert m["roll_lift"] == pytest.approx(23 / 55 - 17 / 110)
    assert m["roll_lift_usd"] == pytest.approx(43 / 75 - 17 / 110)
    assert m["charge_off_lift"] == pytest.approx(3 / 55 - 2 / 110)


def test_no_control_group_or_no_roll_rates_gives_none():
    g = np.zeros((1, 2, 5, 6), dtype=np.int64)
    g[0, 0, 1, 0] = 10  # treated accounts only
    assert control_lift(_counters(g), [0]) == dict.fromkeys(LIFT_METRICS)
    cnt = _counters(g)
    cnt.roll_groups = None
    assert all(v is None for v in control_lift(cnt, [0]).values())


@pytest.fixture(scope="module")
def world():
    w = World(parse_scenario(_living()), 5, 0)
    w.run()
    return w


def test_group_matrices_add_up_to_the_roll_block(world):
    """Treated plus control is the whole book: the block's rates come back exactly."""
    cnt = world.counters
    block = cnt.blocks["roll_rates"]
    assert block["periods"] >= 2
    whole = roll_rates(cnt.roll_groups.sum(axis=(0, 1)), "")
    for k in ("roll_1_29_to_30_59", "cure_rate", "forward_roll_rate"):
        assert whole[k] == block[k], k
    assert cnt.roll_groups[0, 1, 1].sum() > 300  # the control held accounts in 1-29


def test_lift_metrics_at_center_and_segment_not_teams(world):
    from simulator.measures.metrics import replication_metrics

    m = replication_metrics(world.structure, world.counters)
    center, seg = m["center"]["center"], m["segments"]["s1"]
    for k in LIFT_METRICS:
        assert center[k] == seg[k] and center[k] is not None, k
        assert all(t[k] is None for t in m["teams"].values())
    # calling cures: a positive lift, with the treated rates the control's plus the lift
    assert center["cure_lift"] > 0 and center["roll_lift"] > 0
    assert center["cure_rate_treated"] == pytest.approx(center["cure_rate_control"] + center["cure_lift"])


def test_an_account_that_defaults_again_counts_once_in_its_group():
    raw = _living(cure_redefault_probability=1.0, redefault_after_days=1.0)
    raw["segments"]["s1"]["self_cure_per_day"] = 0.2
    raw["segments"]["s1"]["inflow"] = {"accounts_per_day": 30.0}
    sc = parse_scenario(raw)
    st, cnt = simulate(sc, 2, 0)
    w = World(sc, 2, 0)
    p = w.portfolio
    arrived = p.n - p.n_initial  # every new account of days 0 to the last calling day
    ledger = cnt.blocks["portfolio"]
    assert ledger["accounts_inflow"] > arrived + 500  # many re-defaults came back
    assert cnt.present_accounts.sum() == p.n_initial + arrived


def _kept_promises_and_cures(folder):
    with open(folder / "promises.csv") as f:
        kept = [r for r in csv.DictReader(f) if r["status"] == "kept" and r["kind"] == "promise"]
    with open(folder / "account_events.csv") as f:
        cured = {(r["account_id"], r["date"]) for r in csv.DictReader(f) if r["event"] in ("cured", "paid")}
    return kept, cured


@pytest.mark.parametrize("multiple", [1.0, 0.5])
def test_promises_sized_by_the_past_due_amount(tmp_path, multiple):
    """A promise of the past-due amount on its due day cures the account when kept; half of it
    never does (it pays less than one cycle's minimum, so the days past due stay)."""
    raw = _living(promise_past_due_multiple=multiple)
    w = traced_world(parse_scenario(raw), 3)
    write_trace(w, tmp_path)
    kept, cured = _kept_promises_and_cures(tmp_path)
    assert len(kept) > 100
    cures = sum((r["account_id"], r["paid_date"]) in cured for r in kept)
    assert cures == (len(kept) if multiple == 1.0 else 0)


def test_promise_past_due_multiple_must_be_positive():
    with pytest.raises((ScenarioError, ValueError), match="promise_past_due_multiple"):
        parse_scenario(_living(promise_past_due_multiple=0.0))


@pytest.mark.slow
def test_no_lift_when_calling_changes_nothing_and_a_lift_when_it_does():
    """With no promise ever made, called and control accounts age, self-cure and are placed
    alike: every lift is 0 within its 95% CI over 16 replications. With promises, the roll lift's
    CI lies above 0."""
    from simulator.base.statistics import t_interval
    from simulator.experiment import run_replication
    from simulator.scenario.load import load_scenario

    from ..conftest import SCENARIOS

    short = ["calendar.working_days=12", "calendar.warmup_days=4", "portfolio.control_share=0.3"]
    none = [f"segments.{s}.promise_probability=0.0" for s in ("early_low_risk", "early_high_risk")]
    sc = load_scenario(SCENARIOS / "open_portfolio.toml", [*short, *none]).scenario
    reps = [run_replication(sc, 11, r)["metrics"]["center"]["center"] for r in range(16)]
    for k in ("cure_lift", "roll_lift", "roll_lift_usd"):
        _, lo, hi = t_interval([u[k] for u in reps])
        assert lo < 0 < hi, (k, lo, hi)
    sc = load_scenario(SCENARIOS / "open_portfolio.toml", short).scenario
    called = [run_replication(sc, 11, r)["metrics"]["center"]["center"]["roll_lift"] for r in range(4)]
    _, lo, _ = t_interval(called)
    assert lo > 0, called
