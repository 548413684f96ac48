"""Midnight: the one place where a calendar day is closed and the next one opened.

Closing day d: fold the day's dials into the counters, count the promises made, recycle the
accounts out of attempts, file the day's attempts in the 7-day ring, settle the promises due
(promises.settle_due), and let the special tasks end their day. Opening a working day: promise
reminders, then the call lists. The world keeps going after the last calling day until every
promise has been settled (and no special task wants another day).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Generator

import numpy as np

from .calendar import DAY_S
from .dial_log import float_rows
from .promises import ACCT, settle_due

if TYPE_CHECKING:  # pragma: no cover
    from .dialing.base import Dialer
    from .state import WorldState


def day_process(state: "WorldState", dialer: "Dialer") -> Generator:
    """At each midnight: close yesterday; on a working day open the calling day. Runs past the
    last calling day until every promise has been settled."""
    env, cal = state.env, state.calendar
    work = set(cal.work_days)
    day = 0
    while True:
        if day > 0:
            dialer.flush(env.now)
            close_day(state, day - 1)
        if day > cal.last_work_day and state.book.open == 0 and not any(t.wants_day(day) for t in state.tasks):
            return
        for t in state.tasks:
            t.start_day(day)
        if day in work:
            mark_reminders(state, day)
            state.lists.rebuild(day)
        day += 1
        yield env.timeout(day * DAY_S - env.now)


def mark_reminders(state: "WorldState", day: int) -> None:
    """Flag accounts whose promise falls due ``reminder_days_before_due`` days from now."""
    p = state.portfolio
    p.reminder_due[:] = 0
    if state.reminder_lead is None:
        return
    comp = state.scenario.compliance
    wait_s = comp.wait_after_conversation_days * DAY_S
    for e in state.book.due_on(day + state.reminder_lead):
        a = e[ACCT]
        if comp.exempt_promise_confirmation or not comp.enforce_wait_after_conversation \
                or p.last_conversation_end_s[a] + wait_s <= day * DAY_S:
            p.reminder_due[a] = 1


def close_day(state: "WorldState", day: int) -> None:
    """Close calendar day ``day`` (see the module docstring)."""
    cnt, p = state.counters, state.portfolio
    cols = state.log.to_numpy()
    state.log.clear()
    cnt.ensure_day(day)
    if len(cols["acct"]):
        np.maximum.at(p.last_attempt_s, cols["acct"], cols["t"])
    made = state.promises_today
    if made:
        pr = float_rows(made, 4)
        coll, seg, day_made = pr[:, 0].astype(np.int64), pr[:, 1].astype(np.int64), pr[:, 3].astype(np.int64)
        cnt.ensure_day(int(day_made.max()))
        np.add.at(cnt.promises, (coll, seg), 1)
        np.add.at(cnt.promised_usd, (coll, seg), pr[:, 2])
        np.add.at(cnt.daily_promises, (seg, day_made), 1)
        made.clear()
    state.lists.file_spent()   # before the next rebuild reads blocked_until_s
    dialed = p.record_day(day, cols["acct"])
    state.rules.close_day(p.attempts_7_total, dialed)
    cnt.fold(cols, p.segment, day, state.calendar.weekday(day))
    if state.trace is not None and len(cols["out"]):
        state.trace.append(cols)
    due = settle_due(state, day)
    for t in state.tasks:
        t.end_of_day(day, cols["acct"], due)
