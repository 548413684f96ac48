"""Case matching, skill and targets."""

import pytest

from simulator.base.statistics import t_interval
from simulator.experiment.replications import run_experiment
from simulator.measures.pyramid import targets_block
from simulator.scenario import load_scenario, parse_scenario
from simulator.world.build import collector_roster

from ..conftest import SCENARIOS

CM = SCENARIOS / "case_matching.toml"
SMALL = ["calendar.working_days=2", "teams.experts.headcount=6", "teams.juniors.headcount=6"]
EQUAL = [
    "teams.experts.skill.tiers={}",
    "teams.juniors.skill.tiers={}",
    "teams.experts.skill.individual_sd=0.0",
    "teams.juniors.skill.individual_sd=0.0",
]


def _vpph(sets, reps=6, seed=3):
    doc = run_experiment(load_scenario(CM, [*SMALL, *sets]), reps, seed).to_dict()
    return doc, doc["metrics"]["center"]["value_per_paid_hour"]["values"]


def test_segment_teams_team_results_equal_segment_results():
    doc, _ = _vpph(["routing.policy=segment_teams", *EQUAL], reps=3)
    m = doc["metrics"]
    for team, seg in (("experts", "prime"), ("juniors", "subprime")):
        for metric in (
            "paid_hours",
            "productive_hours",
            "dials",
            "rpc",
            "promises",
            "kept",
            "collected",
            "value_per_paid_hour",
            "cost",
            "occupancy",
            "abandoned",
        ):
            assert m["teams"][team][metric]["values"] == pytest.approx(
                m["segments"][seg][metric]["values"], rel=1e-12
            ), (team, metric)


@pytest.mark.slow
def test_with_equal_skills_the_policy_does_not_change_expected_value():
    _, base = _vpph(["routing.policy=segment_teams", *EQUAL])
    for policy in ("pooled", "skill_tiered", "reverse_tiered"):
        _, other = _vpph([f"routing.policy={policy}", *EQUAL])
        mean, lo, hi = t_interval([a - b for a, b in zip(other, base)])
        assert lo <= 0 <= hi or abs(mean) < 1e-9, (policy, mean, lo, hi)


def test_skill_tiered_beats_reverse_tiered_paired():
    _, tiered = _vpph(["routing.policy=skill_tiered"])
    _, reverse = _vpph(["routing.policy=reverse_tiered"])
    mean, lo, hi = t_interval([a - b for a, b in zip(tiered, reverse)])
    assert lo > 0, (mean, lo, hi)


@pytest.mark.parametrize(
    "sets,layer",
    [
        (["segments.low_risk.keep_probability=0.45"], "kept_rate"),
        (["segments.low_risk.promise_probability=0.6"], "promise_rate"),
        (["segments.low_risk.payment_usd=100.0"], "avg_payment"),
        (["segments.low_risk.outcomes.rpc.talk_time_s=400.0"], "rpc_per_productive_hour"),
        (["teams.low_risk_team.lunch.length_min=75.0"], "productive_rate"),
    ],
)
def test_diagnosis_finds_the_weakened_layer(sets, layer):
    loaded = load_scenario(SCENARIOS / "table_14_1.toml", ["calendar.working_days=2", *sets])
    doc = run_experiment(loaded, 2, 1).to_dict()
    block = targets_block(loaded.scenario, doc["metrics"])
    team = block["teams"]["low_risk_team"]
    assert team["weakest_layer"] == layer
    assert team["next_dollar"][0]["layer"] == layer and team["next_dollar"][0]["gain_to_target"] > 0
    # the untouched team stays close to target on every layer
    assert all(v > 0.93 for k, v in block["teams"]["high_risk_team"]["attainment"].items())
    weak = [c["weakest_layer"] for cid, c in block["collectors"].items() if cid.startswith("low_risk_team-")]
    assert weak.count(layer) >= 0.8 * len(weak)


def test_center_targets_are_planned_and_consistent():
    loaded = load_scenario(SCENARIOS / "table_14_1.toml")
    doc = run_experiment(loaded, 2, 1).to_dict()
    c = targets_block(loaded.scenario, doc["metrics"])["center"]["center"]["targets"]
    # equal planned hours: the center's value target is the mean of 657.475 and 159.375
    assert c["value_per_paid_hour"] == pytest.approx((657.475 + 159.375) / 2)
    assert c["productive_rate"] == pytest.approx(0.85)
    assert c["rpc_per_productive_hour"] == pytest.approx(7.5)


def test_skill_tiers_are_assigned_by_share_and_override():
    raw = load_scenario(CM).raw
    raw = {
        **raw,
        "teams": {
            **raw["teams"],
            "experts": {
                **raw["teams"]["experts"],
                "headcount": 7,
                "skill": {"tiers": {"expert": 0.5, "junior": 0.5}, "collectors": {"07": "expert"}},
            },
        },
    }
    roster = collector_roster(parse_scenario(raw))
    experts = [c for c in roster if c.name.startswith("experts-")]
    assert [c.name for c in experts][:2] == ["experts-01", "experts-02"]
    assert [c.tier for c in experts] == ["expert"] * 4 + ["junior"] * 2 + ["expert"]
    assert experts[0].promise_mult == pytest.approx(1.2) and experts[4].keep_mult == pytest.approx(0.75)
