"""What happens to a row that breaks a rule: an error, or (``lenient``) an exclusion counted by
file, column and reason.

Every check of the readers hands its bad rows to :meth:`Screen.reject`. Strict (the default),
the first one raises :class:`CalibrationDataError` naming the file, the row (the header is row
1) and the column. Lenient, the rows are left out and counted, and the count is reported with
the fit (:meth:`Exclusion.note`). Problems of a whole file (a missing or repeated column, a
file that is not CSV text, rows out of order) are errors either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...base.errors import InputError

__all__ = ["CalibrationDataError", "Exclusion", "Screen"]


class CalibrationDataError(InputError, ValueError):
    """Bad input data: ``file``, ``row`` (1 = the header) and ``column`` say where. An
    ``InputError``, so the command line prints it and exits 2. ``excludable``: the problem is
    one of rows, which ``--lenient`` would leave out."""

    def __init__(
        self, file: str, row: int | None, column: str | None, message: str, excludable: bool = False
    ) -> None:
        self.file, self.row, self.column, self.message = file, row, column, message
        self.excludable = excludable
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")


@dataclass
class Exclusion:
    """Rows of one file left out for one reason: how many, and the first one (its file row and
    what was wrong with it)."""

    file: str
    column: str | None
    reason: str
    rows: int
    first_row: int
    example: str

    def note(self) -> str:
        """One line for the fit's notes: file, count, reason, the first row."""
        col = f", {self.column}" if self.column else ""
        return (
            f"{Path(self.file).name}: {self.rows:,} row(s) excluded (--lenient){col}: {self.reason} "
            f"(first: row {self.first_row}, {self.example})"
        )


class Screen:
    """The policy for bad rows (strict: raise; lenient: exclude and count) and the exclusions
    made so far, in the order first seen."""

    def __init__(self, lenient: bool = False) -> None:
        self.lenient = lenient
        self._found: dict[tuple[str, str | None, str], Exclusion] = {}

    @property
    def exclusions(self) -> list[Exclusion]:
        return list(self._found.values())

    def reject(
        self,
        file: str,
        rows: np.ndarray,
        bad: np.ndarray,
        column: str | None,
        reason: str,
        detail: Callable[[int], str],
    ) -> np.ndarray:
        """Hand over the rows where ``bad`` holds (``rows``: their file row numbers). Strict:
        raise for the first, ``detail(i)`` saying what was wrong with row ``i``. Lenient: count
        them under ``reason``. Returns ``bad`` (the rows to leave out)."""
        bad = np.asarray(bad, dtype=bool)
        if not bad.any():
            return bad
        i = int(np.argmax(bad))
        if not self.lenient:
            raise CalibrationDataError(file, int(rows[i]), column, detail(i), excludable=True)
        key = (file, column, reason)
        n = int(bad.sum())
        seen = self._found.get(key)
        if seen is None:
            self._found[key] = Exclusion(file, column, reason, n, int(rows[i]), detail(i))
        else:
            seen.rows += n
            if int(rows[i]) < seen.first_row:
                seen.first_row, seen.example = int(rows[i]), detail(i)
        return bad

    def excluded_rows(self, file: str) -> int:
        return sum(e.rows for e in self._found.values() if e.file == file)
