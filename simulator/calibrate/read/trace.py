"""A trace folder read into arrays: dials, and the promises, payments, accounts and shifts files
when present, with the checks that span columns or files.

Times are seconds from midnight of the first dial's date (``origin``), center clock; days are
whole days from ``origin`` (negative for accounts that entered before the first dial).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ...base.clock import DAY_S
from ...base.outcomes import ABANDONED
from .consistency import screen_trace
from .csv_table import CalibrationDataError, Codes, Table, read_table
from .formats import ACCOUNTS, DIALS, EVENTS, KEPT, PAYMENTS, PROMISES, SHIFTS
from .screen import Exclusion, Screen

__all__ = ["Trace", "read_trace", "Source"]

MS_PER_S = 1000.0


@dataclass(frozen=True)
class Source:
    """A file the calibration read."""

    file: str
    sha256: str
    rows: int


@dataclass
class Trace:
    """What a folder holds. ``dials`` etc. are column dicts (see :func:`read_trace`); optional
    files are ``None`` when absent."""

    folder: str
    codes: Codes
    origin: np.datetime64  # midnight of the first dial's date
    dials: dict[str, np.ndarray]
    promises: dict[str, np.ndarray] | None = None
    payments: dict[str, np.ndarray] | None = None
    accounts: dict[str, np.ndarray] | None = None
    shifts: dict[str, np.ndarray] | None = None
    events: dict[str, np.ndarray] | None = None
    present: dict[str, frozenset[str]] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)  # rows left out (lenient reading)

    @property
    def segments(self) -> list[str]:
        return self.codes.labels("segment")

    @property
    def collectors(self) -> list[str]:
        return self.codes.labels("collector")

    @property
    def teams(self) -> list[str]:
        return self.codes.labels("team")

    @property
    def origin_date(self) -> datetime.date:
        return self.origin.astype("datetime64[D]").item()

    @property
    def origin_weekday(self) -> int:
        """0 = Monday."""
        return self.origin_date.weekday()

    def date_of(self, day: int) -> datetime.date:
        return self.origin_date + datetime.timedelta(days=int(day))

    @property
    def dial_days(self) -> np.ndarray:
        """Days with at least one dial, ascending (the working days the data cover)."""
        return np.unique(self.dials["day"])

    def has(self, file: str, column: str) -> bool:
        return column in self.present.get(file, frozenset())

    def window(self, first_day: int | None = None, last_day: int | None = None) -> Trace:
        """The part of the data from ``first_day`` to ``last_day`` (inclusive, None: open):
        dials and shifts by their day, promises by the day made, payments by the day paid,
        account events by their day; accounts that entered up to ``last_day``."""
        lo = -np.inf if first_day is None else first_day
        hi = np.inf if last_day is None else last_day

        def cut(cols, key):
            if cols is None:
                return None
            m = (cols[key] >= lo) & (cols[key] <= hi)
            return {k: v[m] for k, v in cols.items()}

        acc = None
        if self.accounts is not None:
            m = self.accounts["day"] <= hi
            acc = {k: v[m] for k, v in self.accounts.items()}
        return replace(
            self,
            dials=cut(self.dials, "day"),
            promises=cut(self.promises, "day"),
            payments=cut(self.payments, "day"),
            shifts=cut(self.shifts, "day"),
            accounts=acc,
            events=cut(self.events, "day"),
        )


def _days(a: np.ndarray, origin: np.datetime64) -> np.ndarray:
    """Whole days from origin of a datetime64 array (NaT -> a very negative number)."""
    d = (a.astype("datetime64[D]") - origin.astype("datetime64[D]")).astype(np.int64)
    return d


def _seconds(a: np.ndarray, origin: np.datetime64) -> np.ndarray:
    return (a.astype("datetime64[ms]") - origin.astype("datetime64[ms]")).astype(np.int64) / MS_PER_S


def read_trace(folder: str | Path, lenient: bool = False) -> Trace:
    """Read a trace folder: ``dials.csv`` (required) and, when present, ``promises.csv``,
    ``payments.csv``, ``accounts.csv``, ``shifts.csv`` and ``account_events.csv``, every rule
    of :mod:`.consistency` applied. Raises :class:`CalibrationDataError` for the first bad row,
    or, ``lenient``, leaves the bad rows out and lists them in ``Trace.exclusions``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CalibrationDataError(
            str(folder),
            None,
            None,
            "not a folder; expected a folder holding dials.csv "
            "(and optionally promises.csv, payments.csv, accounts.csv, shifts.csv)",
        )
    codes = Codes()
    screen = Screen(lenient)
    tables: dict[str, Table] = {}
    for spec in (DIALS, ACCOUNTS, PROMISES, PAYMENTS, SHIFTS, EVENTS):
        p = folder / spec.name
        if spec is DIALS or p.exists():
            tables[spec.name] = read_table(p, spec, codes, screen, ordered=False)
    screen_trace(tables, codes, screen)
    if screen.exclusions:  # labels only excluded rows used would be segments or teams with no data
        coded = [
            (t, c.name, c.codes)
            for t in tables.values()
            for c in t.spec.columns
            if c.kind == "code" and t.has(c.name)
        ]
        for (t, name, _), arr in zip(coded, codes.compact([(book, t[name]) for t, name, book in coded])):
            t.cols[name] = arr
    dt = tables[DIALS.name]
    origin = dt["call_start"][0].astype("datetime64[D]")
    tr = Trace(
        str(folder),
        codes,
        origin,
        _dials(dt, origin),
        present={n: t.present for n, t in tables.items()},
        sources=[Source(t.spec.name, t.sha256, t.rows) for t in tables.values()],
        exclusions=screen.exclusions,
    )
    if ACCOUNTS.name in tables:
        t = tables[ACCOUNTS.name]
        tr.accounts = dict(t.cols) | {"day": _days(t["entered_date"], origin)}
    if PROMISES.name in tables:
        tr.promises = _promises(tables[PROMISES.name], origin)
    if PAYMENTS.name in tables:
        t = tables[PAYMENTS.name]
        tr.payments = dict(t.cols) | {"day": _days(t["paid_date"], origin)}
    if SHIFTS.name in tables:
        t = tables[SHIFTS.name]
        tr.shifts = dict(t.cols) | {
            "day": _days(t["date"], origin),
            "login_s": _seconds(t["login"], origin),
            "logout_s": _seconds(t["logout"], origin),
        }
    if EVENTS.name in tables:
        t = tables[EVENTS.name]
        tr.events = dict(t.cols) | {"day": _days(t["date"], origin)}
    return tr


