"""Reading and checking an operation's CSV files (the formats of ``docs/data-formats.md``).

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

__all__ = [
    "CalibrationDataError",
    "Column",
    "FileSpec",
    "Codes",
    "Table",
    "read_table",
    "DIALS",
    "PROMISES",
    "PAYMENTS",
    "ACCOUNTS",
    "SHIFTS",
    "EVENTS",
    "KPI",
    "FILES",
    "DIAL_OUTCOMES",
    "PROMISE_KINDS",
    "PROMISE_STATUSES",
    "PAYMENT_SOURCES",
    "PHONE_STATUSES",
    "ACCOUNT_EVENTS",
]

DIAL_OUTCOMES = ("no_answer", "busy", "machine", "invalid", "third_party", "rpc", "abandoned")
"""Outcome codes of dials.csv: the scenario's six outcomes, then ``abandoned`` (a live answer that
no collector took, the party unknown). Index = the simulator's outcome code."""
PROMISE_KINDS = ("promise", "plan_installment", "settlement", "reage")
PROMISE_STATUSES = ("kept", "broken", "pending")
PAYMENT_SOURCES = ("promise", "plan_installment", "settlement", "reage", "self_cure", "agency", "other")
PHONE_STATUSES = ("valid", "wrong", "disconnected")
ACCOUNT_EVENTS = ("paid", "cured", "settled", "charged_off", "placed", "redefaulted")
"""Events of account_events.csv: the five ways an account leaves the portfolio, then coming back
to it (a cured account defaulting again)."""

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


@dataclass(frozen=True)
class Column:
    """One column of a file format.

    kind: ``datetime`` (ISO 8601 date and time, no time zone), ``date`` (YYYY-MM-DD), ``float``,
    ``int``, ``code`` (free text, turned into integer codes), ``enum`` (one of ``choices``) or
    ``flag`` (0 or 1). ``required``: the header must have it. ``blank_ok``: a row may leave it
    empty (NaN / NaT / code -1). ``nonneg``: numbers must be >= 0.
    """

    name: str
    kind: str
    required: bool = True
    blank_ok: bool = False
    nonneg: bool = False
    choices: tuple[str, ...] = ()
    codes: str = ""  # name of the shared code book (account ids, segments, collectors, ...)
    unit: str = ""
    doc: str = ""


@dataclass(frozen=True)
class FileSpec:
    """A file format: its name, its columns and the column whose values must not decrease."""

    name: str
    columns: tuple[Column, ...]
    order_by: str | None
    doc: str = ""
    may_be_empty: bool = False  # a header with no rows is valid (nothing of the kind happened)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name, kind, **kw) -> Column:
    return Column(name, kind, **kw)


DIALS = FileSpec(
    "dials.csv",
    (
        _c("call_start", "datetime", doc="when the dial was placed, center clock"),
        _c("account_id", "code", codes="account", doc="the account dialed"),
        _c("segment", "code", codes="segment", doc="the account's segment (a scenario segment name)"),
        _c(
            "tz_offset_h",
            "float",
            required=False,
            unit="h",
            doc="account local time = center time + this offset (hours; absent: 0)",
        ),
        _c(
            "collector_id",
            "code",
            required=False,
            blank_ok=True,
            codes="collector",
            doc="the collector who took the call; empty when none did (no answer, predictive abandon)",
        ),
        _c(
            "campaign", "code", required=False, blank_ok=True, codes="campaign", doc="dialer campaign or list"
        ),
        _c(
            "dialer_mode",
            "enum",
            required=False,
            blank_ok=True,
            choices=("preview", "progressive", "predictive"),
            doc="dialer mode of the campaign",
        ),
        _c("outcome", "enum", choices=DIAL_OUTCOMES, doc="what the dial reached"),
        _c("ring_s", "float", nonneg=True, unit="s", doc="seconds from dialing until the outcome was known"),
        _c("talk_s", "float", nonneg=True, unit="s", doc="seconds of conversation (0 when nobody talked)"),
        _c("wrap_s", "float", nonneg=True, unit="s", doc="seconds of after-call work"),
        _c(
            "abandoned",
            "flag",
            required=False,
            doc="1: a live answer no collector took within the abandon limit",
        ),
    ),
    order_by="call_start",
    doc="one row per dial",
)

