"""Scenario types in plain words: what an annotation of the schema accepts, for messages and docs.

``type_words`` turns a pydantic field annotation into ``number >= 0``, ``probability 0-1`` or
``list of tables``; :mod:`.problems` uses it in "missing required key; expected ..." messages
and :mod:`.tables` in the rows of the scenario reference.
"""

from __future__ import annotations

import functools
import operator
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from . import distributions
from .distributions import _DistBase

__all__ = ["type_words", "dist_classes", "unwrap", "optional_inner", "is_model", "fmt_num"]


def unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` layers, returning the bare type and the collected metadata."""
    meta: list[Any] = []
    while get_origin(tp) is typing.Annotated:
        args = get_args(tp)
        tp, meta = args[0], meta + list(args[1:])
    return tp, meta


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def optional_inner(tp: Any) -> Any | None:
    """``X | None`` -> X; anything else -> None."""
    if _is_union(tp):
        args = get_args(tp)
        if type(None) in args:
            rest = [a for a in args if a is not type(None)]
            return functools.reduce(operator.or_, rest)
    return None


def dist_classes(tp: Any = None) -> list[type[_DistBase]]:
    """The distribution classes of a ``Dist`` annotation (default: of ``distributions.Dist``)."""
    tp, _ = unwrap(distributions.Dist if tp is None else tp)
    if _is_union(tp):
        members = [unwrap(a)[0] for a in get_args(tp)]
        if members and all(isinstance(m, type) and issubclass(m, _DistBase) for m in members):
            return members
    return []


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel) and not issubclass(tp, _DistBase)


def fmt_num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _constraints(meta: list[Any]) -> list[str]:
    out: list[str] = []
    for m in meta:
        if isinstance(m, at.Ge):
            out.append(f">= {fmt_num(m.ge)}")
        elif isinstance(m, at.Gt):
            out.append(f"> {fmt_num(m.gt)}")
        elif isinstance(m, at.Le):
            out.append(f"<= {fmt_num(m.le)}")
        elif isinstance(m, at.Lt):
            out.append(f"< {fmt_num(m.lt)}")
        elif isinstance(m, at.MinLen) and any(
            isinstance(x, at.MaxLen) and x.max_length == m.min_length for x in meta
        ):
            out.append(f"exactly {m.min_length} entr{'y' if m.min_length == 1 else 'ies'}")
        elif isinstance(m, at.MaxLen) and any(
            isinstance(x, at.MinLen) and x.min_length == m.max_length for x in meta
        ):
            continue
        elif isinstance(m, at.MinLen) and m.min_length:
            out.append(f"at least {m.min_length} entr{'y' if m.min_length == 1 else 'ies'}")
        elif isinstance(m, at.MaxLen):
            out.append(f"at most {m.max_length} entr{'y' if m.max_length == 1 else 'ies'}")
        elif hasattr(m, "metadata") and isinstance(m.metadata, list):  # FieldInfo
            out.extend(_constraints(m.metadata))
    return out


def _validator_names(meta: list[Any]) -> set[str]:
    names = set()
    for m in meta:
        func = getattr(m, "func", None)
        if func is not None:
            names.add(getattr(func, "__name__", ""))
        if isinstance(m, FieldInfo):
            names |= _validator_names(m.metadata)
    return names


def _section_name(model: type[BaseModel]) -> str:
    return model.__name__


def type_words(tp: Any, meta: list[Any] | None = None, plural: bool = False) -> str:
    """A type annotation in plain words: ``number >= 0``, ``probability 0-1``, ``list of ...``."""
    tp, more = unwrap(tp)
    meta = list(meta or []) + more
    cons = _constraints(meta)
    vals = _validator_names(meta)
    inner = optional_inner(tp)
    if inner is not None:
        return type_words(inner, meta, plural)
    if dist_classes(tp):
        return "distributions" if plural else "distribution (number or table)"
    if get_origin(tp) is Literal:
        return "one of " + " | ".join(f'"{a}"' if isinstance(a, str) else repr(a) for a in get_args(tp))
    if get_origin(tp) is list:
        (item,) = get_args(tp) or (Any,)
        words = f"list of {type_words(item, plural=True)}"
        return f"{words} ({', '.join(cons)})" if cons else words
    if get_origin(tp) is dict:
        key, item = get_args(tp) or (str, Any)
        key = unwrap(key)[0]
        if get_origin(key) is Literal:
            words = f"table of {type_words(item, plural=True)} by key ({type_words(key)})"
        else:
            words = f"table of named {type_words(item, plural=True)}"
        return f"{words} ({', '.join(cons)})" if cons else words
    if is_model(tp):
        return "tables" if plural else "table"
    if tp is bool:
        return "true or false"
    if tp is int:
        base = "whole numbers" if plural else "whole number"
    elif tp is float:
        if "_probability" in vals or set(cons) == {">= 0", "<= 1"}:
            return "probabilities 0-1" if plural else "probability 0-1"
        base = "numbers" if plural else "number"
    elif tp is str:
        if "_clock" in vals:
            return 'clock times "HH:MM"' if plural else 'clock time "HH:MM"'
        base = "texts" if plural else "text"
        cons = [c.replace("entries", "characters").replace("entry", "character") for c in cons]
        return f"{base} ({', '.join(cons)})" if cons else base
    elif _is_union(tp):
        return " or ".join(type_words(a) for a in get_args(tp))
    else:
        base = getattr(tp, "__name__", str(tp))
    return f"{base} {', '.join(cons)}" if cons else base
