"""Special tasks against closed forms, and the seed's roll-rate warning with paired 95% CIs."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import load_scenario, run_experiment
from simulator.base.statistics import paired_difference, t_interval

from ..conftest import SCENARIOS, small_scenario, write_toml


def _run(tmp_path, raw, reps, seed=1):
    return run_experiment(load_scenario(write_toml(tmp_path / "s.toml", raw)), reps, seed=seed)


def _values(res, block, name):
    return [rep["blocks"][block][name] for rep in res.per_rep]


def test_settlement_offer_value_matches_closed_form(tmp_path):
    """Constant balance B: each settlement offer is worth acceptance x B (1 - discount) x keep."""
    raw = small_scenario(calendar__working_days=4)
    seg = raw["segments"]["s1"]
    seg["balance_usd"] = 1000.0
    seg["promise_probability"] = 0.5
    acc, disc, keep = 0.3, 0.4, 0.8
    raw["rearrangement"] = {
        "order": ["settlement"],
        "settlement": {
            "acceptance_probability": acc,
            "keep_probability": keep,
            "discount_share": disc,
            "due_days": 3,
        },
    }
    res = _run(tmp_path, raw, 6)
    offers = np.array(_values(res, "rearrangement", "settlement_offers"))
    dollars = np.array(_values(res, "rearrangement", "settlement_collected_usd"))
    # balances only fall through kept payments, which take the account off the lists: B at every offer
    assert np.array(_values(res, "rearrangement", "settlement_offered_balance_usd")) == pytest.approx(
        1000.0 * offers
    )
    expected = acc * 1000.0 * (1 - disc) * keep  # 144 dollars per offer
    per_offer = dollars / offers
    mean, lo, hi = t_interval(list(per_offer))
    assert offers.min() > 150
    assert lo <= expected <= hi, (mean, lo, hi, expected)
    # the discount cost is the forgiven part of what was paid off
    disc_usd = np.array(_values(res, "rearrangement", "settlement_discount_usd"))
    assert disc_usd == pytest.approx(dollars * disc / (1 - disc))


def test_agency_recovery_matches_curve(tmp_path):
    """Expected agency net = placed balance x curve(horizon) x (1 - commission)."""
    raw = small_scenario(calendar__working_days=2)
    raw["segments"]["s1"]["balance_usd"] = 800.0
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform", "low": 50.0, "high": 100.0}
    raw["placement"] = {
        "at_days_past_due": 90.0,
        "recovery_curve_days": [0.0, 60.0, 120.0],
        "recovery_curve_share": [0.0, 0.1, 0.25],
        "commission_share": 0.3,
        "horizon_days": 90.0,
    }
    res = _run(tmp_path, raw, 6)
    share = 0.1 + (0.25 - 0.1) * 30 / 60  # curve(90) = 0.175
    placed = np.array(_values(res, "placement", "placed_balance_usd"))
    net = np.array(_values(res, "placement", "agency_net_usd"))
    assert placed.min() > 0.15 * 3000 * 800
    assert np.array(_values(res, "placement", "expected_agency_net_usd")) == pytest.approx(
        placed * share * 0.7
    )
    mean, lo, hi = t_interval(list(net / placed))
    assert lo <= share * 0.7 <= hi, (mean, lo, hi)
    gross = np.array(_values(res, "placement", "agency_recovered_usd"))
    assert np.array(_values(res, "placement", "agency_commission_usd")) == pytest.approx(0.3 * gross)
    assert _values(res, "placement", "dialed_after_placement") == [0.0] * 6


@pytest.mark.slow
def test_roll_rate_improves_while_dollars_fall():
    """The seed's warning. Same seeds (common random numbers): working the 1-29 bucket first (small
    payments that cure) instead of the large late balances lowers the forward roll rate AND the
    dollars collected; both paired 95% CIs exclude 0."""
    path = SCENARIOS / "roll_rates.toml"
    reps = 6
    late = run_experiment(load_scenario(path), reps, seed=11)
    early = run_experiment(load_scenario(path, ['routing.mapping.team=["early"]']), reps, seed=11)
    roll = paired_difference(
        _values(late, "roll_rates", "forward_roll_rate"), _values(early, "roll_rates", "forward_roll_rate")
    )
    dollars = paired_difference(
        _values(late, "roll_rates", "collected_usd"), _values(early, "roll_rates", "collected_usd")
    )
    assert roll["diff_ci95_high"] < 0, roll  # early first: a better (lower) roll rate ...
    assert dollars["diff_ci95_high"] < 0, dollars  # ... and fewer dollars
    # the center's collected metric tells the same story as the block's copy
    assert _values(early, "roll_rates", "collected_usd") == [
        r["metrics"]["center"]["center"]["collected"] for r in early.per_rep
    ]
    # unworked accounts age one day per day: every late account rolls when only early ones are worked
    assert _values(early, "roll_rates", "roll_60_89_to_90p") == [1.0] * reps
    print(
        f"\nforward roll rate early - late: {roll['diff_mean']:.4f} "
        f"[{roll['diff_ci95_low']:.4f}, {roll['diff_ci95_high']:.4f}]; "
        f"collected early - late: {dollars['diff_mean']:,.0f} "
        f"[{dollars['diff_ci95_low']:,.0f}, {dollars['diff_ci95_high']:,.0f}]"
    )


@pytest.mark.parametrize("name", ["skip_trace", "rearrangement", "tracking", "roll_rates", "placement"])
def test_bundled_special_scenarios_run(name):
    res = run_experiment(load_scenario(SCENARIOS / f"{name}.toml"), 1, seed=1).to_dict()
    assert name in res
    assert all(set(s) == {"mean", "ci95_low", "ci95_high", "values"} for s in res[name].values())
