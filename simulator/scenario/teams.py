"""Teams of collectors, their skill tiers and pyramid targets (``[teams]``, ``[skill_tiers]``,
``[targets]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .clock import Clock
from .fields import NonNeg, Probability, _Model
from .workforce import Block, Shift, ShiftPlan, check_team, plan_blocks, shift_plans

__all__ = ["SkillTier", "TeamSkill", "Targets", "Team"]


class SkillTier(_Model):
    """A named skill level: multipliers on a segment's base behaviour (1.0 = as specified)."""

    promise_multiplier: float = Field(
        1.0, gt=0, le=10, description="multiplier on the promise probability of a right-party contact"
    )
    keep_multiplier: float = Field(
        1.0, gt=0, le=10, description="multiplier on the keep probability of the promises taken"
    )
    payment_multiplier: float = Field(1.0, gt=0, le=10, description="multiplier on the amount promised")
    talk_time_multiplier: float = Field(1.0, gt=0, le=10, description="multiplier on right-party talk time")


class TeamSkill(_Model):
    """How a team's collectors' skill profiles are set."""

    tiers: dict[str, NonNeg] = Field(
        {},
        description=(
            "share of the team in each tier of [skill_tiers], e.g. { junior = 0.6, senior = 0.4 }; "
            "collectors are assigned in id order, the first tier first (empty: every collector at 1.0)"
        ),
    )
    individual_sd: float = Field(
        0.0,
        ge=0,
        le=1,
        description=(
            "spread of each collector around the tier: each multiplier is scaled by a log-normal factor with "
            "this standard deviation of its log (0: identical within a tier)"
        ),
    )
    collectors: dict[str, str] = Field(
        {}, description=('per-collector tier by collector number, e.g. { "03" = "expert" } (overrides tiers)')
    )


class Targets(_Model):
    """Pyramid targets (seed Table 14-1 style). Rates are fractions."""

    productive_rate: Probability = Field(description="productive hours / paid hours")
    rpc_per_productive_hour: NonNeg = Field(description="right-party contacts per productive hour")
    promise_rate: Probability = Field(description="promises / right-party contacts")
    kept_rate: Probability = Field(description="promises kept / promises")
    avg_payment: NonNeg = Field(description="dollars collected / promise kept, US dollars")

    @property
    def value_per_paid_hour(self) -> float:
        return (
            self.productive_rate
            * self.rpc_per_productive_hour
            * self.promise_rate
            * self.kept_rate
            * self.avg_payment
        )


class Team(_Model):
    """A team of identical-schedule collectors dedicated to one or more segments."""

    headcount: int = Field(ge=0, le=100_000, description="number of collectors on the team")
    segments: list[str] = Field(min_length=1, description="names of the segments this team works")
    hourly_wage_usd: NonNeg = Field(
        description=(
            "wage of one paid hour, US dollars (costs.wage_loading_share adds benefits and taxes; without it "
            "give the fully loaded cost here)"
        )
    )
    shift_start_time: Clock | None = Field(
        None, description="local clock time HH:MM at which the shift starts (one shift; or give shifts)"
    )
    shift_length_h: float | None = Field(
        None, gt=0, le=24, description="paid length of the shift in hours (breaks and lunch included)"
    )
    shifts: list[Shift] = Field(
        [],
        description=(
            "several shifts instead of one (part-time ones included), each with its start_time, length_h, "
            "share or headcount, breaks and lunch; collectors fill them in id order, the first shift first"
        ),
    )
    breaks: list[Block] = Field([], description="paid breaks, each a start time and a length")
    lunch: Block | None = Field(None, description="lunch (paid, unproductive); omit for none")
    meeting_min_per_day: NonNeg = Field(
        0.0, description="minutes of team meeting per day, held at the start of the shift"
    )
    training_min_per_day: NonNeg = Field(
        0.0, description="minutes of training or coaching per day, held at the end of the shift"
    )
    break_stagger_min: NonNeg = Field(
        0.0,
        description=(
            "spread of break and lunch start times across the team in minutes: collector i of n starts "
            "them i/n of this later than scheduled (0: the whole team breaks together)"
        ),
    )
    skill: TeamSkill = Field(TeamSkill(), description="skill profiles of the team's collectors")
    absenteeism: Probability = Field(
        0.0, description="probability that a collector is absent on a calling day (does not log in)"
    )
    absenteeism_weekday_multipliers: list[NonNeg] = Field(
        [],
        description=(
            "7 multipliers of absenteeism, Monday first, e.g. Mondays and Fridays higher (empty: 1 every day)"
        ),
    )
    aux_share: float = Field(
        0.0,
        ge=0,
        le=0.9,
        description=(
            "expected share of scheduled productive time lost to unplanned aux (paid, not productive)"
        ),
    )
    aux_mean_min: float = Field(
        5.0, gt=0, le=240, description="mean length of an unplanned aux block in minutes"
    )
    role: Literal["outbound", "inbound", "blend"] = Field(
        "outbound",
        description=(
            "outbound: the team dials its segments; inbound: it answers the [inbound] queue; blend: it "
            "answers the queue first and dials while the blend policy lets it ([inbound] "
            "reservation_threshold)"
        ),
    )
    targets: Targets | None = Field(
        None, description="the team's weekly pyramid targets, also applied to each of its collectors"
    )

    @property
    def shift_start_min(self) -> float:
        """Minutes after midnight at which the team's first shift starts."""
        return min(p.start_min for p in self.shift_plans())

    @property
    def shift_end_min(self) -> float:
        """Minutes after midnight at which the team's last shift ends."""
        return max(p.end_min for p in self.shift_plans())

    def shift_plans(self) -> list[ShiftPlan]:
        """The team's shifts with the collectors on each (scenario/workforce.py)."""
        return shift_plans(self)

    def unproductive_blocks(
        self, offset_min: float = 0.0, plan: ShiftPlan | None = None
    ) -> list[tuple[float, float, str]]:
        """Scheduled (start, length, kind) blocks in minutes after midnight, sorted by start, of
        ``plan`` (default: the team's first shift).

        ``offset_min`` delays the breaks and lunch (staggering); meetings open the shift and
        training closes it whatever the offset.
        """
        return plan_blocks(self, plan or self.shift_plans()[0], offset_min)

    @model_validator(mode="after")
    def _check(self) -> Team:
        if len(set(self.segments)) != len(self.segments):
            raise ValueError(f"segments lists a segment twice: {self.segments}")
        check_team(self)
        return self
