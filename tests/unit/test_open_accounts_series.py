"""The daily open accounts are counted at each midnight the run reaches; the days after the run
stopped are not counted (null), never 0, and the last count is the ledger's closing stock."""

from __future__ import annotations

from simulator import load_scenario, run_experiment
from tests.conftest import SCENARIOS


def test_open_accounts_after_the_calling_days_are_counted_or_null():
    ov = ["calendar.working_days=8", "calendar.warmup_days=0"]
    doc = run_experiment(load_scenario(SCENARIOS / "open_portfolio.toml", ov), 1, seed=2).to_dict()
    series = doc["series"]
    counted = series["calendar"]["open_accounts_counted"]
    calling = series["calendar"]["calling_day"]
    last_call = max(d for d, on in enumerate(calling) if on)
    last = max(d for d, c in enumerate(counted) if c == 1.0)
    # the run goes on after the last calling day while promises fall due, and stops before the
    # series ends: the days it did not reach are not counted
    assert last > last_call + 3 and last < len(counted) - 1
    assert counted == [1.0] * (last + 1) + [0.0] * (len(counted) - last - 1)
    daily = series["daily"]
    for s in daily.values():
        assert all(v is None for v in s["open_accounts"][last + 1 :])
        assert all(v is None for v in s["control_open_accounts"][last + 1 :])
        # the trailing days hold real stocks (they drain: no inflow after the last calling day,
        # and about half of the accounts self-cure within a cycle)
        assert min(s["open_accounts"][: last + 1]) > 100
    # the last count is the ledger's closing stock (worked and control accounts together)
    end = sum(s["open_accounts"][last] + s["control_open_accounts"][last] for s in daily.values())
    assert end == doc["portfolio"]["accounts_end"]["mean"] > 200
