"""The rules that span the columns of a row, the rows of a file and the files of a folder.

Records are untrusted: an export can repeat a key, name an account no other file knows, carry a
placeholder date (1970-01-01, 9999-12-31) or a date typed wrong. Each rule hands the rows that
break it to the :class:`.screen.Screen` (an error, or with ``lenient`` an exclusion). The rules,
in the order they apply (an excluded row is gone for the rules after it, so a promise of an
excluded account is itself excluded):

0. (:mod:`.csv_table`) every value readable and of its column's kind and range;
1. every date between 1900-01-01 and 2199-12-31;
2. within a row: an abandoned outcome flagged abandoned, time zones, a due date not before the
   promise nor more than :data:`MARGIN_DAYS` after it, a kept promise's paid date, not before
   the promise; logout after login, within a day of it and of the shift's date, productive
   time not above paid time;
3. the dials form one period: no gap over :data:`MAX_GAP_DAYS` days between dial dates (the
   period holding most dials is the data's; a dial far from it is an error);
4. every other date within :data:`MARGIN_DAYS` of that period (an account may have entered
   earlier);
5. every file in order (:func:`.csv_table.check_order`);
6. keys once: an account in accounts.csv, a promise id, a collector's shift per date, an account
   event per account, date and kind, a dial per account and time;
7. references (:mod:`.references`): with accounts.csv, every account of the other files is
   listed there with the same segment, and nothing happens to it before it entered; a promise's
   account was dialed; a promise, payment or account event names a segment of dials.csv; a
   payment's promise is in promises.csv, of the same account and not paid before it was made;
   with shifts.csv, every collector of dials.csv has a shift.
"""

from __future__ import annotations

import numpy as np

from ...base.outcomes import ABANDONED
from .csv_table import CalibrationDataError, Codes, Table, check_order, every_row_excluded
from .formats import ACCOUNTS, DIALS, EVENTS, KEPT, MAX_SECONDS, PAYMENTS, PROMISES, SHIFTS
from .references import check_references
from .screen import Screen

__all__ = ["screen_trace", "one_period", "absolute_dates", "duplicates", "MAX_GAP_DAYS", "MARGIN_DAYS"]

MAX_GAP_DAYS = 92
"""Dial dates further apart than this (a quarter) are not one period of data."""
MARGIN_DAYS = 366
"""Other dates may fall this far outside the dials' period (promises falling due, payments)."""
EARLIEST, LATEST = np.datetime64("1900-01-01"), np.datetime64("2199-12-31")


def _day(a: np.ndarray) -> np.ndarray:
    return a.astype("datetime64[D]")


def _tz(t: Table, screen: Screen) -> None:
    if t.has("tz_offset_h"):
        tz = t["tz_offset_h"]
        with np.errstate(over="ignore", invalid="ignore"):
            bad = (np.abs(tz) > 14) | (tz * 4 != np.round(tz * 4))
        t.reject(
            screen,
            bad,
            "tz_offset_h",
            "time zone offset out of range",
            lambda i: f"{tz[i]:g} h: expected an offset between -14 and 14 in steps of 0.25 h",
        )


def absolute_dates(t: Table, screen: Screen) -> None:
    """Rule 1 for every date and date-time column of ``t``."""
    for col in t.spec.columns:
        if col.kind in ("date", "datetime") and t.has(col.name):
            v = t[col.name]
            d = _day(v)
            with np.errstate(invalid="ignore"):
                bad = ~np.isnat(d) & ((d < EARLIEST) | (d > LATEST))
            t.reject(
                screen,
                bad,
                col.name,
                "date before 1900 or after 2199",
                lambda i, v=v: f"{v[i]} is not a plausible date; expected a date from 1900 to 2199",
            )


