"""Midnight: the one place where a calendar day is closed and the next one opened.

Closing day d: fold the day's dials into the counters, count the promises made, recycle the
accounts out of attempts, note the accounts still on a line (the next list leaves them off),
file the day's attempts in the 7-day ring, settle the promises due
(:func:`settle_due`, the one place a promise is kept or broken), and let the special tasks end
their day. At the end of the warm-up the run totals start from zero. Opening a day: the living
portfolio's night (aging, exits, self-cure, arrivals), the special tasks' start, and on a
working day the promise reminders and the call lists. The world keeps going after the last
calling day until every promise has been settled (and no special task wants another day).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Generator
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import DAY_S
from .counters import A_COLLECTED, A_KEPT
from .dial_log import float_rows
from .inbound_traffic import settle_ivr_promises
from .portfolio import OPEN, PAID
from .promises import ACCT, AMOUNT, ARRANGEMENT, COLL, INBOUND, MADE, P_KEEP, SEG, U_KEEP

if TYPE_CHECKING:  # pragma: no cover
    from .dialing.base import Dialer
    from .state import WorldState


def day_process(state: WorldState, dialer: Dialer) -> Generator:
    """At each midnight: close yesterday; on a working day open the calling day. Runs past the
    last calling day until every promise has been settled."""
    env, cal = state.env, state.calendar
    work = set(cal.work_days)
    day = 0
    while True:
        if day > 0:
            dialer.flush(env.now)
            close_day(state, day - 1, dialer.lines_in_flight())
            if day == cal.first_measured_day:  # the warm-up is over: measure from here
                state.counters.reset_totals()
                state.rules.reset()
                if state.rule_engine is not None:
                    state.rule_engine.reset()
                if state.address_zones is not None:
                    state.address_zones.reset()
                if state.lost_contacts is not None:
                    state.lost_contacts.reset()
                if state.reputation is not None:
                    state.reputation.reset()
                for t in state.tasks:
                    t.start_measuring(day)
        if (
            day > cal.last_work_day
            and state.book.open == 0
            and not any(t.wants_day(day) for t in state.tasks)
        ):
            return
        if state.living is not None:
            state.living.open_day(day)
        for t in state.tasks:
            t.start_day(day)
        if day in work:
            mark_reminders(state, day)
            state.lists.rebuild(day)
        day += 1
        yield env.timeout(day * DAY_S - env.now)


def mark_reminders(state: WorldState, day: int) -> None:
    """Flag accounts whose promise falls due ``reminder_days_before_due`` days from now (not
    those with several numbers none of which the dialer may dial)."""
    p = state.portfolio
    p.reminder_due[:] = 0
    if state.reminder_lead is None:
        return
    comp = state.scenario.compliance
    wait_s = comp.wait_after_conversation_days * DAY_S
    numbers = state.phone_numbers
    for e in state.book.due_on(day + state.reminder_lead):
        a = e[ACCT]
        if numbers is not None and not numbers.has_dialable(a):
            continue  # no number the dialer may dial (a promise made on an inbound call)
        if (
            comp.exempt_promise_confirmation
            or not comp.enforce_wait_after_conversation
            or p.last_conversation_end_s[a] + wait_s <= day * DAY_S
        ):
            p.reminder_due[a] = 1


def close_day(state: WorldState, day: int, in_flight: Collection[int] = ()) -> None:
    """Close calendar day ``day`` (see the module docstring). ``in_flight``: accounts whose call
    is placed and not yet settled at this midnight (Dialer.lines_in_flight)."""
    cnt, p = state.counters, state.portfolio
    cols = state.log.to_numpy()
    state.log.clear()
    cnt.ensure_day(day)
    if len(cols["acct"]):
        np.maximum.at(p.last_attempt_s, cols["acct"], cols["t"])
    made = state.promises_today
    if made:
        pr = float_rows(made, 5)
        coll, seg, day_made = pr[:, 0].astype(np.int64), pr[:, 1].astype(np.int64), pr[:, 3].astype(np.int64)
        cnt.ensure_day(int(day_made.max()))
        np.add.at(cnt.promises, (coll, seg), 1)
        np.add.at(cnt.promised_usd, (coll, seg), pr[:, 2])
        np.add.at(cnt.daily_promises, (seg, day_made), 1)
        if cnt.arms is not None:
            cnt.arms.made(coll, pr[:, 4].astype(np.int64), pr[:, 2])
        made.clear()
    state.lists.file_spent()  # before the next rebuild reads blocked_until_s
    # the accounts on a line now, which the next rebuild keeps off the list
    state.lists.file_lines(
        cols["acct"], cols["t"] + cols["ring"] + cols["talk"], in_flight, (day + 1) * DAY_S
    )
    consented = state.consented_dials
    dialed = p.record_day(day, without_consented(cols["acct"], consented) if consented else cols["acct"])
    if consented:
        for a in consented:  # a call-back alone still starts tomorrow from 0 attempts
            p.attempts_today[a] = 0
        consented.clear()
    state.rules.close_day(p.attempts_7_total, dialed, p.day_dials[day % 7][1])
    cnt.fold(cols, p.segment, day, state.calendar.weekday(day))
    if state.reputation is not None:
        state.reputation.close_day(day, cnt, len(cols["out"]), day in state.calendar.work_days)
    if state.trace is not None and len(cols["out"]):
        state.trace.append(cols)
    due = settle_due(state, day)
    for t in state.tasks:
        t.end_of_day(day, cols["acct"], due)
    if state.living is not None:
        state.living.close_day(day)


def without_consented(accounts: np.ndarray, consented: list[int]) -> np.ndarray:
    """The day's dialed ``accounts`` (one entry per dial) less one entry per dial made with the
    debtor's consent (``consented``, one account per dial): the dials the 7-day count takes.
    Reg F (12 CFR 1006.14(b)(3)) leaves out of that count calls made with the consumer's prior
    consent given within the last seven days."""
    left = Counter(consented)
    keep = np.ones(len(accounts), dtype=bool)
    for i in np.flatnonzero(np.isin(accounts, list(left))):
        a = int(accounts[i])
        if left[a]:
            left[a] -= 1
            keep[i] = False
    return accounts[keep]


_NUMBERS = itemgetter(COLL, ACCT, SEG, AMOUNT, U_KEEP, P_KEEP, MADE)
_ARRANGEMENT = itemgetter(ARRANGEMENT)
_INBOUND = itemgetter(INBOUND)
E_COLL, E_ACCT, E_SEG, E_AMOUNT, E_U_KEEP, E_P_KEEP, E_MADE = range(7)
"""Columns of the settled promises' number array (the entries' fields picked by _NUMBERS)."""


def settle_due(state: WorldState, day: int) -> int:
    """Settle every promise due on calendar day ``day``; returns how many there were.

    A kept promise pays its amount: the collector's and segment's kept count and dollars, the
    day's collected dollars, the account's balance. A broken one counts as broken (promises
    made in the warm-up are left out of these counts; the daily series keep them). A plan's
    later installments are payments but not promises of the pyramid (see
    tasks/rearrangement.py): their dollars count, their kept or broken state does not. Cash in
    the calling period counts every payment due from the end of the warm-up to the last calling
    day, whenever its promise was made. An ordinary
    promise then leaves the account paid (kept) or back on the lists, first in line (broken);
    with a living portfolio a kept one is a payment that may leave the account open
    (living.LivingPortfolio.after_payment). An arrangement's payment is followed up by its task.
    Promises made in the inbound IVR (counter row inbound_traffic.IVR_ROW) are settled alike but
    counted in the inbound queue's IVR columns, not in the collectors' counts nor the daily series.
    Counters are added in the order the promises were filed (``np.add.at`` is sequential), so
    the sums are those of settling them one at a time.
    """
    due = state.book.take_due(day)
    n = len(due)
    if not n:
        return 0
    cnt, p, living = state.counters, state.portfolio, state.living
    e = np.fromiter(chain.from_iterable(map(_NUMBERS, due)), dtype=np.float64, count=7 * n).reshape(n, 7)
    coll, a, s = e[:, E_COLL].astype(np.int64), e[:, E_ACCT].astype(np.int64), e[:, E_SEG].astype(np.int64)
    amount = e[:, E_AMOUNT]
    kept = e[:, E_U_KEEP] < np.minimum(1.0, e[:, E_P_KEEP])
    broken = ~kept
    counted = e[:, E_MADE] >= state.calendar.first_measured_day
    # the IVR's promises (counter row IVR_ROW) are counted apart, in the inbound queue's columns
    staffed = None
    if cnt.inbound_queue is not None:
        staffed = settle_ivr_promises(cnt, coll, s, amount, kept & counted)
    channels = getattr(state, "channels", None)
    if channels is not None:  # the channels' promises, counted in their block
        staffed = channels.settle_promises(coll, s, amount, kept & counted, staffed, a)
    n_seg = cnt.daily_kept.shape[0]
    dk = kept if staffed is None else kept & staffed
    cnt.daily_kept[:, day] += np.bincount(s[dk], minlength=n_seg)
    cnt.daily_collected[:, day] += np.bincount(s[dk], weights=amount[dk], minlength=n_seg)
    arrangements = list(map(_ARRANGEMENT, due))
    # list.count(None) runs in C: without arrangements due (the usual day) no per-entry loop
    ordinary = (
        np.ones(n, dtype=bool)
        if arrangements.count(None) == n
        else np.fromiter((x is None for x in arrangements), dtype=bool, count=n)
    )
    # promises of the pyramid: ordinary ones and an arrangement's payment agreed in the conversation
    promise = (
        ordinary
        if ordinary.all()
        else np.fromiter((x is None or x.negotiated for x in arrangements), dtype=bool, count=n)
    )
    ck, cb = (kept, broken) if counted.all() else (kept & counted, broken & counted)
    ckp, cbp = (ck, cb) if promise is ordinary and ordinary.all() else (ck & promise, cb & promise)
    if staffed is not None:
        ck, cb, ckp, cbp = ck & staffed, cb & staffed, ckp & staffed, cbp & staffed
    np.add.at(cnt.kept, (coll[ckp], s[ckp]), 1)
    np.add.at(cnt.collected, (coll[ck], s[ck]), amount[ck])
    np.add.at(cnt.broken, (coll[cbp], s[cbp]), 1)
    if cnt.arms is not None:
        cnt.arms.settled(a, amount, ckp, ck, cbp)
    if cnt.inbound_answers is not None:  # the promises inbound calls made, also counted apart
        inb = np.fromiter(map(_INBOUND, due), dtype=bool, count=n)
        ki, kpi = ck & inb, ckp & inb
        np.add.at(cnt.inbound_answers, (coll[kpi], s[kpi], A_KEPT), 1)
        np.add.at(cnt.inbound_answers, (coll[ki], s[ki], A_COLLECTED), amount[ki])
    if state.calendar.first_measured_day <= day <= state.calendar.last_work_day:
        np.add.at(cnt.collected_in_period, (coll[dk], s[dk]), amount[dk])
    again = a[broken & ordinary]
    rec = state.recorder
    if living is None:
        paying = a[kept]
        np.subtract.at(p.balance, paying, amount[kept])
        p.balance[paying] = np.maximum(p.balance[paying], 0.0)
        p.status[a[kept & ordinary]] = PAID
        if rec is not None:
            done = a[kept & ordinary]
            rec.accounts_moved(
                day, done.tolist(), p.segment[done].tolist(), "paid", p.days_past_due[done].tolist()
            )
            for x, k in zip(due, kept.tolist()):
                rec.promise_settled(x, k, x[AMOUNT], day)
    else:
        for x, k in zip(due, kept.tolist()):
            paid = living.pay(x[ACCT], x[AMOUNT]) if k else 0.0
            if rec is not None:
                rec.promise_settled(x, k, paid, day)
    p.status[again] = OPEN
    p.priority[again] = 1
    payment_hooks = [t.on_payment for t in state.tasks if t.hooks("on_payment")]
    if payment_hooks or living is not None or not ordinary.all():
        for x, k in zip(due, kept.tolist()):
            if k:
                for hook in payment_hooks:
                    hook(x[ACCT], x[AMOUNT], day)
            if x[ARRANGEMENT] is not None:
                x[ARRANGEMENT].on_promise_due(x, k, day)
            elif k and living is not None:
                living.after_payment(x[ACCT], day)
    return n
