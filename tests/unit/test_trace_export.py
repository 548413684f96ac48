"""The trace a run exports (simulator/experiment/trace_export.py) holds what calibration needs: account events
that agree with the portfolio ledger, and an initial portfolio told apart from the inflow."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from simulator.experiment.trace_export import TRACE_FILES, trace_tables, traced_world
from simulator.scenario import load_scenario, parse_scenario
from tests.conftest import SCENARIOS, small_scenario
from tests.unit.test_inbound import blended_floor


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


def test_inbound_calls_file_counts_the_queue():
    """inbound_calls.csv has one row per call answered or abandoned: its counts are the queue's
    (answered, abandoned, negotiations), rows in arrival order, each line ending after it began;
    a scenario without [inbound] writes the header alone."""
    raw = blended_floor(patience_s={"dist": "exponential", "mean": 30.0}, retrial_probability=0.3)
    w = traced_world(parse_scenario(raw), 2)
    calls = rows(trace_tables(w)["inbound_calls.csv"])
    q = w.counters.inbound_queue.sum(axis=0)
    answered = [c for c in calls if c["answered_at"]]
    abandoned = [c for c in calls if not c["answered_at"]]
    assert len(answered) == q[1] > 200 and len(abandoned) == q[2] > 20
    assert sum(int(c["negotiated"]) for c in calls) == w.counters.inbound_answers[:, :, 3].sum() > 100
    assert all(c["collector_id"] for c in answered) and not any(c["collector_id"] for c in abandoned)
    assert [c["arrived_at"] for c in calls] == sorted(c["arrived_at"] for c in calls)
    assert all(c["arrived_at"] <= (c["answered_at"] or c["ended_at"]) <= c["ended_at"] for c in calls)
    plain = traced_world(parse_scenario(small_scenario(calendar__working_days=1)), 1)
    assert trace_tables(plain)["inbound_calls.csv"] == (
        b"arrived_at,account_id,segment,answered_at,ended_at,collector_id,negotiated\n"
    )
