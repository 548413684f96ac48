"""``--set PATH=VALUE``: parsing an override, applying overrides to a parsed scenario file, and
blaming a problem on the override that put the bad value there."""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from collections.abc import Iterable
from typing import Any

from .problems import Problem, path_under

__all__ = ["parse_set", "apply_overrides", "blame_override"]


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


def _item(text: str, node: list, keys: list[str], i: int) -> int:
    """The position in list ``node`` that key ``keys[i]`` names (a whole number from 0)."""
    k, where = keys[i], ".".join(keys[:i]) or "the scenario"
    if not k.isdigit() or int(k) >= len(node):
        raise ValueError(
            f"--set {text!r}: {where} is a list of {len(node)} item(s); expected an item number "
            f"from 0 to {len(node) - 1}, got {k!r}"
            if node
            else f"--set {text!r}: {where} is an empty list; give the whole list instead"
        )
    return int(k)


def apply_overrides(raw: dict, overrides: Iterable[str]) -> dict:
    """A deep copy of ``raw`` with each ``PATH=VALUE`` applied. A key path goes into tables by
    name and into lists (an array of tables such as ``strategy.rules``) by item number from 0:
    ``strategy.rules.0.hold_days=5``. Unknown keys are left for the schema to reject with its own
    message, so a typo in --set reads like a typo in the file."""
    out = copy.deepcopy(raw)
    for text in overrides:
        keys, value = parse_set(text)
        node: Any = out
        for i, k in enumerate(keys[:-1]):
            if isinstance(node, list):
                nxt = node[_item(text, node, keys, i)]
            else:
                nxt = node.get(k)
                if nxt is None and keys[i + 1].isdigit():
                    raise ValueError(
                        f"--set {text!r}: {'.'.join(keys[: i + 1])} is not in the scenario, so it has no "
                        f"item {keys[i + 1]}; give the whole list, e.g. "
                        f"--set '{'.'.join(keys[: i + 1])}=[{{...}}]'"
                    )
                if nxt is None:
                    nxt = node[k] = {}
            if not isinstance(nxt, dict | list):
                raise ValueError(f"--set {text!r}: {'.'.join(keys[: i + 1])} is a value, not a table")
            node = nxt
        if isinstance(node, list):
            node[_item(text, node, keys, len(keys) - 1)] = value
        else:
            node[keys[-1]] = value
    return out


def blame_override(problem: Problem, overrides: tuple[str, ...]) -> Problem:
    """The problem, attributed to the last ``--set`` whose key path holds the problem's key (the
    value came from the command line, not the file)."""
    for text in reversed(overrides):
        keys, _ = parse_set(text)
        path = ".".join(keys)
        if problem.path and path_under(problem.path, {path}):
            return dataclasses.replace(problem, origin=f"--set {text.strip()}")
    return problem
