import pytest

from simulator.measures.pyramid import productive_rate, progressive_rpc_per_hour
from simulator.scenario import load_scenario, parse_scenario
from simulator.studies.sensitivity import lever_scenario, simulated_sensitivity

from ..conftest import SCENARIOS


def test_levers_move_their_layer_by_one_percent_in_closed_form():
    raw = load_scenario(SCENARIOS / "table_14_1.toml").raw
    base = parse_scenario(raw)
    for lever, check in [
        ("productive_rate", lambda sc: productive_rate(sc.teams["low_risk_team"])),
        ("rpc_per_productive_hour", lambda sc: progressive_rpc_per_hour(sc.segments["low_risk"])),
        ("promise_rate", lambda sc: sc.segments["low_risk"].promise_probability),
        ("kept_rate", lambda sc: sc.segments["low_risk"].keep_probability),
        ("avg_payment", lambda sc: sc.segments["low_risk"].payment_usd.mean),
    ]:
        moved = parse_scenario(lever_scenario(raw, lever))
        assert check(moved) == pytest.approx(1.01 * check(base), rel=1e-9), lever


@pytest.mark.slow
def test_simulated_gains_agree_with_the_pyramid_where_it_is_linear():
    loaded = load_scenario(SCENARIOS / "table_14_1.toml", ["calendar.working_days=2"])
    doc = simulated_sensitivity(loaded, 4, 1)
    by = {d["layer"]: d for d in doc["levers"]}
    pay = by["avg_payment"]
    # the same draws scaled by 1.01: the gain is 1% of the value, up to the balance cap
    assert pay["simulated"]["diff_mean"] == pytest.approx(pay["analytic_gain"], rel=0.02)
    for layer in ("kept_rate", "promise_rate", "rpc_per_productive_hour", "productive_rate"):
        sim = by[layer]["simulated"]
        assert sim["diff_ci95_low"] <= by[layer]["analytic_gain"] <= sim["diff_ci95_high"], (layer, sim)
