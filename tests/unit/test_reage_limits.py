"""Re-ages follow the FFIEC 2000 limits by default: three consecutive qualifying payments, at most
one re-age in 12 months and two in five years (65 FR 36903)."""

from __future__ import annotations

import math

import pytest

from simulator.scenario.load import ScenarioError
from simulator.world.build import World
from simulator.world.tasks.rearrangement import Rearrangement

from ..conftest import small_scenario
from .test_special_tasks import _load


def _reage_world(tmp_path, reage: dict, *, living: bool = False, days: int = 5, seed: int = 3) -> World:
    """Every right-party contact ends without a promise and is offered a re-age it accepts."""
    raw = small_scenario(calendar__working_days=days)
    seg = raw["segments"]["s1"]
    seg["promise_probability"] = 0.0
    seg["days_past_due"] = {"dist": "uniform", "low": 5.0, "high": 25.0}
    if living:
        seg["accounts"] = 400
        seg["inflow"] = {
            "accounts_per_day": 5.0,
            "days_past_due": {"dist": "uniform_int", "low": 1, "high": 5},
        }
        raw["portfolio"] = {
            "charge_off_days_past_due": 3650.0,
            "cure_redefault_probability": 1.0,
            "redefault_after_days": {"dist": "uniform_int", "low": 3, "high": 5},
        }
    raw["rearrangement"] = {
        "order": ["reage"],
        "reage": {"acceptance_probability": 1.0, "due_days": 1, "qualifying_payment_usd": 20.0, **reage},
    }
    w = World(_load(tmp_path, raw).scenario, seed, 0)
    w.run()
    return w


def _task(w: World) -> Rearrangement:
    return next(t for t in w.tasks if isinstance(t, Rearrangement))


def test_a_reage_needs_three_consecutive_payments(tmp_path):
    """Each accepted re-age is a run of payments that stops at the first broken one; it completes
    only after three kept in a row: a share keep^3 of the attempts, 1 + keep + keep^2 payments
    per attempt. With one qualifying payment (the old rule) the share would be keep."""
    keep = 0.6
    w = _reage_world(tmp_path, {"keep_probability": keep, "interval_days": 7})
    b = w.counters.blocks["rearrangement"]
    n = b["reage_accepted"]
    assert n > 300
    assert n == b["reage_completed"] + b["reage_broken_arrangements"]
    share = b["reage_completed"] / n
    assert abs(share - keep**3) < 3.5 * math.sqrt(keep**3 * (1 - keep**3) / n), share
    paid = b["reage_payments_kept"] + b["reage_payments_broken"]
    assert paid / n == pytest.approx(1 + keep + keep**2, rel=0.08)
    assert b["reage_payments_kept"] >= 3 * b["reage_completed"]
    # the promises of the pyramid are the payments agreed in the conversation, one per re-age
    assert w.counters.arrangement_promises.sum() == n


def test_an_account_cannot_reage_twice_within_12_months(tmp_path):
    """Re-aged accounts fall behind again within days and are called again: the default limit
    offers none of them a second re-age; without the limit many re-age twice."""
    base = {"keep_probability": 1.0, "qualifying_payments": 1}
    limited = _task(_reage_world(tmp_path, base, living=True, days=30))
    assert max(len(d) for d in limited.reaged_on.values()) == 1
    assert limited.reage_over_limits > 20
    assert w_blocks(limited)["reage_over_limits"] == limited.reage_over_limits
    free = _task(
        _reage_world(tmp_path, {**base, "max_per_12_months": 10, "max_per_5_years": 10}, living=True, days=30)
    )
    twice = [d for d in free.reaged_on.values() if len(d) > 1]
    assert len(twice) > 20 and all(b - a < 365 for d in twice for a, b in zip(d, d[1:]))
    assert free.reage_over_limits == 0


def w_blocks(task: Rearrangement) -> dict:
    return task.state.counters.blocks["rearrangement"]


def test_reage_limits_are_checked(tmp_path):
    raw = small_scenario()
    raw["rearrangement"] = {"reage": {"max_per_12_months": 3, "max_per_5_years": 2}}
    with pytest.raises(ScenarioError, match="max_per_5_years"):
        _load(tmp_path, raw)
    raw["rearrangement"] = {"reage": {"qualifying_payments": 0}}
    with pytest.raises(ScenarioError, match="qualifying_payments"):
        _load(tmp_path, raw)
