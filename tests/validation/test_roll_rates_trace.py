"""The roll-rate block against a count made from the run's own trace files.

The count replays the book from the files as calibration does (days past due by day from
accounts.csv, account_events.csv and payments.csv) and follows every account open at the
period's start to where it is at its end: a bucket by its days past due, the bucket it left in
when it was placed (handed to the next stage at 30 days past due), current when it cured, paid
off or settled, or charged off. Both sides count the leavers in their starting bucket's
denominator, by accounts and by balance at the start.
"""

import numpy as np
import pytest

from simulator.calibrate import read_trace
from simulator.calibrate.fit.account_book import fit_minimum_payment, replay
from simulator.calibrate.read.formats import ACCOUNT_EVENTS, REDEFAULTED
from simulator.experiment.trace_export import traced_world, write_trace
from simulator.scenario.load import load_scenario
from simulator.world.tasks.aging import bucket_of

from ..conftest import ROOT

PERIOD_DAYS = 30
LEFT_CURRENT = {ACCOUNT_EVENTS.index(e) for e in ("paid", "cured", "settled")}
CHARGED_OFF = ACCOUNT_EVENTS.index("charged_off")


def _count_from_trace(folder, last_day: int) -> dict[str, float]:
    """Roll from 1-29 days past due and cure rate of the period from day 0 (the initial book)
    to the end of day ``last_day``, by count and by balance at the start."""
    tr = read_trace(folder)
    book = replay(tr, last_day, fit_minimum_payment(tr))
    acc = tr.accounts
    start = (acc["day"] < 0) & (bucket_of(book.dpd[:, 0]) == 1)  # the book before day 0
    rows = np.flatnonzero(start)
    balance = acc["balance_usd"]
    # where each starting account went: the last event up to last_day, unless it came back
    where = {int(r): ("open", None) for r in rows}
    ev = tr.events
    order = np.argsort(ev["day"], kind="stable")
    for i in order:
        r, day = int(book.rows_of(ev["account_id"][i : i + 1])[0]), int(ev["day"][i])
        if r in where and day <= last_day:
            kind = int(ev["event"][i])
            where[r] = ("open", None) if kind == REDEFAULTED else (kind, float(ev["days_past_due"][i]))
    rolled = cured = 0
    rolled_usd = cured_usd = 0.0
    for r, (kind, dpd) in where.items():
        if kind == "open":
            dest = int(bucket_of(np.array([book.dpd[r, last_day]]))[0])
        elif kind in LEFT_CURRENT:
            dest = 0
        elif kind == CHARGED_OFF:
            dest = 5
        else:  # placed: where it was when it left
            dest = int(bucket_of(np.array([dpd]))[0])
        rolled += dest > 1
        cured += dest == 0
        rolled_usd += balance[r] * (dest > 1)
        cured_usd += balance[r] * (dest == 0)
    total, total_usd = len(rows), float(balance[rows].sum())
    return {
        "roll_1_29_to_30_59": rolled / total,
        "cure_rate": cured / total,
        "roll_1_29_to_30_59_usd": rolled_usd / total_usd,
        "cure_rate_usd": cured_usd / total_usd,
        "accounts": total,
    }


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_roll_rate_block_agrees_with_a_count_from_the_trace(tmp_path, seed):
    sc = load_scenario(
        ROOT / "scenarios/open_portfolio.toml",
        [
            "calendar.working_days=22",
            "calendar.warmup_days=0",
            f"roll_rates.period_days={PERIOD_DAYS}",
        ],
    ).scenario
    w = traced_world(sc, seed)
    block = w.counters.blocks["roll_rates"]
    write_trace(w, tmp_path)
    counted = _count_from_trace(tmp_path, PERIOD_DAYS - 1)
    assert block["accounts_1_29_start"] == counted["accounts"] > 3000
    # the block counts every period that ended in the run: the first is the one counted here
    assert block["periods"] == 1
    for key in ("roll_1_29_to_30_59", "cure_rate", "roll_1_29_to_30_59_usd", "cure_rate_usd"):
        assert block[key] == pytest.approx(counted[key], abs=0.02), key
    # placement at 30 days past due is a roll: most accounts that do not cure roll
    assert block["roll_1_29_to_30_59"] + block["cure_rate"] > 0.9
