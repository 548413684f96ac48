"""CSV cells a spreadsheet will not take for a formula (CSV injection, OWASP).

A text cell that opens with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, which spreadsheets read as "this is text" and do not show. A cell that is a
number (``-3.5``, ``1e-07``, ``-inf``) is left as it is, so the file stays machine-readable; so
is every other cell. collectsim writes its CSV files through :func:`safe_row`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_row"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|nan)", re.IGNORECASE)


def safe_cell(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """A CSV row with every cell made safe by :func:`safe_cell`."""
    return [safe_cell(c) for c in row]
