"""The scenario file format as a JSON Schema, for editors that check TOML as it is typed
(taplo, Even Better TOML): ``collectsim schema --out collectsim.schema.json``.

Generated from the pydantic models, so it has every key, type, bound, default and description of
``docs/scenario-reference.md``; unknown keys are refused (``additionalProperties: false``).
Cross-field rules (probabilities summing to 1, breaks inside the shift, ...) are beyond a JSON
Schema: ``collectsim validate`` checks them.
"""

from __future__ import annotations

import json
from typing import Any

from .schema import Scenario

__all__ = ["scenario_json_schema", "scenario_json_schema_text", "SCHEMA_DIALECT"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _number_or_table(node: Any) -> Any:
    """A distribution key takes a bare number (a constant) or a table with ``dist``: the models'
    schema knows only the tables, so each distribution union gains the number."""
    if isinstance(node, list):
        return [_number_or_table(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {k: _number_or_table(v) for k, v in node.items()}
    if node.get("discriminator", {}).get("propertyName") == "dist":
        union = {k: node.pop(k) for k in ("oneOf", "discriminator")}
        node["anyOf"] = [{"type": "number"}, union]
    return node


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    schema = _number_or_table(Scenario.model_json_schema(by_alias=True))
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "collectsim scenario",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def scenario_json_schema_text() -> str:
    """:func:`scenario_json_schema` as JSON text (stable key order, a newline at the end)."""
    return json.dumps(scenario_json_schema(), indent=1, ensure_ascii=False) + "\n"