def _row_rules(tables: dict[str, Table], screen: Screen) -> None:
    """Rule 2."""
    d = tables[DIALS.name]
    if d.has("abandoned"):
        out, ab = d["outcome"], d["abandoned"]
        d.reject(
            screen,
            (out == ABANDONED) & (ab == 0),
            "abandoned",
            "outcome abandoned not flagged abandoned",
            lambda i: "outcome is abandoned but abandoned is 0; expected 1 (or the outcome the call reached)",
        )
    _tz(d, screen)
    if ACCOUNTS.name in tables:
        _tz(tables[ACCOUNTS.name], screen)
    p = tables.get(PROMISES.name)
    if p is not None:
        made, due = p["made_at"], p["due_date"]
        p.reject(
            screen,
            due < _day(made),
            "due_date",
            "due before the promise was made",
            lambda i: f"{due[i]} is before the promise was made ({made[i]})",
        )
        made, due = p["made_at"], p["due_date"]
        p.reject(
            screen,
            (due - _day(made)).astype(np.int64) > MARGIN_DAYS,
            "due_date",
            f"due more than {MARGIN_DAYS} days after the promise",
            lambda i: (
                f"{due[i]} is more than {MARGIN_DAYS} days after the promise ({made[i]}); "
                "expected a due date within a year"
            ),
        )
        if p.has("paid_date"):
            paid, status = p["paid_date"], p["status"]
            p.reject(
                screen,
                (status == KEPT) & np.isnat(paid),
                "paid_date",
                "kept promise with no paid date",
                lambda i: "empty for a kept promise; expected the date it was paid",
            )
            paid, made = p["paid_date"], p["made_at"]
            with np.errstate(invalid="ignore"):
                early = ~np.isnat(paid) & (paid < _day(made))
            p.reject(
                screen,
                early,
                "paid_date",
                "paid before the promise was made",
                lambda i: f"{paid[i]} is before the promise was made ({made[i]})",
            )
    s = tables.get(SHIFTS.name)
    if s is not None:
        _shift_rules(s, screen)


def _shift_rules(s: Table, screen: Screen) -> None:
    login, logout = s["login"], s["logout"]
    s.reject(
        screen,
        logout < login,
        "logout",
        "logout before login",
        lambda i: f"{logout[i]} is before login {login[i]}",
    )
    login, logout = s["login"], s["logout"]
    s.reject(
        screen,
        (logout - login).astype(np.int64) > MAX_SECONDS * 1000,
        "logout",
        "a shift longer than a day",
        lambda i: (
            f"{logout[i]} is more than a day after login {login[i]}; expected one row per "
            "collector per working day"
        ),
    )
    login, date = s["login"], s["date"]
    s.reject(
        screen,
        np.abs((_day(login) - date).astype(np.int64)) > 1,
        "login",
        "login far from the shift's date",
        lambda i: f"{login[i]} is more than a day from the shift's date {date[i]}",
    )
    paid, prod = s["paid_s"], s["productive_s"]
    s.reject(
        screen,
        prod > paid + 1.0,
        "productive_s",
        "productive time above paid time",
        lambda i: f"{prod[i]:g} s exceeds paid_s {paid[i]:g} s; productive time is part of paid time",
    )


def one_period(t: Table, column: str, screen: Screen, what: str) -> tuple[np.datetime64, np.datetime64]:
    """Rule 3 on ``t[column]``: the rows outside the period holding most rows go to the screen;
    returns the period's first and last date. ``what``: the rows, in words ("dial")."""
    if t.n == 0:
        raise CalibrationDataError(t.name, None, None, every_row_excluded(t.rows))
    day = _day(t[column]).astype(np.int64)
    uniq, counts = np.unique(day, return_counts=True)
    cut = np.flatnonzero(np.diff(uniq) > MAX_GAP_DAYS) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, len(uniq)]
    best = int(np.argmax([counts[a:b].sum() for a, b in zip(starts, ends)]))
    lo, hi = int(uniq[starts[best]]), int(uniq[ends[best] - 1])
    first, last = (np.datetime64(int(x), "D") for x in (lo, hi))
    v = t[column]
    t.reject(
        screen,
        (day < lo) | (day > hi),
        column,
        f"far from the period of the other {what}s",
        lambda i: (
            f"{v[i]} is more than {MAX_GAP_DAYS} days from the period of the other {what}s "
            f"({first} to {last}); expected one period of data, with no gap over {MAX_GAP_DAYS} days"
        ),
    )
    return first, last


