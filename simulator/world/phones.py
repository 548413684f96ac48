"""Phone status: whether an account's number reaches the debtor, and which outcome table a dial
to it uses.

Phone status is modelled when account-level behaviour is on (behaviour.py draws each number
valid, disconnected or wrong) or skip tracing is on (tasks/skip_trace.py draws numbers valid or
disconnected, and a trace that finds the debtor gives the account a fresh number). The first of
them calls :func:`model_phone_status`; from then on

- ``Portfolio.phone`` holds each account's :class:`PhoneState` code, a Python list read on every
  dial (``DialKernel.draw``) and written when a trace finds a number;
- without account-level behaviour (whose per-account draw knows the states itself),
  ``SegmentModel.cum_phone`` holds the outcome table of each state (:func:`model_phone_tables`),
  read as ``cum_phone[state][weekday * 24 + hour]``: cumulative outcome probabilities at the
  account's local weekday and hour.

Both are None while phone status is not modelled; a dial then uses the segment's own table
(``SegmentModel.cum_by_slot``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from ..base.outcomes import INVALID, NO_ANSWER, RPC
from ..scenario.schema import OUTCOMES

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Segment
    from .contact import SegmentModel
    from .portfolio import Portfolio


class PhoneState(IntEnum):
    """The state of an account's phone number."""

    VALID = 0  # reaches the debtor or a third party (the segment's outcomes, no invalid dials)
    DISCONNECTED = 1  # every dial ends invalid
    TRACED = 2  # a fresh number a skip trace found: valid, the debtor answering more often
    WRONG = 3  # reaches only third parties (account-level behaviour)


# Plain ints for the per-dial code.
VALID, DISCONNECTED, TRACED, WRONG = (int(x) for x in PhoneState)
STATUS_WORDS = ("valid", "wrong", "disconnected")
"""The values of ``phone_status`` in accounts.csv (docs/data-formats.md): the trace export
writes them and calibration reads them."""
EXPORTED_STATUS = {VALID: "valid", DISCONNECTED: "disconnected", TRACED: "valid", WRONG: "wrong"}
"""``phone_status`` in an exported accounts.csv, by state (a traced number is a valid one)."""

PhoneTables = tuple[list[list[float]], list[list[float]], list[list[float]]]
"""Cumulative outcome probabilities by local slot (weekday * 24 + hour) of a VALID, a
DISCONNECTED and a TRACED number, indexed by the state's code."""


def model_phone_status(portfolio: Portfolio, states: np.ndarray) -> list[int]:
    """Phone status becomes modelled: account ``a``'s number is in state ``states[a]`` (codes of
    :class:`PhoneState`). Returns ``portfolio.phone``, the list the dials read."""
    if portfolio.phone is not None:
        raise RuntimeError("phone status is modelled already: read portfolio.phone")
    portfolio.phone = states.tolist()
    return portfolio.phone


def model_phone_tables(
    models: Sequence[SegmentModel], segments: Iterable[Segment], traced_rpc_multiplier: float
) -> None:
    """Give each segment's model the outcome tables of its phone states (:func:`outcome_tables`),
    ``models[i]`` being that of ``segments``' i-th segment."""
    for m, seg in zip(models, segments):
        m.cum_phone = outcome_tables(seg, traced_rpc_multiplier)


def valid_number_probabilities(seg: Segment, hour: int, weekday: int) -> list[float]:
    """A working number's outcome probabilities at the account's local ``hour`` and ``weekday``:
    the segment's without invalid dials (those are the disconnected numbers'), renormalised; all
    no answer when the segment's dials are all invalid."""
    probs = seg.outcome_probabilities(hour, weekday)
    rest = 1.0 - probs[INVALID]
    g = [x / rest if rest > 0 else 0.0 for x in probs]
    g[INVALID] = 0.0
    if rest <= 0:
        g[NO_ANSWER] = 1.0
    return g


def outcome_tables(seg: Segment, traced_rpc_multiplier: float) -> PhoneTables:
    """The outcome tables of segment ``seg``'s phone states, by local slot. A valid number has the
    segment's outcome probabilities without invalid dials (those are the disconnected numbers'),
    renormalised; a disconnected one always ends invalid; a traced one has the valid number's
    with the right-party probability times ``traced_rpc_multiplier`` (at most 1), the other
    outcomes scaled to make up the rest."""
    valid, disconnected, traced = [], [], []
    only_invalid = [0.0] * len(OUTCOMES)
    only_invalid[INVALID] = 1.0
    for wd in range(7):
        for h in range(24):
            g = valid_number_probabilities(seg, h, wd)
            valid.append(_cumulative(g))
            disconnected.append(_cumulative(only_invalid))
            t = list(g)
            t[RPC] = min(1.0, g[RPC] * traced_rpc_multiplier)
            others = 1.0 - g[RPC]
            scale = (1.0 - t[RPC]) / others if others > 0 else 0.0
            t = [x * scale if k != RPC else x for k, x in enumerate(t)]
            traced.append(_cumulative(t))
    return valid, disconnected, traced


def _cumulative(probs: list[float]) -> list[float]:
    """Cumulative probabilities, the last raised above 1 so that no uniform falls off the end."""
    cum = list(itertools.accumulate(probs))
    cum[-1] = 2.0
    return cum


def not_working(phone: Sequence[int]) -> int:
    """Accounts whose number does not reach the debtor (disconnected or wrong)."""
    return sum(1 for x in phone if x == DISCONNECTED or x == WRONG)
