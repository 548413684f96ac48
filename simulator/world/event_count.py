"""A SimPy environment that counts the events it schedules, for benchmarks and event-budget tests.

Every SimPy event (a timeout, a process step, a succeeded event) passes through
``Environment.schedule``, SimPy's public method for putting an event on the queue; this
subclass counts the calls. That costs a Python call per event, so a world counts only when
built with ``count_events=True``, and a plain ``simpy.Environment`` runs otherwise.
"""

from __future__ import annotations

import simpy
from simpy.events import NORMAL, Event, EventPriority


class CountingEnvironment(simpy.Environment):
    """``simpy.Environment`` with ``scheduled``: the events scheduled so far."""

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self.scheduled = 0

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        """Schedule ``event`` ``delay`` seconds from now, as SimPy does, and count it."""
        self.scheduled += 1
        super().schedule(event, priority, delay)
