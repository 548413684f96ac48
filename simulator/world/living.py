"""The living portfolio's days and payments (scenario block ``[portfolio]``, docs/portfolio.md).

Each midnight (:meth:`LivingPortfolio.open_day`): accounts still past due age a day; those at
the charge-off threshold leave; open accounts may self-cure (pay their past-due amount with no
contact); cured accounts due to default again come back; the day's new accounts enter. (Day 0
opens the run: the initial accounts start at their own days past due, with no night behind
them.) Every
payment (:meth:`pay`) reduces the balance and the past-due amount by the rule of
delinquency.py, and every exit (:meth:`leave`) is booked. The ledger (:meth:`ledger`) then
balances, for the measured window (after the warm-up):

    balance_start + balance_inflow = collected_total + settlement_discount + balance_cured
                                     + balance_charged_off + balance_placed + balance_end

and the same for accounts (paid, cured, settled, charged off, placed).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from .delinquency import CYCLE_DAYS, age_one_day, days_past_due_after_payment, minimum_payment_usd
from .portfolio import (
    ACTIVE,
    CHARGED_OFF,
    CURED,
    OPEN,
    PAID,
    PLACED,
    PROMISED,
    SETTLED,
    TRACING,
    UNREACHABLE,
    WAITING,
)
from .valuation import LossRates, expected_loss_usd
from .vintages import CHARGED_OFF_FIG, COLLECTED, CURED_FIG, PLACED_FIG, Vintages, forecast_of_book

if TYPE_CHECKING:  # pragma: no cover
    from ..base.rng import Streams
    from ..scenario.schema import Scenario
    from .arms import ArmCounts
    from .behaviour import AccountBehaviour
    from .calendar import WorkCalendar
    from .portfolio import Portfolio

EXITS = {PAID: "paid", CURED: "cured", SETTLED: "settled", CHARGED_OFF: "charged_off", PLACED: "placed"}
"""How an account leaves the portfolio, by status, as named in the ledger."""
RESIDUAL = {
    CURED: "balance_cured",
    SETTLED: "settlement_discount",
    CHARGED_OFF: "balance_charged_off",
    PLACED: "balance_placed",
}
"""Where the balance an account still owes when it leaves goes in the ledger (a paid account owes 0)."""
VINTAGE_FIGURE = {CURED: CURED_FIG, CHARGED_OFF: CHARGED_OFF_FIG, PLACED: PLACED_FIG}
"""The exits whose balance a vintage's curves count (world/vintages.py)."""
SELF_CURING = (OPEN, TRACING, UNREACHABLE)
"""Statuses from which an account can self-cure (not one holding a promise)."""


