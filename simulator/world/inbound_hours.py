"""The inbound queue by hour of the day: calls arrived, answered, answered within the service
level, abandoned, and the seconds waited by the answered calls, by the hour (0-23, center clock)
in which each call **arrived**. A call answered or abandoned in a later hour counts in the hour it
arrived in, so that each hour's service level and abandon rate are shares of that hour's calls,
as the center's are of all calls (measures/inbound.py).

The counts live in ``Counters.inbound_hours`` (24 x len(HOUR_COLUMNS)), allocated only when the
scenario has an ``[inbound]`` block (None otherwise), and are zeroed with the other totals at the
end of the warm-up. :class:`InboundHours` is what world/inbound.py calls, one line per event.
"""

from __future__ import annotations

import numpy as np

from ..base.clock import DAY_S, HOUR_S
from .counters import HOUR_COLUMNS, Counters

H_CALLS, H_ANSWERED, H_IN_SL, H_ABANDONED, H_WAIT = range(len(HOUR_COLUMNS))


def hour_of(t: float) -> int:
    """The hour of the day (0-23, center clock) of ``t`` seconds from midnight of day 0."""
    return int(t % DAY_S // HOUR_S)


class InboundHours:
    """Counts the inbound queue's events into ``counters.inbound_hours`` by the caller's hour of
    arrival (module docstring). Times are seconds from midnight of calendar day 0."""

    __slots__ = ("counts",)

    def __init__(self, counters: Counters) -> None:
        counters.inbound_hours = np.zeros((24, len(HOUR_COLUMNS)))
        self.counts = counters.inbound_hours

    def arrived(self, t: float) -> None:
        """A call (first call or retrial) arrived at ``t``."""
        self.counts[hour_of(t), H_CALLS] += 1

    def answered(self, arrived_s: float, wait_s: float, within: float) -> None:
        """The call that arrived at ``arrived_s`` was answered after ``wait_s`` seconds;
        ``within``: 1.0 when that is within the service-level threshold, else 0.0."""
        row = self.counts[hour_of(arrived_s)]
        row[H_ANSWERED] += 1
        row[H_IN_SL] += within
        row[H_WAIT] += wait_s

    def abandoned(self, arrived_s: float) -> None:
        """The caller who arrived at ``arrived_s`` hung up before an answer."""
        self.counts[hour_of(arrived_s), H_ABANDONED] += 1
