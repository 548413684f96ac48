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
                raise ValueError(f"--set {text!r}: {'.'.join(keys[: i + 1])} is a value, not a table")
            node = nxt
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
