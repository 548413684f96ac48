"""Vintages of a living portfolio: liquidation curves by inflow month (results block
``vintages``), and the charge-off forecast of the book left at the end (results block
``charge_off_forecast``); docs/portfolio.md, "Vintages and the charge-off forecast".

A vintage (cohort) is the set of accounts that entered the portfolio in the same inflow month
of the measured window: 30-day blocks of calendar days from its first day (the calendar has no
real dates, so months are 30 days, like the billing cycle). An account that defaults again
enters again, in the month it comes back, like any roll-in. The accounts already in the
portfolio when the window opens form the vintage ``start``. Each vintage is followed by age,
whole 30-day months since each account's own entry: the cash it paid (``collected``), the
balance it still owed when it left cured (``cured``: current again), at charge-off
(``charged_off``) and on being handed to the next stage (``placed``), cumulative, in US
dollars and as a share of the balance it entered with. The never-called control group's
vintages are kept apart (``control_``).

Everything is booked where the portfolio's ledger books it (living.py), so, per replication,
the vintages' collected dollars sum to the ledger's ``collected_total``, and their cured,
charged-off and placed dollars to ``balance_cured``, ``balance_charged_off`` and
``balance_placed``. The hot path (a payment)
costs one list append, an exit one more; the day's are filed together at the next midnight.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .delinquency import CYCLE_DAYS

if TYPE_CHECKING:  # pragma: no cover
    from .portfolio import Portfolio
    from .valuation import LossRates

FIGURES = ("collected", "cured", "charged_off", "placed")
"""What a vintage's curves count, cumulative by age (rows of :attr:`Vintages.usd`)."""
COLLECTED, CURED_FIG, CHARGED_OFF_FIG, PLACED_FIG = range(4)


