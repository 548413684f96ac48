"""The scenario's name and the center's working calendar (``[scenario]``, ``[calendar]``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .clock import Clock, clock_minutes
from .fields import WEEKDAYS, Weekday, _Model

__all__ = ["Meta", "Calendar"]


class Meta(_Model):
    """What the scenario is called and what it is for."""

    name: str = Field(min_length=1, max_length=120, description="short name, shown in tables and results")
    description: str = Field("", description="free text: purpose, sources, how parameters were derived")


class Calendar(_Model):
    """The working calendar of the center. Day 0 of the run is a ``start_weekday``."""

    working_days: int = Field(
        ge=1, le=3660, description="number of calling days simulated (days the center works)"
    )
    weekdays: list[Weekday] = Field(
        ["mon", "tue", "wed", "thu", "fri"], min_length=1, description="weekdays on which the center works"
    )
    start_weekday: Weekday = Field("mon", description="weekday of the first calendar day of the run")
    open_time: Clock = Field(
        "08:00", description="center opens, local clock time HH:MM; no shift starts earlier"
    )
    close_time: Clock = Field(
        "21:00", description="center closes, local clock time HH:MM; no shift ends later"
    )
    warmup_days: int = Field(
        0,
        ge=0,
        le=3650,
        description=(
            "calling days at the start of the run left out of every metric (the warm-up of a living "
            "portfolio; docs/portfolio.md says how to choose it); the daily series still show them"
        ),
    )

    holidays: list[Annotated[int, Field(ge=0, le=36600)]] = Field(
        [],
        description=(
            "calendar days (0 = the first day of the run; nominal date 2024-01-01 + start weekday index "
            "+ day, docs/data-formats.md) on which nobody works and no call is made, even on a working "
            "weekday; the run still has working_days calling days, so each holiday in its span pushes "
            "its end a calendar day later"
        ),
    )

    def work_days(self) -> list[int]:
        """The calendar days (0 = the first day of the run) on which the center calls: the
        working weekdays that are not holidays."""
        start = WEEKDAYS.index(self.start_weekday)
        working = {WEEKDAYS.index(d) for d in self.weekdays}
        off = set(self.holidays)
        out, day = [], 0
        while len(out) < self.working_days:
            if (start + day) % 7 in working and day not in off:
                out.append(day)
            day += 1
        return out

    @model_validator(mode="after")
    def _check(self) -> Calendar:
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError(f"weekdays lists a day twice: {self.weekdays}")
        if len(set(self.holidays)) != len(self.holidays):
            raise ValueError(f"holidays lists a day twice: {self.holidays}")
        if self.warmup_days >= self.working_days:
            raise ValueError(
                f"warmup_days ({self.warmup_days}) must be below working_days ({self.working_days}): "
                "nothing would be measured"
            )
        if clock_minutes(self.close_time) <= clock_minutes(self.open_time):
            raise ValueError(f"close_time {self.close_time} must be after open_time {self.open_time}")
        return self
