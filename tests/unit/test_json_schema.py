"""`collectsim schema`: a JSON Schema that every bundled scenario meets and bad files do not."""

import copy
import json
import tomllib

import jsonschema
import pytest

from simulator.cli import main
from simulator.scenario.json_schema import scenario_json_schema

from ..conftest import ROOT

BUNDLED = sorted([*ROOT.glob("scenarios/*.toml"), *ROOT.glob("simulator/data/*.toml")])


@pytest.fixture(scope="module")
def validator():
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_bundled_scenarios_are_there():
    assert len(BUNDLED) >= 10 and any(p.name == "table_14_1.toml" for p in BUNDLED)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_bundled_scenario_validates(validator, path):
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(raw)] == []


def _table_14_1():
    return tomllib.loads((ROOT / "scenarios" / "table_14_1.toml").read_text(encoding="utf-8"))


def test_an_unknown_key_and_a_probability_of_1_3_are_refused(validator):
    raw = _table_14_1()
    typo = copy.deepcopy(raw)
    typo["calendar"]["working_dayz"] = 5
    errors = list(validator.iter_errors(typo))
    assert len(errors) == 1 and "working_dayz" in errors[0].message
    assert list(errors[0].absolute_path) == ["calendar"]
    bad = copy.deepcopy(raw)
    bad["segments"]["low_risk"]["promise_probability"] = 1.3
    errors = list(validator.iter_errors(bad))
    assert len(errors) == 1 and list(errors[0].absolute_path) == [
        "segments",
        "low_risk",
        "promise_probability",
    ]


def test_a_distribution_is_a_number_or_a_table_with_dist(validator):
    raw = _table_14_1()
    seg = raw["segments"]["low_risk"]
    seg["outcomes"]["no_answer"]["ring_time_s"] = 30
    seg["outcomes"]["rpc"]["talk_time_s"] = {"dist": "lognormal", "mean": 180.0, "sd": 90.0}
    assert list(validator.iter_errors(raw)) == []
    seg["outcomes"]["rpc"]["talk_time_s"] = {"dist": "lognormal", "mean": 180.0, "sdev": 90.0}
    assert list(validator.iter_errors(raw))
    seg["outcomes"]["rpc"]["talk_time_s"] = "180"
    assert list(validator.iter_errors(raw))


def test_the_command_writes_the_schema(tmp_path, capsys):
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed) == scenario_json_schema()
    out = tmp_path / "collectsim.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == printed
    assert json.loads(printed)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
