"""The champion/challenger arms add up to the center on random scenarios (docs/champion-challenger.md):
dials, right-party contacts, promises, kept, collected, hours, every cost component, and with a
living portfolio the cash, incremental dollars, loss avoided and net economic value."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.experiment.replications import run_replication
from simulator.scenario import parse_scenario

from ..unit.test_champion_challenger import CONSERVED, LIVING_CONSERVED
from .test_portfolio_ledger import living_scenarios


@st.composite
def arms(draw):
    k = draw(st.integers(2, 4))
    w = [draw(st.integers(1, 9)) for _ in range(k)]
    shares = [x / sum(w) for x in w]
    shares[-1] = 1.0 - math.fsum(shares[:-1])
    return {f"arm{i}": s for i, s in enumerate(shares)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=living_scenarios(), split=arms(), seed=st.integers(0, 2**16))
def test_arms_add_up_to_the_center_on_random_living_portfolios(raw, split, seed):
    raw["strategy"] = {"arms": split}
    r = run_replication(parse_scenario(raw), seed, 0)
    center, by_arm = r["metrics"]["center"]["center"], r["metrics"]["arms"]
    assert list(by_arm) == list(split)
    for m in CONSERVED + LIVING_CONSERVED:
        if center[m] is None:  # no control group: none of the arms has it either
            assert all(by_arm[a][m] is None for a in by_arm), m
            continue
        total = math.fsum(by_arm[a][m] for a in by_arm)
        assert total == pytest.approx(center[m], rel=1e-9, abs=1e-6), m
