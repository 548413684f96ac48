"""Reading and checking one CSV file of a given format (:mod:`.formats`).

Each file is read with the ``csv`` module a chunk of rows at a time and converted column by
column with numpy (:mod:`.cells`), so a month of a 100-seat center (about 750,000 dials) reads
in seconds and memory holds arrays, not rows. A problem of the whole file (missing, not CSV
text, a required column missing or a column named twice, no rows) raises
:class:`CalibrationDataError`; a bad row goes to the :class:`.screen.Screen` (an error naming
the file, the row, the header being row 1, and the column; or, lenient, an excluded row).
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import numpy as np

from .cells import UNUSABLE_TEXT, convert
from .formats import FileSpec
from .screen import CalibrationDataError, Screen

__all__ = ["CalibrationDataError", "Codes", "Table", "read_table", "check_order", "every_row_excluded"]

CHUNK_ROWS = 100_000


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

    def compact(self, columns: list[tuple[str, np.ndarray]]) -> list[np.ndarray]:
        """Drop the labels no row uses any more (``columns``: every coded column, with its
        book), keeping the others in order; returns the columns recoded (-1 stays -1)."""
        used: dict[str, set[int]] = {}
        for book, arr in columns:
            used.setdefault(book, set()).update(np.unique(arr[arr >= 0]).tolist())
        remap: dict[str, np.ndarray] = {}
        for book, keep in used.items():
            new = np.full(len(self.books.get(book, {})) + 1, -1, dtype=np.int64)  # last: code -1
            kept: dict[str, int] = {}
            for k, lab in enumerate(self.books.get(book, {})):
                if k in keep:
                    new[k] = kept[lab] = len(kept)
            self.books[book] = kept
            remap[book] = new
        return [remap[book][arr] for book, arr in columns]


@dataclass
class Table:
    """A file's columns as numpy arrays (coded text as int64 codes, datetimes as datetime64[ms],
    dates as datetime64[D]); ``present``: the optional columns the file had; ``rows``: the data
    rows of the file; ``row_no``: the file row (header = 1) of each row kept."""

    spec: FileSpec
    path: Path
    rows: int
    sha256: str
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    present: frozenset[str] = frozenset()
    row_no: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]

    def has(self, name: str) -> bool:
        return name in self.present

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def n(self) -> int:
        """Rows kept."""
        return len(self.row_no)

    def keep(self, mask: np.ndarray) -> None:
        """Keep the rows where ``mask`` holds."""
        if not mask.all():
            self.cols = {k: v[mask] for k, v in self.cols.items()}
            self.row_no = self.row_no[mask]

    def reject(self, screen: Screen, bad: np.ndarray, column: str | None, reason: str, detail) -> None:
        """Hand ``bad`` rows to the screen (see :meth:`Screen.reject`) and keep the others."""
        self.keep(~screen.reject(self.name, self.row_no, bad, column, reason, detail))


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


_EMPTY_DTYPE = {
    "code": np.int64,
    "enum": np.int64,
    "flag": np.int64,
    "float": float,
    "int": float,
    "date": "datetime64[D]",
    "datetime": "datetime64[ms]",
}


def read_table(
    path: str | Path,
    spec: FileSpec,
    codes: Codes | None = None,
    screen: Screen | None = None,
    ordered: bool = True,
) -> Table:
    """Read and check one CSV file of format ``spec``; ``screen`` (default: strict) takes the
    bad rows; ``ordered``: check the order of the rows here (see :func:`check_order`). Raises
    :class:`CalibrationDataError`."""
    path = Path(path)
    codes = codes if codes is not None else Codes()
    screen = screen if screen is not None else Screen()
    name = str(path)
    try:
        # Bytes that are not UTF-8 are read as lone surrogates, so that the cell holding them
        # is found (and named) by the checks of its column.
        f = open(path, newline="", encoding="utf-8-sig", errors="surrogateescape")
    except FileNotFoundError:
        raise CalibrationDataError(name, None, None, "file not found") from None
    except IsADirectoryError:
        raise CalibrationDataError(name, None, None, "is a folder; expected a CSV file") from None
    except OSError as e:
        raise CalibrationDataError(name, None, None, f"cannot read: {e.strerror}") from None
    spec_named = replace(spec, name=name)
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader, None)
        except csv.Error as e:
            raise CalibrationDataError(name, 1, None, f"not a readable CSV file ({e})") from None
        if header is None:
            raise CalibrationDataError(
                name, 1, spec.columns[0].name, "the file is empty; expected a header row naming the columns"
            )
        header = [h.strip() for h in header]
        if any(UNUSABLE_TEXT.search(h) for h in header):
            raise CalibrationDataError(
                name,
                1,
                None,
                "the header holds control characters or bytes that are not UTF-8; expected UTF-8 text "
                "(a file saved as UTF-16 or in a legacy encoding reads this way)",
            )
        twice = [h for h, k in Counter(header).items() if k > 1 and h]
        if twice:
            raise CalibrationDataError(
                name, 1, twice[0], "the column is named twice in the header; expected each column once"
            )
        index = {h: i for i, h in enumerate(header)}
        for col in spec.columns:
            if col.required and col.name not in index:
                shown = ", ".join(h if h.isprintable() else repr(h) for h in header)
                raise CalibrationDataError(
                    name, 1, col.name, f"missing column; the header has {shown or 'nothing'}"
                )
        wanted = [c for c in spec.columns if c.name in index]
        chunks: dict[str, list[np.ndarray]] = {c.name: [] for c in wanted}
        row_chunks: list[np.ndarray] = []
        row = 2
        width = len(header)
        while True:
            try:
                rows = list(islice(reader, CHUNK_ROWS))
            except csv.Error as e:
                raise CalibrationDataError(name, reader.line_num, None, f"not valid CSV ({e})") from None
            if not rows:
                break
            numbers = np.arange(row, row + len(rows))
            lens = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
            if (lens != width).any():
                empty = (lens == 0) | np.fromiter(
                    (len(r) == 1 and r[0] == "" for r in rows), dtype=bool, count=len(rows)
                )
                bad = screen.reject(
                    name, numbers, empty, None, "empty line", lambda i: "empty line inside the file"
                )
                bad |= screen.reject(
                    name,
                    numbers,
                    (lens != width) & ~empty,
                    None,
                    "wrong number of fields",
                    lambda i, lens=lens: f"has {lens[i]} fields; the header has {width}",
                )
                rows = [r for r, b in zip(rows, bad.tolist()) if not b]
                numbers = numbers[~bad]
            row += len(lens)
            if not rows:
                continue
            columns = list(zip(*rows))
            drop = np.zeros(len(rows), dtype=bool)
            converted = {}
            for col in wanted:
                arr, dropped = convert(spec_named, col, columns[index[col.name]], numbers, codes, screen)
                converted[col.name] = arr
                drop |= dropped
            for k, arr in converted.items():
                chunks[k].append(arr[~drop])
            row_chunks.append(numbers[~drop])
    n = row - 2
    if n == 0 and spec.may_be_empty:
        cols = {c.name: np.zeros(0, dtype=_EMPTY_DTYPE[c.kind]) for c in wanted}
        return Table(spec, path, 0, _sha256(path), cols, frozenset(c.name for c in wanted))
    if n == 0:
        raise CalibrationDataError(
            name, 2, spec.columns[0].name, "no data rows after the header; expected at least one"
        )
    cols = {
        c.name: np.concatenate(chunks[c.name]) if chunks[c.name] else np.zeros(0, dtype=_EMPTY_DTYPE[c.kind])
        for c in wanted
    }
    row_no = np.concatenate(row_chunks) if row_chunks else np.zeros(0, dtype=np.int64)
    t = Table(spec, path, n, _sha256(path), cols, frozenset(c.name for c in wanted), row_no)
    if t.n == 0 and not spec.may_be_empty:
        raise CalibrationDataError(name, None, None, every_row_excluded(n))
    if ordered:
        check_order(t)
    return t


def every_row_excluded(n: int) -> str:
    return f"all {n:,} data rows were excluded (--lenient); nothing is left to fit"


def check_order(t: Table, screen: Screen | None = None) -> None:
    """Rows must not go back in ``spec.order_by``. Strict: an error at the first row that does.
    Lenient: the fewest rows whose removal leaves the file in order (those off its longest
    non-decreasing run) are excluded."""
    if t.spec.order_by is None or t.n < 2:
        return
    v = t[t.spec.order_by]
    back = v[1:] < v[:-1]
    if not back.any():
        return
    i = int(np.argmax(back)) + 1
    if screen is None or not screen.lenient:
        raise CalibrationDataError(
            t.name,
            int(t.row_no[i]),
            t.spec.order_by,
            f"{v[i]} is earlier than the row before ({v[i - 1]}); rows must be in "
            f"non-decreasing {t.spec.order_by} order (sort the file)",
            excludable=True,
        )
    keep = longest_ordered(v.astype(np.int64))
    t.reject(
        screen,
        ~keep,
        t.spec.order_by,
        "out of order",
        lambda j: f"{v[j]} is out of {t.spec.order_by} order with the rows around it",
    )


def longest_ordered(x: np.ndarray) -> np.ndarray:
    """A mask of a longest non-decreasing subsequence of ``x`` (patience sorting, O(n log n))."""
    import bisect

    tails: list[int] = []  # tails[k]: the smallest last value of an ordered run of length k + 1
    tail_at: list[int] = []  # ... and its index
    prev = np.full(len(x), -1, dtype=np.int64)
    for j, xv in enumerate(x.tolist()):
        k = bisect.bisect_right(tails, xv)
        if k:
            prev[j] = tail_at[k - 1]
        if k == len(tails):
            tails.append(xv)
            tail_at.append(j)
        else:
            tails[k], tail_at[k] = xv, j
    keep = np.zeros(len(x), dtype=bool)
    j = tail_at[-1] if tail_at else -1
    while j >= 0:
        keep[j] = True
        j = int(prev[j])
    return keep
