"""A team's working pattern: its shifts (part-time ones included) with their breaks and lunch, and
the shrinkage beyond the schedule (absenteeism, unplanned aux time).

A team works either one shift (``shift_start_time``, ``shift_length_h``, ``breaks``, ``lunch``)
or several (``shifts``: each a start, a length, its breaks and lunch, and a ``share`` of the
team or a fixed ``headcount``). Collectors are put on the shifts in id order, the first shift
first, by largest remainder of the shares. The team's meeting opens and its training closes every
shift; ``break_stagger_min`` spreads breaks and lunch across the collectors of each shift.

Shrinkage (docs/workforce.md): ``absenteeism`` is the probability that a collector does not log
in on a calling day, scaled on each weekday by ``absenteeism_weekday_multipliers`` (Monday
first); ``aux_share`` is the expected share of scheduled productive time lost to unplanned aux
(short absences from the desk, paid and not productive), in blocks of mean ``aux_mean_min``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import Field, model_validator

from .clock import Clock, clock_minutes, hhmm
from .fields import _Model

__all__ = ["Block", "Shift", "ShiftPlan", "shift_plans", "check_team", "weekday_absenteeism"]


class Block(_Model):
    """A scheduled block of unproductive time inside a shift (a break or lunch)."""

    start_time: Clock = Field(description="local clock time HH:MM at which the block is scheduled to start")
    length_min: float = Field(gt=0, le=24 * 60, description="length of the block in minutes")


class Shift(_Model):
    """One of a team's shifts: when it runs, its breaks and lunch, and how many work it."""

    start_time: Clock = Field(description="local clock time HH:MM at which the shift starts")
    length_h: float = Field(
        gt=0, le=24, description="paid length of the shift in hours (breaks and lunch included)"
    )
    share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="share of the team's headcount on this shift (give share on every shift, or headcount)",
    )
    headcount: int | None = Field(
        None,
        ge=0,
        le=100_000,
        description="collectors on this shift (give headcount on every shift, or share)",
    )
    breaks: list[Block] = Field([], description="paid breaks, each a start time and a length")
    lunch: Block | None = Field(None, description="lunch (paid, unproductive); omit for none")

    @model_validator(mode="after")
    def _one_size(self) -> Shift:
        if (self.share is None) == (self.headcount is None):
            raise ValueError(f"shift {self.start_time}: give exactly one of share and headcount")
        return self


class Team(Protocol):
    """What these functions read of a team (schema.Team, which imports this module)."""

    headcount: int
    shift_start_time: str | None
    shift_length_h: float | None
    shifts: list[Shift]
    breaks: list[Block]
    lunch: Block | None
    meeting_min_per_day: float
    training_min_per_day: float
    break_stagger_min: float
    absenteeism: float
    absenteeism_weekday_multipliers: list[float]
    aux_share: float


@dataclass(frozen=True)
class ShiftPlan:
    """One shift as its collectors work it: times in minutes after midnight, ``headcount`` collectors."""

    start_min: float
    length_h: float
    breaks: tuple[Block, ...]
    lunch: Block | None
    headcount: int

    @property
    def end_min(self) -> float:
        return self.start_min + self.length_h * 60.0

    @property
    def label(self) -> str:
        return f"{hhmm(self.start_min)}-{hhmm(self.end_min)}"


def _largest_remainder(n: int, weights: list[float]) -> list[int]:
    total = sum(weights)
    exact = [n * w / total for w in weights]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: -(exact[i] - counts[i]))[: n - sum(counts)]:
        counts[i] += 1
    return counts


def shift_plans(team: Team) -> list[ShiftPlan]:
    """The team's shifts in the order given, with the collectors on each (they sum to the
    headcount once the team is valid)."""
    if not team.shifts:
        start = float(clock_minutes(team.shift_start_time)) if team.shift_start_time else 0.0
        return [ShiftPlan(start, team.shift_length_h or 0.0, tuple(team.breaks), team.lunch, team.headcount)]
    if team.shifts[0].headcount is not None:
        counts = [s.headcount or 0 for s in team.shifts]
    else:
        counts = _largest_remainder(team.headcount, [s.share or 0.0 for s in team.shifts])
    return [
        ShiftPlan(float(clock_minutes(s.start_time)), s.length_h, tuple(s.breaks), s.lunch, k)
        for s, k in zip(team.shifts, counts)
    ]


