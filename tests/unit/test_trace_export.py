"""The trace a run exports (simulator/experiment/trace_export.py) holds what calibration needs: account events
that agree with the portfolio ledger, and an initial portfolio told apart from the inflow."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from simulator.experiment.trace_export import TRACE_FILES, trace_tables, traced_world
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.fixture(scope="module")
def living():
    loaded = load_scenario(
        SCENARIOS / "open_portfolio.toml", ["calendar.working_days=8", "calendar.warmup_days=0"]
    )
    w = traced_world(loaded.scenario, 3)
    return w, trace_tables(w)


def test_account_events_agree_with_the_ledger(living):
    """Every exit and every return of an account is an event: the counts are the ledger's
    (no warm-up, so the ledger covers the whole run), inflow being new accounts plus returns."""
    w, tables = living
    assert set(tables) == set(TRACE_FILES)
    events = rows(tables["account_events.csv"])
    kinds = Counter(e["event"] for e in events)
    ledger = w.living.ledger()
    for kind in ("paid", "cured", "settled", "charged_off", "placed"):
        assert kinds[kind] == ledger[f"accounts_{kind}"], kind
    accounts = rows(tables["accounts.csv"])
    new = sum(a["entered_date"] >= "2024-01-01" for a in accounts)
    assert new + kinds["redefaulted"] == ledger["accounts_inflow"]
    assert kinds["cured"] > 100 and kinds["redefaulted"] > 0 and kinds["placed"] > 0
    dates = [e["date"] for e in events]
    assert dates == sorted(dates)
    # placement is at 30 days past due (later for an account holding a promise then), a return at 1
    assert min(float(e["days_past_due"]) for e in events if e["event"] == "placed") == 30.0
    assert {float(e["days_past_due"]) for e in events if e["event"] == "redefaulted"} == {1.0}


def test_initial_accounts_are_dated_the_day_before_the_first_day(living):
    w, tables = living
    accounts = rows(tables["accounts.csv"])
    first = Counter(a["entered_date"] for a in accounts)
    n0 = w.portfolio.n_initial
    assert first["2023-12-31"] == n0 and min(first) == "2023-12-31"
    assert first["2024-01-01"] > 0  # the first day's inflow, apart from the initial accounts


def test_a_closed_portfolio_records_paid_accounts():
    loaded = load_scenario(SCENARIOS / "table_14_1.toml", ["calendar.working_days=2"])
    tables = trace_tables(traced_world(loaded.scenario, 1))
    events = rows(tables["account_events.csv"])
    kept = sum(p["status"] == "kept" for p in rows(tables["promises.csv"]))
    assert len(events) == kept > 0 and {e["event"] for e in events} == {"paid"}
