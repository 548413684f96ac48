"""The effect of a self-cure hold on the living portfolio (docs/strategy.md): holding likely
self-curers off the lists for their first days in the unit saves dials and leaves more of their
dollars to self-cure, paired at the same seeds (common random numbers)."""

from __future__ import annotations

import pytest

from simulator import load_scenario, run_experiment
from simulator.experiment.replications import Results
from simulator.studies.comparison import Comparison

from ..conftest import SCENARIOS

SHORT = ["calendar.working_days=20", "calendar.warmup_days=5"]
RULE = '{name="self_cure_hold", risk_score={lo=700.0}, days_past_due={hi=15.0}, hold_days=%d}'


@pytest.fixture(scope="module")
def hold():
    """open_portfolio.toml over 20 working days (5 of warm-up), 3 replications at seed 1, with
    a rule for high-score accounts under 15 days past due holding them 0 (the champion: the
    rule does nothing) or 10 calendar days from their entry."""
    out = {}
    for days in (0, 10):
        lo = load_scenario(SCENARIOS / "open_portfolio.toml", [*SHORT, f"strategy.rules=[{RULE % days}]"])
        out[days] = Results(lo, 1, run_experiment(lo, 3, 1).per_rep)
    return out


@pytest.mark.slow
def test_a_self_cure_hold_saves_dials_and_shifts_dollars_to_self_cure(hold):
    """The paired 95% CI of hold - no hold lies below 0 for dials and above 0 for the dollars
    paid by self-cure; the hold's account-days held are counted in the strategy block."""
    cmp = Comparison(hold[0], hold[10])
    dials = cmp.paired("center", "center", "dials")
    assert dials["diff_ci95_high"] < 0, dials
    cure = cmp.paired("center", "center", "self_cure_collected")
    assert cure["diff_ci95_low"] > 0, cure
    held = [r["blocks"]["strategy"]["rules.self_cure_hold.held_account_days"] for r in hold[10].per_rep]
    none = [r["blocks"]["strategy"]["rules.self_cure_hold.held_account_days"] for r in hold[0].per_rep]
    assert min(held) > 1000 and none == [0.0, 0.0, 0.0]