def plan_blocks(team: Team, plan: ShiftPlan, offset_min: float = 0.0) -> list[tuple[float, float, str]]:
    """Scheduled (start, length, kind) blocks of one shift in minutes after midnight, sorted by
    start. ``offset_min`` delays the breaks and lunch (staggering); the team's meeting opens the
    shift and its training closes it whatever the offset."""
    out: list[tuple[float, float, str]] = []
    if team.meeting_min_per_day > 0:
        out.append((plan.start_min, team.meeting_min_per_day, "meeting"))
    for b in plan.breaks:
        out.append((clock_minutes(b.start_time) + offset_min, b.length_min, "break"))
    if plan.lunch is not None:
        out.append((clock_minutes(plan.lunch.start_time) + offset_min, plan.lunch.length_min, "lunch"))
    if team.training_min_per_day > 0:
        out.append((plan.end_min - team.training_min_per_day, team.training_min_per_day, "training"))
    return sorted(out)


def _check_shape(team: Team) -> None:
    single = team.shift_start_time is not None or team.shift_length_h is not None
    if team.shifts:
        if single:
            raise ValueError(
                "give either shift_start_time and shift_length_h (one shift) or shifts (several), not both"
            )
        if team.breaks or team.lunch is not None:
            raise ValueError("with shifts, give breaks and lunch inside each shift, not on the team")
        sized = {s.headcount is not None for s in team.shifts}
        if len(sized) > 1:
            raise ValueError("shifts: give share on every shift or headcount on every shift, not a mix")
        if True in sized:
            total = sum(s.headcount or 0 for s in team.shifts)
            if total != team.headcount:
                raise ValueError(
                    f"the shifts' headcounts add up to {total}, not the team's headcount {team.headcount} "
                    "(give shares to let the headcount vary, as staff and sweep do)"
                )
        else:
            total_share = sum(s.share or 0.0 for s in team.shifts)
            if abs(total_share - 1.0) > 1e-6:
                raise ValueError(f"the shifts' shares add up to {total_share:g}, not 1")
    elif team.shift_start_time is None or team.shift_length_h is None:
        raise ValueError("give shift_start_time and shift_length_h (one shift), or shifts (several)")


def check_team(team: Team) -> None:
    """Raise ValueError when the team's shifts or shrinkage are inconsistent."""
    _check_shape(team)
    for plan in shift_plans(team):
        where = f"shift {plan.label}: " if team.shifts else "shift "
        if plan.end_min > 24 * 60:
            raise ValueError(
                f"{where}starting {hhmm(plan.start_min)} for {plan.length_h:g} h ends after midnight"
                if team.shifts
                else f"shift starting {team.shift_start_time} for {team.shift_length_h} h ends after midnight"
            )
        blocks = plan_blocks(team, plan, team.break_stagger_min)
        for start, length, kind in plan_blocks(team, plan) + blocks:
            if start < plan.start_min or start + length > plan.end_min + 1e-9:
                raise ValueError(
                    f"{kind} at {hhmm(start)} for {length:g} min does not fit inside the shift {plan.label}"
                )
        for (s1, l1, k1), (s2, _, k2) in zip(blocks, blocks[1:]):
            if s1 + l1 > s2 + 1e-9:
                raise ValueError(f"{k1} at {hhmm(s1)} for {l1:g} min overlaps {k2} at {hhmm(s2)}")
        if sum(b[1] for b in blocks) >= plan.length_h * 60:
            raise ValueError(
                f"breaks, lunch, meetings and training fill the whole shift {plan.label}: "
                "no productive time is left"
            )
    mult = team.absenteeism_weekday_multipliers
    if mult and len(mult) != 7:
        raise ValueError(f"absenteeism_weekday_multipliers needs 7 values, Monday first, got {len(mult)}")
    for day, p in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), weekday_absenteeism(team)):
        if p > 1.0:
            raise ValueError(f"absenteeism x the {day} multiplier is {p:g}, above 1")


def weekday_absenteeism(team: Team) -> list[float]:
    """The probability that a collector of the team is absent on each weekday, Monday first."""
    mult = team.absenteeism_weekday_multipliers or [1.0] * 7
    return [team.absenteeism * m for m in mult]


def scheduled_hours(team: Team) -> tuple[float, float]:
    """(paid, productive) hours the team is scheduled for per calling day, all collectors present:
    productive = paid less breaks, lunch, meeting and training, less the expected unplanned aux."""
    paid = prod = 0.0
    for plan in shift_plans(team):
        blocks = sum(length for _, length, _ in plan_blocks(team, plan)) / 60.0
        paid += plan.headcount * plan.length_h
        prod += plan.headcount * (plan.length_h - blocks) * (1.0 - team.aux_share)
    return paid, prod
