"""One line per account when the center also answers inbound calls (scenario block ``[inbound]``).

An account is on at most one line at a time, outbound dials and inbound calls counted together,
and an inbound conversation takes the account off the day's outbound lists as an outbound
conversation does. Two numbers per account (s, center clock) hold it:

- ``line_end[a]``: when the account's line ends, the last dial's (ring and talk) or the
  inbound caller's (+inf while the caller waits in the queue, then the hang-up or the end of
  the talk). The dialers write it as each dial is made (DialKernel.finish, and
  ProgressiveDialer.run_of_dials once a run is planned, so for dials that may lie ahead of the
  clock); the desk writes its callers'. The desk reads it: a background caller whose account is
  on a line (``line_end`` in the future, or a predictive call placed and not yet settled,
  Dialer.lines_in_flight) is redrawn among the segment's open accounts, and any other arrival
  from such an account (a retrial) is dropped, not counted: the debtor is on the phone with
  the center already.
- ``no_dial_before[a]``: written by the desk only: +inf while a caller from ``a`` waits, then
  the end of the caller's line, or, after a conversation (the caller's account open, as
  InboundDesk.answer decides), the later of that and the midnight that ends the day of the
  answer (the waiting period of the rules after it is DialKernel.talk's, as for an outbound
  conversation). The takers of accounts from the lists read it
  (routing.CampaignBesideInbound.next_account, which every dialer mode takes through;
  ProgressiveDialer.run_of_dials; PreviewDialer after reading the account) and pass over an
  account not to be dialed at the dial's moment. The account is dropped for the day (its place
  on the fresh list, or its retry, is used up: it has talked to the center or hung up on its
  queue) and comes back on the next midnight's lists as usual.

The dialers never need to read ``line_end``: the lists already give an account to at most one
outbound line (call_lists.py). A run of dials holds its accounts' lines from the moment it is
planned, so no caller is drawn from an account a planned run will dial.

The predictive dialer plays its campaigns' own events lazily (dialing/campaign_events.py):
before the desk reads or writes an account, every campaign is caught up to now
(Dialer.catch_up_to), so no call is later placed in the past of an inbound arrival.

Without ``[inbound]`` none of this exists: the campaigns are plain routing.Campaign and
DialKernel.line_end is None (one test of a local in the run of dials, one in finish).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import TYPE_CHECKING, Protocol

from ..base.clock import DAY_S
from .portfolio import OPEN

if TYPE_CHECKING:  # pragma: no cover
    from .portfolio import Portfolio
    from .recorder import Recorder


class Dialer(Protocol):
    """What the desk's side asks of the dialer (dialing.base.Dialer)."""

    def catch_up_to(self, now: float) -> None: ...
    def lines_in_flight(self) -> Collection[int]: ...


class AccountLines:
    """Per account, when its line ends and when it may be dialed again, and the desk's side of
    the rule. Counts, for tests and diagnostics: ``redrawn`` background callers drawn again,
    ``dropped`` arrivals not made, ``passed_over`` accounts the lists gave and the dialers
    passed over."""

    __slots__ = (
        "dialer",
        "dropped",
        "line_end",
        "no_dial_before",
        "passed_over",
        "portfolio",
        "prior",
        "recorder",
        "redrawn",
    )

    def __init__(self, portfolio: Portfolio, recorder: Recorder | None) -> None:
        self.line_end: list[float] = [-math.inf] * portfolio.n
        self.no_dial_before: list[float] = [-math.inf] * portfolio.n
        self.prior: dict[int, float] = {}  # a caller's account -> its no_dial_before at arrival
        self.portfolio = portfolio
        self.recorder = recorder
        self.dialer: Dialer | None = None  # set once the dialer is built (build.World)
        self.redrawn = self.dropped = self.passed_over = 0

    def is_free(self, a: int, now: float) -> bool:
        """Whether account ``a`` is on no line at ``now``, the dialer's campaigns caught up to
        ``now`` first."""
        self.dialer.catch_up_to(now)
        return self.line_end[a] <= now and a not in self.dialer.lines_in_flight()

    def call_in(self, a: int, now: float) -> bool:
        """A call from account ``a`` is about to arrive at ``now``: False if the account is open
        and on a line (the arrival is dropped), else True, the open account on the caller's
        line from now on. (A caller with no account, -1, or from an account closed since, which
        InboundDesk.arrive makes a caller with no account, holds no account's line.)"""
        if a < 0 or self.portfolio.status[a] != OPEN:
            return True
        if not self.is_free(a, now):
            self.dropped += 1
            return False
        self.prior[a] = self.no_dial_before[a]
        self.line_end[a] = self.no_dial_before[a] = math.inf
        return True

    def release(self, a: int, now: float) -> None:
        """A caller from account ``a`` left the line at ``now`` without the queue (the IVR settled
        the call): the line is free and the dialing rule as before the call."""
        before = self.prior.pop(a, None)
        if before is not None:
            self.line_end[a] = now
            self.no_dial_before[a] = before

    def hung_up(self, a: int, s: int, arrived_s: float, now: float) -> None:
        """A waiting caller from account ``a`` (segment ``s``) who arrived at ``arrived_s`` hung
        up at ``now``: the caller's line is free."""
        before = self.prior.pop(a, None)
        if before is not None:
            self.dialer.catch_up_to(now)  # calls placed before now saw the caller waiting
            self.line_end[a] = now
            self.no_dial_before[a] = before
        if self.recorder is not None:
            self.recorder.inbound_calls.append((-1, a, s, arrived_s, math.nan, now, 0))

    def answered(self, collector: int, a: int, s: int, arrived_s: float, now: float, talk_s: float) -> None:
        """Collector row ``collector`` answers at ``now`` the caller from account ``a`` (-1: none;
        segment ``s``) who arrived at ``arrived_s``; the talk lasts ``talk_s`` seconds. The
        caller negotiates when the account is open (as InboundDesk.answer decides), and the
        account is then held off the outbound lists for the rest of the day."""
        end = now + talk_s
        talks = a >= 0 and self.portfolio.status[a] == OPEN
        before = self.prior.pop(a, None)
        if before is not None:
            self.dialer.catch_up_to(now)
            self.line_end[a] = end
            self.no_dial_before[a] = max(before, end, (now // DAY_S + 1) * DAY_S if talks else end)
        if self.recorder is not None:
            self.recorder.inbound_calls.append((collector, a, s, arrived_s, now, end, int(talks)))
