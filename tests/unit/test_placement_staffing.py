"""A placement what-if holds in-house staff and says so, with the work per collector it leaves,
and compare names the headcount that would follow the work."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import load_scenario
from simulator.cli.compare import _placement_staffing
from simulator.report.table import blocks_table
from simulator.studies.comparison import run_comparison
from simulator.world.build import World
from tests.conftest import SCENARIOS

SHORT = ["calendar.working_days=5"]
NO_CONTACT = [
    *SHORT,
    "segments.s1.outcomes.rpc.probability=0.0",
    "segments.s1.outcomes.no_answer.probability=0.6",
]


def test_inhouse_open_accounts_count_the_accounts_not_yet_placed():
    """Nobody is reached, so nothing resolves: at the close of calendar day d the unit still
    works exactly the accounts whose days past due at its start, dpd0 + d, is below 90."""
    sc = load_scenario(SCENARIOS / "placement.toml", NO_CONTACT).scenario
    w = World(sc, 1, 0)
    dpd0 = w.portfolio.days_past_due.copy()
    w.run()
    b = w.counters.blocks["placement"]
    want = np.mean([np.sum(dpd0 + d < 90.0) for d in w.calendar.work_days])
    assert 0 < want < len(dpd0)
    assert b["inhouse_open_accounts"] == pytest.approx(want, rel=1e-12)
    assert b["inhouse_collectors"] == 4.0
    assert b["inhouse_open_accounts_per_collector"] == pytest.approx(want / 4, rel=1e-12)


def test_placement_what_if_states_held_staff_and_the_headcount_that_follows_the_work():
    base = SCENARIOS / "placement.toml"
    la = load_scenario(base, SHORT)
    lb = load_scenario(base, [*SHORT, "placement.at_days_past_due=60"])
    cmp = run_comparison(la, lb, 2, 1)
    note = _placement_staffing(cmp, lb.scenario)
    a = cmp.paired_block("placement", "inhouse_open_accounts")
    r = a["b_mean"] / a["a_mean"]
    assert 0.2 < r < 0.6  # placing at 60 leaves far fewer accounts in house
    assert "staff held at 4 collector(s) in A and B" in note
    assert f"--set-b teams.team.headcount={round(4 * r)}" in note
    moved = run_comparison(
        la, load_scenario(base, [*SHORT, "placement.at_days_past_due=60", "teams.team.headcount=2"]), 2, 1
    )
    assert "staff moved with the what-if: A 4, B 2 collectors" in _placement_staffing(moved, lb.scenario)
    text = blocks_table(cmp.a.to_dict())
    assert "note: in-house staff held at 4 collector(s)" in text


def test_the_ledger_names_placement_as_the_hand_off_to_the_next_stage():
    """open_portfolio's "placement" is the hand-off to the next stage (no agency): the report says
    so, and the JSON keys stay."""
    from simulator import run_experiment
    from simulator.report.portfolio import portfolio_html

    ov = ["calendar.working_days=3", "calendar.warmup_days=0"]
    doc = run_experiment(load_scenario(SCENARIOS / "open_portfolio.toml", ov), 1, seed=1).to_dict()
    assert doc["portfolio"]["balance_placed"]["mean"] >= 0 and "accounts_placed" in doc["portfolio"]
    html = portfolio_html(doc, "")
    assert html.count("handed to the next stage (placed)") == 2
    assert "agency" not in html
