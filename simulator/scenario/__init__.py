"""The input side: what a user writes, validated into frozen models."""

from .load import LoadedScenario, default_scenario_path, load_scenario, parse_scenario
from .overrides import apply_overrides, parse_set
from .problems import Problem, ScenarioError
from .schema import OUTCOMES, Scenario

__all__ = [
    "LoadedScenario",
    "Problem",
    "ScenarioError",
    "Scenario",
    "OUTCOMES",
    "load_scenario",
    "parse_scenario",
    "parse_set",
    "apply_overrides",
    "default_scenario_path",
]
