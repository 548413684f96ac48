"""TOML file -> Scenario, with strict keys, ``--set`` overrides and readable errors.

Scenario files are parsed as data only (``tomllib``); nothing in them is evaluated.
"""
from __future__ import annotations

import copy
import difflib
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ValidationError

from .distributions import DIST_NAMES
from .schema import Scenario

__all__ = ["ScenarioError", "Problem", "LoadedScenario", "load_scenario", "parse_scenario",
           "apply_overrides", "parse_set", "DEFAULT_SCENARIO", "default_scenario_path"]

DEFAULT_SCENARIO = "table_14_1.toml"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what was there, and what was expected."""
    path: str
    message: str
    value: Any = None
    has_value: bool = False

    def render(self, source: str) -> str:
        where = f"{source}: {self.path}" if self.path else source
        if self.has_value:
            return f"{where} = {_show(self.value)}: {self.message}"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """Bad scenario input. ``str()`` lists every problem, one per line, naming the file."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))


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


def _show(v: Any) -> str:
    if isinstance(v, str):
        return repr(v) if len(v) <= 60 else repr(v[:57] + "...")
    if isinstance(v, (dict, list)):
        text = json.dumps(v, default=str)
        return text if len(text) <= 60 else text[:57] + "..."
    return repr(v)


def default_scenario_path() -> Path:
    """The bundled default scenario (Table 14-1), shipped inside the package."""
    return Path(str(resources.files("simulator") / "data" / DEFAULT_SCENARIO))


def parse_set(text: str) -> tuple[list[str], Any]:
    """``"a.b.c=VALUE"`` -> (["a", "b", "c"], value). The value is parsed as a TOML value; a bare
    word that is not valid TOML (``predictive``) is taken as a string."""
    if "=" not in text:
        raise ValueError(f"--set {text!r}: expected PATH=VALUE, for example dialer.mode=progressive")
    path, _, value = text.partition("=")
    keys = [k.strip() for k in path.strip().split(".")]
    if not path.strip() or any(not k for k in keys):
        raise ValueError(f"--set {text!r}: the key path {path!r} is empty or has an empty part")
    value = value.strip()
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return keys, parsed


def apply_overrides(raw: dict, overrides: Iterable[str]) -> dict:
    """A deep copy of ``raw`` with each ``PATH=VALUE`` applied. Unknown keys are left for the
    schema to reject with its own message, so a typo in --set reads like a typo in the file."""
    out = copy.deepcopy(raw)
    for text in overrides:
        keys, value = parse_set(text)
        node = out
        for i, k in enumerate(keys[:-1]):
            nxt = node.get(k)
            if nxt is None:
                nxt = node[k] = {}
            if not isinstance(nxt, dict):
                raise ValueError(f"--set {text!r}: {'.'.join(keys[:i + 1])} is a value, not a table")
            node = nxt
        node[keys[-1]] = value
    return out


def _fmt_loc(loc: tuple) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        # pydantic puts the tag of a tagged union in the path (payment_usd.lognormal.sd); the
        # user wrote payment_usd.sd, so drop it. Also drop function-validator markers.
        if isinstance(item, str) and (item in DIST_NAMES and i > 0 or item.startswith("function-")):
            continue
        parts.append(f"[{item}]" if isinstance(item, int) else str(item))
    return ".".join(parts).replace(".[", "[")


def _allowed_keys(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model that owns the last key of ``loc`` (for 'did you mean' hints)."""
    from typing import get_args, get_origin
    from . import schema

    model: Any = Scenario
    for item in loc[:-1]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            f = model.model_fields.get(item)
            if f is None:
                return None
            model = f.annotation
        elif get_origin(model) is dict:
            model = get_args(model)[1]
        else:
            return None
        args = [a for a in get_args(model) if a is not type(None)]
        if get_origin(model) is not dict and args and isinstance(args[0], type):
            model = args[0]
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _problems_from(err: ValidationError) -> list[Problem]:
    out: list[Problem] = []
    for e in err.errors(include_url=False):
        loc, typ, msg = e["loc"], e["type"], e["msg"]
        path = _fmt_loc(loc)
        if typ == "value_error" and not loc:
            # Cross-section rules: each line opens with its own key path.
            for line in str(e.get("ctx", {}).get("error", msg)).splitlines():
                p, _, m = line.partition(": ")
                out.append(Problem(p, m))
            continue
        msg = msg.removeprefix("Value error, ")
        if typ == "extra_forbidden":
            allowed = _allowed_keys(_model_at(loc))
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            expected = f" expected one of: {', '.join(allowed)}" if allowed else ""
            out.append(Problem(path, f"unknown key{hint}{';' if expected else ''}{expected}",
                               e["input"], True))
        elif typ == "missing":
            out.append(Problem(path, "missing required key"))
        elif typ == "union_tag_invalid" or typ == "union_tag_not_found":
            out.append(Problem(path, f"expected a number or a table with dist = one of {list(DIST_NAMES)}",
                               e["input"], True))
        elif typ == "model_type" or typ == "dict_type":
            out.append(Problem(path, "expected a table", e["input"], True))
        else:
            out.append(Problem(path, f"expected: {msg[0].lower() + msg[1:]}" if msg.startswith("Input should")
                               else msg, e["input"], True))
    return out


def parse_scenario(raw: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a parsed TOML document; raise ScenarioError listing every problem."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(source, _problems_from(err)) from None


def load_scenario(path: str | Path | None = None, overrides: Iterable[str] = ()) -> LoadedScenario:
    """Read, override and validate a scenario file. ``None`` loads the bundled default."""
    p = default_scenario_path() if path is None else Path(path)
    source = str(path) if path is not None else f"<bundled {DEFAULT_SCENARIO}>"
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(source, [Problem("", "file not found; expected a TOML scenario file "
                                             "(see scenarios/ for examples)")]) from None
    except IsADirectoryError:
        raise ScenarioError(source, [Problem("", "is a folder; expected a TOML scenario file")]) from None
    except OSError as e:
        raise ScenarioError(source, [Problem("", f"cannot read: {e.strerror}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(source, [Problem("", f"not UTF-8 text (bad byte at offset {e.start}); "
                                             "expected a TOML file saved as UTF-8")]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(source, [Problem("", f"not valid TOML: {e}")]) from None
    overrides = tuple(overrides)
    try:
        resolved = apply_overrides(raw, overrides)
    except ValueError as e:
        raise ScenarioError(source, [Problem("", str(e))]) from None
    scenario = parse_scenario(resolved, source)
    return LoadedScenario(scenario, source, hashlib.sha256(data).hexdigest(), overrides, resolved)
