"""Champion/challenger arms ([strategy] arms; docs/champion-challenger.md): every metric per arm,
the arms adding up to the center, the challenger against the champion paired by replication,
an A/A test, and a treatment with a real effect."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from simulator.experiment import run_experiment
from simulator.experiment.metric_refs import parse_metric_ref
from simulator.experiment.replications import run_replication
from simulator.measures.arms import ALL_ARM_METRICS, CHALLENGER_METRICS, time_shares
from simulator.measures.metrics import COST_COMPONENTS
from simulator.report.arms import arms_html, arms_table
from simulator.scenario import parse_scenario
from simulator.scenario.load import LoadedScenario, load_scenario
from simulator.world.arms import ArmCounts
from simulator.world.living import LivingPortfolio

from ..conftest import SCENARIOS, small_scenario

TWO_ARMS = "strategy.arms={champion=0.6, challenger=0.4}"
SHORT = ["calendar.working_days=25", "calendar.warmup_days=5"]

CONSERVED = (
    "dials",
    "connects",
    "rpc",
    "reminder_contacts",
    "third_party",
    "abandoned",
    "promises",
    "promised_usd",
    "kept",
    "broken",
    "collected",
    "agency_collected",
    "paid_hours",
    "productive_hours",
    "talk_hours",
    "wrap_hours",
    "cost",
    *COST_COMPONENTS,
    "channel_sent",
    "channel_collected",
    "channel_opt_outs",
)
"""Figures whose sum over the arms is the center's."""
LIVING_CONSERVED = (
    "collected_cash",
    "self_cure_collected",
    "incremental_collected",
    "expected_loss_end",
    "loss_avoided",
    "net_economic_value",
)


def _sum_over_arms(arms: dict, metric: str) -> float:
    return math.fsum(arms[a][metric] for a in arms)


def _assert_conserved(result: dict, names: tuple[str, ...]) -> None:
    center, arms = result["metrics"]["center"]["center"], result["metrics"]["arms"]
    for m in names:
        assert _sum_over_arms(arms, m) == pytest.approx(center[m], rel=1e-9, abs=1e-6), m


def _living_small(arms: str = "{champion=0.5, challenger=0.5}", days: int = 15) -> dict:
    """A small living portfolio with a control group and roll rates (one team, one segment)."""
    raw = small_scenario(calendar__working_days=days, segments__s1__accounts=2000)
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform_int", "low": 1, "high": 29}
    raw["segments"]["s1"]["self_cure_per_day"] = 0.02
    raw["segments"]["s1"]["inflow"] = {"accounts_per_day": 60.0}
    raw["portfolio"] = {"control_share": 0.2}
    raw["roll_rates"] = {"period_days": 7}
    raw["strategy"] = {"arms": dict(item.split("=") for item in arms.strip("{}").split(", "))}
    raw["strategy"]["arms"] = {k: float(v) for k, v in raw["strategy"]["arms"].items()}
    return raw


# -- (a) conservation ---------------------------------------------------------------------------


def test_arms_add_up_to_the_center_on_the_living_portfolio():
    sc = load_scenario(SCENARIOS / "open_portfolio.toml", [*SHORT, TWO_ARMS]).scenario
    r = run_replication(sc, 5, 0)
    _assert_conserved(r, CONSERVED + LIVING_CONSERVED)
    arms = r["metrics"]["arms"]
    assert list(arms) == ["champion", "challenger"]
    assert set(arms["champion"]) == set(ALL_ARM_METRICS)
    # the called accounts of the measured window: the arms partition them, at their shares
    n = [arms[a]["accounts"] for a in arms]
    total = sum(n)
    for a, share in (("champion", 0.6), ("challenger", 0.4)):
        assert arms[a]["accounts"] == arms[a]["accounts_at_start"] + arms[a]["accounts_entered"]
        # binomial: 4 standard deviations
        assert abs(arms[a]["accounts"] - share * total) < 4 * math.sqrt(total * share * (1 - share))
    ledger = r["blocks"]["portfolio"]
    assert total <= ledger["accounts_start"] + ledger["accounts_inflow"]
    # the per-account figures are the totals over the arm's accounts
    for a in arms:
        m = arms[a]
        assert m["collected_per_account"] == pytest.approx(m["collected"] / m["accounts"])
        assert m["net_economic_value_per_account"] == pytest.approx(m["net_economic_value"] / m["accounts"])
        assert m["cost_per_account"] == pytest.approx(m["cost"] / m["accounts"])
        assert m["cure_rate_treated"] is not None and m["roll_rate_treated"] is not None
    diff = r["metrics"]["challengers"]["challenger"]
    for k in CHALLENGER_METRICS:
        assert diff[k] == pytest.approx(arms["challenger"][k] - arms["champion"][k])


