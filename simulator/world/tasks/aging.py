"""Roll rates between delinquency buckets (see schema.RollRates), and in a closed portfolio the
aging itself: days past due by calendar day and cures on payment (delinquency.py's rule).

With the living portfolio on, the portfolio ages its accounts and applies payments itself
(living.py); this task then only measures: its roll rates are a view of the portfolio's days
past due and of where the accounts that left went.

A roll period compares two snapshots ``period_days`` apart. Every account in a bucket at the
first stays in that bucket's denominator and is counted where it is at the second: in a bucket
by its days past due (an account handed to the next stage (placed), at its days
past due when it left a living portfolio), current when it cured, paid off or settled, or
charged off. Rates come by count and weighted by the balance at the period's start (``_usd``).

The same matrices are also kept per segment and group, treated (called) or the never-called
control group of a living portfolio (Counters.roll_groups): what the treatment's lift over
control is measured on (measures/lift.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..delinquency import age_one_day, days_past_due_after_payment, minimum_payment_usd
from ..portfolio import ACTIVE, CHARGED_OFF, CURED, PAID, SETTLED
from .base import Task

if TYPE_CHECKING:  # pragma: no cover
    from ...scenario.schema import Scenario
    from ..counters import Counters
    from ..state import WorldState

BUCKETS = ("current", "1_29", "30_59", "60_89", "90p")
DESTINATIONS = BUCKETS + ("charged_off",)
"""Where an account of a bucket can be at the end of a roll period (rows: BUCKETS)."""
CHARGED_OFF_COLUMN = len(BUCKETS)
RESOLVED = (CURED, PAID, SETTLED)
"""Statuses of accounts that left the portfolio current: counted in the roll matrix's current column."""


def bucket_of(dpd: np.ndarray) -> np.ndarray:
    """Delinquency bucket codes: 0 current, 1 = 1-29, 2 = 30-59, 3 = 60-89, 4 = 90+ days past due."""
    return np.searchsorted(np.array([1.0, 30.0, 60.0, 90.0]), dpd, side="right").astype(np.int8)


