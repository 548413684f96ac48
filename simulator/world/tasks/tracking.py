"""Tracking for the MIS: daily series of open promises, promises due, broken promises awaiting
follow-up and plans in force, and per-collector daily counters (see schema.Tracking)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...base.outcomes import RPC
from ..portfolio import OPEN
from .base import Task

if TYPE_CHECKING:  # pragma: no cover
    from ..counters import Counters
    from ..state import WorldState


class Tracking(Task):
    """Daily tracking series, one value per calendar day of the per-day counters."""

    name = "tracking"

    def __init__(self, state: WorldState) -> None:
        super().__init__(state)
        D = state.n_days
        C = state.n_collectors
        self.daily = {
            k: np.zeros(D) for k in ("open_promises", "due_today", "broken_awaiting", "plans_in_force")
        }
        self.per_collector = state.scenario.tracking.per_collector
        self.coll = {k: np.zeros((C, D)) for k in ("dials", "rpc", "promises", "kept", "collected")}
        self.last = {k: np.zeros(C) for k in self.coll}

    def start_measuring(self, day: int) -> None:
        """The counters the per-collector series difference have just been set back to zero."""
        if self.per_collector:
            self.last = self._cumulative()

    def _cumulative(self) -> dict[str, np.ndarray]:
        cnt, C = self.state.counters, self.state.n_collectors
        return {
            "dials": cnt.dials[:C].sum(axis=(1, 2)),
            "rpc": cnt.dials[:C, :, RPC].sum(axis=1),
            "promises": cnt.promises[:C].sum(axis=1),
            "kept": cnt.kept[:C].sum(axis=1),
            "collected": cnt.collected[:C].sum(axis=1),
        }

    def end_of_day(self, day: int, dialed: np.ndarray, promises_due: int) -> None:
        w = self.state
        p = w.portfolio
        if day >= len(self.daily["due_today"]):
            return
        self.daily["due_today"][day] = promises_due
        self.daily["open_promises"][day] = w.book.open
        self.daily["broken_awaiting"][day] = int(((p.status == OPEN) & (p.priority == 1)).sum())
        rearrangement = w.task("rearrangement")
        self.daily["plans_in_force"][day] = rearrangement.plans_in_force if rearrangement is not None else 0
        if self.per_collector:
            now = self._cumulative()
            for k, v in now.items():
                self.coll[k][:, day] = v - self.last[k]
            self.last = now

    def finish(self, counters: Counters) -> None:
        """The block: peaks and means over the measured days (after any warm-up); the daily
        series keep every day."""
        d = self.daily
        first = min(self.state.calendar.first_measured_day, len(d["open_promises"]) - 1)
        counters.blocks[self.name] = {
            "peak_open_promises": float(d["open_promises"][first:].max()),
            "mean_open_promises": float(d["open_promises"][first:].mean()),
            "mean_broken_awaiting": float(d["broken_awaiting"][first:].mean()),
            "peak_plans_in_force": float(d["plans_in_force"][first:].max()),
        }
        series = {"daily": {k: v.tolist() for k, v in d.items()}}
        if self.per_collector:
            names = self.state.structure.collectors
            series["collectors"] = {
                name: {k: v[i].tolist() for k, v in self.coll.items()} for i, name in enumerate(names)
            }
        counters.series[self.name] = series