PROMISES = FileSpec(
    "promises.csv",
    (
        _c("promise_id", "code", codes="promise", doc="unique id of the promise"),
        _c("made_at", "datetime", doc="when the promise was taken, center clock"),
        _c("account_id", "code", codes="account"),
        _c("segment", "code", codes="segment"),
        _c("collector_id", "code", required=False, blank_ok=True, codes="collector"),
        _c("amount_usd", "float", nonneg=True, unit="USD", doc="amount promised"),
        _c("due_date", "date", doc="date the payment is due"),
        _c(
            "kind",
            "enum",
            required=False,
            choices=PROMISE_KINDS,
            doc="plain promise or a rearrangement's payment",
        ),
        _c(
            "status",
            "enum",
            choices=PROMISE_STATUSES,
            doc="kept or broken; pending when due after the data end",
        ),
        _c(
            "paid_usd",
            "float",
            required=False,
            blank_ok=True,
            nonneg=True,
            unit="USD",
            doc="amount paid (kept only)",
        ),
        _c("paid_date", "date", required=False, blank_ok=True, doc="date paid (kept only)"),
    ),
    order_by="made_at",
    doc="one row per promise to pay",
)

PAYMENTS = FileSpec(
    "payments.csv",
    (
        _c("paid_date", "date"),
        _c("account_id", "code", codes="account"),
        _c("segment", "code", codes="segment"),
        _c("amount_usd", "float", nonneg=True, unit="USD"),
        _c("source", "enum", choices=PAYMENT_SOURCES, doc="what the payment was for"),
        _c("promise_id", "code", required=False, blank_ok=True, codes="promise"),
    ),
    order_by="paid_date",
    doc="one row per payment received",
)

ACCOUNTS = FileSpec(
    "accounts.csv",
    (
        _c("account_id", "code", codes="account"),
        _c("segment", "code", codes="segment"),
        _c("entered_date", "date", doc="date the account entered the portfolio (or the data start)"),
        _c("balance_usd", "float", required=False, nonneg=True, unit="USD"),
        _c("past_due_usd", "float", required=False, nonneg=True, unit="USD"),
        _c("days_past_due", "float", required=False, nonneg=True, unit="days"),
        _c("risk_score", "float", required=False, doc="collection score, higher = more likely to pay"),
        _c("phones", "int", required=False, nonneg=True, doc="number of phone numbers on file"),
        _c("phone_status", "enum", required=False, choices=PHONE_STATUSES),
        _c("tz_offset_h", "float", required=False, unit="h"),
        _c("control", "flag", required=False, doc="1: a control account that is never called"),
    ),
    order_by=None,
    doc="one row per account, attributes at entry (any order)",
)

SHIFTS = FileSpec(
    "shifts.csv",
    (
        _c("date", "date"),
        _c("collector_id", "code", codes="collector"),
        _c("team", "code", codes="team"),
        _c("login", "datetime"),
        _c("logout", "datetime"),
        _c("paid_s", "float", nonneg=True, unit="s", doc="paid seconds (login to logout)"),
        _c(
            "productive_s",
            "float",
            nonneg=True,
            unit="s",
            doc="paid seconds less breaks, lunch, meetings, training, not-ready",
        ),
    ),
    order_by="date",
    doc="one row per collector per working day",
)

KPI = FileSpec(
    "daily.csv",
    (
        _c("date", "date"),
        _c("team", "code", required=False, codes="team"),
        _c("collector_id", "code", required=False, blank_ok=True, codes="collector"),
        _c("paid_hours", "float", nonneg=True, unit="h"),
        _c("productive_hours", "float", nonneg=True, unit="h"),
        _c("dials", "float", nonneg=True),
        _c("rpc", "float", nonneg=True, doc="right-party contacts"),
        _c("promises", "float", nonneg=True),
        _c("kept", "float", nonneg=True, doc="promises made that day that were kept (cohort basis)"),
        _c(
            "collected_usd",
            "float",
            nonneg=True,
            unit="USD",
            doc="dollars paid on the promises made that day",
        ),
    ),
    order_by="date",
    doc="one row per collector or team per day",
)

EVENTS = FileSpec(
    "account_events.csv",
    (
        _c("date", "date", doc="date the account left the portfolio or came back to it"),
        _c("account_id", "code", codes="account"),
        _c("segment", "code", codes="segment"),
        _c("event", "enum", choices=ACCOUNT_EVENTS, doc="how it left (or redefaulted: it came back)"),
        _c(
            "days_past_due",
            "float",
            required=False,
            nonneg=True,
            unit="days",
            doc="days past due at the event",
        ),
    ),
    order_by="date",
    doc="one row per account leaving the portfolio or coming back to it",
    may_be_empty=True,
)

FILES = (DIALS, PROMISES, PAYMENTS, ACCOUNTS, SHIFTS, EVENTS)
"""The files of a trace folder; only dials.csv is required."""


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