def _near(t: Table, column: str, lo: np.datetime64, hi: np.datetime64, screen: Screen) -> None:
    """Rule 4 on one column."""
    if not t.has(column):
        return
    v = t[column]
    d = _day(v)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnat(d) & ((d < lo) | (d > hi))
    t.reject(
        screen,
        bad,
        column,
        "far outside the period of the dials",
        lambda i: (
            f"{v[i]} is more than {MARGIN_DAYS} days outside the period of the dials "
            f"({lo + MARGIN_DAYS} to {hi - MARGIN_DAYS}); expected a date of the same data"
        ),
    )


def duplicates(
    t: Table, keys: tuple[str, ...], screen: Screen, what: str, among: np.ndarray | None = None
) -> None:
    """Rule 5: a row whose ``keys`` repeat an earlier row's goes to the screen (the first stays);
    ``among``: only these rows have keys (default: all)."""
    if t.n < 2 or not all(k in t.cols for k in keys):
        return
    cols = [t[k].astype(np.int64) for k in keys]
    if among is not None:  # the other rows get keys of their own
        cols.append(np.where(among, 0, np.arange(1, t.n + 1)))
    order = np.lexsort([np.arange(t.n), *cols[::-1]])  # by the keys, then file order
    same = np.ones(t.n - 1, dtype=bool)
    for c in cols:
        same &= c[order][1:] == c[order][:-1]
    if not same.any():
        return
    bad = np.zeros(t.n, dtype=bool)
    bad[order[1:][same]] = True
    starts = np.r_[0, np.flatnonzero(~same) + 1]
    first = np.empty(t.n, dtype=np.int64)  # the row each row repeats (itself when it is the first)
    first[order] = order[np.repeat(starts, np.diff(np.r_[starts, t.n]))]
    rows = t.row_no
    t.reject(
        screen,
        bad,
        keys[0],
        f"repeats the {what} of an earlier row",
        lambda i: f"repeats the {what} of row {rows[first[i]]}; expected one row per {what}",
    )


def screen_trace(tables: dict[str, Table], codes: Codes, screen: Screen) -> None:
    """Apply the rules (module doc) to the tables of a folder, in place."""
    for t in tables.values():
        absolute_dates(t, screen)
    _row_rules(tables, screen)
    d = tables[DIALS.name]
    first, last = one_period(d, "call_start", screen, "dial")
    lo, hi = first - MARGIN_DAYS, last + MARGIN_DAYS
    for name, col in (
        (PROMISES.name, "made_at"),
        (PAYMENTS.name, "paid_date"),
        (SHIFTS.name, "date"),
        (EVENTS.name, "date"),
    ):
        if name in tables:
            _near(tables[name], col, lo, hi, screen)
    if PROMISES.name in tables:
        _near(tables[PROMISES.name], "paid_date", lo, hi, screen)
    if ACCOUNTS.name in tables:
        _near(tables[ACCOUNTS.name], "entered_date", EARLIEST, hi, screen)
    for t in tables.values():
        check_order(t, screen)
    for name, keys, what in (
        (ACCOUNTS.name, ("account_id",), "account"),
        (PROMISES.name, ("promise_id",), "promise id"),
        (SHIFTS.name, ("date", "collector_id"), "collector and date"),
        (EVENTS.name, ("account_id", "date", "event"), "account, date and event"),
        (DIALS.name, ("account_id", "call_start"), "account and call start"),
    ):
        if name in tables:
            duplicates(tables[name], keys, screen, what)
    check_references(tables, codes, screen)
    for t in tables.values():
        if t.n == 0 and not t.spec.may_be_empty:
            raise CalibrationDataError(t.name, None, None, every_row_excluded(t.rows))