@pytest.mark.parametrize(
    "file, sets",
    [
        ("skip_trace.toml", []),  # skip-trace fees by the account's arm
        ("rearrangement.toml", []),  # arrangement promises
        ("placement.toml", []),  # agency recoveries and commission
        ("table_14_1.toml", ["attempts.promise_reminder=true"]),  # reminder contacts, not rpc
        ("dialer_modes.toml", ["calendar.working_days=3", "dialer.mode=predictive"]),  # abandons, campaigns
        ("inbound_blend.toml", ["calendar.working_days=4"]),  # inbound negotiations and talk
        # messages: their cost, sends, payments and opt-outs by the account's arm
        ("channels.toml", ["calendar.working_days=12", "calendar.warmup_days=2"]),
    ],
)
def test_arms_add_up_to_the_center(file, sets):
    sc = load_scenario(SCENARIOS / file, [*sets, TWO_ARMS]).scenario
    r = run_replication(sc, 3, 0)
    if file == "channels.toml":
        center = r["metrics"]["center"]["center"]
        assert center["cost_channels"] > 0 and center["channel_collected"] > 0
    _assert_conserved(r, CONSERVED)
    arms = r["metrics"]["arms"]
    assert all(arms[a]["dials"] > 0 for a in arms)


def test_the_floor_cost_follows_the_collectors_time():
    """Wages split by handling time on each arm's accounts plus the arms' account shares of the
    rest of paid time: with every account called alike, the challenger's share of the wages is
    about its share of the accounts and of the talk time (one wage rate in small_scenario)."""
    raw = _living_small("{champion=0.7, challenger=0.3}")
    r = run_replication(parse_scenario(raw), 2, 0)
    arms = r["metrics"]["arms"]
    wages = _sum_over_arms(arms, "cost_wages")
    share = arms["challenger"]["cost_wages"] / wages
    assert 0.2 < share < 0.4
    talk = arms["challenger"]["talk_hours"] / _sum_over_arms(arms, "talk_hours")
    assert abs(share - talk) < 0.05
    # idle time is never handling: it is split by the arms' shares of the called accounts
    n = {a: arms[a]["accounts"] for a in arms}
    idle = r["metrics"]["center"]["center"]["idle_hours"]
    assert idle > 0
    for a in arms:
        assert arms[a]["idle_hours"] == pytest.approx(idle * n[a] / sum(n.values()), rel=1e-9)


