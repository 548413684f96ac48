"""The book of accounts day by day, replayed from the files: which accounts were on the books on
each calendar day, which could self-cure that day, and how many days past due each was.

From ``accounts.csv`` (entry date, days past due and past-due amount at entry, balance),
``account_events.csv`` (exits and returns), ``payments.csv`` (partial payments bring an account
back 30 days per whole minimum payment) and ``promises.csv`` (an account holding a promise is
not at risk of self-curing until its due date). The rules are those of the living portfolio
(docs/portfolio.md, simulator/world/delinquency.py), stated here from the data's side:

- an account ages one day per calendar day from its entry: on day d it is
  ``days_past_due + (d - entered)`` days late, back to 1 on the day it comes back
  (``redefaulted``); an account already there when the data start (dated before the first day)
  counts as entered on day 0, with its attributes as of that day;
- a payment x on day X that leaves it on the books takes ``30 floor(x / M)`` days off from day
  X + 1, M being its minimum payment per 30-day cycle;
- it may self-cure on the days after it entered (or came back) up to the day it left, except
  a charge-off day (charge-off comes before the day's self-cures) and the days after a promise
  was made up to its due date (it holds the promise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...world.delinquency import CYCLE_DAYS
from ..read.formats import CHARGED_OFF, PENDING, REDEFAULTED, SELF_CURE
from ..read.trace import Trace

__all__ = ["Book", "MinimumPayment", "replay", "fit_minimum_payment"]


@dataclass(frozen=True)
class MinimumPayment:
    """An account's minimum payment per 30-day cycle, M = max(floor_usd, share x balance at
    entry), read off accounts.csv (past_due_usd = M x ceil(days_past_due / 30) when below the
    balance). ``matched``: share of the accounts it reproduces to the cent."""

    floor_usd: float
    share: float
    n: int
    matched: float

    def of(self, balance: np.ndarray) -> np.ndarray:
        return np.maximum(self.floor_usd, self.share * balance)


def fit_minimum_payment(tr: Trace) -> MinimumPayment | None:
    """The rule behind the past-due amounts at entry (None without past_due_usd, balance_usd
    and days_past_due in accounts.csv, or with no account past due)."""
    acc = tr.accounts
    if acc is None or not all(
        tr.has("accounts.csv", c) for c in ("past_due_usd", "balance_usd", "days_past_due")
    ):
        return None
    pd, bal, dpd = acc["past_due_usd"], acc["balance_usd"], acc["days_past_due"]
    ok = (dpd > 0) & (pd > 0) & (pd < bal - 0.01)
    if not ok.any():
        return None
    m = pd[ok] / np.ceil(dpd[ok] / CYCLE_DAYS)
    floor = float(m.min())
    ratio = m / bal[ok]
    above = m > floor + 0.01
    share = float(np.median(ratio[above])) if above.any() else 0.0
    rule = MinimumPayment(floor, share, int(ok.sum()), 0.0)
    want = np.minimum(rule.of(bal) * np.ceil(dpd / CYCLE_DAYS), bal)
    late = dpd > 0
    matched = float((np.abs(want[late] - pd[late]) <= 0.01 + 1e-6 * pd[late]).mean()) if late.any() else 1.0
    return MinimumPayment(round(floor, 2), round(share, 6), rule.n, matched)


@dataclass
class Book:
    """Accounts (rows of accounts.csv) by calendar day 0 .. ``last_day``.

    ``on_books[a, d]``: in the portfolio during day d (entered before or on d, not yet left);
    ``at_risk[a, d]``: could self-cure at day d's midnight draw; ``dpd[a, d]``: days past due
    during day d (NaN off the books). ``row``: accounts.csv row of an account code (-1: none).
    """

    last_day: int
    on_books: np.ndarray
    at_risk: np.ndarray
    dpd: np.ndarray
    row: np.ndarray

    def rows_of(self, codes: np.ndarray) -> np.ndarray:
        """accounts.csv rows of account codes (-1 for codes not in accounts.csv)."""
        codes = np.asarray(codes, dtype=np.int64)
        out = np.full(len(codes), -1, dtype=np.int64)
        ok = (codes >= 0) & (codes < len(self.row))
        out[ok] = self.row[codes[ok]]
        return out

    def dpd_at(self, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Days past due of accounts (rows) on calendar days (NaN where unknown)."""
        ok = (rows >= 0) & (days >= 0) & (days <= self.last_day)
        out = np.full(len(rows), np.nan)
        out[ok] = self.dpd[rows[ok], days[ok]]
        return out


