"""Numbers and plain-text tables for the terminal, one way for the whole package.

:func:`number` picks the decimals from the size of a number (4 below 1 but not 0, 2 below
100, 1 below 10,000, none above), shows a fraction as a percentage with one decimal, and money with cents
below $1,000. :func:`stat` writes ``mean ± 95% CI half-width`` with the mean's decimals.
:func:`table` lines columns up under a header and a rule.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

__all__ = ["number", "stat", "stat_of", "table", "NA"]

NA = "n/a"
"""What an undefined value (a ratio whose denominator is 0, a CI of one replication) shows."""


def _decimals(x: float, percent: bool, money: bool) -> int:
    if percent:
        return 1
    a = abs(x)
    if money:
        return 2 if a < 1000 else 0
    return 4 if 0 < a < 1 else 2 if a < 100 else 1 if a < 10_000 else 0


def number(
    v: float | None, *, percent: bool = False, money: bool = False, decimals: int | None = None
) -> str:
    """``v`` with thousands separators: ``percent`` shows a fraction x 100 (0.85 -> ``85.0``),
    ``money`` US dollars (``141.00``, ``1,234``); ``decimals`` overrides the choice. No unit sign
    is added. None and NaN show as ``n/a``."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return NA
    x = v * 100.0 if percent else v
    d = _decimals(x, percent, money) if decimals is None else decimals
    return f"{x:,.{d}f}"


def stat(
    mean: float | None,
    low: float | None = None,
    high: float | None = None,
    *,
    percent: bool = False,
    money: bool = False,
) -> str:
    """``mean ± half-width`` of a 95% CI (``low``, ``high``) with the mean's decimals; the mean
    alone when there is no CI (one replication); ``n/a`` when the mean is undefined."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return NA
    x = mean * 100.0 if percent else mean
    d = _decimals(x, percent, money)
    text = number(mean, percent=percent, decimals=d)
    if low is not None and high is not None:
        text += " ± " + number((high - low) / 2, percent=percent, decimals=d)
    return text


def stat_of(s: Mapping | None, *, percent: bool = False, money: bool = False) -> str:
    """:func:`stat` of a STAT document ``{"mean", "ci95_low", "ci95_high", ...}`` (or None)."""
    if not s:
        return NA
    return stat(s.get("mean"), s.get("ci95_low"), s.get("ci95_high"), percent=percent, money=money)


def table(rows: Sequence[Sequence[str]], left: Collection[int] = (0,)) -> str:
    """Rows of cells (the first is the header) as aligned text: a rule of dashes under the
    header, columns two spaces apart, the columns in ``left`` left-aligned and the others
    right-aligned (numbers), trailing spaces removed."""
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(widths[j]) if j in left else c.rjust(widths[j]) for j, c in enumerate(cells)
        ).rstrip()

    return "\n".join([line(rows[0]), "  ".join("-" * w for w in widths), *(line(r) for r in rows[1:])])
