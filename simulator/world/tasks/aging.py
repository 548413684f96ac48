"""Days past due by calendar day, and with the roll-rates block on, cures, delinquency buckets
and roll rates (see schema.RollRates for the model)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .base import Task

if TYPE_CHECKING:  # pragma: no cover
    from ...counters import Counters
    from ...scenario.schema import Scenario
    from ..state import WorldState

BUCKETS = ("current", "1_29", "30_59", "60_89", "90p")


def bucket_of(dpd: np.ndarray) -> np.ndarray:
    """Delinquency bucket codes: 0 current, 1 = 1-29, 2 = 30-59, 3 = 60-89, 4 = 90+ days past due."""
    return np.searchsorted(np.array([1.0, 30.0, 60.0, 90.0]), dpd, side="right").astype(np.int8)


class Aging(Task):
    """Days past due per account, one more per calendar day unpaid. On whenever a task reads
    them (rearrangement eligibility and re-ages, placement) or roll rates are measured; its
    results block is ``roll_rates``."""

    name = "aging"

    @classmethod
    def wanted(cls, sc: "Scenario") -> bool:
        return any(sc.special_on(b) for b in ("roll_rates", "rearrangement", "placement"))

    @classmethod
    def days_counted(cls, sc: "Scenario", last_work_day: int) -> int:
        """Until the first roll period is complete."""
        return sc.roll_rates.period_days + 2 if sc.special_on("roll_rates") else 0

    def __init__(self, state: "WorldState") -> None:
        super().__init__(state)
        sc = state.scenario
        p = state.portfolio
        self.dpd = np.maximum(p.days_past_due, 0.0).astype(float)
        self.roll = sc.roll_rates if sc.special_on("roll_rates") else None
        if self.roll is not None:
            r = self.roll
            self.min_payment = np.maximum(r.min_payment_usd, r.min_payment_share * p.balance)
            self.snap = bucket_of(self.dpd)
            self.start_counts = np.bincount(self.snap, minlength=5)
            self.trans = np.zeros((5, 5), dtype=np.int64)
            self.periods = 0

    def settle(self, a: int) -> None:
        """The account is paid off or re-aged: current from now on."""
        self.dpd[a] = 0.0

    def on_payment(self, account: int, amount_usd: float, day: int) -> None:
        """A kept payment cures or partly cures the account (roll rates on)."""
        if self.roll is None:
            return
        d = self.dpd[account]
        if d <= 0:
            return
        m = self.min_payment[account]
        if amount_usd >= m * math.ceil(d / 30.0) - 1e-9:
            self.dpd[account] = 0.0
        else:
            self.dpd[account] = max(0.0, d - 30.0 * math.floor(amount_usd / m + 1e-12))

    def _placed(self) -> np.ndarray | None:
        placement = self.state.task("placement")
        return placement.placed if placement is not None else None

    def end_of_day(self, day: int, dialed: np.ndarray, promises_due: int) -> None:
        d = self.dpd
        d[d > 0] += 1.0
        r = self.roll
        if r is not None and (day + 1) % r.period_days == 0:
            placed = self._placed()
            now = bucket_of(d)
            keep = np.ones(len(d), bool) if placed is None else ~placed
            self.trans += np.bincount(self.snap[keep].astype(np.int64) * 5 + now[keep], minlength=25).reshape(5, 5)
            self.snap = now
            self.periods += 1

    def wants_day(self, day: int) -> bool:
        """Keep the world running until the first roll period is complete."""
        return self.roll is not None and day < self.roll.period_days

    def finish(self, counters: "Counters") -> None:
        if self.roll is None:
            return
        placed = self._placed()
        t = self.trans
        rows = t.sum(axis=1)
        r = lambda a, b: float(a) / float(b) if b else None  # noqa: E731
        out = {"periods": float(self.periods)}
        for i, (lo, hi) in enumerate(zip(BUCKETS[1:4], BUCKETS[2:5]), start=1):
            out[f"roll_{lo}_to_{hi}"] = r(t[i, i + 1:].sum(), rows[i])
        out["forward_roll_rate"] = r(sum(t[i, i + 1:].sum() for i in (1, 2, 3)), rows[1:4].sum())
        out["cure_rate"] = r(t[1:, 0].sum(), rows[1:].sum())
        out["collected_usd"] = float(counters.collected.sum())
        end = bucket_of(self.dpd)
        if placed is not None:
            end = end[~placed]
        end_counts = np.bincount(end, minlength=5)
        for i, b in enumerate(BUCKETS):
            out[f"accounts_{b}_start"] = float(self.start_counts[i])
            out[f"accounts_{b}_end"] = float(end_counts[i])
        counters.blocks["roll_rates"] = out