def _by_account(codes: np.ndarray, n_rows: np.ndarray, *cols: np.ndarray) -> dict[int, list[tuple]]:
    """Group rows by account row index: {row: [(col values...), ...]} in file order."""
    out: dict[int, list[tuple]] = {}
    for r, *vals in zip(n_rows.tolist(), *(c.tolist() for c in cols)):
        if r >= 0:
            out.setdefault(r, []).append(tuple(vals))
    return out


def replay(tr: Trace, last_day: int, minimum: MinimumPayment | None) -> Book | None:
    """Replay the book from the files (see the module doc); None without accounts.csv."""
    acc = tr.accounts
    if acc is None or last_day < 0:
        return None
    codes = acc["account_id"]
    n, days = len(codes), last_day + 1
    row = np.full(int(codes.max()) + 1 if n else 0, -1, dtype=np.int64)
    row[codes] = np.arange(n)
    book = Book(last_day, np.zeros((n, days), bool), np.zeros((n, days), bool), np.zeros((n, days)), row)
    entered = np.maximum(acc["day"].astype(np.int64), 0)
    dpd0 = acc["days_past_due"] if tr.has("accounts.csv", "days_past_due") else np.zeros(n)
    d = np.arange(days)
    book.dpd[:] = dpd0[:, None] + (d[None, :] - entered[:, None])
    book.on_books[:] = d[None, :] >= entered[:, None]
    book.at_risk[:] = d[None, :] > entered[:, None]
    mins = minimum.of(acc["balance_usd"]) if minimum is not None else None
    # exits, returns and partial payments, account by account in date order
    todo: dict[int, list[tuple]] = {}
    ev = tr.events
    if ev is not None and len(ev["day"]):
        for r, items in _by_account(
            ev["account_id"],
            book.rows_of(ev["account_id"]),
            ev["day"],
            ev["event"],
            ev.get("days_past_due", np.full(len(ev["day"]), np.nan)),
        ).items():
            todo.setdefault(r, []).extend(("event", *x) for x in items)
    pay = tr.payments
    if pay is not None and mins is not None:
        plain = pay["source"] != SELF_CURE
        for r, items in _by_account(
            pay["account_id"][plain],
            book.rows_of(pay["account_id"][plain]),
            pay["day"][plain],
            pay["amount_usd"][plain],
        ).items():
            todo.setdefault(r, []).extend(("pay", *x) for x in items)
    for r, items in todo.items():
        items.sort(key=lambda x: (x[1], x[0] == "event"))  # a day's payment before its event
        for item in items:
            day = int(item[1])
            if day < 0 or day > last_day:
                continue
            if item[0] == "pay":
                m = mins[r]
                if m > 0:
                    book.dpd[r, day + 1 :] -= CYCLE_DAYS * math.floor(item[2] / m + 1e-12)
                continue
            kind, at = int(item[2]), item[3]
            if kind == REDEFAULTED:
                start = 1.0 if not np.isfinite(at) else float(at)
                book.dpd[r, day:] = start + np.arange(days - day)
                book.on_books[r, day:] = True
                book.at_risk[r, day + 1 :] = True
            else:
                book.on_books[r, day + 1 :] = False
                book.at_risk[r, day + (kind != CHARGED_OFF) :] = False
    book.dpd[~book.on_books] = np.nan
    pr = tr.promises
    if pr is not None and len(pr["day"]):
        rows = book.rows_of(pr["account_id"])
        due = np.where(pr["status"] == PENDING, last_day, pr["due_day"])  # pending: held to the data end
        for r, m, x in zip(rows.tolist(), pr["day"].tolist(), due.tolist()):
            if r >= 0 and x > m:
                book.at_risk[r, max(m + 1, 0) : min(x, last_day) + 1] = False
    return book
