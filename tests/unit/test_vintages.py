"""Vintages and the charge-off forecast (world/vintages.py, docs/portfolio.md "Vintages and the
charge-off forecast"): a living portfolio's inflow months followed by months since entry, whose
curves add up to the portfolio's ledger, and the book at the end projected to charge-off with the
valuation's roll rates, whose total is the closed form balance x P(charge-off | bucket)."""

import json
import math

import numpy as np
import pytest

from simulator.experiment import run_experiment, run_replication
from simulator.scenario.load import load_scenario
from simulator.world.build import World
from simulator.world.portfolio import ACTIVE
from simulator.world.vintages import CURED_FIG, PLACED_FIG, Vintages, charge_off_forecast

from ..conftest import ROOT

OPEN = ROOT / "scenarios" / "open_portfolio.toml"
SHORT = ["calendar.working_days=45", "calendar.warmup_days=4"]
# in-house charge-off: no placement, accounts charged off at 40 days past due
CHARGING = [*SHORT, "placement.enabled=false", "portfolio.charge_off_days_past_due=40"]
LEDGER = {
    "collected": "collected_total",
    "cured": "balance_cured",
    "charged_off": "balance_charged_off",
    "placed": "balance_placed",
}


def _vintage_names(block: dict) -> list[str]:
    return [k[: -len("_accounts")] for k in block if k.endswith("_accounts")]


def _last_age(block: dict, name: str, figure: str) -> float:
    ages = [k for k in block if k.startswith(f"{name}_age_") and k.endswith(f"_{figure}_usd")]
    return block[max(ages, key=lambda k: int(k[len(name) + 5 :].split("_")[0]))]


@pytest.mark.parametrize("overrides", [SHORT, CHARGING], ids=["placed_at_30", "charged_off_at_40"])
def test_vintages_add_up_to_the_ledger_in_every_replication(overrides):
    """Per replication, the vintages' cumulative dollars (each curve's last point) sum over vintages
    to the ledger's cash collected, balance cured, charged off and placed; their entry balances
    and accounts to the start plus the inflow (re-defaults included)."""
    sc = load_scenario(OPEN, overrides).scenario
    for rep in range(2):
        blocks = run_replication(sc, 3, rep)["blocks"]
        v, ledger = blocks["vintages"], blocks["portfolio"]
        names = _vintage_names(v)
        assert "start" in names and "control_month_0" in names
        for figure, key in LEDGER.items():
            total = sum(_last_age(v, n, figure) for n in names)
            assert total == pytest.approx(ledger[key], rel=1e-9, abs=1e-6), figure
        assert sum(v[f"{n}_entry_balance_usd"] for n in names) == pytest.approx(
            ledger["balance_start"] + ledger["balance_inflow"], rel=1e-12
        )
        assert sum(v[f"{n}_accounts"] for n in names) == ledger["accounts_start"] + ledger["accounts_inflow"]
        if "placement.enabled=false" in overrides:
            assert ledger["balance_charged_off"] > 1e6  # the charged-off curve is tested on real dollars
        else:
            assert ledger["balance_placed"] > 1e6


def test_vintages_are_the_accounts_that_entered_in_each_30_day_month_of_the_window():
    """Without re-defaults, vintage month_k holds exactly the new accounts whose entry day falls
    in days first + 30k .. first + 30k + 29, with the balance they entered with, called and
    control apart; ``start`` holds the accounts open when the window opened."""
    sc = load_scenario(OPEN, [*SHORT, "portfolio.cure_redefault_probability=0"]).scenario
    w = World(sc, 4, 0)
    cnt = w.run()
    v = cnt.blocks["vintages"]
    p, first = w.portfolio, w.calendar.first_measured_day
    new = np.arange(p.n) >= p.n_initial
    assert first == 4  # four calling days of warm-up, Monday to Thursday
    months = math.ceil((w.calendar.last_work_day + 1 - first) / 30)
    assert [n for n in _vintage_names(v) if not n.startswith("control_")] == [
        "start",
        *(f"month_{k}" for k in range(months)),
    ]
    for k in range(months):
        inside = new & (p.entry_day >= first + 30 * k) & (p.entry_day < first + 30 * (k + 1))
        for prefix, group in (("", ~p.control), ("control_", p.control)):
            mine = inside & group
            assert v[f"{prefix}month_{k}_accounts"] == mine.sum() > 0
            assert v[f"{prefix}month_{k}_entry_balance_usd"] == pytest.approx(
                p.balance_at_entry[mine].sum(), rel=1e-12
            )
    # shares are of the entry balance, and curves never fall
    ages = [k for k in v if k.startswith("month_0_age_") and k.endswith("_collected_usd")]
    cum = [v[k] for k in ages]
    assert cum == sorted(cum) and len(cum) == months
    share = v["month_0_age_1_collected_share"]
    assert share == pytest.approx(v["month_0_age_1_collected_usd"] / v["month_0_entry_balance_usd"])


