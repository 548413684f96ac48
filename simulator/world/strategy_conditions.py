"""The strategy rules' conditions on phones and channels (scenario/strategy.py), read each calling
morning over the accounts being matched, vectorised:

- ``has_cell_consent``: the account has a cell number whose debtor consented to autodialed calls
  (world/phone_numbers.py; a number a skip trace finds has no consent);
- ``phone_types``: the account has a number of one of these types;
- ``opted_out``: an opt-out of some message channel is in force for the account that day (the
  channel no longer sends to it: world/channels.py);
- ``messages_in_last_days``: the sends of one channel to the account on the ``days`` calendar days
  before today, between ``at_least`` and ``at_most``. Today's sends come later in the day than
  the morning's lists, so they count from tomorrow.

The sends are read from the channel's running total per account (``Channels.total``): at each
morning the total's growth since the previous morning is the previous working day's sends,
filed under that day, and a window sums the days it covers. Matching runs every working day
(the lists are built), so every send is filed under the day it was made.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..scenario.phones import PHONE_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.strategy import StrategyRule

CELL = PHONE_TYPES.index("cell")


class Numbers(Protocol):
    """What the conditions read of the accounts' phone numbers (world/phone_numbers.py
    AccountPhones): per account its count, and per number its type code and consent."""

    count: list[int]
    kind: list[int]
    consent: list[bool]


class Sends(Protocol):
    """What the conditions read of the channels (world/channels.py Channels): the channels on,
    the first day each channel's opt-out is in force per account, and its sends so far."""

    names: list[str]
    opt_out_from: list[np.ndarray]
    total: list[np.ndarray]


class MessageWindow:
    """Sends of one channel per account over the last ``days`` calendar days before today."""

    __slots__ = ("days", "filed", "in_window", "k", "last_day", "seen")

    def __init__(self, k: int, days: int, n: int) -> None:
        self.k, self.days = k, days
        self.seen = np.zeros(n, dtype=np.int64)  # the channel's total per account at the last morning
        self.in_window = np.zeros(n, dtype=np.int64)
        self.filed: deque[tuple[int, np.ndarray, np.ndarray]] = deque()  # (day, accounts, sends)
        self.last_day = -1

    def advance(self, day: int, total: np.ndarray) -> None:
        """Bring the window to the morning of calendar day ``day`` (``total``: the channel's
        sends so far per account)."""
        if day == self.last_day:
            return
        grew = np.flatnonzero(total != self.seen)
        if len(grew):  # the previous working day's sends (the day before, at the first morning)
            sends = total[grew] - self.seen[grew]
            self.seen[grew] = total[grew]
            self.in_window[grew] += sends
            self.filed.append((self.last_day if self.last_day >= 0 else day - 1, grew, sends))
        while self.filed and self.filed[0][0] < day - self.days:
            _, a, c = self.filed.popleft()
            self.in_window[a] -= c
        self.last_day = day


class PhoneAndChannelConditions:
    """The conditions of the rules that read phones or channels; :meth:`attach` gives them the
    world's phone numbers and channels once both are built."""

    __slots__ = ("channels", "phones", "rules", "windows", "_cell_consent", "_types", "_fresh", "_n")

    def __init__(self, rules: list[StrategyRule], n: int) -> None:
        self.rules = rules
        self._n = n
        self.phones: Numbers | None = None
        self.channels: Sends | None = None
        self.windows: dict[tuple[str, int], MessageWindow] = {}
        self._cell_consent: np.ndarray | None = None
        self._types: np.ndarray | None = None
        self._fresh = -1

    @staticmethod
    def used_by(rule: StrategyRule) -> bool:
        """Whether ``rule`` has a condition of this module."""
        return (
            rule.has_cell_consent is not None
            or bool(rule.phone_types)
            or rule.opted_out is not None
            or rule.messages_in_last_days is not None
        )

    def attach(self, phones: Numbers | None, channels: Sends | None) -> None:
        """The world's phone numbers and channels (None: not modelled)."""
        self.phones, self.channels = phones, channels
        for r in self.rules:
            m = r.messages_in_last_days
            if m is not None and channels is not None and (m.channel, m.days) not in self.windows:
                self.windows[(m.channel, m.days)] = MessageWindow(
                    channels.names.index(m.channel), m.days, self._n
                )

    def _phone_arrays(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Per account: has a cell with consent; has a number of each type (n x 3). Refreshed each
        morning (a skip trace can replace a number by one without consent)."""
        if self._fresh != day:
            ph = self.phones
            assert ph is not None
            count = np.asarray(ph.count, dtype=np.int64)
            owner = np.repeat(np.arange(len(count)), count)
            kind = np.asarray(ph.kind, dtype=np.int64)
            consent = np.asarray(ph.consent, dtype=bool)
            types = np.zeros((len(count), len(PHONE_TYPES)), dtype=bool)
            types[owner, kind] = True
            cell_consent = np.zeros(len(count), dtype=bool)
            cell_consent[owner[(kind == CELL) & consent]] = True
            self._types, self._cell_consent, self._fresh = types, cell_consent, day
        assert self._cell_consent is not None and self._types is not None
        return self._cell_consent, self._types

    def mask(self, rule: StrategyRule, idx: np.ndarray, day: int) -> np.ndarray:
        """Whether each account of ``idx`` meets ``rule``'s phone and channel conditions on the
        morning of calendar day ``day``."""
        m = np.ones(len(idx), dtype=bool)
        if rule.has_cell_consent is not None or rule.phone_types:
            cell_consent, types = self._phone_arrays(day)
            if rule.has_cell_consent is not None:
                m &= cell_consent[idx] == rule.has_cell_consent
            if rule.phone_types:
                cols = [PHONE_TYPES.index(t) for t in rule.phone_types]
                m &= types[idx][:, cols].any(axis=1)
        ch = self.channels
        if rule.opted_out is not None and ch is not None:
            out = np.zeros(len(idx), dtype=bool)
            for start in ch.opt_out_from:
                out |= start[idx] <= day
            m &= out == rule.opted_out
        w = rule.messages_in_last_days
        if w is not None and ch is not None:
            win = self.windows[(w.channel, w.days)]
            win.advance(day, ch.total[win.k])
            sent = win.in_window[idx]
            m &= sent >= w.at_least
            if w.at_most is not None:
                m &= sent <= w.at_most
        return m