class Vintages:
    """The vintage ledger of one replication's measured window.

    ``first_day``: the first measured calendar day; ``last_work_day``: the last calling day
    (new accounts enter until then). Vintage rows: 0 is ``start``, 1 + k the inflow month k.
    Re-defaults after the last inflow month go into the last one; events at an age past a
    vintage's last reported age are added to that age (the last age holds everything later)."""

    def __init__(self, control: np.ndarray, first_day: int, last_work_day: int) -> None:
        n_accounts = len(control)
        self.control = control  # the portfolio's never-called flags, per account
        self.first_day = first_day
        self.last_work_day = last_work_day
        self.months = max(1, math.ceil((last_work_day + 1 - first_day) / CYCLE_DAYS))
        rows = 1 + self.months
        self.row = np.full(n_accounts, -1, dtype=np.int32)  # the account's vintage (-1: not entered)
        self.since = np.zeros(n_accounts, dtype=np.int32)  # calendar day of its (last) entry
        self.entered = np.zeros((rows, 2))  # entry balance, US dollars, treated (0) / control (1)
        self.accounts = np.zeros((rows, 2), dtype=np.int64)
        self.usd = np.zeros((len(FIGURES), rows, self.months, 2))  # by age, not yet cumulative
        self.paid_today: list[tuple[int, float]] = []  # (account, dollars) since the last filing
        self.pending: list[tuple[int, np.ndarray, np.ndarray]] = []  # (figure, accounts, dollars)
        self.today = first_day

    def enter(self, accounts: np.ndarray, balance_usd: np.ndarray, day: int, start: bool = False) -> None:
        """``accounts`` enter the portfolio on calendar day ``day`` (``start``: they are in it
        when the window opens, the vintage ``start``)."""
        if not len(accounts):
            return
        r = 0 if start else 1 + min((day - self.first_day) // int(CYCLE_DAYS), self.months - 1)
        self.row[accounts] = r
        self.since[accounts] = day
        g = self.control[accounts].astype(np.int64)
        np.add.at(self.entered, (r, g), balance_usd)
        np.add.at(self.accounts, (r, g), 1)

    def book(self, figure: int, accounts: np.ndarray, usd: np.ndarray) -> None:
        """Dollars ``usd`` of ``figure`` (one of FIGURES, by index) from ``accounts`` today
        (:attr:`today`), filed at the next midnight (:meth:`file`)."""
        self.pending.append((figure, accounts, usd))

    def file(self) -> None:
        """File what was booked and paid since the last filing, on calendar day :attr:`today`
        (an account's vintage and entry day do not change within a day: it enters at midnight)."""
        if self.paid_today:
            n = len(self.paid_today)
            a = np.fromiter((x[0] for x in self.paid_today), dtype=np.int64, count=n)
            usd = np.fromiter((x[1] for x in self.paid_today), dtype=float, count=n)
            self.paid_today.clear()
            self.pending.append((COLLECTED, a, usd))
        if not self.pending:
            return
        fig = np.repeat(
            np.fromiter((x[0] for x in self.pending), dtype=np.int64, count=len(self.pending)),
            np.fromiter((len(x[1]) for x in self.pending), dtype=np.int64, count=len(self.pending)),
        )
        a = np.concatenate([x[1] for x in self.pending]).astype(np.int64)
        usd = np.concatenate([x[2] for x in self.pending]).astype(float)
        self.pending.clear()
        r = self.row[a]
        if (r < 0).any():  # never seen entering: left out, so the ledger check would show it
            fig, a, usd, r = fig[r >= 0], a[r >= 0], usd[r >= 0], r[r >= 0]
        age = np.minimum((self.today - self.since[a]) // int(CYCLE_DAYS), self.months - 1)
        np.add.at(self.usd, (fig, r, age, self.control[a].astype(np.int64)), usd)

    # -- results --------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Vintage names by row: ``start``, ``month_0``, ``month_1``, ..."""
        return ["start"] + [f"month_{k}" for k in range(self.months)]

    def ages(self, r: int) -> int:
        """How many ages row ``r`` reports: the months from its first entry to the last calling
        day (the ``start`` vintage and inflow month 0 alike: all of the window)."""
        return self.months - max(0, r - 1)

    def months_complete(self, r: int) -> int:
        """Ages of row ``r`` that every one of its accounts has lived in full by the last
        calling day."""
        last_entry = (
            self.first_day if r == 0 else min(self.first_day + int(CYCLE_DAYS) * r - 1, self.last_work_day)
        )
        return max(0, (self.last_work_day - last_entry + 1) // int(CYCLE_DAYS))

    def block(self) -> dict[str, float | None]:
        """The ``vintages`` results block: per vintage and group (the control group prefixed
        ``control_``) its ``accounts``, ``entry_balance_usd`` and ``months_complete``, and per age
        a its cumulative ``age_<a>_<figure>_usd`` and ``age_<a>_<figure>_share`` (of the entry
        balance; None when nothing entered)."""
        out: dict[str, float | None] = {}
        for g, prefix in ((0, ""), (1, "control_")):
            for r, name in enumerate(self.names()):
                key = prefix + name
                entered = float(self.entered[r, g])
                out[f"{key}_accounts"] = float(self.accounts[r, g])
                out[f"{key}_entry_balance_usd"] = entered
                out[f"{key}_months_complete"] = float(self.months_complete(r))
                n = self.ages(r)
                for f, fig in enumerate(FIGURES):
                    by_age = self.usd[f, r, :, g]
                    cum = np.cumsum(np.concatenate([by_age[: n - 1], [by_age[n - 1 :].sum()]]))
                    for a in range(n):
                        v = float(cum[a])
                        out[f"{key}_age_{a}_{fig}_usd"] = v
                        out[f"{key}_age_{a}_{fig}_share"] = v / entered if entered > 0 else None
        return out


def charge_off_forecast(
    balance_by_bucket: np.ndarray, charge_off_probability: tuple[float, ...], recovery_rate: float
) -> dict[str, float]:
    """The ``charge_off_forecast`` results block: the book's balance (US dollars) in each 30-day
    bucket of days past due (1-29 first) projected month by month with no new inflow and no
    cure coming back: each month bucket k's balance rolls to k + 1 at the roll rate r_k, the
    rest leaves (paid, cured, settled: none comes back), and the last bucket's rolls to
    charge-off. The roll rates are those whose products are the valuation's P(charge-off):
    r_k = p_k / p_(k+1), r_last = p_last (0 where p_(k+1) is 0). ``month_<t>``: the balance
    charged off in month t = 1, 2, ...; ``total`` = sum over buckets of balance x p_k;
    ``recovery`` = total x recovery rate; ``net`` = total - recovery."""
    p = np.asarray(charge_off_probability, dtype=float)
    nxt = np.append(p[1:], 1.0)
    roll = np.divide(p, nxt, out=np.zeros_like(p), where=nxt > 0)
    x = np.asarray(balance_by_bucket, dtype=float).copy()
    out: dict[str, float] = {}
    for k, b in enumerate(x):
        out[f"balance_{bucket_name(k)}"] = float(b)
    total = 0.0
    for t in range(1, len(p) + 1):
        charged = float(x[-1] * roll[-1])
        out[f"month_{t}"] = charged
        total += charged
        x[1:] = x[:-1] * roll[:-1]
        x[0] = 0.0
    out["total"] = total
    out["recovery"] = total * recovery_rate
    out["net"] = total - out["recovery"]
    return out


def forecast_of_book(p: Portfolio, active: np.ndarray, rates: LossRates) -> dict[str, float]:
    """:func:`charge_off_forecast` of the accounts ``active`` (in the portfolio) and past due,
    by the 30-day bucket of their days past due (past the last bucket: the last)."""
    late = active & (p.days_past_due > 0)
    n = len(rates.by_bucket)
    k = np.clip((p.days_past_due[late] // CYCLE_DAYS).astype(np.int64), 0, n - 1)
    by_bucket = np.bincount(k, weights=p.balance[late], minlength=n)
    return charge_off_forecast(by_bucket, rates.by_bucket, rates.recovery)


def bucket_name(k: int) -> str:
    """The 30-day bucket of days past due k: 1_29, 30_59, 60_89, ..."""
    return "1_29" if k == 0 else f"{30 * k}_{30 * k + 29}"
