"""Account rearrangement: settlements, payment plans and re-ages offered when a right-party
contact ends without a promise (see schema.Rearrangement for the model)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...base.clock import DAY_S
from ..portfolio import CURED, OPEN, PAID, PROMISED, SETTLED
from ..promises import ACCT, AMOUNT, COLL, MADE, P_KEEP, SEG
from .base import Task

if TYPE_CHECKING:  # pragma: no cover
    from ...scenario.schema import Scenario
    from ..collectors import Collector
    from ..counters import Counters
    from ..state import WorldState

OPTIONS = ("settlement", "plan", "reage")


class Arrangement:
    """An accepted option, attached to each of its payments in the promise book: which option,
    its state (the settlement's discount; a plan's installment, installments left and broken so
    far; the re-age's days past due) and the task that follows its payments up.

    ``negotiated``: the payment was agreed in the conversation (the option's first payment). Only
    such a payment is a promise of the pyramid (promises, kept, broken); a plan's later
    installments are counted apart (plan_installments_due and _kept), their dollars in
    ``collected``."""

    __slots__ = ("owner", "option", "state", "negotiated")

    def __init__(self, owner: Rearrangement, option: str, state: list, negotiated: bool = True) -> None:
        self.owner, self.option, self.state, self.negotiated = owner, option, state, negotiated

    def on_promise_due(self, entry: list, kept: bool, day: int) -> None:
        self.owner.follow_up(self, entry, kept, day)


class Rearrangement(Task):
    """Offers, acceptances and the payments of settlements, plans and re-ages."""

    name = "rearrangement"

    @classmethod
    def days_counted(cls, sc: Scenario, last_work_day: int) -> int:
        """Until the last payment of an arrangement accepted on the last calling day falls due."""
        span = 0
        for opt in OPTIONS:
            o = getattr(sc.rearrangement, opt)
            if o is not None:
                later = {"plan": "installments", "reage": "qualifying_payments"}.get(opt)
                span = max(span, o.due_days + ((getattr(o, later) - 1) * o.interval_days if later else 0))
        return last_work_day + span + 2

    def __init__(self, state: WorldState) -> None:
        super().__init__(state)
        sc = state.scenario
        cfg = sc.rearrangement
        names = sc.segment_names
        self.options = []  # (name, cfg, acceptance by segment, keep by segment), in offer order
        for opt in cfg.order:
            o = getattr(cfg, opt)
            if o is None:
                continue
            acc = [o.acceptance_by_segment.get(s, o.acceptance_probability) for s in names]
            keep = [
                o.keep_probability if o.keep_probability is not None else sc.segments[s].keep_probability
                for s in names
            ]
            self.options.append((opt, o, acc, keep))
        self.config = {opt: o for opt, o, _a, _k in self.options}
        uni = lambda rng, k: rng.random(k)  # noqa: E731
        self.u_accept = {opt: state.streams.batched(f"rearrange/{opt}/accept", uni) for opt in OPTIONS}
        self.u_keep = {opt: state.streams.batched(f"rearrange/{opt}/keep", uni) for opt in OPTIONS}
        # The block counts the measured window: offers made after any warm-up, and payments as
        # day.settle_due counts them (by the day their promise was made); the warm-up's go to
        # warmup_stats, which nothing reports.
        keys = (
            "offers",
            "accepted",
            "offered_balance_usd",
            "accepted_balance_usd",
            "payments_kept",
            "payments_broken",
            "collected_usd",
            "discount_usd",
            "completed",
            "broken_arrangements",
        )
        self.stats = {opt: dict.fromkeys(keys, 0.0) for opt in OPTIONS}
        self.warmup_stats = {opt: dict.fromkeys(keys, 0.0) for opt in OPTIONS}
        self.first_measured_s = state.calendar.first_measured_day * DAY_S
        self.plans_in_force = 0
        self.days_forgiven = 0.0
        self.reaged_on: dict[int, list[int]] = {}  # account -> calendar days of its completed re-ages
        self.reage_over_limits = 0.0  # eligible accounts not offered a re-age: over a limit

    def _done(self, a: int, exit_status: int, day: int) -> None:
        """The arrangement is complete: in a living portfolio the account leaves as
        ``exit_status``; in a closed one it is paid."""
        living = self.state.living
        if living is None:
            p = self.state.portfolio
            p.status[a] = PAID
            if self.state.recorder is not None:
                self.state.recorder.accounts_moved(
                    day, [a], [p.segment_list[a]], "paid", [float(p.days_past_due[a])]
                )
        else:
            living.leave(a, exit_status, day)

    def on_refusal(self, collector: Collector, account: int, segment: int, end_s: float) -> None:
        """Offer the eligible options in order until one is accepted."""
        a, s = account, segment
        p = self.state.portfolio
        bal = float(p.balance[a])
        dpd = float(p.days_past_due[a])
        day = int(end_s // DAY_S)
        for opt, o, acc, keep in self.options:
            if bal < o.min_balance_usd or bal <= 0 or not o.min_days_past_due <= dpd <= o.max_days_past_due:
                continue
            if opt == "reage" and not self._reage_allowed(a, day, o):
                self.reage_over_limits += end_s >= self.first_measured_s
                continue
            st = (self.stats if end_s >= self.first_measured_s else self.warmup_stats)[opt]
            st["offers"] += 1
            st["offered_balance_usd"] += bal
            if self.u_accept[opt].next() >= acc[s]:
                continue
            st["accepted"] += 1
            st["accepted_balance_usd"] += bal
            if opt == "settlement":
                amount, state = bal * (1.0 - o.discount_share), [bal * o.discount_share]
            elif opt == "plan":
                amount = bal / o.installments
                state = [amount, o.installments, 0]  # installment, remaining, broken so far
                self.plans_in_force += 1
            else:
                amount, state = min(o.qualifying_payment_usd, bal), [o.qualifying_payments]  # payments left
            self._promise(
                collector.idx,
                a,
                s,
                amount,
                day,
                day + o.due_days,
                Arrangement(self, opt, state),
                keep[s] * collector.keep_mult,
                end_s,
            )
            return

    def _reage_allowed(self, a: int, day: int, o) -> bool:
        """The FFIEC frequency limits: fewer than ``max_per_12_months`` re-ages of the account in
        the last 365 days and fewer than ``max_per_5_years`` in the last 1,826."""
        past = self.reaged_on.get(a)
        if not past:
            return True
        return (
            sum(day - d < 365 for d in past) < o.max_per_12_months
            and sum(day - d < 1826 for d in past) < o.max_per_5_years
        )

    def _promise(
        self,
        coll: int,
        a: int,
        s: int,
        amount: float,
        day: int,
        due: int,
        arrangement: Arrangement,
        p_keep: float,
        made_at_s: float,
    ) -> None:
        """File one payment of an arrangement. Its dollars count as promised; only the payment
        agreed in the conversation counts as a promise made (and on ``day`` in the daily series)."""
        w = self.state
        cnt = w.counters
        w.portfolio.status[a] = PROMISED
        if arrangement.negotiated:
            cnt.promises[coll, s] += 1
            cnt.arrangement_promises[coll, s] += 1
            cnt.ensure_day(day)
            cnt.daily_promises[s, day] += 1
        cnt.promised_usd[coll, s] += amount
        if cnt.arms is not None:
            arm = cnt.arms.arm_list[a]
            cnt.arms.promises[arm] += arrangement.negotiated
            cnt.arms.promised_usd[arm] += amount
        entry = w.book.add(
            due, coll, a, s, amount, self.u_keep[arrangement.option].next(), p_keep, arrangement, day
        )
        if w.recorder is not None:
            w.recorder.promise_made(entry, made_at_s, due, arrangement.option)

    def follow_up(self, arrangement: Arrangement, e: list, kept: bool, day: int) -> None:
        """One of the arrangement's payments was settled (day.settle_due counted it and
        paid it down): the plan's next installment, the arrangement completed, or broken."""
        p = self.state.portfolio
        cnt = self.state.counters
        coll, a, s, amount = e[COLL], e[ACCT], e[SEG], e[AMOUNT]
        opt, state = arrangement.option, arrangement.state
        measured = e[MADE] >= self.state.calendar.first_measured_day  # as day.settle_due counts it
        st = (self.stats if measured else self.warmup_stats)[opt]
        if kept:
            st["payments_kept"] += 1
            st["collected_usd"] += amount
            if measured:
                cnt.arrangement_collected[coll, s] += amount
                cnt.arrangement_kept[coll, s] += arrangement.negotiated
        else:
            st["payments_broken"] += 1
        o = self.config[opt]
        if opt == "plan":
            if measured:
                cnt.plan_installments_due[coll, s] += 1
                cnt.plan_installments_kept[coll, s] += kept
            inst, remaining, broken = state
            remaining -= 1
            broken += 0 if kept else 1
            if broken > o.breaks_allowed:
                self.plans_in_force -= 1
                st["broken_arrangements"] += 1
                p.status[a], p.priority[a] = OPEN, 1
                return
            if remaining <= 0:
                self.plans_in_force -= 1
                st["completed"] += 1
                self._done(a, PAID if p.balance[a] < 0.005 else CURED, day)  # paid to the cent
                return
            self._promise(
                coll,
                a,
                s,
                min(inst, float(p.balance[a])) or inst,
                day,
                day + o.interval_days,
                Arrangement(self, opt, [inst, remaining, broken], negotiated=False),
                e[P_KEEP],
                (day + 1) * DAY_S,
            )
            return
        if kept and opt == "reage" and state[0] > 1 and p.balance[a] >= 0.005:
            self._promise(  # the next qualifying payment
                coll,
                a,
                s,
                min(o.qualifying_payment_usd, float(p.balance[a])),
                day,
                day + o.interval_days,
                Arrangement(self, opt, [state[0] - 1], negotiated=False),
                e[P_KEEP],
                (day + 1) * DAY_S,
            )
            return
        if kept:
            st["completed"] += 1
            if opt == "settlement":
                st["discount_usd"] += state[0]
                self._done(a, SETTLED, day)
                if self.state.living is None:
                    p.balance[a] = 0.0
            elif p.balance[a] < 0.005:  # paid off before the last qualifying payment: no re-age
                self._done(a, PAID, day)
            else:
                if measured:
                    self.days_forgiven += float(p.days_past_due[a])
                self.reaged_on.setdefault(a, []).append(day)
                self._done(a, CURED, day)
            p.days_past_due[a] = 0.0
        else:
            st["broken_arrangements"] += 1
            p.status[a], p.priority[a] = OPEN, 1

    def finish(self, counters: Counters) -> None:
        """The block: offers and payments of the measured window; plans in force at the end."""
        out: dict[str, float | None] = {}
        for opt, _o, _a, _k in self.options:
            st = self.stats[opt]
            for k, v in st.items():
                out[f"{opt}_{k}"] = float(v)
            out[f"{opt}_acceptance_rate"] = st["accepted"] / st["offers"] if st["offers"] else None
            paid = st["payments_kept"] + st["payments_broken"]
            out[f"{opt}_kept_rate"] = st["payments_kept"] / paid if paid else None
            out[f"{opt}_collected_per_offer_usd"] = (
                st["collected_usd"] / st["offers"] if st["offers"] else None
            )
        if "reage" in self.config:
            out["reage_days_past_due_forgiven"] = self.days_forgiven
            out["reage_over_limits"] = self.reage_over_limits
        out["plans_in_force_at_end"] = float(self.plans_in_force)
        counters.blocks[self.name] = out
