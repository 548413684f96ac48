"""Call-backs at a set time (scenario ``[inbound.callbacks]``, scenario/callbacks.py).

- **Asked for**: a right-party conversation that ends without a promise (DialKernel.talk's
  refusal hooks) ends in a call-back with ``probability``; its set time is the conversation's end
  plus ``delay_s``, moved to the opening of the calling window (center clock) when it falls
  outside it or on a day without calling. One set after the last calling day is dropped, and so
  is one to an account with several numbers none of which the dialer may dial (a cell without
  consent, phone_numbers.py; counted in the ``phones`` block, ``callbacks_without_dialable_phone``).
- **Due**: at the set time, if the account is still open (no promise, no payment since), the
  call-back joins the desk's call-backs in set-time order, or goes at once to a free collector
  of an inbound or blend team (InboundDesk.next_work takes call-backs before waiting callers).
- **Made**: inside the calling window, when the account is on no other line (account_lines.py),
  the collector dials the account through the dial kernel (a dial like any other: the
  outcome drawn at that hour, the rules, the log; it counts for the campaign that dials the
  account's bucket). The debtor asked for the call: made within seven days of asking, it is a
  call with the debtor's consent (DialKernel.consented; Reg F, 12 CFR 1006.14(b)(3)(i), excludes
  calls the consumer consented to within the past seven days), so it is not counted as a call
  inside the waiting period after the conversation, nor by the rule packs
  (RuleEngine.consented), nor in the 7-day attempt count (day.without_consented). It is the
  account's last attempt of that day: one that does not reach the debtor is not retried until
  the lists are next built. On time when started within
  ``on_time_s`` of the set time.

Counts by segment go to ``Counters.callbacks`` (columns CALLBACK_COLUMNS). Times are seconds
from midnight of calendar day 0 (center clock).
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import DAY_S
from .contact import sampler
from .counters import CALLBACK_COLUMNS
from .portfolio import OPEN

if TYPE_CHECKING:  # pragma: no cover
    from .collectors import Collector
    from .inbound import InboundDesk
    from .state import WorldState

CB_DUE, CB_MADE, CB_ON_TIME, CB_RPC = range(len(CALLBACK_COLUMNS))
RETRY_S = 60.0
"""Seconds until a call-back whose account is on another line is tried again."""


class CallbackJob(tuple):
    """A call-back due: (set time s, account, segment, time s the debtor asked for it)."""

    __slots__ = ()


class CallbackDesk:
    """Call-backs of one replication: asked for in conversations, made by the inbound desk."""

    def __init__(self, state: WorldState, desk: InboundDesk) -> None:
        sc = state.scenario
        cb = sc.inbound.callbacks
        self.env, self.desk, self.kernel, self.portfolio = state.env, desk, desk.kernel, state.portfolio
        self.probability, self.on_time_s = cb.probability, cb.on_time_s
        self.delay = sampler(state.streams, "callbacks/delay", cb.delay_s)
        self.ask = state.streams.generator("callbacks/ask")
        self.win_lo_s, self.win_hi_s = desk.win_lo_s, desk.win_hi_s
        self.work_days = set(state.calendar.work_days)
        self.last_day = state.calendar.last_work_day
        n_buckets = len(state.portfolio.bucket_segment)
        self.campaign_of_bucket = [0] * n_buckets  # the campaign that dials each bucket (first)
        for camp in reversed(state.campaigns):
            for b in camp.buckets:
                self.campaign_of_bucket[b] = camp.idx
        self.jobs: deque[CallbackJob] = deque()
        self.lines = state.lines  # one line per account (account_lines.py)
        self.consented = state.consented_dials
        self.numbers = state.phone_numbers  # several numbers per account (phone_numbers.py), or None
        state.counters.callbacks = np.zeros((len(sc.segments), len(CALLBACK_COLUMNS)))
        self.counts = state.counters.callbacks
        self.kernel.refusal_hooks = (*self.kernel.refusal_hooks, self.asked)

    def set_time(self, t: float) -> float | None:
        """The set time of a call-back asked for ``t``: moved into the calling window of a calling
        day; None after the last calling day."""
        day = int(t // DAY_S)
        tod = t - day * DAY_S
        if tod >= self.win_hi_s:
            day, tod = day + 1, self.win_lo_s
        elif tod < self.win_lo_s:
            tod = self.win_lo_s
        while day not in self.work_days:
            if day > self.last_day:
                return None
            day, tod = day + 1, self.win_lo_s
        return day * DAY_S + tod

    def asked(self, c: Collector, a: int, s: int, end_s: float) -> None:
        """A refusal hook: the conversation with account ``a`` ends at ``end_s`` without a
        promise; perhaps in a call-back."""
        if self.ask.random() >= self.probability:
            return
        numbers = self.numbers
        if numbers is not None and not numbers.has_dialable(a):
            if end_s >= numbers.first_measured_s:
                numbers.callbacks_dropped += 1
            return  # no number the dialer may dial: no call-back to set
        due = self.set_time(end_s + self.delay.next())
        if due is not None:
            self.env.timeout(due - self.env.now).callbacks.append(partial(self.fall_due, a, s, due, end_s))

    def put_back(self, job: CallbackJob, _event: object) -> None:
        """Call-back ``job`` is due now: to a free inbound (else blend) collector, or to the jobs
        waiting (also when one was not made when a collector took it: counted due once)."""
        desk = self.desk
        free = desk.free or desk.free_blend
        if free:
            _c, wake = free.popleft()
            wake.succeed(job)
        else:
            self.jobs.append(job)

    def fall_due(self, a: int, s: int, due: float, asked_s: float, _event: object) -> None:
        """The set time of a call-back to account ``a``, asked for at ``asked_s``, has come."""
        if self.portfolio.status[a] != OPEN:
            return  # a promise or a payment since: nothing to call back about
        self.counts[s, CB_DUE] += 1
        self.put_back(CallbackJob((due, a, s, asked_s)), None)

    def make(self, c: Collector, job: CallbackJob) -> float:
        """Collector ``c`` makes call-back ``job`` now; returns the seconds until it is free (0
        when it is not made now: the account closed since, which drops it; the calling window
        closed, which sets it again at the next opening; the account is on another line, which
        puts it back for a minute; no number left the dialer may dial, which drops it). The
        debtor asked for it, so an account held off today's lists (an inbound conversation,
        account_lines.py) is still called back."""
        due, a, s, asked_s = job
        k, p = self.kernel, self.portfolio
        now = self.env.now
        lines = self.lines
        if p.status[a] != OPEN:
            return 0.0
        numbers = self.numbers
        if numbers is not None and not numbers.has_dialable(a):
            if due >= numbers.first_measured_s:
                numbers.callbacks_dropped += 1
            return 0.0  # a skip trace since left no number the dialer may dial: dropped
        if not self.win_lo_s <= now % DAY_S < self.win_hi_s:
            again = self.set_time(now)
            if again is not None:
                self.env.timeout(again - now).callbacks.append(partial(self.put_back, job))
            return 0.0
        if lines is not None and not lines.is_free(a, now):
            self.env.timeout(RETRY_S).callbacks.append(partial(self.put_back, job))
            return 0.0
        row = self.counts[s]
        row[CB_MADE] += 1
        if now - due <= self.on_time_s:
            row[CB_ON_TIME] += 1
        talks = p.last_conversation_end_s[a]
        # the day's last attempt: a call-back that does not reach the debtor is not retried today
        # (the conversation that asked for it keeps the account off today's lists)
        last = p.attempts_today[a] + 1
        if p.allowed_today[a] > last:
            p.allowed_today[a] = last
            p.allowed_np[a] = last
        # asked for by the debtor: made with its consent (module docstring)
        consented = k.consented(a, asked_s, now)
        dur = k.dial(c, a, now, camp=self.campaign_of_bucket[p.bucket_list[a]])
        if consented:
            k.consent_done()
            self.consented.append(a)
        if p.last_conversation_end_s[a] != talks:
            row[CB_RPC] += 1
        return dur
