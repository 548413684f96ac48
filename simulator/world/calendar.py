"""The clock: simulation time is in seconds from midnight of calendar day 0."""

from __future__ import annotations

import datetime

from ..scenario.schema import WEEKDAYS, Calendar

__all__ = ["NOMINAL_MONDAY", "WorkCalendar", "nominal_date"]
NOMINAL_MONDAY = datetime.date(2024, 1, 1)
"""The nominal date of day 0 of a run that starts on a Monday (exported traces carry dates;
a run starting on weekday k starts k days later, so dates carry the right weekdays)."""


def nominal_date(start_weekday: str, day: int = 0) -> datetime.date:
    """The nominal date of calendar day ``day`` of a run whose day 0 is a ``start_weekday``."""
    return NOMINAL_MONDAY + datetime.timedelta(days=WEEKDAYS.index(start_weekday) + day)


class WorkCalendar:
    """Which calendar days are working days, and weekday/hour lookups."""

    def __init__(self, cal: Calendar) -> None:
        self.start_weekday = WEEKDAYS.index(cal.start_weekday)
        self.work_days: list[int] = cal.work_days()
        self.last_work_day = self.work_days[-1]
        # The first calendar day measured: warm-up calling days (and the days between them) are
        # left out of every metric.
        self.first_measured_day = self.work_days[cal.warmup_days] if cal.warmup_days else 0

    def weekday(self, day: int) -> int:
        """0 = Monday ... 6 = Sunday."""
        return (self.start_weekday + day) % 7
