"""Value by loss: every account of a living portfolio carries an expected loss (balance x
P(charge-off | its 30-day bucket) x (1 - recovery)), the center and segments report the loss of
the called book at the end, the loss the calling avoided against the never-called control, and
net_economic_value = loss_avoided - cost (the incremental cash is timing: its value is the loss it no
longer carries, which loss_avoided holds)."""

import json
import math

import numpy as np
import pytest

from simulator.base.statistics import t_interval
from simulator.cli import main
from simulator.experiment import run_replication
from simulator.measures.metrics import replication_metrics
from simulator.scenario.load import load_scenario
from simulator.scenario.problems import ScenarioError
from simulator.world.build import World
from simulator.world.portfolio import ACTIVE

from ..conftest import ROOT

OPEN = ROOT / "scenarios" / "open_portfolio.toml"
SHORT = ["calendar.working_days=12", "calendar.warmup_days=4"]
ROLLS = (0.34, 0.78, 0.88, 0.88, 0.92, 0.92)  # the documented defaults, 1-29 -> ... -> charge-off


def _default_probabilities() -> list[float]:
    """P(charge-off) per 30-day bucket below 180 days: the products of the published rolls."""
    return [math.prod(ROLLS[k:]) for k in range(len(ROLLS))]


def test_default_probabilities_are_the_products_of_the_published_roll_rates():
    sc = load_scenario(OPEN).scenario
    by_bucket, cured, recovery = sc.portfolio.loss_rates()
    assert by_bucket == pytest.approx(_default_probabilities())
    assert by_bucket[0] == pytest.approx(0.1738, abs=5e-5)  # 1-29 days past due
    assert by_bucket[1] == pytest.approx(0.5113, abs=5e-5)  # 30-59: inside the published 0.50-0.61
    assert cured == pytest.approx(0.15 * by_bucket[0])  # cure_redefault_probability x P(1-29)
    assert recovery == 0.15
    # closed-end loans charge off at 120 days: four buckets, four rolls
    loans = load_scenario(OPEN, ["portfolio.charge_off_days_past_due=120"]).scenario
    assert loans.portfolio.loss_rates()[0] == pytest.approx([math.prod(ROLLS[k:4]) for k in range(4)])
    given = load_scenario(OPEN, ["portfolio.valuation={charge_off_probability=[0.2, 0.6]}"]).scenario
    assert given.portfolio.loss_rates() == ((0.2, 0.6, 0.6, 0.6, 0.6, 0.6), 0.15 * 0.2, 0.15)


def test_roll_rates_and_charge_off_probability_together_are_refused():
    with pytest.raises(ScenarioError, match="roll_rates or charge_off_probability, not both"):
        load_scenario(OPEN, ["portfolio.valuation.charge_off_probability=[0.2]"])
    with pytest.raises(ScenarioError, match="recovery_rate"):
        load_scenario(OPEN, ["portfolio.valuation.recovery_rate=1.5"])


@pytest.fixture(scope="module")
def world():
    """A short run of the flagship without re-defaults (a cured account then stays cured, so the
    ledger's exits value each account once)."""
    sc = load_scenario(OPEN, [*SHORT, "portfolio.cure_redefault_probability=0.0"]).scenario
    w = World(sc, 5, 0)
    cnt = w.run()
    return w, cnt, replication_metrics(w.structure, cnt)


