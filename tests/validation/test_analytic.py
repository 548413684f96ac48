"""The simulation against closed forms, within its own confidence interval."""

import pytest

from simulator import TABLE_14_1, load_scenario, run_experiment
from simulator.measures.pyramid import LAYERS, expected_pyramid, progressive_rpc_per_hour
from simulator.scenario import LoadedScenario, parse_scenario

from ..conftest import SCENARIOS, small_scenario


def _loaded(raw: dict) -> LoadedScenario:
    return LoadedScenario(parse_scenario(raw), "<test>", "0" * 64, (), raw)


@pytest.mark.parametrize("seed", [1, 2])
def test_progressive_rpc_rate_matches_renewal_reward(seed):
    """RPC per productive hour = 3600 p_rpc / E[ring + talk + wrap] for a dialer never short of
    accounts (renewal-reward theorem); the formula must lie inside the simulated 95% CI."""
    raw = small_scenario(segments__s1__accounts=20000)
    res = run_experiment(_loaded(raw), 10, seed).to_dict()
    s = res["metrics"]["segments"]["s1"]
    expected = progressive_rpc_per_hour(parse_scenario(raw).segments["s1"])
    st = s["rpc_per_productive_hour"]
    assert st["ci95_low"] <= expected <= st["ci95_high"], (expected, st)
    assert s["idle_hours"]["mean"] == 0.0  # premise of the formula: never short of accounts


def test_dials_per_productive_hour_matches_mean_cycle():
    raw = small_scenario(segments__s1__accounts=20000)
    res = run_experiment(_loaded(raw), 10, 3).to_dict()
    st = res["metrics"]["center"]["dials_per_productive_hour"]
    expected = 3600.0 / parse_scenario(raw).segments["s1"].outcomes.mean_handling_s
    assert st["ci95_low"] <= expected <= st["ci95_high"], (expected, st)


@pytest.fixture(scope="module")
def table_results():
    return run_experiment(load_scenario(SCENARIOS / "table_14_1.toml"), 10, 1).to_dict()


@pytest.mark.parametrize("segment", ["low_risk", "high_risk"])
def test_table_14_1_reproduced(table_results, segment):
    """Every layer and value per paid hour within 5% of the seed's table (10 replications, seed 1)."""
    target = TABLE_14_1[segment].as_dict()
    got = table_results["metrics"]["segments"][segment]
    for layer in (*LAYERS, "value_per_paid_hour"):
        assert got[layer]["mean"] == pytest.approx(target[layer], rel=0.05), layer


@pytest.mark.parametrize("segment", ["low_risk", "high_risk"])
def test_table_14_1_scenario_is_calibrated_exactly(segment):
    """The closed-form pyramid of the bundled scenario is the table itself (the calibration)."""
    sc = load_scenario(SCENARIOS / "table_14_1.toml").scenario
    exp = expected_pyramid(sc.teams[f"{segment}_team"], sc.segments[segment]).as_dict()
    for k, v in TABLE_14_1[segment].as_dict().items():
        assert exp[k] == pytest.approx(v, rel=1e-9), k


@pytest.mark.parametrize("segment", ["low_risk", "high_risk"])
def test_simulated_layers_agree_with_closed_form_within_ci(table_results, segment):
    """Each emergent layer's 95% CI covers its closed-form value (renewal reward, binomials)."""
    sc = load_scenario(SCENARIOS / "table_14_1.toml").scenario
    exp = expected_pyramid(sc.teams[f"{segment}_team"], sc.segments[segment]).as_dict()
    got = table_results["metrics"]["segments"][segment]
    for layer in (
        "rpc_per_productive_hour",
        "promise_rate",
        "kept_rate",
        "avg_payment",
        "value_per_paid_hour",
    ):
        st = got[layer]
        assert st["ci95_low"] <= exp[layer] <= st["ci95_high"], (layer, exp[layer], st)


def test_bundled_default_equals_scenarios_copy():
    from simulator.scenario import default_scenario_path

    assert default_scenario_path().read_bytes() == (SCENARIOS / "table_14_1.toml").read_bytes()