def test_paid_time_splits_handling_by_arm_and_the_rest_by_accounts():
    """time_shares on two collector rows, arms with equal accounts: row 0 (1,000 s paid) handled
    300 s of the champion's accounts and 100 s of the challenger's, so the champion gets 300 + 600/2
    = 600 s (0.6) and the challenger 100 + 300 = 400 s (0.4); row 1 (800 s) handled nothing: half
    each. A split of paid time by handling alone would give 0.75 / 0.25 on both rows."""
    arms = ArmCounts(2, 2, 1, np.zeros(4, dtype=np.int64))
    arms.handle_s[0, 0] = (100.0, 150.0, 50.0)
    arms.handle_s[0, 1] = (40.0, 50.0, 10.0)
    arms.accounts[:] = (500, 500)
    cnt = SimpleNamespace(paid_s=np.array([1000.0, 800.0]))
    v = time_shares(cnt, arms)
    assert v.ravel().tolist() == pytest.approx([0.6, 0.4, 0.5, 0.5], abs=1e-12)
    # handling beyond the row's time (overlapping predictive rings): split by handling
    arms.handle_s[1, 0, 0], arms.handle_s[1, 1, 0] = 900.0, 300.0
    assert time_shares(cnt, arms)[1].tolist() == pytest.approx([0.75, 0.25], abs=1e-12)
    # the rest goes by the accounts' shares, not the nominal arms' shares
    arms.accounts[:] = (300, 100)
    assert time_shares(cnt, arms)[0].tolist() == pytest.approx([(300 + 450) / 1000, (100 + 150) / 1000])


# -- identity without the block, and with one arm -------------------------------------------------


def test_no_block_and_one_arm_measure_the_same():
    base = load_scenario(SCENARIOS / "open_portfolio.toml", SHORT).scenario
    one = load_scenario(SCENARIOS / "open_portfolio.toml", [*SHORT, "strategy.arms={champion=1.0}"]).scenario
    a, b = run_replication(base, 4, 0), run_replication(one, 4, 0)
    assert "arms" not in a["metrics"] and "arms" not in b["metrics"]
    # The block adds only its own counts (every account-day under no rule).
    assert b["blocks"].pop("strategy")["no_rule.account_days"] > 0
    assert a["metrics"] == b["metrics"] and a["blocks"] == b["blocks"]


# -- (b) an A/A test ------------------------------------------------------------------------------


def _aa_results(seed: int, reps: int):
    raw = _living_small()
    loaded = LoadedScenario(parse_scenario(raw), "<test>", "0" * 64, (), raw)
    return run_experiment(loaded, reps, seed, executor="serial").to_dict()


def test_a_and_a_difference_covers_zero():
    doc = _aa_results(11, 6)
    ch = doc["challengers"]["challenger"]
    assert ch["champion"] == "champion" and ch["share"] == 0.5
    for m in (
        "collected_per_account",
        "net_economic_value_per_account",
        "cure_rate_treated",
        "cost_per_account",
    ):
        p = ch["metrics"][m]
        assert p["n"] == 6
        assert p["diff_ci95_low"] < 0 < p["diff_ci95_high"], m
    assert set(doc["arms"]["champion"]) == set(ALL_ARM_METRICS)


@pytest.mark.slow
def test_a_and_a_coverage_is_about_95_percent():
    """Over 60 A/A experiments of 5 replications each, the challenger - champion 95% CI on
    collected per account and on net economic value per account covers 0 in about 95% of them
    (binomial: 95% within 57 +- 3.4 of 60; measured 59/60 and 56/60, seeds 100-159)."""
    hits = {"collected_per_account": 0, "net_economic_value_per_account": 0}
    n = 60
    for seed in range(100, 100 + n):
        ch = _aa_results(seed, 5)["challengers"]["challenger"]["metrics"]
        for m in hits:
            hits[m] += ch[m]["diff_ci95_low"] < 0 < ch[m]["diff_ci95_high"]
    for m, k in hits.items():
        assert 0.85 <= k / n <= 1.0, (m, k)


# -- (c) a treatment with a real effect -------------------------------------------------------------


@pytest.fixture
def challenger_not_called(monkeypatch):
    """Emulates a challenger held for the whole run (``hold_days`` longer than an account stays):
    every account of arm 1 blocked from the lists, as the never-called control group is."""
    attach = LivingPortfolio.attach_arms

    def hold(self, arms):
        attach(self, arms)
        self.p.blocked_until_s[self.p.arm == 1] = np.inf

    monkeypatch.setattr(LivingPortfolio, "attach_arms", hold)


