"""The day's call lists: served in helpings (CallLists.refill), they must come out in exactly the
order of sorting every eligible account once at midnight, whatever the ties and priorities."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.scenario import parse_scenario
from simulator.world.build import World
from simulator.world.call_lists import CallLists
from simulator.world.portfolio import OPEN, PAID, PROMISED

from ..conftest import small_scenario

STRATEGIES = ["least_recent", "balance", "risk_score", "days_past_due"]


def _world(strategy: str, broken_first: bool) -> World:
    raw = small_scenario(segments__s1__accounts=5000)
    raw["dialer"] = {"mode": "progressive", "list_strategy": strategy}
    raw["attempts"]["broken_promise_first"] = broken_first
    raw["segments"]["s1"]["time_zones"] = {"offsets_h": [0.0, -1.0, -3.0], "weights": [0.5, 0.3, 0.2]}
    return World(parse_scenario(raw), 1, 0)


def _scramble(w: World, rng: np.random.Generator, day: int) -> None:
    """A portfolio state with every kind of tie and exclusion: never-dialed accounts (-inf),
    repeated attempt times, reminders, broken promises, paid, promised and blocked accounts."""
    p, n = w.portfolio, w.portfolio.n
    la = rng.choice([-np.inf, 3600.0, 7200.0], n, p=[0.6, 0.2, 0.2])
    cont = rng.random(n) < 0.3
    la[cont] = rng.uniform(0, day * 86_400.0, int(cont.sum()))
    p.last_attempt_s[:] = la
    p.balance[rng.random(n) < 0.3] = 500.0  # tied balances
    p.days_past_due[:] = rng.integers(0, 5, n)  # few distinct values
    p.status[:] = rng.choice([OPEN, PROMISED, PAID], n, p=[0.8, 0.1, 0.1])
    p.priority[:] = (rng.random(n) < 0.05).astype(np.int8)
    p.reminder_due[:] = ((p.status == PROMISED) & (rng.random(n) < 0.3)).astype(np.int8)
    p.blocked_until_s[:] = np.where(rng.random(n) < 0.2, (day + rng.integers(-2, 3, n)) * 86_400.0, -np.inf)


def _expected(w: World, day: int, broken_first: bool, strategy: str) -> list[list[int]]:
    p = w.portfolio
    ok = ((p.status == OPEN) & (p.blocked_until_s <= day * 86_400.0)) | (p.reminder_due == 1)
    idx = np.flatnonzero(ok)
    first = np.where(p.reminder_due[idx] == 1, 2, p.priority[idx] if broken_first else 0)
    key = {
        "least_recent": p.last_attempt_s,
        "balance": -p.balance,
        "risk_score": -p.risk_score,
        "days_past_due": p.days_past_due,
    }[strategy][idx]
    order = idx[np.lexsort((idx, key, -first))]
    return [[a for a in order.tolist() if p.bucket_list[a] == b] for b in range(len(w.lists.fresh))]


@pytest.mark.parametrize("broken_first", [True, False])
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("helping", [1, 7, 250, 10_000])
def test_helpings_serve_the_whole_sorted_list(strategy, broken_first, helping, monkeypatch):
    """Draining each bucket helping by helping (first helping of 1, 7, 250 or all accounts,
    doubling) gives exactly the list sorted once by (priority, key, account); the count of
    accounts left agrees with what is still to come at every step."""
    monkeypatch.setattr(CallLists, "MIN_HELPING", helping)
    w = _world(strategy, broken_first)
    rng = np.random.default_rng([STRATEGIES.index(strategy), broken_first, helping])
    lists = w.lists
    for day in (1, 2):
        _scramble(w, rng, day)
        expected = _expected(w, day, broken_first, strategy)
        lists.rebuild(day)
        for b, exp in enumerate(expected):
            got = []
            while True:
                assert lists.fresh_left(b) == len(exp) - len(got)
                a = lists.take(b, day * 86_400.0 + 9 * 3600.0)
                if a is None:
                    break
                got.append(a)
            assert got == exp, (b, day)
            assert lists.fresh_left(b) == 0 and lists.next_ready_s(b) == np.inf


def test_accounts_on_a_line_at_midnight_stay_off_the_new_list():
    """file_lines notes the accounts on a line at midnight: a settled line that ends after it
    (also one that runs past two midnights), and a call placed and not yet settled. rebuild
    leaves them off the new list; one that would have been listed keeps its pending retry, every
    other retry of the day before is dropped."""
    from simulator.world.retry_queue import ACCOUNT_MASK, retry_key

    w = World(parse_scenario(small_scenario(segments__s1__accounts=50)), 1, 0)
    lists, p = w.lists, w.portfolio
    day1 = 86_400.0
    # day 0's dials: account 3's line ends 30 s after midnight, 4's a day and a half later, 5's
    # before midnight; 6 has a call in flight; 7 is on a line but paid (not listed today)
    acct = np.array([3, 4, 5, 7])
    ends = np.array([day1 + 30.0, 2.5 * day1, day1 - 1.0, day1 + 60.0])
    p.status[7] = PAID
    for a in (3, 5, 9):  # retries filed on day 0
        lists.retry[p.bucket_list[a]].push(retry_key(day1 + 3600.0, a))
    lists.file_lines(acct, ends, {6}, day1)
    assert lists.on_line == [3, 4, 6, 7]
    lists.rebuild(1)
    listed = {a for f in lists.fresh for a in f}
    assert listed == set(range(50)) - {3, 4, 6, 7}
    retries = sorted(k & ACCOUNT_MASK for q in lists.retry for k in q.due)
    assert retries == [3]  # 3 keeps its retry; 5 and 9 are on the new list instead
    # the next midnight: 3's line has ended, 4's has not (and nothing is in flight)
    lists.file_lines(np.zeros(0, dtype=np.int64), np.zeros(0), (), 2 * day1)
    assert lists.on_line == [4]
    lists.rebuild(2)
    assert {a for f in lists.fresh for a in f} == set(range(50)) - {4, 7}
