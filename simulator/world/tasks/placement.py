"""Placement of unresolved accounts with a collection agency, and its recovery curve (see
schema.Placement for the model)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...base.clock import HOUR_S
from ..portfolio import ACTIVE, OPEN, PLACED, UNREACHABLE
from .base import Task

if TYPE_CHECKING:  # pragma: no cover
    from ..counters import Counters
    from ..state import WorldState


class Placement(Task):
    """Places open accounts at a days-past-due threshold or on a given day; they leave the lists
    for good and the agency's recovery is projected over its horizon."""

    name = "placement"

    def __init__(self, state: WorldState) -> None:
        super().__init__(state)
        self.cfg = state.scenario.placement
        n = state.portfolio.n
        self.placed = np.zeros(n, dtype=bool)
        self.placed_day = np.full(n, -1, dtype=np.int64)
        self.placed_balance = np.zeros(n)
        # one uniform per account, drawn up front: common random numbers across placement rules
        self.u_recover = state.streams.generator("placement/recovery").random(n)
        self.dialed_after = 0
        # the in-house work: accounts still worked (open, promised, tracing, unreachable; the
        # control group left out) at the close of each measured calling day
        self.work_days = set(state.calendar.work_days)
        self.open_account_days = 0
        self.measured_calling_days = 0

    def start_day(self, day: int) -> None:
        cfg, p = self.cfg, self.state.portfolio
        rule = np.zeros(p.n, dtype=bool)
        if cfg.at_days_past_due > 0:
            rule |= p.days_past_due >= cfg.at_days_past_due
        if cfg.after_days > 0 and day >= cfg.after_days:
            rule[:] = True
        new = rule & ~self.placed & ((p.status == OPEN) | (p.status == UNREACHABLE))
        if new.any():
            self.placed |= new
            self.placed_day[new] = day
            self.placed_balance[new] = p.balance[new]
            if self.state.living is None:
                p.status[new] = PLACED
                if self.state.recorder is not None:
                    a = np.flatnonzero(new)
                    self.state.recorder.accounts_moved(
                        day, a.tolist(), p.segment[a].tolist(), "placed", p.days_past_due[a].tolist()
                    )
            else:
                self.state.living.leave_many(np.flatnonzero(new), PLACED, day)

    def end_of_day(self, day: int, dialed: np.ndarray, promises_due: int) -> None:
        """Conservation: count dials today to accounts placed on or before today (should be 0);
        on a measured calling day, the accounts still worked in house at its close."""
        if len(dialed):
            pd = self.placed_day[dialed]
            self.dialed_after += int(((pd >= 0) & (pd <= day)).sum())
        if day in self.work_days and day >= self.state.calendar.first_measured_day:
            p = self.state.portfolio
            self.open_account_days += int((np.isin(p.status, ACTIVE) & ~p.control).sum())
            self.measured_calling_days += 1

    def finish(self, counters: Counters) -> None:
        """The block and the metrics count the placements of the measured window (after any
        warm-up); dialed_after_placement, a conservation check, counts the whole run."""
        cfg = self.cfg
        w = self.state
        wage = np.asarray([c.hourly_wage_usd for c in w.collectors])
        inhouse_cost_usd = float((counters.paid_s[: w.n_collectors] * wage).sum() / HOUR_S)
        share = float(cfg.curve(cfg.horizon_days))
        placed = self.placed & (self.placed_day >= w.calendar.first_measured_day)
        rec = placed & (self.u_recover < share)
        gross = float(self.placed_balance[rec].sum())
        commission = gross * cfg.commission_share
        placed_bal = float(
            np.where(placed, self.placed_balance, 0.0).sum()
        )  # 0 where not placed in the window
        collected = float(counters.collected.sum())
        agency_net = gross - commission
        days = self.measured_calling_days
        open_accounts = self.open_account_days / days if days else None
        seg, S = w.portfolio.segment, len(counters.accounts)
        counters.agency_collected_usd[:] = np.bincount(
            seg[rec], weights=self.placed_balance[rec], minlength=S
        )
        counters.agency_commission_usd[:] = counters.agency_collected_usd * cfg.commission_share
        if counters.arms is not None:
            arms = counters.arms
            arms.agency_collected_usd[:] = np.bincount(
                arms.arm[rec], weights=self.placed_balance[rec], minlength=arms.n_arms
            )
        counters.blocks[self.name] = {
            "placed_accounts": float(placed.sum()),
            "placed_balance_usd": placed_bal,
            "agency_recovered_usd": gross,
            "agency_commission_usd": commission,
            "agency_net_usd": agency_net,
            "expected_agency_net_usd": placed_bal * share * (1.0 - cfg.commission_share),
            "inhouse_collected_usd": collected,
            "inhouse_cost_usd": inhouse_cost_usd,
            "inhouse_net_usd": collected - inhouse_cost_usd,
            "total_net_usd": collected - inhouse_cost_usd + agency_net,
            "dialed_after_placement": float(self.dialed_after),
            "inhouse_collectors": float(w.n_collectors),
            "inhouse_open_accounts": open_accounts,
            "inhouse_open_accounts_per_collector": open_accounts / w.n_collectors if w.n_collectors else None,
        }
