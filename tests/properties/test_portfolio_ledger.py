"""The living portfolio's ledger balances on random scenarios: every dollar that entered is
collected, forgiven, charged off, placed, cured out, or still owed; every account that entered
has left one way or is still open (docs/portfolio.md)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario

BALANCE_IN = ("balance_start", "balance_inflow")
BALANCE_OUT = (
    "collected_total",
    "settlement_discount",
    "balance_cured",
    "balance_charged_off",
    "balance_placed",
    "balance_end",
)
ACCOUNTS_IN = ("accounts_start", "accounts_inflow")
ACCOUNTS_OUT = (
    "accounts_paid",
    "accounts_cured",
    "accounts_settled",
    "accounts_charged_off",
    "accounts_placed",
    "accounts_end",
)


def assert_ledger_balances(block: dict) -> None:
    """To the cent for dollars, exactly for accounts."""
    dollars_in, dollars_out = sum(block[k] for k in BALANCE_IN), sum(block[k] for k in BALANCE_OUT)
    assert abs(dollars_in - dollars_out) < 0.005, (dollars_in, dollars_out, block)
    assert sum(block[k] for k in ACCOUNTS_IN) == sum(block[k] for k in ACCOUNTS_OUT), block
    assert all(block[k] >= 0 for k in block), block


def assert_vintages_add_up(blocks: dict) -> None:
    """The vintages' curves end at the ledger's exits (world/vintages.py), to the cent."""
    v, ledger = blocks["vintages"], blocks["portfolio"]
    for figure, key in (
        ("collected", "collected_total"),
        ("cured", "balance_cured"),
        ("charged_off", "balance_charged_off"),
        ("placed", "balance_placed"),
    ):
        last: dict[str, tuple[int, float]] = {}
        for k, x in v.items():
            if k.endswith(f"_{figure}_usd"):
                name, age = k[: -len(f"_{figure}_usd")].rsplit("_age_", 1)
                if int(age) >= last.get(name, (-1, 0.0))[0]:
                    last[name] = (int(age), x)
        assert abs(sum(x for _, x in last.values()) - ledger[key]) < 0.005, (figure, ledger[key])
    entered = sum(x for k, x in v.items() if k.endswith("_entry_balance_usd"))
    assert abs(entered - ledger["balance_start"] - ledger["balance_inflow"]) < 0.005


@st.composite
def living_scenarios(draw):
    raw = small_scenario()
    raw["calendar"]["working_days"] = draw(st.integers(2, 8))
    raw["calendar"]["warmup_days"] = draw(st.integers(0, 1))
    raw["teams"]["t1"]["headcount"] = draw(st.integers(1, 5))
    seg = raw["segments"]["s1"]
    seg["accounts"] = draw(st.integers(50, 1500))
    seg["days_past_due"] = {"dist": "uniform", "low": 1.0, "high": float(draw(st.integers(2, 90)))}
    seg["promise_due_days"] = {"dist": "uniform_int", "low": 0, "high": draw(st.integers(0, 6))}
    seg["self_cure_per_day"] = draw(st.sampled_from([0.0, 0.01, 0.1]))
    seg["payment_usd"] = {
        "dist": "lognormal",
        "mean": draw(st.sampled_from([50.0, 300.0, 3000.0])),
        "sd": 100.0,
    }
    if draw(st.booleans()):
        seg["inflow"] = {
            "accounts_per_day": draw(st.sampled_from([5.0, 60.0])),
            "days_past_due": {"dist": "uniform_int", "low": 1, "high": 40},
        }
    portfolio = {
        "charge_off_days_past_due": float(draw(st.integers(5, 200))),
        "control_share": draw(st.sampled_from([0.0, 0.2, 1.0])),
        "cure_redefault_probability": draw(st.sampled_from([0.0, 0.5])),
        "redefault_after_days": {"dist": "uniform_int", "low": 1, "high": 3},
    }
    if draw(st.booleans()):
        portfolio["behaviour"] = {
            "spread": draw(st.sampled_from([0.0, 1.0, 2.5])),
            "fatigue_per_attempt": 0.1,
        }
        seg["phones"] = {"dist": "uniform_int", "low": 1, "high": 3}
        seg["wrong_number_share"] = 0.05
    raw["portfolio"] = portfolio
    if draw(st.booleans()):
        raw["placement"] = {"at_days_past_due": float(draw(st.integers(3, 60)))}
    if draw(st.booleans()):
        raw["rearrangement"] = {
            "settlement": {"discount_share": 0.3, "acceptance_probability": 0.5},
            "plan": {"installments": 3, "interval_days": 2, "acceptance_probability": 0.5},
            "reage": {"qualifying_payment_usd": 40.0, "acceptance_probability": 0.5},
        }
    if draw(st.booleans()):
        raw["skip_trace"] = {"delay_days": 1, "hit_probability": 0.5}
    if draw(st.booleans()):
        raw["roll_rates"] = {"period_days": 3}
    raw["dialer"] = {"mode": draw(st.sampled_from(["preview", "progressive", "predictive"]))}
    return raw


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=living_scenarios(), seed=st.integers(0, 2**16))
def test_ledger_balances_on_random_living_portfolios(raw, seed):
    cnt = World(parse_scenario(raw), seed, 0).run()
    assert_ledger_balances(cnt.blocks["portfolio"])
    assert_vintages_add_up(cnt.blocks)
    assert (cnt.promises >= cnt.kept + cnt.broken).all()


@pytest.mark.parametrize("replication", [0, 1])
def test_ledger_balances_on_open_portfolio(replication):
    from simulator.scenario import load_scenario

    from ..conftest import SCENARIOS

    sc = load_scenario(SCENARIOS / "open_portfolio.toml", ["calendar.working_days=30"]).scenario
    cnt = World(sc, 1, replication).run()
    block = cnt.blocks["portfolio"]
    assert_ledger_balances(block)
    assert_vintages_add_up(cnt.blocks)
    assert (
        block["accounts_inflow"] > 3000 and block["accounts_cured"] > 1000 and block["accounts_placed"] > 100
    )