def _dials(t: Table, origin: np.datetime64) -> dict[str, np.ndarray]:
    n = t.n
    out = t["outcome"].astype(np.int8)
    ab = t["abandoned"].astype(bool) if t.has("abandoned") else out == ABANDONED
    tz = t["tz_offset_h"] if t.has("tz_offset_h") else np.zeros(n)
    t_s = _seconds(t["call_start"], origin)
    none = np.full(n, -1, dtype=np.int64)
    return {
        "t": t_s,
        "day": np.floor(t_s / DAY_S).astype(np.int64),
        "acct": t["account_id"],
        "seg": t["segment"],
        "tz_h": tz,
        "coll": t["collector_id"] if t.has("collector_id") else none,
        "camp": t["campaign"] if t.has("campaign") else none,
        "mode": t["dialer_mode"] if t.has("dialer_mode") else none,
        "out": out,
        "ring": t["ring_s"],
        "talk": t["talk_s"],
        "wrap": t["wrap_s"],
        "abandoned": ab,
    }


def _promises(t: Table, origin: np.datetime64) -> dict[str, np.ndarray]:
    status = t["status"]
    out = dict(t.cols)
    out["t"] = _seconds(t["made_at"], origin)
    out["day"] = np.floor(out["t"] / DAY_S).astype(np.int64)
    out["due_day"] = _days(t["due_date"], origin)
    if "kind" not in out:
        out["kind"] = np.zeros(t.n, dtype=np.int64)
    if "paid_usd" not in out:
        out["paid_usd"] = np.where(status == KEPT, t["amount_usd"], np.nan)
    return out
