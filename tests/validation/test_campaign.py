"""Campaign design: list strategies order the work; best-time-to-call raises contacts."""

import numpy as np
import pytest

from simulator.base.statistics import t_interval
from simulator.experiment.replications import run_experiment
from simulator.scenario import load_scenario, parse_scenario
from simulator.world.build import World

from ..conftest import SCENARIOS, small_scenario


def _first_day_accounts(strategy: str):
    raw = small_scenario(segments__s1__accounts=20000)
    raw["calendar"]["working_days"] = 1
    seg = raw["segments"]["s1"]
    seg["risk_score"] = {"dist": "uniform", "low": 0.0, "high": 1.0}
    seg["days_past_due"] = {"dist": "uniform_int", "low": 1, "high": 120}
    raw["dialer"] = {"list_strategy": strategy}
    w = World(parse_scenario(raw), 4, 0, trace=True)
    before = {k: getattr(w.portfolio, k).copy() for k in ("balance", "risk_score", "days_past_due")}
    w.run()
    return before, w.portfolio.n, np.unique(w.trace_arrays()["acct"])


@pytest.mark.parametrize(
    "strategy,attr,direction",
    [("balance", "balance", +1), ("risk_score", "risk_score", +1), ("days_past_due", "days_past_due", -1)],
)
def test_list_strategy_orders_the_day(strategy, attr, direction):
    before, n, dialed = _first_day_accounts(strategy)
    values = before[attr]
    rest = np.setdiff1d(np.arange(n), dialed)
    assert 0 < len(dialed) < n
    # Every dialed account ranks at or above every undialed one (ties aside).
    if direction > 0:
        assert values[dialed].min() >= values[rest].max() - 1e-9
    else:
        assert values[dialed].max() <= values[rest].min() + 1e-9


def test_random_strategy_is_unbiased_and_least_recent_is_in_order():
    before, n, dialed = _first_day_accounts("random")
    balance = before["balance"]
    # a random tenth of the portfolio: its mean balance within 4 standard errors of the mean
    se = balance.std() / np.sqrt(len(dialed))
    assert abs(balance[dialed].mean() - balance.mean()) < 4 * se
    assert dialed.max() > 10 * len(dialed)  # spread over the portfolio, not its head
    _, n, dialed = _first_day_accounts("least_recent")
    # first day: nothing attempted yet, so account order
    assert np.array_equal(dialed, np.arange(len(dialed)))


@pytest.mark.slow
def test_best_time_to_call_beats_naive_rotation():
    def run(strategy):
        loaded = load_scenario(
            SCENARIOS / "campaign_time_of_day.toml",
            [f"dialer.list_strategy={strategy}", "calendar.working_days=2", "teams.collections.headcount=8"],
        )
        return run_experiment(loaded, 5, 1).to_dict()["metrics"]["center"]["rpc_per_productive_hour"][
            "values"
        ]

    naive, best = run("least_recent"), run("best_time")
    mean, lo, hi = t_interval([b - a for a, b in zip(naive, best)])
    assert lo > 0, (mean, lo, hi)


def test_segment_schedule_is_obeyed():
    raw = small_scenario()
    raw["calendar"]["working_days"] = 1
    raw["segments"]["s1"]["schedule"] = {"windows": [{"start_time": "13:00", "end_time": "15:00"}]}
    w = World(parse_scenario(raw), 1, 0, trace=True)
    w.run()
    tod = w.trace_arrays()["t"] % 86400
    assert len(tod) > 0
    assert tod.min() >= 13 * 3600 and tod.max() < 15 * 3600


def test_promise_confirmation_call_firms_up_the_promise():
    """With promise reminders on, a confirmation call that reaches the debtor multiplies the
    keep probability of that account's open promise (found through PromiseBook.by_account).
    Multiplier 2 against 1, same seed: hundreds of reminders reach the debtor in each run, and
    the kept share of resolved promises rises by well over its noise (a promise kept or broken
    changes later dialing, so the runs part after the first due date)."""

    def run(mult):
        raw = small_scenario(segments__s1__accounts=3000)
        raw["calendar"]["working_days"] = 10
        raw["attempts"].update(
            promise_reminder=True, reminder_days_before_due=1, reminder_keep_multiplier=mult
        )
        raw["compliance"]["exempt_promise_confirmation"] = True
        cnt = World(parse_scenario(raw), 3, 0).run()
        resolved = cnt.kept.sum() + cnt.broken.sum()
        return cnt.reminders_reached, cnt.kept.sum() / resolved, resolved

    (r1, share1, n1), (r2, share2, n2) = run(1.0), run(2.0)
    assert r1 > 200 and r2 > 200 and n1 > 1000 and n2 > 1000
    # binomial standard error of a share near 0.6 from > 1000 promises: < 0.016 each
    assert share2 - share1 > 0.08, (share1, share2)


@pytest.mark.parametrize("mode", ["preview", "progressive", "predictive"])
def test_account_out_of_attempts_rests_recycle_after_days(mode):
    """An account whose attempts for the day ran out on a call that was not a right-party
    contact is not dialed again until recycle_after_days (3) after the start of that day: read
    from the dial trace, for every such account. (Recycling is filed in one batch at midnight,
    CallLists.file_spent; this fails if it is not.)"""
    from simulator.base.clock import DAY_S
    from simulator.base.outcomes import RPC

    raw = small_scenario(segments__s1__accounts=400)
    raw["calendar"]["working_days"] = 8
    raw["attempts"].update(max_per_day=2, recycle_after_days=3)
    raw["compliance"]["enforce_7_in_7"] = False
    raw["dialer"] = {"mode": mode}
    w = World(parse_scenario(raw), 2, 0, trace=True)
    w.run()
    tr = w.trace_arrays()
    day = (tr["t"] // DAY_S).astype(int)
    order = np.lexsort((tr["t"], tr["acct"]))
    acct, day, out = tr["acct"][order], day[order], tr["out"][order]
    checked = 0
    for a in np.unique(acct):
        mine = acct == a
        d, o = day[mine], out[mine]
        for dd in np.unique(d):
            today = np.flatnonzero(d == dd)
            if len(today) == 2 and o[today[-1]] != RPC:  # out of attempts, not a conversation
                later = d[d > dd]
                assert not len(later) or later.min() >= dd + 3, (a, dd, later.min())
                checked += 1
    assert checked > 50