class LivingPortfolio:
    """Arrivals, aging, exits, self-cure, re-defaults, payments and the ledger of one world."""

    def __init__(
        self,
        sc: Scenario,
        portfolio: Portfolio,
        streams: Streams,
        calendar: WorkCalendar,
        behaviour: AccountBehaviour | None,
    ) -> None:
        cfg = self.cfg = sc.portfolio
        p = self.p = portfolio
        self.behaviour = behaviour
        self.recorder = None  # set by the world when it keeps a trace (recorder.Recorder)
        self.min_payment = minimum_payment_usd(p.balance_at_entry, cfg.min_payment_usd, cfg.min_payment_share)
        self.min_payment_list: list[float] = self.min_payment.tolist()
        n_seg = len(sc.segments)
        # The control group: drawn per segment at entry, never on the lists.
        for i, name in enumerate(sc.segment_names):
            mine = np.flatnonzero(p.segment == i)
            u = streams.generator(f"portfolio/{name}/control").random(len(mine))
            p.control[mine] = u < cfg.control_share
        p.blocked_until_s[p.control] = np.inf
        self.control_list: list[bool] = p.control.tolist()
        self.self_cure = (
            behaviour.self_cure_per_day
            if behaviour is not None
            else np.array([sc.segments[s].self_cure_per_day for s in sc.segment_names])[p.segment]
        )
        self.any_self_cure = bool(np.any(self.self_cure > 0))
        self.u_self_cure = streams.generator("portfolio/self_cure")
        self.u_redefault = streams.batched("portfolio/redefault", lambda rng, k: rng.random(k))
        self.redefault_days = streams.batched(
            "portfolio/redefault_after", lambda rng, k: cfg.redefault_after_days.sample(rng, k)
        )
        self.redefaults: dict[int, list[int]] = defaultdict(list)  # calendar day -> accounts defaulting again
        self.first_day = calendar.first_measured_day
        self.work_days = calendar.work_days
        self.measuring = self.first_day == 0
        self.vintages = Vintages(p.control, self.first_day, calendar.last_work_day)
        self.paid_today = self.vintages.paid_today  # (account, dollars) paid today, filed at midnight
        self.ledger_usd = dict.fromkeys(
            (
                "balance_start",
                "balance_inflow",
                "collected_total",
                "settlement_discount",
                "balance_cured",
                "balance_charged_off",
                "balance_placed",
            ),
            0.0,
        )
        self.ledger_accounts = dict.fromkeys(
            (
                "accounts_start",
                "accounts_inflow",
                "accounts_paid",
                "accounts_cured",
                "accounts_settled",
                "accounts_charged_off",
                "accounts_placed",
            ),
            0,
        )
        # dollars received (all sources) and accounts present in the measured window, by segment
        # and treated (0) / control (1): the incremental-value estimate
        self.received_usd = np.zeros((n_seg, 2))
        self.present = np.zeros((n_seg, 2), dtype=np.int64)
        self.self_cure_usd = np.zeros(n_seg)
        self.in_window = np.zeros(p.n, dtype=bool)  # in the portfolio at some time in the measured window
        self.loss_rates = LossRates(*cfg.loss_rates())
        self.n_seg = n_seg
        self.daily_open: dict[int, np.ndarray] = {}  # calendar day -> open accounts at its end, by segment
        self.daily_self_cure: dict[int, np.ndarray] = {}  # calendar day -> self-cure dollars, by segment
        self.arms: ArmCounts | None = None  # by champion/challenger arm (attach_arms)
        if self.measuring:
            self._start_measuring()

    def attach_arms(self, arms: ArmCounts) -> None:
        """Count by arm from now on (world/arms.py), the accounts already in the measured window
        (those present when it opened) included."""
        arms.start_living()
        self.arms = arms
        self._count_arms(np.flatnonzero(self.in_window), start=True)

    def _count_arms(self, new: np.ndarray, start: bool) -> None:
        """Count the called accounts of ``new`` (just in the measured window) by arm and segment."""
        arms, p = self.arms, self.p
        called = new[~p.control[new]]
        arm = arms.arm[called].astype(np.int64)
        np.add.at(arms.present, (arm, p.segment[called]), 1)
        counted = arms.accounts_at_start if start else arms.accounts_entered
        counted += np.bincount(arm, minlength=arms.n_arms)

    # -- the measured window ------------------------------------------------------------------
    def _active(self) -> np.ndarray:
        return np.isin(self.p.status, ACTIVE)

    def _start_measuring(self) -> None:
        p = self.p
        active = self._active()
        self.ledger_usd["balance_start"] = float(p.balance[active].sum())
        self.ledger_accounts["accounts_start"] = int(active.sum())
        a = np.flatnonzero(active)
        self._count_present(a, start=True)
        self.vintages.enter(a, p.balance[a], self.first_day, start=True)
        self.measuring = True

    def _count_present(self, accounts: np.ndarray, start: bool = False) -> None:
        """Mark accounts in the measured window and count them present by segment and group,
        each once: an account that cures and defaults again is still one account of its group
        (the unit the control group was drawn on)."""
        p = self.p
        new = accounts[~self.in_window[accounts]]
        self.in_window[new] = True
        np.add.at(self.present, (p.segment[new], p.control[new].astype(np.int64)), 1)
        if self.arms is not None:
            self._count_arms(new, start)

    def _enter(self, accounts: np.ndarray, day: int) -> None:
        """Accounts come in (new, or defaulting again): booked as inflow."""
        if not self.measuring or not len(accounts):
            return
        p = self.p
        self.ledger_usd["balance_inflow"] += float(p.balance[accounts].sum())
        self.ledger_accounts["accounts_inflow"] += len(accounts)
        self._count_present(accounts)
        self.vintages.enter(accounts, p.balance[accounts], day)

    # -- midnight -------------------------------------------------------------------------------
    def open_day(self, day: int) -> None:
        """Calendar day ``day`` begins (see the module docstring for the order)."""
        p = self.p
        self.vintages.file()  # yesterday's payments and exits
        self.vintages.today = day
        if day == self.first_day and not self.measuring:
            self._start_measuring()
        dpd, status = p.days_past_due, p.status
        active = np.isin(status, ACTIVE)
        if day > 0:  # a night has passed (the initial accounts start the run at their own age)
            age_one_day(dpd, active)
        over = np.flatnonzero(active & (status != PROMISED) & (dpd >= self.cfg.charge_off_days_past_due))
        self.leave_many(over, CHARGED_OFF, day)
        if self.any_self_cure and day > 0:
            self._self_cure(day)
        back = self.redefaults.pop(day, None)
        if back:
            a = np.asarray(back, dtype=np.int64)
            status[a] = OPEN
            dpd[a] = 1.0
            p.priority[a] = 0
            self._enter(a, day)
            if self.recorder is not None:
                self.recorder.accounts_moved(day, back, p.segment[a].tolist(), "redefaulted", dpd[a].tolist())
        new = np.flatnonzero((p.entry_day == day) & (status == WAITING))
        if len(new):
            status[new] = OPEN
            dpd[new] = p.days_past_due_at_entry[new]
            self._enter(new, day)

    def _self_cure(self, day: int) -> None:
        """Open accounts that pay their past-due amount today with no contact."""
        p = self.p
        u = self.u_self_cure.random(p.n)  # one uniform per account and day: common random numbers
        rate = self.self_cure if self.behaviour is None else self.behaviour.self_cure_today(p.days_past_due)
        cure = np.flatnonzero(np.isin(p.status, SELF_CURING) & (u < rate))
        if not len(cure):
            return
        owed = np.minimum(
            self.min_payment[cure] * np.ceil(p.days_past_due[cure] / CYCLE_DAYS), p.balance[cure]
        )
        p.balance[cure] -= owed
        p.days_past_due[cure] = 0.0
        self.daily_self_cure[day] = np.bincount(p.segment[cure], weights=owed, minlength=self.n_seg)
        if self.recorder is not None:
            self.recorder.self_cure(day, cure.tolist(), p.segment[cure].tolist(), owed.tolist())
        if self.measuring:
            self.ledger_usd["collected_total"] += float(owed.sum())
            seg = p.segment[cure]
            called = ~p.control[cure]
            np.add.at(self.received_usd, (seg, (~called).astype(np.int64)), owed)
            np.add.at(self.self_cure_usd, seg[called], owed[called])  # the control group's is the baseline
            if self.arms is not None:
                arm = self.arms.arm[cure[called]].astype(np.int64)
                np.add.at(self.arms.received_usd, (arm, seg[called]), owed[called])
                np.add.at(self.arms.self_cure_usd, (arm, seg[called]), owed[called])
            self.vintages.book(COLLECTED, cure, owed)
        paid_off = p.balance[cure] < 0.005
        self.leave_many(cure[paid_off], PAID, day)
        self.leave_many(cure[~paid_off], CURED, day)

    # -- payments and exits ---------------------------------------------------------------------
    def pay(self, a: int, amount_usd: float) -> float:
        """Account ``a`` pays ``amount_usd`` (at most its balance); returns what was paid. Its
        days past due follow the rule of delinquency.py; whether it leaves is the caller's."""
        p = self.p
        paid = min(amount_usd, float(p.balance[a]))
        p.balance[a] -= paid
        p.days_past_due[a] = days_past_due_after_payment(
            float(p.days_past_due[a]), self.min_payment_list[a], paid
        )
        if self.measuring:
            self.ledger_usd["collected_total"] += paid
            self.received_usd[p.segment_list[a], int(self.control_list[a])] += paid
            if self.arms is not None and not self.control_list[a]:
                self.arms.received_usd[self.arms.arm_list[a], p.segment_list[a]] += paid
            self.paid_today.append((a, paid))
        return paid

    def after_payment(self, a: int, day: int) -> None:
        """After an ordinary promise is kept on calendar day ``day``: paid in full, cured, or
        still open (a partial payment: back on the lists, where a later contact can take a new
        promise)."""
        p = self.p
        if p.balance[a] < 0.005:  # paid to the cent
            self.leave(a, PAID, day)
        elif p.days_past_due[a] <= 0.0:
            self.leave(a, CURED, day)
        else:
            p.status[a] = OPEN

    def leave(self, a: int, status: int, day: int) -> None:
        """Account ``a`` leaves the portfolio as ``status`` (one of EXITS) on calendar day ``day``."""
        self.leave_many(np.array([a], dtype=np.int64), status, day)

    def leave_many(self, accounts: np.ndarray, status: int, day: int) -> None:
        if not len(accounts):
            return
        p = self.p
        p.status[accounts] = status
        if self.recorder is not None:
            self.recorder.accounts_moved(
                day,
                accounts.tolist(),
                p.segment[accounts].tolist(),
                EXITS[status],
                p.days_past_due[accounts].tolist(),
            )
        if status == CURED and self.cfg.cure_redefault_probability > 0:
            for a in accounts.tolist():
                if self.u_redefault.next() < self.cfg.cure_redefault_probability:
                    self.redefaults[day + int(self.redefault_days.next())].append(a)
        if not self.measuring:
            return
        self.ledger_accounts["accounts_" + EXITS[status]] += len(accounts)
        if status in RESIDUAL:
            self.ledger_usd[RESIDUAL[status]] += float(p.balance[accounts].sum())
        if status in VINTAGE_FIGURE:
            self.vintages.book(VINTAGE_FIGURE[status], accounts, p.balance[accounts])

    def close_day(self, day: int) -> None:
        """Calendar day ``day`` is over: note the open accounts the unit works (the control
        group, never called, apart)."""
        p = self.p
        active = self._active()
        self.daily_open[day] = np.stack(
            [
                np.bincount(p.segment[active & ~p.control], minlength=self.n_seg),
                np.bincount(p.segment[active & p.control], minlength=self.n_seg),
            ]
        )

    # -- results --------------------------------------------------------------------------------
    def fill(self, counters) -> None:
        """Put the portfolio's measures into the counters (see Counters.received_usd)."""
        days = counters.daily_kept.shape[1]
        counters.received_usd = self.received_usd.copy()
        counters.present_accounts = self.present.copy()
        counters.self_cure_usd = self.self_cure_usd.copy()
        counters.daily_open_accounts = np.zeros((2, self.n_seg, days))
        counters.daily_open_counted = np.zeros(days)
        counters.daily_self_cure_usd = np.zeros((self.n_seg, days))
        for day, v in self.daily_open.items():
            if day < days:
                counters.daily_open_accounts[:, :, day] = v
                counters.daily_open_counted[day] = 1.0
        for day, v in self.daily_self_cure.items():
            if day < days:
                counters.daily_self_cure_usd[:, day] = v
        counters.blocks["portfolio"] = self.ledger()
        self.fill_losses(counters)
        self.vintages.file()
        counters.blocks["vintages"] = self.vintages.block()
        counters.blocks["charge_off_forecast"] = forecast_of_book(self.p, self._active(), self.loss_rates)

    def fill_losses(self, counters) -> None:
        """The expected losses at the end of the run (world/valuation.py), by segment, treated
        (0) and control (1): of the accounts open then (``open_loss_usd``), of every account in
        the portfolio at some time in the measured window, wherever it is now (``loss_usd``), and
        what those accounts still owe (``owed_usd``: balances open, cured, placed or charged off,
        and settlement discounts)."""
        p, w = self.p, self.in_window
        loss = expected_loss_usd(p.balance, p.days_past_due, p.status, self.loss_rates)
        where = p.segment.astype(np.int64) * 2 + p.control.astype(np.int64)
        size = 2 * self.n_seg

        def by_group(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
            return np.bincount(where[mask], weights=values[mask], minlength=size).reshape(self.n_seg, 2)

        owed = np.where(p.status == PAID, 0.0, p.balance)
        counters.open_loss_usd = by_group(loss, self._active())
        counters.loss_usd = by_group(loss, w)
        counters.owed_usd = by_group(owed, w)
        rates = self.loss_rates
        block = {
            f"charge_off_probability_{b}": x
            for b, x in zip(_bucket_names(len(rates.by_bucket)), rates.by_bucket)
        }
        block["charge_off_probability_cured"] = rates.cured
        block["recovery_rate"] = rates.recovery
        for k, group in ((0, "treated"), (1, "control")):
            owed_k = counters.owed_usd[:, k].sum()
            block[f"loss_per_dollar_owed_{group}"] = (
                float(counters.loss_usd[:, k].sum() / owed_k) if owed_k else None
            )
        counters.blocks["valuation"] = block
        arms = self.arms
        if arms is not None:  # the called accounts by arm and segment
            A, S = arms.n_arms, self.n_seg
            cell = arms.arm.astype(np.int64) * S + p.segment.astype(np.int64)
            called = ~p.control

            def by_arm(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
                m = mask & called
                return np.bincount(cell[m], weights=values[m], minlength=A * S).reshape(A, S)

            arms.open_loss_usd = by_arm(loss, self._active())
            arms.loss_usd = by_arm(loss, w)
            arms.owed_usd = by_arm(owed, w)

    def ledger(self) -> dict[str, float]:
        """The ``portfolio`` result block: the balance and account ledgers of the measured window."""
        p = self.p
        active = self._active()
        out = {k: float(v) for k, v in self.ledger_usd.items()}
        out["balance_end"] = float(p.balance[active].sum())
        out.update({k: float(v) for k, v in self.ledger_accounts.items()})
        out["accounts_end"] = float(active.sum())
        return out


def _bucket_names(n: int) -> list[str]:
    """Names of the first ``n`` 30-day buckets of days past due: 1_29, 30_59, 60_89, ..."""
    return ["1_29"] + [f"{30 * k}_{30 * k + 29}" for k in range(1, n)]
