"""``--set`` and ``optimize --vary`` over the strategy tree: list items by number
(``strategy.rules.0.hold_days``) and list-valued list orders (``dialer.list_strategy``)."""

from __future__ import annotations

import pytest
import tomli_w

from simulator import load_scenario
from simulator.scenario import ScenarioError, parse_scenario
from simulator.scenario.overrides import apply_overrides
from simulator.studies.optimize_run import plan_designs

from ..conftest import small_scenario

TREE = {
    "rules": [
        {"name": "self_cure", "risk_score": {"lo": 700.0}, "hold_days": 3},
        {"name": "rest", "priority": 1},
    ]
}


def _raw() -> dict:
    return {**small_scenario(), "strategy": TREE}


def test_set_reaches_into_a_list_of_rules_by_item_number():
    out = apply_overrides(_raw(), ["strategy.rules.1.hold_days=5", "strategy.rules.0.risk_score.lo=650"])
    rules = parse_scenario(out).strategy.rules
    assert (rules[0].hold_days, rules[1].hold_days, rules[0].risk_score.lo) == (3, 5, 650.0)
    assert _raw()["strategy"]["rules"][1] == {"name": "rest", "priority": 1}  # a copy was changed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("strategy.rules.2.hold_days=5", "a list of 2 item(s); expected an item number from 0 to 1, got '2'"),
        ("strategy.rules.x.hold_days=5", "got 'x'"),
        ("strategy.rules.0.hold_days.deep=1", "strategy.rules.0.hold_days is a value, not a table"),
    ],
)
def test_a_bad_item_number_is_named(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply_overrides(_raw(), [text])


def test_an_item_of_a_missing_list_asks_for_the_whole_list():
    with pytest.raises(ValueError, match="strategy.rules is not in the scenario, so it has no item 0"):
        apply_overrides(small_scenario(), ["strategy.rules.0.hold_days=5"])


def test_list_strategy_takes_a_list_of_keys_from_the_command_line():
    out = apply_overrides(small_scenario(), ['dialer.list_strategy=["oldest","balance"]'])
    d = parse_scenario(out).dialer
    assert d.list_strategy == ["oldest", "balance"] and d.list_order == ("oldest", "balance")
    single = parse_scenario(apply_overrides(small_scenario(), ["dialer.list_strategy=riskiest"])).dialer
    assert single.list_order == ("riskiest",)


@pytest.mark.parametrize("value", ['["oldest","oldest"]', "[]", '["best_time"]', '["soonest"]'])
def test_a_bad_list_of_keys_is_refused(value):
    with pytest.raises(ScenarioError, match="list_strategy"):
        parse_scenario(apply_overrides(small_scenario(), [f"dialer.list_strategy={value}"]))


def test_optimize_varies_a_rule_and_a_composite_order(tmp_path):
    """The designs of ``--vary strategy.rules.0.hold_days=0:10:5`` x a composite list order are
    the scenarios with those values."""
    path = tmp_path / "tree.toml"
    path.write_text(tomli_w.dumps(_raw()), encoding="utf-8")
    plan = plan_designs(
        str(path),
        ["strategy.rules.0.hold_days=0:10:5", 'dialer.list_strategy=["oldest","balance"],least_recent'],
        [],
        1,
    )
    got = sorted(
        (v.loaded.scenario.strategy.rules[0].hold_days, v.loaded.scenario.dialer.list_order)
        for v in plan.variants
    )
    assert got == sorted((h, o) for h in (0, 5, 10) for o in (("oldest", "balance"), ("least_recent",)))
    assert load_scenario(path, ["strategy.rules.0.hold_days=9"]).scenario.strategy.rules[0].hold_days == 9
