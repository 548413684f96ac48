"""What is wrong with a scenario, in the user's words: :class:`Problem` (where, what was there,
what was expected) and :class:`ScenarioError`, which lists them.

pydantic's validation errors are rewritten here (:func:`problems_from`): key paths as the user
wrote them, "did you mean" hints for unknown keys, expected types in plain words. Numbers TOML
allows and scenarios do not (nan, inf, beyond ±1e12) are found by :func:`non_finite`.
"""

from __future__ import annotations

import datetime
import difflib
import json
import math
import re
from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .distributions import DIST_NAMES
from .introspect import dist_classes, optional_inner, type_words, unwrap
from .schema import Scenario

__all__ = ["Problem", "ScenarioError", "problems_from", "non_finite", "path_under", "MAX_ABS"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what was there, and what was expected."""

    path: str
    message: str
    value: Any = None
    has_value: bool = False
    origin: str = ""
    """Where the value came from when not from the file: ``--set PATH=VALUE``."""

    def render(self, source: str) -> str:
        if self.origin:
            where = f"{self.origin}: {self.path}" if self.path else self.origin
        else:
            where = f"{source}: {self.path}" if self.path else source
        if self.has_value:
            return f"{where} = {_show(self.value)}: {self.message}"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """Bad scenario input. ``str()`` lists every problem, one per line, naming the file (or the
    ``--set`` argument that put the bad value there)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))


def _show(v: Any) -> str:
    if isinstance(v, (datetime.date, datetime.time)):
        return f"{v.isoformat()} (a TOML date/time, not text)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return repr(v) if len(v) <= 60 else repr(v[:57] + "...")
    if isinstance(v, (dict, list)):
        text = json.dumps(v, default=str)
        return text if len(text) <= 60 else text[:57] + "..."
    return repr(v)


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


def _field(model: type[BaseModel] | None, key: Any) -> Any:
    """The FieldInfo of ``key`` (a name or an alias) in ``model``, or None."""
    if model is None or not isinstance(key, str):
        return None
    for n, f in model.model_fields.items():
        if key in (n, f.alias):
            return f
    return None


def _resolve(tp: Any) -> Any:
    tp, _ = unwrap(tp)
    inner = optional_inner(tp)
    return unwrap(inner)[0] if inner is not None else tp


