"""Incremental dollars on one basis: the cash the called accounts paid in the measured window,
less what the control group says they would have paid uncalled. It never exceeds that cash,
and the cash of the called and the control accounts adds up to the ledger's collected total."""

import pytest

from simulator.experiment import run_replication
from simulator.scenario.load import load_scenario
from simulator.world.build import simulate

from ..conftest import ROOT

OPEN = ROOT / "scenarios" / "open_portfolio.toml"
SHORT = ["calendar.working_days=12", "calendar.warmup_days=4"]


@pytest.fixture(scope="module")
def replication():
    return run_replication(load_scenario(OPEN, SHORT).scenario, 3, 0)


def test_incremental_never_exceeds_the_cash_it_comes_from(replication):
    m = replication["metrics"]
    units = [m["center"]["center"], *m["segments"].values()]
    for u in units:
        assert 0 < u["incremental_collected"] <= u["collected_cash"]
        assert u["incremental_share"] == pytest.approx(u["incremental_collected"] / u["collected_cash"])
    center, segments = m["center"]["center"], m["segments"].values()
    assert center["collected_cash"] == pytest.approx(sum(s["collected_cash"] for s in segments))
    assert center["incremental_collected"] == pytest.approx(sum(s["incremental_collected"] for s in segments))
    for unit in [*m["teams"].values(), *m["collectors"].values()]:
        assert unit["collected_cash"] is None and unit["incremental_share"] is None


def test_cash_of_called_and_control_accounts_is_the_ledger_total():
    st, cnt = simulate(load_scenario(OPEN, SHORT).scenario, 3, 0)
    treated, control = cnt.received_usd.sum(axis=0)
    assert control > 0
    assert treated + control == pytest.approx(cnt.blocks["portfolio"]["collected_total"], abs=0.01)


def test_closed_portfolio_has_no_cash_basis():
    m = run_replication(load_scenario(ROOT / "scenarios" / "table_14_1.toml").scenario, 1, 0)["metrics"]
    c = m["center"]["center"]
    assert c["collected_cash"] is None and c["incremental_collected"] is None
