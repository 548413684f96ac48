"""Every table of a scenario file, walked from the schema: its key path, the model's docstring
and one row per key (the key, its type in plain words, its default, its description).

The pydantic models are walked generically (nested models, ``dict[str, Model]``,
``list[Model]``, optional fields, literals and distributions), so a new field or section shows up
without editing this module. :mod:`.reference` renders the tables as Markdown.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from . import distributions
from .distributions import _DistBase
from .introspect import dist_classes, fmt_num, is_model, optional_inner, type_words, unwrap
from .schema import Scenario

__all__ = [
    "Row",
    "Section",
    "sections",
    "field_rows",
    "walk_models",
    "missing_descriptions",
    "default_words",
    "anchor",
]


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return fmt_num(v) if math.isfinite(v) else str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, BaseModel):
        return _toml(v.model_dump(by_alias=True))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    return str(v)


def default_words(f: FieldInfo) -> str:
    if f.is_required():
        return "required"
    v = f.default_factory() if f.default_factory is not None else f.default  # type: ignore[call-arg]
    if v is None:
        return "none (omit the key)"
    if isinstance(v, distributions.Constant):
        return _toml(v.value)
    if isinstance(v, BaseModel):
        if isinstance(v, _DistBase):
            return _toml(v.model_dump(by_alias=True))
        return "all defaults"
    if isinstance(v, list) and len(v) > 7 and all(x == v[0] for x in v):
        return f"{len(v)} × `{_toml(v[0])}`"
    if isinstance(v, list) and not v:
        return "`[]` (none)"
    if isinstance(v, dict) and not v:
        return "`{}` (none)"
    return f"`{_toml(v)}`"


@dataclass
class Row:
    key: str
    type: str
    default: str
    description: str


@dataclass
class Section:
    path: str
    model: type[BaseModel]
    note: str
    rows: list[Row]


def _key(name: str, f: FieldInfo) -> str:
    return f.alias or name


def _child(tp: Any) -> tuple[str, type[BaseModel]] | None:
    """(container, model) when a field holds a model: '' plain, '.<name>' dict, '[]' list."""
    tp, _ = unwrap(tp)
    inner = optional_inner(tp)
    if inner is not None:
        tp = unwrap(inner)[0]
    if is_model(tp):
        return "", tp
    if get_origin(tp) is dict:
        item = unwrap(get_args(tp)[1])[0]
        if is_model(item):
            return ".<name>", item
    if get_origin(tp) is list:
        item = unwrap(get_args(tp)[0])[0]
        if is_model(item):
            return "[]", item
    return None


def sections(model: type[BaseModel] = Scenario, path: str = "") -> Iterator[Section]:
    """Every table of a scenario file, depth first, with its rows.

    Sibling fields holding the same model the same way (the six outcomes) share one section,
    named after the model (``segments.<name>.outcomes.<outcome>``).
    """
    rows: list[Row] = []
    children: list[tuple[str, type[BaseModel], list[str]]] = []
    groups: dict[tuple[str, type[BaseModel]], list[str]] = {}
    for name, f in model.model_fields.items():
        ch = _child(f.annotation)
        if ch is not None:
            groups.setdefault(ch, []).append(_key(name, f))
    child_path: dict[str, str] = {}
    for (container, sub), keys in groups.items():
        if len(keys) == 1:
            p = f"{path}.{keys[0]}{container}".lstrip(".")
        else:
            p = f"{path}.<{sub.__name__.lower()}>{container}".lstrip(".")
        for k in keys:
            child_path[k] = p
        children.append((p, sub, keys))
    for name, f in model.model_fields.items():
        key = _key(name, f)
        words = type_words(f.annotation, f.metadata)
        if key in child_path:
            words += f" (see [`{child_path[key]}`](#{anchor(child_path[key])}))"
        rows.append(Row(key, words, default_words(f), (f.description or "").strip()))
    note = inspect.cleandoc(model.__doc__ or "")
    yield Section(path or "(top level)", model, note, rows)
    for p, sub, keys in children:
        sec = list(sections(sub, p))
        if len(keys) > 1:
            sec[0].note = (
                f"Keys {', '.join(f'`{k}`' for k in keys)} of `{path}` each hold such a table. " + sec[0].note
            ).strip()
        yield from sec


def walk_models(model: type[BaseModel] = Scenario) -> list[type[BaseModel]]:
    """Every model class reachable from ``model``, including the distribution classes."""
    seen: list[type[BaseModel]] = []

    def visit(m: type[BaseModel]) -> None:
        if m in seen:
            return
        seen.append(m)
        for f in m.model_fields.values():
            ch = _child(f.annotation)
            if ch is not None:
                visit(ch[1])
            for d in _dists_in(f.annotation):
                visit(d)

    visit(model)
    return seen


def _dists_in(tp: Any) -> list[type[_DistBase]]:
    tp, _ = unwrap(tp)
    inner = optional_inner(tp)
    if inner is not None:
        tp = unwrap(inner)[0]
    if get_origin(tp) in (list, dict):
        return _dists_in(get_args(tp)[-1])
    return dist_classes(tp)


def missing_descriptions(model: type[BaseModel] = Scenario) -> list[str]:
    """``Model.field`` for every field of every reachable model that has no description."""
    out = []
    for m in walk_models(model):
        for name, f in m.model_fields.items():
            if issubclass(m, _DistBase) and name == "dist":
                continue  # the tag; documented by the distribution's own docstring
            if not (f.description or "").strip():
                out.append(f"{m.__name__}.{name}")
    return out


def field_rows(model: type[BaseModel]) -> list[Row]:
    return next(sections(model)).rows


def anchor(path: str) -> str:
    """GitHub-style heading anchor of a section heading."""
    text = path.lower()
    keep = "".join(c for c in text if c.isalnum() or c in " -_")
    return keep.replace(" ", "-")