class Aging(Task):
    """Days past due per account (Portfolio.days_past_due), one more per calendar day unpaid.
    On whenever roll rates are measured, or, in a closed portfolio, a task reads days past due
    (rearrangement eligibility and re-ages, placement); its results block is ``roll_rates``."""

    name = "aging"

    @classmethod
    def wanted(cls, sc: Scenario) -> bool:
        if sc.special_on("roll_rates"):
            return True
        return not sc.portfolio_on and any(sc.special_on(b) for b in ("rearrangement", "placement"))

    @classmethod
    def days_counted(cls, sc: Scenario, last_work_day: int) -> int:
        """Until the first roll period is complete."""
        return sc.roll_rates.period_days + 2 if sc.special_on("roll_rates") else 0

    def __init__(self, state: WorldState) -> None:
        super().__init__(state)
        sc = state.scenario
        p = state.portfolio
        self.dpd = p.days_past_due
        self.ages = state.living is None  # a living portfolio ages its accounts itself
        self.roll = sc.roll_rates if sc.special_on("roll_rates") else None
        if self.roll is not None:
            r = self.roll
            if self.ages:
                self.min_payment = minimum_payment_usd(p.balance, r.min_payment_usd, r.min_payment_share)
            self._snapshot()
            self.start_counts = np.bincount(self.snap[self.snap_in], minlength=5)
            self.trans = np.zeros((len(BUCKETS), len(DESTINATIONS)), dtype=np.int64)
            self.trans_usd = np.zeros((len(BUCKETS), len(DESTINATIONS)))
            self.periods = 0
            # per segment x group (0 treated, 1 control) x start bucket x destination
            self.n_seg = len(sc.segments)
            self.group_shape = (self.n_seg, 2, len(BUCKETS), len(DESTINATIONS))
            self.groups = np.zeros(self.group_shape, dtype=np.int64)
            self.groups_usd = np.zeros(self.group_shape)
            # the called accounts by arm ([strategy] with two arms or more; world/arms.py)
            arms = state.counters.arms
            self.arm_shape = (
                (arms.n_arms if arms is not None else 0,) + self.group_shape[:1] + self.group_shape[2:]
            )
            self.arm_groups = np.zeros(self.arm_shape, dtype=np.int64)
            self.arm_groups_usd = np.zeros(self.arm_shape)

    def on_payment(self, account: int, amount_usd: float, day: int) -> None:
        """A kept payment cures or partly cures the account (roll rates on, closed portfolio)."""
        if self.roll is None or not self.ages:
            return
        self.dpd[account] = days_past_due_after_payment(
            float(self.dpd[account]), float(self.min_payment[account]), amount_usd
        )

    def _in_portfolio(self) -> np.ndarray:
        """Accounts measured: all in a closed portfolio; in a living one, those in it now."""
        p = self.state.portfolio
        return np.ones(p.n, bool) if self.ages else np.isin(p.status, ACTIVE)

    def _snapshot(self) -> None:
        """The start of a roll period: each account's bucket, whether it is measured, and its
        balance (US dollars) as the weight of the dollar rates."""
        self.snap = bucket_of(self.dpd)
        self.snap_in = self._in_portfolio()
        self.snap_usd = self.state.portfolio.balance.astype(float)

    def _destinations(self) -> np.ndarray:
        """Where every account is now, as a DESTINATIONS column: its bucket by days past due; in
        a living portfolio, current if it left cured, paid off or settled, and the charge-off
        column if it charged off (an account that left keeps its days past due at leaving). In
        a closed portfolio every account ages and cures by the payment rule, placed or not, so
        its days past due say where it is."""
        dest = bucket_of(self.dpd).astype(np.int64)
        if self.ages:
            return dest
        status = self.state.portfolio.status
        dest[np.isin(status, RESOLVED)] = 0
        dest[status == CHARGED_OFF] = CHARGED_OFF_COLUMN
        return dest

    def _placed(self) -> np.ndarray | None:
        placement = self.state.task("placement")
        return placement.placed if placement is not None else None

    def end_of_day(self, day: int, dialed: np.ndarray, promises_due: int) -> None:
        d = self.dpd
        if self.ages:
            age_one_day(d)
        r = self.roll
        if r is not None and (day + 1) % r.period_days == 0:
            keep = self.snap_in
            cell = self.snap[keep].astype(np.int64) * len(DESTINATIONS) + self._destinations()[keep]
            size = self.trans.size
            self.trans += np.bincount(cell, minlength=size).reshape(self.trans.shape)
            self.trans_usd += np.bincount(cell, weights=self.snap_usd[keep], minlength=size).reshape(
                self.trans.shape
            )
            self._count_groups(cell, keep)
            self._snapshot()
            self.periods += 1

    def _count_groups(self, cell: np.ndarray, keep: np.ndarray) -> None:
        """Add a finished period's moves to the per segment and group matrices."""
        p = self.state.portfolio
        group = p.segment[keep].astype(np.int64) * 2 + p.control[keep].astype(np.int64)
        cell = group * (len(BUCKETS) * len(DESTINATIONS)) + cell
        size = self.groups.size
        self.groups += np.bincount(cell, minlength=size).reshape(self.group_shape)
        self.groups_usd += np.bincount(cell, weights=self.snap_usd[keep], minlength=size).reshape(
            self.group_shape
        )
        if self.arm_groups.size:
            called = ~p.control[keep]
            arm = p.arm[keep][called].astype(np.int64)
            per_seg = len(BUCKETS) * len(DESTINATIONS)
            cell = arm * (self.n_seg * per_seg) + (
                p.segment[keep][called].astype(np.int64) * per_seg + cell[called] % per_seg
            )
            size = self.arm_groups.size
            self.arm_groups += np.bincount(cell, minlength=size).reshape(self.arm_shape)
            self.arm_groups_usd += np.bincount(
                cell, weights=self.snap_usd[keep][called], minlength=size
            ).reshape(self.arm_shape)

    def start_measuring(self, day: int) -> None:
        """Roll rates count the roll periods that end in the measured window; the
        ``accounts_*_start`` counts are the buckets when it opens."""
        if self.roll is not None:
            self.trans[:] = 0
            self.trans_usd[:] = 0.0
            self.groups[:] = 0
            self.groups_usd[:] = 0.0
            self.arm_groups[:] = 0
            self.arm_groups_usd[:] = 0.0
            self.periods = 0
            now = bucket_of(self.dpd)
            inside = self._in_portfolio()
            placed = self._placed()
            self.start_counts = np.bincount(now[inside if placed is None else inside & ~placed], minlength=5)

    def wants_day(self, day: int) -> bool:
        """Keep the world running until the first roll period that ends in the measured window
        is complete."""
        if self.roll is None:
            return False
        period = self.roll.period_days
        first = self.state.calendar.first_measured_day
        return day < period * ((first + period) // period)  # the first period end >= first

    def finish(self, counters: Counters) -> None:
        if self.roll is None:
            return
        out = {"periods": float(self.periods)}
        out.update(roll_rates(self.trans, ""))
        out.update(roll_rates(self.trans_usd, "_usd"))
        out["collected_usd"] = float(counters.collected.sum())
        placed = self._placed()
        end = bucket_of(self.dpd)
        keep = self._in_portfolio()
        if placed is not None:
            keep &= ~placed
        end_counts = np.bincount(end[keep], minlength=5)
        for i, b in enumerate(BUCKETS):
            out[f"accounts_{b}_start"] = float(self.start_counts[i])
            out[f"accounts_{b}_end"] = float(end_counts[i])
        counters.blocks["roll_rates"] = out
        counters.roll_groups = self.groups.copy()
        counters.roll_groups_usd = self.groups_usd.copy()
        if counters.arms is not None:
            counters.arms.roll_groups = self.arm_groups.copy()
            counters.arms.roll_groups_usd = self.arm_groups_usd.copy()


def roll_rates(trans: np.ndarray, suffix: str) -> dict[str, float | None]:
    """The rates of a roll matrix (rows BUCKETS at a period's start, columns DESTINATIONS at its
    end; counts, or dollars with ``suffix`` "_usd"): each bucket's roll to a worse place, the
    forward roll of the delinquent buckets, the cure rate, the 90+ bucket's charge-off rate and
    the flow to charge-off from 1-29 days past due (the product of the bucket-to-bucket rates;
    None where a bucket held nothing)."""
    rows = trans.sum(axis=1)

    def rate(a: float, b: float) -> float | None:
        return float(a) / float(b) if b else None

    out: dict[str, float | None] = {}
    steps = []
    for i, (lo, hi) in enumerate(zip(BUCKETS[1:4], BUCKETS[2:5]), start=1):
        steps.append(rate(trans[i, i + 1 :].sum(), rows[i]))
        out[f"roll_{lo}_to_{hi}{suffix}"] = steps[-1]
    steps.append(rate(trans[4, CHARGED_OFF_COLUMN], rows[4]))
    out[f"roll_90p_to_charged_off{suffix}"] = steps[-1]
    out[f"forward_roll_rate{suffix}"] = rate(sum(trans[i, i + 1 :].sum() for i in (1, 2, 3)), rows[1:4].sum())
    out[f"cure_rate{suffix}"] = rate(trans[1:, 0].sum(), rows[1:].sum())
    out[f"flow_to_charge_off{suffix}"] = None if None in steps else float(np.prod(steps))
    return out
