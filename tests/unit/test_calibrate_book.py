"""The book replayed from a trace (calibrate/fit/account_book.py) agrees with the world that wrote it:
the minimum-payment rule, the days past due at every placement, and the days at risk of
self-curing."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.calibrate import read_trace
from simulator.calibrate.fit.account_book import fit_minimum_payment, replay
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS, write_trace

PLACED, SELF_CURE = 4, 4  # data.ACCOUNT_EVENTS and data.PAYMENT_SOURCES codes


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    loaded = load_scenario(SCENARIOS / "open_portfolio.toml", ["calendar.working_days=25"])
    folder = tmp_path_factory.mktemp("book")
    write_trace(folder, loaded.scenario, 2)
    tr = read_trace(folder)
    last = int(tr.dials["day"].max())
    rule = fit_minimum_payment(tr)
    return loaded.scenario, tr, rule, replay(tr, last, rule)


@pytest.mark.slow
def test_minimum_payment_rule_read_off_the_accounts(book):
    sc, _, rule, _ = book
    assert (rule.floor_usd, rule.share) == (sc.portfolio.min_payment_usd, sc.portfolio.min_payment_share)
    assert rule.matched == 1.0


@pytest.mark.slow
def test_days_past_due_at_every_placement(book):
    """Placement happens at 30 days past due (later for an account holding a promise then): the
    replay, through partial payments and returns, gives each placed account's days past due
    that day exactly."""
    _, tr, _, b = book
    ev = tr.events
    placed = (ev["event"] == PLACED) & (ev["day"] <= b.last_day)
    assert placed.sum() > 1000
    got = b.dpd_at(b.rows_of(ev["account_id"][placed]), ev["day"][placed])
    assert np.array_equal(got, ev["days_past_due"][placed])


@pytest.mark.slow
def test_days_at_risk_of_self_curing(book):
    _, tr, _, b = book
    pay = tr.payments
    cures = (pay["source"] == SELF_CURE) & (pay["day"] <= b.last_day)
    assert cures.sum() > 500
    assert b.at_risk[b.rows_of(pay["account_id"][cures]), pay["day"][cures]].all()
    # an account holding a promise is not at risk from the day after it was made to its due date
    pr = tr.promises
    rows = b.rows_of(pr["account_id"])
    held = [
        (r, d)
        for r, m, x in zip(rows, pr["day"], pr["due_day"])
        for d in range(m + 1, min(x, b.last_day) + 1)
    ]
    r, d = np.array(held).T
    assert len(held) > 10_000 and not b.at_risk[r, d].any()
    # the initial accounts are on the books from day 0, at risk from day 1
    initial = tr.accounts["day"] < 0
    assert b.on_books[initial, 0].all() and not b.at_risk[:, 0].any()
