"""TOML file -> Scenario: read the file, apply the ``--set`` overrides, validate.

Scenario files are parsed as data only (``tomllib``); nothing in them is evaluated. What can be
wrong is said by :mod:`.problems` and the overrides are :mod:`.overrides`; their ``ScenarioError``,
``Problem``, ``parse_set`` and ``apply_overrides`` are importable from here too.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .overrides import apply_overrides, blame_override, parse_set
from .problems import Problem, ScenarioError, non_finite, path_under, problems_from
from .schema import Scenario

__all__ = [
    "ScenarioError",
    "Problem",
    "LoadedScenario",
    "load_scenario",
    "parse_scenario",
    "apply_overrides",
    "parse_set",
    "DEFAULT_SCENARIO",
    "default_scenario_path",
]

DEFAULT_SCENARIO = "table_14_1.toml"
MAX_SCENARIO_BYTES = 5 * 2**20
"""Scenario files are refused above 5 MB before they are parsed: real ones are a few KB, and a
mistyped path (a data file, a device) would otherwise be parsed for minutes."""


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with its provenance."""

    scenario: Scenario
    source: str
    file_sha256: str
    overrides: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """Hash of the resolved scenario (file plus overrides), independent of formatting."""
        return scenario_sha256(self.raw)


def scenario_sha256(raw: Mapping[str, Any]) -> str:
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def default_scenario_path() -> Path:
    """The bundled default scenario (Table 14-1), shipped inside the package."""
    return Path(str(resources.files("simulator") / "data" / DEFAULT_SCENARIO))


def parse_scenario(raw: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a parsed TOML document; raise ScenarioError listing every problem."""
    bad = non_finite(raw)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        roots = {p.path for p in bad}
        raise ScenarioError(
            source, bad + [p for p in problems_from(err) if not path_under(p.path, roots)]
        ) from None
    except RecursionError:
        raise ScenarioError(source, [Problem("", "nested too deeply; expected a scenario file")]) from None
    if bad:
        raise ScenarioError(source, bad)
    return scenario


def load_scenario(path: str | Path | None = None, overrides: Iterable[str] = ()) -> LoadedScenario:
    """Read, override and validate a scenario file. ``None`` loads the bundled default."""
    p = default_scenario_path() if path is None else Path(path)
    source = str(path) if path is not None else f"<bundled {DEFAULT_SCENARIO}>"
    try:
        with open(p, "rb") as f:
            data = f.read(MAX_SCENARIO_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(
            source,
            [Problem("", "file not found; expected a TOML scenario file (see scenarios/ for examples)")],
        ) from None
    except IsADirectoryError:
        raise ScenarioError(source, [Problem("", "is a folder; expected a TOML scenario file")]) from None
    except OSError as e:
        raise ScenarioError(source, [Problem("", f"cannot read: {e.strerror}")]) from None
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            source,
            [
                Problem(
                    "",
                    f"larger than {MAX_SCENARIO_BYTES // 2**20} MB, the largest scenario "
                    "file collectsim reads; expected a TOML scenario file (the "
                    "bundled ones are under 10 KB)",
                )
            ],
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(
            source,
            [
                Problem(
                    "", f"not UTF-8 text (bad byte at offset {e.start}); expected a TOML file saved as UTF-8"
                )
            ],
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(source, [Problem("", f"not valid TOML: {e}")]) from None
    except RecursionError:
        raise ScenarioError(source, [Problem("", "not valid TOML: nested too deeply")]) from None
    overrides = tuple(overrides)
    try:
        resolved = apply_overrides(raw, overrides)
    except RecursionError:
        raise ScenarioError(source, [Problem("", "nested too deeply; expected a scenario file")]) from None
    except ValueError as e:
        raise ScenarioError(source, [Problem("", str(e))]) from None
    try:
        scenario = parse_scenario(resolved, source)
    except ScenarioError as e:
        raise ScenarioError(source, [blame_override(p, overrides) for p in e.problems]) from None
    return LoadedScenario(scenario, source, hashlib.sha256(data).hexdigest(), overrides, resolved)