def _step(tp: Any, item: Any) -> Any:
    """The type found one key below ``tp`` (None when the path leaves the schema)."""
    tp = _resolve(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        f = _field(tp, item)
        return None if f is None else f.annotation
    if get_origin(tp) is dict:
        return get_args(tp)[1]
    if get_origin(tp) is list and isinstance(item, int):
        return get_args(tp)[0]
    for cls in dist_classes(tp):
        tag = cls.model_fields["dist"].annotation
        if item in get_args(tag):
            return cls
    return None


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model that owns the last key of ``loc`` (for 'did you mean' hints)."""
    tp: Any = Scenario
    for item in loc[:-1]:
        if isinstance(item, str) and item.startswith("function-"):
            continue
        tp = _step(tp, item)
        if tp is None:
            return None
    tp = _resolve(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _num(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _expected(typ: str, ctx: dict, msg: str) -> str:
    """What was expected, in plain words, for one pydantic error type."""
    words = {
        "int_type": "expected a whole number (no quotes, no decimal point)",
        "int_from_float": "expected a whole number (no decimal point)",
        "int_parsing": "expected a whole number",
        "float_type": "expected a number (no quotes)",
        "float_parsing": "expected a number",
        "string_type": "expected text in double quotes",
        "bool_type": "expected true or false",
        "list_type": "expected a list [..., ...]",
        "model_type": "expected a table",
        "dict_type": "expected a table",
        "model_attributes_type": "expected a table",
    }
    if typ in words:
        return words[typ]
    bounds = {
        "greater_than_equal": ("ge", ">="),
        "greater_than": ("gt", ">"),
        "less_than_equal": ("le", "<="),
        "less_than": ("lt", "<"),
    }
    if typ in bounds:
        key, op = bounds[typ]
        return f"expected a number {op} {_num(ctx.get(key))}"
    if typ in ("too_short", "too_long"):
        n = ctx.get("min_length" if typ == "too_short" else "max_length")
        many = "at least" if typ == "too_short" else "at most"
        return f"expected {many} {n} entr{'y' if n == 1 else 'ies'}, got {ctx.get('actual_length')}"
    if typ in ("string_too_short", "string_too_long"):
        n = ctx.get("min_length" if typ == "string_too_short" else "max_length")
        many = "at least" if typ == "string_too_short" else "at most"
        return f"expected text of {many} {n} character{'' if n == 1 else 's'}"
    if typ == "literal_error":
        return f"expected one of {ctx.get('expected')}"
    if msg.startswith("Input should"):
        return "expected: " + msg[0].lower() + msg[1:]
    return msg


def _key_in_message(model: type[BaseModel] | None, msg: str) -> tuple[str | None, str]:
    """For a rule on a whole table, the key it is about: ``"key: message"`` or a message naming
    one of the table's keys. Returns (key or None, message without a ``key:`` prefix)."""
    keys = _allowed_keys(model)
    head, sep, rest = msg.partition(": ")
    first = re.split(r"[.\[]", head, maxsplit=1)[0]
    if sep and first in keys and " " not in head:
        return head, rest
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", msg)
    if words and msg.startswith(words[0]) and words[0] in keys:
        key = words[0]
        m = re.match(re.escape(key) + r" = [^:]*: (.*)$", msg, re.S)
        return key, (m.group(1) if m else msg)
    return None, msg


def _get(raw: Any, path: str) -> tuple[bool, Any]:
    node = raw
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            i = int(part[1:-1])
            if not isinstance(node, list) or i >= len(node):
                return False, None
            node = node[i]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


def _is_dist_at(loc: tuple) -> bool:
    f = _field(_model_at(loc), loc[-1]) if loc else None
    return f is not None and bool(dist_classes(f.annotation))


def problems_from(err: ValidationError) -> list[Problem]:
    out: list[Problem] = []
    for e in err.errors(include_url=False):
        loc, typ, msg = e["loc"], e["type"], e["msg"]
        ctx = e.get("ctx") or {}
        path = _fmt_loc(loc)
        if typ == "value_error" and not loc:
            # Cross-section rules: each line opens with its own key path.
            for line in str(ctx.get("error", msg)).splitlines():
                p, _, m = line.partition(": ")
                out.append(Problem(p, m))
            continue
        msg = msg.removeprefix("Value error, ")
        if typ == "extra_forbidden":
            allowed = _allowed_keys(_model_at(loc))
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            expected = f" expected one of: {', '.join(allowed)}" if allowed else ""
            out.append(
                Problem(path, f"unknown key{hint}{';' if expected else ''}{expected}", e["input"], True)
            )
        elif typ == "missing":
            f = _field(_model_at(loc), loc[-1])
            if f is None:
                out.append(Problem(path, "missing required key"))
            else:
                what = type_words(f.annotation, f.metadata)
                desc = f" ({f.description})" if f.description else ""
                out.append(Problem(path, f"missing required key; expected {what}{desc}"))
        elif typ == "union_tag_invalid" or typ == "union_tag_not_found":
            tag = ctx.get("tag")
            close = difflib.get_close_matches(str(tag), DIST_NAMES, n=1) if tag is not None else []
            hint = f"did you mean dist = {close[0]!r}? " if close else ""
            out.append(
                Problem(
                    path,
                    f"{hint}expected a number or a table with dist = one of {list(DIST_NAMES)}",
                    e["input"],
                    True,
                )
            )
        elif typ == "value_error" and isinstance(e["input"], dict):
            # A rule on a whole table: point at the key it is about rather than print the table.
            key, rest = _key_in_message(_model_at(loc + ("?",)), msg)
            if key is None:
                out.append(Problem(path, msg))
            else:
                found, value = _get(e["input"], key)
                out.append(Problem(f"{path}.{key}".lstrip(".").replace(".[", "["), rest, value, found))
        elif typ in ("model_type", "dict_type", "model_attributes_type") and _is_dist_at(loc):
            out.append(
                Problem(
                    path,
                    f"expected a number or a table with dist = one of {list(DIST_NAMES)}",
                    e["input"],
                    True,
                )
            )
        else:
            out.append(Problem(path, _expected(typ, ctx, msg), e["input"], True))
    return out


MAX_ABS = 1e12
"""Largest magnitude of any number in a scenario. Nothing in a scenario comes near it (accounts
are capped at 5e7); far larger values are mistakes and overflow the arithmetic of samplers."""


def non_finite(node: Any, path: str = "") -> list[Problem]:
    """Problems for every nan, inf or absurdly large number in a parsed document (TOML allows
    nan, inf and 64-bit whole numbers; scenarios do not)."""
    out: list[Problem] = []
    if isinstance(node, float) and not math.isfinite(node):
        out.append(Problem(path, "expected a finite number (nan and inf are not allowed)", node, True))
    elif isinstance(node, (int, float)) and not isinstance(node, bool) and abs(node) > MAX_ABS:
        out.append(Problem(path, f"expected a number between -{MAX_ABS:g} and {MAX_ABS:g}", node, True))
    elif isinstance(node, dict):
        for k, v in node.items():
            out += non_finite(v, f"{path}.{k}".lstrip("."))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += non_finite(v, f"{path}[{i}]")
    return out


def path_under(path: str, roots: set[str]) -> bool:
    """Whether ``path`` is one of ``roots`` or a key path inside one of them."""
    return any(path == r or path.startswith(r + ".") or path.startswith(r + "[") for r in roots)
