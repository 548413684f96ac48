"""Reading and checking one CSV file of a given format (:mod:`.formats`).

Each file is read with the ``csv`` module a chunk of rows at a time and converted column by
column with numpy, so a month of a 100-seat center (about 750,000 dials) reads in seconds
and memory holds arrays, not rows. Anything wrong raises :class:`CalibrationDataError`
naming the file, the row (the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import hashlib
import warnings
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import numpy as np

from ...base.errors import InputError
from .formats import Column, FileSpec

__all__ = ["CalibrationDataError", "Codes", "Table", "read_table"]

CHUNK_ROWS = 100_000


class CalibrationDataError(InputError, ValueError):
    """Bad input data: ``file``, ``row`` (1 = the header) and ``column`` say where. An
    ``InputError``, so the command line prints it and exits 2."""

    def __init__(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.file, self.row, self.column, self.message = file, row, column, message
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")


class Codes:
    """Code books shared by the files of one folder: text value -> integer code, per book."""

    def __init__(self) -> None:
        self.books: dict[str, dict[str, int]] = {}

    def encode(self, book: str, values: tuple[str, ...], blanks: bool) -> np.ndarray:
        """Integer codes of ``values`` (-1 for an empty value when ``blanks``); new values get
        the next codes in order of first appearance."""
        d = self.books.setdefault(book, {})
        arr = np.array(values)
        uniq, first, inv = np.unique(arr, return_index=True, return_inverse=True)
        ucode = np.empty(len(uniq), dtype=np.int64)
        for k in np.argsort(first, kind="stable"):
            u = str(uniq[k])
            ucode[k] = -1 if (blanks and u == "") else d.setdefault(u, len(d))
        return ucode[inv.reshape(-1)]

    def labels(self, book: str) -> list[str]:
        return list(self.books.get(book, {}))

    def code(self, book: str, value: str) -> int | None:
        return self.books.get(book, {}).get(value)


@dataclass
class Table:
    """A file's columns as numpy arrays (coded text as int64 codes, datetimes as datetime64[ms],
    dates as datetime64[D]); ``present``: the optional columns the file had."""

    spec: FileSpec
    path: Path
    rows: int
    sha256: str
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    present: frozenset[str] = frozenset()

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]

    def has(self, name: str) -> bool:
        return name in self.present


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _first_bad(values: tuple[str, ...], ok) -> int:
    for i, v in enumerate(values):
        if not ok(v):
            return i
    return 0  # pragma: no cover - only called after a failure was seen


def _float_ok(v: str) -> bool:
    try:
        return np.isfinite(float(v))
    except ValueError:
        return False


def _dt_ok(v: str, unit: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return not np.isnat(np.datetime64(v, unit))
    except (ValueError, UserWarning, DeprecationWarning):
        return False


def _convert(spec: FileSpec, col: Column, values: tuple[str, ...], row0: int, codes: Codes) -> np.ndarray:
    """One chunk of one column; ``row0`` is the file row of ``values[0]``."""

    def fail(i: int, msg: str) -> CalibrationDataError:
        return CalibrationDataError(spec.name, row0 + i, col.name, msg)

    has_blank = "" in values  # a C-speed scan; the mask is built only when needed
    if has_blank and not col.blank_ok:
        raise fail(values.index(""), f"empty value; expected {_expect(col)}")
    if col.kind == "code":
        return codes.encode(col.codes, values, has_blank)
    blank = (
        np.fromiter((v == "" for v in values), dtype=bool, count=len(values))
        if has_blank
        else np.zeros(len(values), dtype=bool)
    )
    if col.kind in ("enum", "flag"):
        choices = col.choices if col.kind == "enum" else ("0", "1")
        lookup = {c: k for k, c in enumerate(choices)}
        lookup[""] = -1
        try:
            out = np.fromiter((lookup[v] for v in values), dtype=np.int64, count=len(values))
        except KeyError:
            i = next(i for i, v in enumerate(values) if v not in lookup)
            raise fail(i, f"unknown value {values[i]!r}; expected one of {', '.join(choices)}") from None
        return out
    if col.kind in ("float", "int"):
        vals = tuple("nan" if b else v for v, b in zip(values, blank)) if blank.any() else values
        try:
            out = np.array(vals, dtype=float)
        except ValueError:
            i = _first_bad(vals, lambda v: v == "nan" or _float_ok(v))
            raise fail(i, f"{values[i]!r} is not a number; expected {_expect(col)}") from None
        bad = ~np.isfinite(out) & ~blank
        if bad.any():
            i = int(np.argmax(bad))
            raise fail(i, f"{values[i]!r} is not a finite number; expected {_expect(col)}")
        if col.nonneg and (out < 0).any():
            i = int(np.argmax(out < 0))
            raise fail(i, f"{values[i]} is negative; expected {_expect(col)}")
        if col.kind == "int":
            frac = (out != np.round(out)) & ~blank
            if frac.any():
                i = int(np.argmax(frac))
                raise fail(i, f"{values[i]!r} is not a whole number; expected {_expect(col)}")
        return out
    unit = "ms" if col.kind == "datetime" else "D"
    lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    short = ((lens < 16) if col.kind == "datetime" else (lens != 10)) & ~blank
    if short.any():
        i = int(np.argmax(short))
        raise fail(
            i,
            f"{values[i]!r} is not a {'date and time' if unit == 'ms' else 'date'}; expected {_expect(col)}",
        )
    vals = tuple("NaT" if b else v for v, b in zip(values, blank)) if blank.any() else values
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = np.array(vals, dtype=f"datetime64[{unit}]")
    except (ValueError, UserWarning, DeprecationWarning):
        i = _first_bad(vals, lambda v: v == "NaT" or _dt_ok(v, unit))
        raise fail(
            i,
            f"{values[i]!r} is not a valid {'date and time' if unit == 'ms' else 'date'}; "
            f"expected {_expect(col)}",
        ) from None
    return out


def _expect(col: Column) -> str:
    return {
        "datetime": "an ISO 8601 date and time without a time zone, e.g. 2024-01-01T09:30:05",
        "date": "a date YYYY-MM-DD, e.g. 2024-01-01",
        "float": "a number >= 0" if col.nonneg else "a number",
        "int": "a whole number >= 0" if col.nonneg else "a whole number",
        "code": "a non-empty name or id",
        "enum": "one of " + ", ".join(col.choices),
        "flag": "0 or 1",
    }[col.kind]


_EMPTY_DTYPE = {
    "code": np.int64,
    "enum": np.int64,
    "flag": np.int64,
    "float": float,
    "int": float,
    "date": "datetime64[D]",
    "datetime": "datetime64[ms]",
}


def read_table(path: str | Path, spec: FileSpec, codes: Codes | None = None) -> Table:
    """Read and check one CSV file of format ``spec``. Raises :class:`CalibrationDataError`."""
    path = Path(path)
    codes = codes if codes is not None else Codes()
    name = str(path)
    try:
        f = open(path, newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise CalibrationDataError(name, None, None, "file not found") from None
    except IsADirectoryError:
        raise CalibrationDataError(name, None, None, "is a folder; expected a CSV file") from None
    except OSError as e:
        raise CalibrationDataError(name, None, None, f"cannot read: {e.strerror}") from None
    spec_named = replace(spec, name=name)
    try:
        with f:
            reader = csv.reader(f)
            try:
                header = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as e:
                raise CalibrationDataError(name, 1, None, f"not a readable CSV file ({e})") from None
            if header is None:
                raise CalibrationDataError(
                    name,
                    1,
                    spec.columns[0].name,
                    "the file is empty; expected a header row naming the columns",
                )
            header = [h.strip() for h in header]
            index = {h: i for i, h in enumerate(header)}
            for col in spec.columns:
                if col.required and col.name not in index:
                    raise CalibrationDataError(
                        name, 1, col.name, f"missing column; the header has {', '.join(header) or 'nothing'}"
                    )
            wanted = [c for c in spec.columns if c.name in index]
            chunks: dict[str, list[np.ndarray]] = {c.name: [] for c in wanted}
            row = 2
            width = len(header)
            while True:
                try:
                    rows = list(islice(reader, CHUNK_ROWS))
                except csv.Error as e:
                    raise CalibrationDataError(name, reader.line_num, None, f"not valid CSV ({e})") from None
                except UnicodeDecodeError as e:
                    raise CalibrationDataError(name, None, None, f"not UTF-8 text ({e.reason})") from None
                if not rows:
                    break
                lens = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
                if (lens != width).any():
                    i = int(np.argmax(lens != width))
                    if lens[i] == 0 or (lens[i] == 1 and rows[i][0] == ""):
                        raise CalibrationDataError(name, row + i, None, "empty line inside the file")
                    raise CalibrationDataError(
                        name, row + i, None, f"has {lens[i]} fields; the header has {width}"
                    )
                columns = list(zip(*rows))
                for col in wanted:
                    chunks[col.name].append(_convert(spec_named, col, columns[index[col.name]], row, codes))
                row += len(rows)
    except UnicodeDecodeError as e:
        raise CalibrationDataError(name, None, None, f"not UTF-8 text ({e.reason})") from None
    n = row - 2
    if n == 0 and spec.may_be_empty:
        cols = {c.name: np.zeros(0, dtype=_EMPTY_DTYPE[c.kind]) for c in wanted}
        return Table(spec, path, 0, _sha256(path), cols, frozenset(c.name for c in wanted))
    if n == 0:
        raise CalibrationDataError(
            name, 2, spec.columns[0].name, "no data rows after the header; expected at least one"
        )
    cols = {k: np.concatenate(v) for k, v in chunks.items()}
    if spec.order_by is not None:
        t = cols[spec.order_by]
        back = t[1:] < t[:-1]
        if back.any():
            i = int(np.argmax(back)) + 1
            raise CalibrationDataError(
                name,
                i + 2,
                spec.order_by,
                f"{t[i]} is earlier than the row before ({t[i - 1]}); rows must be in "
                f"non-decreasing {spec.order_by} order (sort the file)",
            )
    return Table(spec, path, n, _sha256(path), cols, frozenset(c.name for c in wanted))