def test_a_held_challenger_collects_less_and_rolls_more(challenger_not_called):
    loaded = load_scenario(
        SCENARIOS / "open_portfolio.toml", [*SHORT, "strategy.arms={champion=0.5, challenger=0.5}"]
    )
    res = run_experiment(loaded, 4, 7, executor="serial")
    doc = res.to_dict()
    ch = doc["challengers"]["challenger"]["metrics"]
    for m in (
        "collected_per_account",
        "collected_cash_per_account",
        "cure_rate_treated",
        "incremental_per_account",
    ):
        assert ch[m]["diff_ci95_high"] < 0, m
    assert ch["roll_rate_treated"]["diff_ci95_low"] > 0
    assert ch["collected_per_account"]["relative_lift"] == pytest.approx(-1.0)  # no promise at all
    arms = doc["arms"]
    assert arms["challenger"]["dials"]["mean"] == 0.0
    # no handling on its accounts: its cost is its accounts' share of the floor's other paid
    # time, the same per account as the champion's share of it
    champ, chal = arms["champion"], arms["challenger"]
    assert chal["talk_hours"]["mean"] == 0.0 and chal["cost_telecom"]["mean"] == 0.0
    assert chal["cost"]["mean"] > 0.0
    assert chal["idle_hours"]["mean"] / chal["accounts"]["mean"] == pytest.approx(
        champ["idle_hours"]["mean"] / champ["accounts"]["mean"], rel=0.05
    )
    assert chal["cost_per_account"]["mean"] < champ["cost_per_account"]["mean"]
    # uncalled, the challenger is a second control group: its lift over the control is 0 within its CI
    lift = arms["challenger"]["roll_lift"]
    assert lift["ci95_low"] < 0 < lift["ci95_high"]
    # the metric references of the studies reach the arms
    assert res.values("arms.challenger.dials") == [0.0] * 4
    text = arms_table(doc)
    assert "challenger: collected per account $" in text and "lower" in text
    assert "<h2>Champion/challenger</h2>" in arms_html(doc)


def test_metric_references_to_arms():
    sc = load_scenario(SCENARIOS / "open_portfolio.toml", [TWO_ARMS]).scenario
    ref = parse_metric_ref("arms.challenger.collected_per_account", sc)
    assert (ref.level, ref.unit, ref.metric) == ("arms", "challenger", "collected_per_account")
    assert str(ref) == "arms.challenger.collected_per_account"
    with pytest.raises(ValueError, match="no arm named 'b'"):
        parse_metric_ref("arms.b.collected", sc)
    with pytest.raises(ValueError, match="no \\[strategy\\] arms"):
        parse_metric_ref("arms.champion.collected", load_scenario(SCENARIOS / "open_portfolio.toml").scenario)
    with pytest.raises(ValueError, match="unknown metric"):
        parse_metric_ref("center.collected_per_account", sc)  # an arm's figure only


def test_challengers_from_moments_when_values_are_not_all_kept():
    """A run too long to keep every replication's values compares the arms from the moments of
    the per-replication differences: the same means and intervals."""
    from simulator.experiment.results import Results

    raw = _living_small()
    loaded = LoadedScenario(parse_scenario(raw), "<test>", "0" * 64, (), raw)
    reps = [run_replication(loaded.scenario, 3, r) for r in range(4)]
    full = Results(loaded, 3, reps).to_dict()["challengers"]["challenger"]["metrics"]
    part = Results(loaded, 3, reps, keep=1).to_dict()["challengers"]["challenger"]["metrics"]
    for m in CHALLENGER_METRICS:
        for k in ("n", "a_mean", "b_mean", "diff_mean", "diff_ci95_low", "diff_ci95_high", "relative_lift"):
            assert part[m][k] == pytest.approx(full[m][k], rel=1e-9), (m, k)
