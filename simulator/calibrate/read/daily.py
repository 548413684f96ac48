"""daily.csv (one row per collector or team per day) read and checked: the rules of every file
(:mod:`.csv_table`), dates of one period (:func:`.consistency.one_period`), a collector's day
once, and the pyramid's order within each row: productive hours within paid hours, and
kept <= promises <= rpc <= connects <= dials, with no dollars collected without a kept promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .consistency import absolute_dates, duplicates, one_period
from .csv_table import Codes, Table, check_order, read_table
from .formats import KPI
from .screen import Exclusion, Screen

__all__ = ["Daily", "read_daily", "LAYERS"]

LAYERS = (
    ("productive_hours", "paid_hours"),
    ("connects", "dials"),
    ("rpc", "connects"),
    ("rpc", "dials"),
    ("promises", "rpc"),
    ("kept", "promises"),
)
"""(lower, higher): a row's lower layer cannot exceed its higher one."""


@dataclass
class Daily:
    """daily.csv as read: the table, the team names in code order, the rows left out."""

    table: Table
    teams: list[str]
    exclusions: list[Exclusion]


def read_daily(path: str | Path, lenient: bool = False) -> Daily:
    """Read and check daily.csv; raises ``CalibrationDataError`` for the first bad row, or,
    ``lenient``, leaves the bad rows out and lists them."""
    codes = Codes()
    screen = Screen(lenient)
    t = read_table(path, KPI, codes, screen, ordered=False)
    absolute_dates(t, screen)
    for low, high in LAYERS:
        if t.has(low) and t.has(high):
            a, b = t[low], t[high]
            t.reject(
                screen,
                a > b * (1 + 1e-9) + 1e-9,
                low,
                f"{low} above {high}",
                lambda i, a=a, b=b, low=low, high=high: (
                    f"{a[i]:g} exceeds {high} {b[i]:g}; expected "
                    f"{low} <= {high} (a layer of the pyramid cannot exceed the one above it)"
                ),
            )
    got, kept = t["collected_usd"], t["kept"]
    t.reject(
        screen,
        (got > 0) & (kept == 0),
        "collected_usd",
        "dollars collected with no kept promise",
        lambda i: (
            f"{got[i]:g} USD collected with kept 0; expected 0 (collected_usd counts the dollars "
            "of the day's kept promises)"
        ),
    )
    one_period(t, "date", screen, "date")
    check_order(t, screen)
    if t.has("collector_id"):
        keys = ("collector_id", "date", "team") if t.has("team") else ("collector_id", "date")
        duplicates(t, keys, screen, "collector and date", among=t["collector_id"] >= 0)
    if screen.exclusions:
        coded = [c for c in ("team", "collector_id") if t.has(c)]
        books = {"team": "team", "collector_id": "collector"}
        for c, arr in zip(coded, codes.compact([(books[c], t[c]) for c in coded])):
            t.cols[c] = arr
    return Daily(t, codes.labels("team"), screen.exclusions)
