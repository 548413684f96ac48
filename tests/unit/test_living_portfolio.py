"""Unit checks of the living portfolio's bookkeeping: phone states of accounts entering later,
completed plans paid in full, the fatigue window, and inputs the portfolio refuses."""

import numpy as np
import pytest

from simulator.base.outcomes import INVALID
from simulator.scenario import ScenarioError, parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario


def _living(**portfolio) -> dict:
    raw = small_scenario(calendar__working_days=6, segments__s1__accounts=1000)
    raw["portfolio"] = portfolio
    return raw


def test_accounts_entering_later_get_bad_numbers_like_the_others_under_skip_tracing():
    """Skip tracing draws each account's number state over the whole segment, the accounts that
    enter later included: their first dials end invalid as often as the initial accounts'."""
    raw = _living()
    raw["segments"]["s1"]["inflow"] = {"accounts_per_day": 300.0}
    raw["skip_trace"] = {"delay_days": 1}
    w = World(parse_scenario(raw), 3, 0, trace=True)
    w.run()
    tr = w.trace_arrays()
    acct, first = np.unique(tr["acct"], return_index=True)
    invalid = tr["out"][first] == INVALID
    later = acct >= w.portfolio.n_initial
    q = 0.10  # the segment's invalid probability
    for group in (later, ~later):
        n = group.sum()
        assert n > 500
        assert abs(invalid[group].mean() - q) < 3.5 * np.sqrt(q * (1 - q) / n), invalid[group].mean()


def test_completed_plans_leave_paid_in_full():
    """A plan's installments are the balance / N each: the last one pays it to the cent, and the
    account leaves paid in full, not cured with a dust balance."""
    raw = _living()
    raw["segments"]["s1"].update(promise_probability=0.0, keep_probability=1.0)
    raw["rearrangement"] = {
        "plan": {
            "installments": 3,
            "interval_days": 1,
            "due_days": 1,
            "acceptance_probability": 1.0,
            "keep_probability": 1.0,
        }
    }
    cnt = World(parse_scenario(raw), 1, 0).run()
    block = cnt.blocks["portfolio"]
    assert cnt.blocks["rearrangement"]["plan_completed"] > 100
    assert block["accounts_paid"] >= cnt.blocks["rearrangement"]["plan_completed"]
    assert block["balance_cured"] < 0.01


def test_fatigue_counts_the_last_7_calendar_days_today_included():
    """An attempt on day 0 tires the account on days 0-6 and no longer on day 7."""
    raw = _living(behaviour={"fatigue_per_attempt": 0.5})
    w = World(parse_scenario(raw), 1, 0)
    p = w.portfolio
    a = 5
    for day in range(9):
        p.record_day(day, np.array([a] if day == 0 else [], dtype=np.int64))
        tomorrow = day + 1
        expected = 1 if tomorrow <= 6 else 0
        assert p.attempts_7_list[a] == expected, (tomorrow, p.attempts_7_list[a])


@pytest.mark.parametrize(
    "change, path",
    [
        (lambda raw: raw["segments"]["s1"].update(days_past_due=0.0), "segments.s1.days_past_due"),
        (
            lambda raw: raw["segments"]["s1"].update(inflow={"dated": [{"day": 40, "accounts": 5}]}),
            "segments.s1.inflow.dated",
        ),
    ],
)
def test_the_portfolio_refuses_what_it_cannot_model(change, path):
    raw = _living()
    change(raw)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(raw)
    assert path in str(info.value)
