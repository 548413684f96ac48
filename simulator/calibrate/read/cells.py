"""One chunk of one column of a CSV file, from text to a numpy array, every value checked.

A value that breaks its column's rule goes to the :class:`.screen.Screen`: an error naming the
row, or (lenient) an excluded row whose value is read as empty.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from .formats import NAME_RE, Column, FileSpec
from .screen import Screen

__all__ = ["convert", "expectation", "UNUSABLE_TEXT"]

UNUSABLE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f\udc80-\udcff]")
"""Control characters (NUL included) and bytes that were not UTF-8 (read as lone surrogates):
never part of an id."""


def _parses(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def _dt_ok(v: str, unit: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return not np.isnat(np.datetime64(v, unit))
    except (ValueError, UserWarning, DeprecationWarning):
        return False


def _mask(values, pred) -> np.ndarray:
    return np.fromiter(map(pred, values), dtype=bool, count=len(values))


def expectation(col: Column) -> str:
    """What a value of ``col`` should look like, for messages."""
    if col.kind in ("float", "int") and col.limit is not None:
        lo = 0 if col.nonneg else -col.limit
        return f"a {'number' if col.kind == 'float' else 'whole number'} from {lo:g} to {col.limit:g}"
    return {
        "datetime": "an ISO 8601 date and time without a time zone, e.g. 2024-01-01T09:30:05",
        "date": "a date YYYY-MM-DD, e.g. 2024-01-01",
        "float": "a number >= 0" if col.nonneg else "a number",
        "int": "a whole number >= 0" if col.nonneg else "a whole number",
        "code": "a non-empty name or id",
        "enum": "one of " + ", ".join(col.choices),
        "flag": "0 or 1",
    }[col.kind]


class _Column:
    """The values of one chunk of a column while they are checked: ``vals`` (a bad value,
    once excluded, reads as empty) and ``drop`` (the rows excluded)."""

    def __init__(
        self, spec: FileSpec, col: Column, values: tuple[str, ...], rows: np.ndarray, screen: Screen
    ):
        self.spec, self.col, self.values, self.screen = spec, col, values, screen
        self.vals: tuple[str, ...] | list[str] = values
        self.rows = rows
        self.drop = np.zeros(len(values), dtype=bool)

    def reject(self, bad: np.ndarray, reason: str, detail) -> None:
        bad = self.screen.reject(self.spec.name, self.rows, bad & ~self.drop, self.col.name, reason, detail)
        if bad.any():
            self.drop |= bad
            vals = list(self.vals)
            for i in np.flatnonzero(bad).tolist():
                vals[i] = ""
            self.vals = vals

    def blank(self) -> np.ndarray:
        if "" not in self.vals:  # a C-speed scan; the mask is built only when needed
            return np.zeros(len(self.vals), dtype=bool)
        return _mask(self.vals, lambda v: v == "")


def convert(
    spec: FileSpec, col: Column, values: tuple[str, ...], rows: np.ndarray, codes, screen: Screen
) -> tuple[np.ndarray, np.ndarray]:
    """One chunk of one column (``rows``: the file row of each value): the array (int64 codes,
    floats, datetime64) and the rows the screen excluded."""
    c = _Column(spec, col, values, rows, screen)
    expect = expectation(col)
    if not col.blank_ok and "" in values:
        c.reject(c.blank(), "empty value", lambda i: f"empty value; expected {expect}")
    if col.kind == "code":
        out = _codes(c, codes)
    elif col.kind in ("enum", "flag"):
        out = _enum(c)
    elif col.kind in ("float", "int"):
        out = _numbers(c, expect)
    else:
        out = _dates(c, expect)
    return out, c.drop


def _codes(c: _Column, codes) -> np.ndarray:
    col, values = c.col, c.values
    uniq = set(c.vals)
    unusable = {v for v in uniq if UNUSABLE_TEXT.search(v)}
    if unusable:
        c.reject(
            _mask(c.vals, unusable.__contains__),
            "control character or bytes that are not UTF-8 in an id",
            lambda i: (
                f"{values[i]!r} holds a control character or bytes that are not UTF-8; "
                "expected printable text"
            ),
        )
    if col.codes in ("segment", "team"):
        bad = {v for v in uniq - unusable if v and not NAME_RE.match(v)}
        if bad:
            c.reject(
                _mask(c.vals, bad.__contains__),
                f"unusable {col.codes} name",
                lambda i: (
                    f"{values[i]!r} cannot be a {col.codes} name; expected a name that starts with a "
                    "letter and holds only letters, digits, '_' and '-' (at most 64 characters)"
                ),
            )
    vals = tuple(c.vals)
    return codes.encode(col.codes, vals, "" in vals)


def _enum(c: _Column) -> np.ndarray:
    col, values = c.col, c.values
    choices = col.choices if col.kind == "enum" else ("0", "1")
    lookup = {ch: k for k, ch in enumerate(choices)}
    lookup[""] = -1
    try:
        return np.fromiter((lookup[v] for v in c.vals), dtype=np.int64, count=len(c.vals))
    except KeyError:
        pass
    c.reject(
        _mask(c.vals, lambda v: v not in lookup),
        "unknown value",
        lambda i: f"unknown value {values[i]!r}; expected one of {', '.join(choices)}",
    )
    return np.fromiter((lookup[v] for v in c.vals), dtype=np.int64, count=len(c.vals))


def _numbers(c: _Column, expect: str) -> np.ndarray:
    col, values = c.col, c.values
    blank = c.blank()
    try:
        vals = tuple("nan" if b else v for v, b in zip(c.vals, blank)) if blank.any() else c.vals
        out = np.array(vals, dtype=float)
    except ValueError:
        c.reject(
            ~blank & _mask(c.vals, lambda v: not _parses(v)),
            "not a number",
            lambda i: f"{values[i]!r} is not a number; expected {expect}",
        )
        blank = c.blank()
        out = np.fromiter((float(v) if v else np.nan for v in c.vals), dtype=float, count=len(c.vals))
    live = ~blank
    checks = [
        (lambda: ~np.isfinite(out), "not a finite number", lambda i: f"{values[i]!r} is not a finite number"),
    ]
    if col.nonneg:
        checks.append((lambda: out < 0, "negative", lambda i: f"{values[i]} is negative"))
    if col.kind == "int":
        checks.append(
            (
                lambda: out != np.round(out),
                "not a whole number",
                lambda i: f"{values[i]!r} is not a whole number",
            )
        )
    if col.least is not None:
        checks.append(
            (
                lambda: (out != 0) & (np.abs(out) < col.least),
                "out of the plausible range",
                lambda i: f"{values[i]} is out of range (not 0, yet below {col.least:g})",
            )
        )
    if col.limit is not None:
        checks.append(
            (
                lambda: np.abs(out) > col.limit,
                "out of the plausible range",
                lambda i: f"{values[i]} is out of range",
            )
        )
    for bad, reason, say in checks:
        with np.errstate(invalid="ignore"):
            m = bad() & live & ~c.drop
        if m.any():
            c.reject(m, reason, lambda i, say=say: f"{say(i)}; expected {expect}")
            out[c.drop] = np.nan
    return out


def _dates(c: _Column, expect: str) -> np.ndarray:
    col, values = c.col, c.values
    unit = "ms" if col.kind == "datetime" else "D"
    what = "date and time" if unit == "ms" else "date"
    lens = np.fromiter(map(len, c.vals), dtype=np.int64, count=len(c.vals))
    short = ((lens < 16) if unit == "ms" else (lens != 10)) & (lens > 0)
    if short.any():
        c.reject(short, f"not a {what}", lambda i: f"{values[i]!r} is not a {what}; expected {expect}")

    def parse():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return np.array(tuple(v or "NaT" for v in c.vals), dtype=f"datetime64[{unit}]")

    try:
        return parse()
    except (ValueError, UserWarning, DeprecationWarning):
        pass
    c.reject(
        _mask(c.vals, lambda v: v != "" and not _dt_ok(v, unit)),
        f"not a valid {what}",
        lambda i: f"{values[i]!r} is not a valid {what}; expected {expect}",
    )
    return np.array([np.datetime64(v or "NaT", unit) for v in c.vals], dtype=f"datetime64[{unit}]")