def test_ages_are_months_since_each_accounts_own_entry_and_the_last_age_holds_the_rest():
    control = np.zeros(4, dtype=bool)
    control[3] = True
    v = Vintages(control, first_day=10, last_work_day=69)  # two inflow months: days 10-39, 40-69
    v.enter(np.array([0]), np.array([100.0]), 10, start=True)
    v.enter(np.array([1, 3]), np.array([200.0, 50.0]), 15)  # month_0
    v.enter(np.array([2]), np.array([400.0]), 45)  # month_1
    v.paid_today.extend([(1, 20.0), (3, 5.0)])
    v.today = 44  # 29 days after entry: age 0
    v.file()
    v.today = 46  # 31 days: age 1
    v.book(CURED_FIG, np.array([1]), np.array([60.0]))
    v.file()
    v.today = 75  # start: 65 days, age 2 -> its last age, 1
    v.book(PLACED_FIG, np.array([0]), np.array([100.0]))
    v.file()
    v.today = 200  # far past: month_1's last age (0)
    v.book(PLACED_FIG, np.array([2]), np.array([100.0]))
    v.file()
    b = v.block()
    assert v.months == 2 and b["month_1_months_complete"] == 0.0 and b["month_0_months_complete"] == 1.0
    assert b["month_0_age_0_collected_usd"] == 20.0 and b["control_month_0_age_0_collected_usd"] == 5.0
    assert b["month_0_age_0_cured_usd"] == 0.0 and b["month_0_age_1_cured_usd"] == 60.0
    assert b["month_0_age_1_cured_share"] == pytest.approx(0.3)
    assert "month_1_age_1_placed_usd" not in b and b["month_1_age_0_placed_share"] == 0.25
    assert b["start_age_1_placed_usd"] == 100.0 and b["start_age_0_placed_usd"] == 0.0
    assert b["control_month_1_accounts"] == 0.0 and b["control_month_1_age_0_collected_share"] is None


def test_the_markov_projection_by_hand():
    """Two buckets, P(charge-off) 0.4 and 0.8: roll rates 0.5 (1-29 -> 30-59) and 0.8 (30-59 ->
    charge-off). $50 in 30-59 charges off $40 next month; $100 in 1-29 rolls $50 into 30-59 and
    charges off $40 the month after."""
    f = charge_off_forecast(np.array([100.0, 50.0]), (0.4, 0.8), 0.25)
    assert f == {
        "balance_1_29": 100.0,
        "balance_30_59": 50.0,
        "month_1": pytest.approx(40.0),
        "month_2": pytest.approx(40.0),
        "total": pytest.approx(80.0),  # 100 x 0.4 + 50 x 0.8
        "recovery": pytest.approx(20.0),
        "net": pytest.approx(60.0),
    }


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["portfolio.valuation={charge_off_probability=[0.2, 0.6]}"],
        ["portfolio.charge_off_days_past_due=120", "portfolio.valuation.roll_rates=[0.5, 0.7, 0.9]"],
    ],
    ids=["published_rolls", "given_probabilities", "loans_at_120"],
)
def test_forecast_total_is_the_books_balance_x_p_charge_off(overrides):
    """The projection's total equals the closed form: the sum over the accounts open and past due
    at the end of balance x P(charge-off | their bucket) (the valuation's per-account rule), and
    bucket k's share charges off in month (buckets - k)."""
    sc = load_scenario(OPEN, [*SHORT, *overrides]).scenario
    w = World(sc, 6, 0)
    f = w.run().blocks["charge_off_forecast"]
    p, rates = w.portfolio, w.living.loss_rates
    late = np.isin(p.status, ACTIVE) & (p.days_past_due > 0)
    closed = float((p.balance[late] * rates.charge_off_probability(p.days_past_due[late])).sum())
    assert late.sum() > 1000 and closed > 1e5
    assert f["total"] == pytest.approx(closed, rel=1e-12)
    assert f["net"] == pytest.approx(closed * (1 - rates.recovery), rel=1e-12)
    n = len(rates.by_bucket)
    months = [f[f"month_{t}"] for t in range(1, n + 1)]
    assert sum(months) == pytest.approx(closed, rel=1e-12)
    for k, name in enumerate(["1_29", *(f"{30 * j}_{30 * j + 29}" for j in range(1, n))]):
        assert f[f"month_{n - k}"] == pytest.approx(f[f"balance_{name}"] * rates.by_bucket[k], rel=1e-12)


def test_a_closed_portfolio_has_neither_block():
    sc = load_scenario(ROOT / "scenarios" / "table_14_1.toml", ["calendar.working_days=2"]).scenario
    blocks = run_replication(sc, 1, 0)["blocks"]
    assert "vintages" not in blocks and "charge_off_forecast" not in blocks


def test_results_table_report_and_compare_show_the_curves():
    """The results document carries both blocks as STATs; the run table shows one row per
    vintage, the HTML report the curves and the forecast, and compare each curve's last point."""
    from simulator.report.html import figures_for, render_results
    from simulator.report.table import blocks_table
    from simulator.report.vintages import last_age_keys, vintage_figure

    doc = json.loads(run_experiment(load_scenario(OPEN, SHORT), 2, 2).to_json())
    v = doc["vintages"]
    assert len(v["month_0_age_0_collected_share"]["values"]) == 2
    assert doc["charge_off_forecast"]["total"]["mean"] > 0
    text = blocks_table(doc)
    assert "vintages" in text and "control_month_0" in text and "month_0_age_0" not in text
    page = render_results(doc, images={})
    assert "<h2>Vintages and the charge-off forecast</h2>" in page and "total charged off" in page
    assert "vintages" in figures_for("results", doc)
    fig = vintage_figure(doc)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) >= 4  # called and control curves
    keys = last_age_keys(list(v))
    assert "month_0_age_1_collected_share" in keys and "month_0_age_0_collected_share" not in keys


def test_the_blocks_are_documented():
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    portfolio_doc = (ROOT / "docs" / "portfolio.md").read_text(encoding="utf-8")
    for name in ("`vintages`", "`charge_off_forecast`", "months_complete", "entry_balance_usd"):
        assert name in contract, name
    assert "## Vintages and the charge-off forecast" in portfolio_doc