def test_expected_loss_end_is_the_open_called_accounts_balance_x_p_x_1_minus_r(world):
    w, _, m = world
    p = w.portfolio
    probs = np.array(_default_probabilities())
    open_called = np.isin(p.status, ACTIVE) & ~p.control
    bucket = np.minimum((p.days_past_due // 30).astype(int), len(probs) - 1)
    each = np.where(p.days_past_due > 0, probs[bucket], 0.0) * p.balance * (1 - 0.15)
    assert open_called.sum() > 500
    assert m["center"]["center"]["expected_loss_end"] == pytest.approx(each[open_called].sum(), rel=1e-12)
    for i, name in enumerate(w.structure.segments):
        mine = open_called & (p.segment == i)
        assert m["segments"][name]["expected_loss_end"] == pytest.approx(each[mine].sum(), rel=1e-12)
    for unit in [*m["teams"].values(), *m["collectors"].values()]:
        assert unit["expected_loss_end"] is None and unit["net_economic_value"] is None


def test_losses_add_up_to_the_ledger(world):
    """Every account in the portfolio during the window is valued once, where it ended: open by
    its bucket, placed at 30 days past due by the 30-59 bucket, charged off at 1 - r, settled at its
    discount, cured at 0 (no re-default); and what they still owe is the ledger's balance less its
    collected dollars."""
    w, cnt, _ = world
    led = cnt.blocks["portfolio"]
    probs = _default_probabilities()
    p = w.portfolio
    open_now = np.isin(p.status, ACTIVE)
    bucket = np.minimum((p.days_past_due[open_now] // 30).astype(int), len(probs) - 1)
    open_loss = float((np.array(probs)[bucket] * p.balance[open_now]).sum() * 0.85)
    assert led["accounts_placed"] > 100
    expected = (
        open_loss
        + led["balance_placed"] * probs[1] * 0.85
        + led["balance_charged_off"] * 0.85
        + led["settlement_discount"]
    )
    assert cnt.loss_usd.sum() == pytest.approx(expected, rel=1e-9)
    owed = led["balance_start"] + led["balance_inflow"] - led["collected_total"]
    assert cnt.owed_usd.sum() == pytest.approx(owed, rel=1e-9)
    assert cnt.open_loss_usd.sum() == pytest.approx(open_loss, rel=1e-9)


def test_net_economic_value_is_the_loss_avoided_less_cost(world):
    _, cnt, m = world
    for u in [m["center"]["center"], *m["segments"].values()]:
        assert u["net_economic_value"] == pytest.approx(u["loss_avoided"] - u["cost"], rel=1e-12)
    seg = m["segments"]
    c = m["center"]["center"]
    assert c["loss_avoided"] == pytest.approx(sum(s["loss_avoided"] for s in seg.values()), rel=1e-12)
    # segment by segment: the control's loss per dollar owed on what the called accounts would owe
    # uncalled (what they owe + the incremental dollars they paid), less their loss. That is the
    # change in book value (cash + owed - expected loss) the calling makes: each dollar once.
    (loss_t, loss_c), (owed_t, owed_c) = cnt.loss_usd[0], cnt.owed_usd[0]
    (paid_t, paid_c), (n_t, n_c) = cnt.received_usd[0], cnt.present_accounts[0]
    first = seg[next(iter(seg))]
    extra = paid_t - paid_c * n_t / n_c
    assert first["incremental_collected"] == pytest.approx(extra, rel=1e-12)
    book_called = paid_t + owed_t - loss_t
    book_uncalled = paid_c * n_t / n_c + (owed_t + extra) * (1 - loss_c / owed_c)
    assert first["loss_avoided"] == pytest.approx(book_called - book_uncalled, rel=1e-9)
    v = cnt.blocks["valuation"]
    assert v["charge_off_probability_30_59"] == pytest.approx(_default_probabilities()[1])
    # the block's figure is the center's: every segment's control loss over what it owes
    center_c = cnt.loss_usd[:, 1].sum() / cnt.owed_usd[:, 1].sum()
    assert v["loss_per_dollar_owed_control"] == pytest.approx(center_c, rel=1e-12)


def test_without_a_control_group_the_loss_figures_that_need_it_are_none():
    r = run_replication(load_scenario(OPEN, [*SHORT, "portfolio.control_share=0.0"]).scenario, 1, 0)
    c = r["metrics"]["center"]["center"]
    assert c["expected_loss_end"] > 0
    assert c["loss_avoided"] is None and c["net_economic_value"] is None


def test_a_closed_portfolio_has_no_loss_figures():
    r = run_replication(load_scenario(ROOT / "scenarios" / "table_14_1.toml").scenario, 1, 0)
    c = r["metrics"]["center"]["center"]
    assert c["expected_loss_end"] is None and c["loss_avoided"] is None and c["net_economic_value"] is None
    assert "valuation" not in r["blocks"]


@pytest.mark.slow
def test_loss_avoided_is_zero_when_calling_changes_nothing():
    """No conversation ever brings a promise: called and control accounts age, self-cure and are
    placed alike, so the loss avoided (and the incremental cash) is 0 within its 95% CI, while the
    same scenario with promises avoids a loss far outside it."""
    no_effect = [
        *SHORT,
        "portfolio.control_share=0.3",
        "segments.early_low_risk.promise_probability=0.0",
        "segments.early_high_risk.promise_probability=0.0",
    ]
    sc = load_scenario(OPEN, no_effect).scenario
    reps = [run_replication(sc, 11, r)["metrics"]["center"]["center"] for r in range(16)]
    mean, lo, hi = t_interval([u["loss_avoided"] for u in reps])
    assert lo < 0 < hi, (mean, lo, hi)
    assert reps[0]["expected_loss_end"] > 1e5  # a real book, not an empty one
    _, lo_i, hi_i = t_interval([u["incremental_collected"] for u in reps])
    assert lo_i < 0 < hi_i
    effect = load_scenario(OPEN, [*SHORT, "portfolio.control_share=0.3"]).scenario
    called = [run_replication(effect, 11, r)["metrics"]["center"]["center"]["loss_avoided"] for r in range(3)]
    assert min(called) > hi


def _staff(tmp_path, recovery: float) -> dict:
    out = tmp_path / f"staff-{recovery}"
    sets = [*SHORT, "teams.risk_team.hourly_wage_usd=300", f"portfolio.valuation.recovery_rate={recovery}"]
    args = ["staff", str(OPEN), "--team", "risk_team", "--range", "1:5", "--step", "4", "-r", "6", "-q"]
    assert main([*args, *[x for s in sets for x in ("--set", s)], "--out", str(out)]) == 0
    return json.loads((out / "summary.json").read_text())["staffing"]


@pytest.mark.slow
def test_staff_best_headcount_moves_with_the_loss_rate(tmp_path, capsys):
    """A costly collector ($300 an hour) on the high-risk segment: with no recovery after
    charge-off, the loss each added collector avoids pays for him and 5 beats 1; with 90%
    recovered, the same loss is worth a tenth and 1 beats 5. Cash net value, which knows nothing of
    losses, is the same in both."""
    lossy, mild = _staff(tmp_path, 0.0), _staff(tmp_path, 0.9)
    text = capsys.readouterr().out
    assert "net economic value" in text and "+1 collector (collections)" in text
    assert lossy["decision_metric"] == mild["decision_metric"] == "net_economic_value"
    assert lossy["best"]["headcount"] == 5 and mild["best"]["headcount"] == 1
    assert lossy["rows"][1]["marginal_net_economic_value"]["ci95_low"] > 0
    assert mild["rows"][1]["marginal_net_economic_value"]["ci95_high"] < 0
    assert lossy["best_net_value"] == mild["best_net_value"]
    assert [r["net_value"] for r in lossy["rows"]] == [r["net_value"] for r in mild["rows"]]
    # the marginal is the paired difference per added collector
    nev = [r["net_economic_value"]["mean"] for r in lossy["rows"]]
    assert lossy["rows"][1]["marginal_net_economic_value"]["mean"] == pytest.approx((nev[1] - nev[0]) / 4)


def test_the_new_figures_are_documented_extensions_and_the_valuation_block_has_a_schema():
    import tomllib

    import jsonschema

    from simulator.measures.metrics import EXTRA_METRICS, METRICS
    from simulator.scenario.json_schema import scenario_json_schema

    new = ("expected_loss_end", "loss_avoided", "net_economic_value")
    assert set(new) <= set(EXTRA_METRICS) and not set(new) & set(METRICS)
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    portfolio_doc = (ROOT / "docs" / "portfolio.md").read_text(encoding="utf-8")
    for name in (
        *new,
        "[portfolio.valuation]",
        "loss_per_dollar_owed_control",
        "marginal_net_economic_value",
    ):
        assert name in contract, name
    for name in (*new, "recovery_rate", "charge_off_probability", "## Value by loss"):
        assert name in portfolio_doc, name
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    raw = tomllib.loads(OPEN.read_text(encoding="utf-8"))
    assert raw["portfolio"]["valuation"]["recovery_rate"] == 0.15  # the flagship writes its inputs out
    assert list(validator.iter_errors(raw)) == []
    for key, bad in (("recovery_rate", 1.2), ("loss_given", 0.5), ("roll_rates", [0.3, -0.1])):
        wrong = {**raw, "portfolio": {**raw["portfolio"], "valuation": {"roll_rates": [0.5], key: bad}}}
        assert list(validator.iter_errors(wrong)), key


@pytest.mark.slow
def test_run_table_and_report_show_the_decision_figure_beside_cash_net_value():
    """The decision figure is labelled as such, with cash net value beside it, where a control group
    defines it, and nowhere in a closed portfolio."""
    from simulator.experiment import run_experiment
    from simulator.report.html import render_results
    from simulator.report.table import volume_table

    doc = json.loads(json.dumps(run_experiment(load_scenario(OPEN, SHORT), 1, 1).to_dict(), default=str))
    text = volume_table(doc)
    assert "net economic value (loss avoided - cost): the decision figure" in text
    assert "net value, collections (collected + next stage's recoveries - cost)" in text
    assert "loss avoided over" in text
    page = render_results(doc, images={})
    assert "net economic value: the decision figure" in page and "net value (collections)" in page
    nev = doc["metrics"]["center"]["net_economic_value"]["mean"]
    assert f"${nev:,.0f}" in page
    closed = json.loads(
        json.dumps(
            run_experiment(
                load_scenario(ROOT / "scenarios" / "table_14_1.toml", ["calendar.working_days=2"]), 1, 1
            ).to_dict(),
            default=str,
        )
    )
    assert "net economic value" not in volume_table(closed) and "net economic value" not in render_results(
        closed, images={}
    )
    assert "net value (collected + next stage's recoveries - cost)" in volume_table(closed)


@pytest.mark.slow
def test_sensitivity_ranks_the_levers_by_their_paired_gain_in_net_economic_value():
    from simulator.studies.sensitivity import simulated_sensitivity

    loaded = load_scenario(OPEN, SHORT)
    doc = simulated_sensitivity(loaded, 2, 3)
    assert doc["ranked_by"] == "net_economic_value"
    base = [run_replication(loaded.scenario, 3, r)["metrics"]["center"]["center"] for r in range(2)]
    assert doc["baseline_net_economic_value"] == pytest.approx(sum(b["net_economic_value"] for b in base) / 2)
    assert doc["baseline_value_per_paid_hour"] == pytest.approx(
        sum(b["value_per_paid_hour"] for b in base) / 2
    )
    gains = [lv["simulated_net_economic_value"]["diff_mean"] for lv in doc["levers"]]
    assert gains == sorted(gains, reverse=True) and all(
        lv["simulated_net_economic_value"]["n"] == 2 for lv in doc["levers"]
    )
