import pytest

from simulator.measures.pyramid import (
    TABLE_14_1,
    Pyramid,
    productive_rate,
    progressive_rpc_per_hour,
    solve_rpc_wrap_s,
)
from simulator.scenario import parse_scenario

from ..conftest import small_scenario


def test_table_14_1_values():
    assert TABLE_14_1["low_risk"].value_per_paid_hour == pytest.approx(657.475, abs=1e-9)
    assert TABLE_14_1["high_risk"].value_per_paid_hour == pytest.approx(159.375, abs=1e-9)


def test_product_of_layers():
    p = Pyramid(0.5, 4.0, 0.5, 0.5, 10.0)
    assert p.value_per_paid_hour == pytest.approx(5.0)
    assert p.as_dict()["value_per_paid_hour"] == pytest.approx(5.0)


@pytest.mark.parametrize(
    "field,value", [("productive_rate", 1.3), ("promise_rate", -0.1), ("kept_rate", 85.0)]
)
def test_rates_must_be_fractions(field, value):
    kw = dict(
        productive_rate=0.85, rpc_per_productive_hour=10, promise_rate=0.85, kept_rate=0.65, avg_payment=140
    )
    kw[field] = value
    with pytest.raises(ValueError, match=field):
        Pyramid(**kw)


def test_renewal_reward_formula_by_hand():
    sc = parse_scenario(small_scenario())
    seg = sc.segments["s1"]
    e = 0.40 * 30 + 0.05 * 4 + 0.10 * 6 + 0.15 * 39 + 0.10 * 62 + 0.20 * (12 + 180 + 45)
    assert seg.outcomes.mean_handling_s == pytest.approx(e)
    assert progressive_rpc_per_hour(seg) == pytest.approx(3600 * 0.20 / e)
    assert productive_rate(sc.teams["t1"]) == pytest.approx(1 - (15 + 15 + 30 + 6 + 6) / 480)


def test_calibration_inverts_the_formula():
    sc = parse_scenario(small_scenario())
    seg = sc.segments["s1"]
    w = solve_rpc_wrap_s(seg, 9.0)
    raw = small_scenario()
    raw["segments"]["s1"]["outcomes"]["rpc"]["wrap_time_s"] = w
    assert progressive_rpc_per_hour(parse_scenario(raw).segments["s1"]) == pytest.approx(9.0)
    with pytest.raises(ValueError, match="unreachable"):
        solve_rpc_wrap_s(seg, 1000.0)
