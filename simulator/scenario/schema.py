"""The scenario schema: typed, frozen models with strict keys and cross-field checks.

Components of the world never read raw dicts: they receive these models. Every quantity carries
its unit in its name (``_s`` seconds, ``_min`` minutes, ``_h`` hours, ``_days`` days, ``_usd``
US dollars; probabilities are fractions in [0, 1]; clock times are ``"HH:MM"`` local to the center).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ..base.outcomes import RETRY_OUTCOMES, SCENARIO_OUTCOMES
from ..base.outcomes import Outcome as OutcomeCode
from .channels import Channels
from .clock import Clock, clock_minutes
from .distributions import Constant, Dist, check_durations
from .inbound import Inbound
from .phones import PhoneNumber, phone_problems
from .portfolio import Inflow, LivingPortfolio
from .rules import RulePack, resolve_packs, shipped_packs
from .strategy import NAME as _NAME
from .strategy import ListKey, Strategy, strategy_problems
from .workforce import Block, Shift, ShiftPlan, check_team, plan_blocks, shift_plans

__all__ = [
    "Scenario",
    "Meta",
    "Calendar",
    "Block",
    "Shift",
    "Team",
    "Outcome",
    "Outcomes",
    "Segment",
    "ContactCurve",
    "TimeZones",
    "Schedule",
    "Window",
    "Attempts",
    "Dialer",
    "Compliance",
    "SkillTier",
    "TeamSkill",
    "Targets",
    "Routing",
    "SkipTrace",
    "RearrangeOption",
    "Settlement",
    "PaymentPlan",
    "Reage",
    "Rearrangement",
    "Tracking",
    "RollRates",
    "Placement",
    "Costs",
    "OUTCOMES",
    "WEEKDAYS",
    "clock_minutes",
]

OUTCOMES = SCENARIO_OUTCOMES
"""Every dial ends in exactly one of these, in this order (index = outcome code)."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError(f"expected a finite number, got {v!r}")
    return v


Probability = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_finite)]
NonNeg = Annotated[float, Field(ge=0.0), AfterValidator(_finite)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


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


class Outcome(_Model):
    """One dial outcome: how likely it is and how long it holds the collector.

    Ring time is from the start of the dial until the outcome is known (ring-out for no answer,
    the tone for busy or invalid numbers, the greeting for a machine or a person). Talk and
    wrap-up time follow only where a collector is connected to the call.
    """

    probability: Probability = Field(description="probability that a dial ends in this outcome")
    ring_time_s: Dist = Field(description="seconds from dialing until the outcome is known")
    talk_time_s: Dist = Field(
        Constant(value=0.0), description="seconds of talk after the outcome is known (0 if nobody talks)"
    )
    wrap_time_s: Dist = Field(
        Constant(value=0.0), description="seconds of after-call work (notes, dispositions)"
    )

    @model_validator(mode="after")
    def _check(self) -> Outcome:
        check_durations(self, ("ring_time_s", "talk_time_s", "wrap_time_s"))
        return self

    @property
    def mean_handling_s(self) -> float:
        """Expected seconds of collector time one dial with this outcome takes."""
        return self.ring_time_s.mean + self.talk_time_s.mean + self.wrap_time_s.mean


class Outcomes(_Model):
    """The six ways a dial can end. Probabilities must sum to 1."""

    no_answer: Outcome = Field(description="rings out with nobody answering")
    busy: Outcome = Field(description="busy tone")
    machine: Outcome = Field(description="answering machine or voicemail")
    invalid: Outcome = Field(description="invalid or disconnected number (special information tone)")
    third_party: Outcome = Field(description="a live person who is not the debtor")
    rpc: Outcome = Field(description="right-party contact: the debtor in person")

    @model_validator(mode="after")
    def _check(self) -> Outcomes:
        total = sum(getattr(self, o).probability for o in OUTCOMES)
        if abs(total - 1.0) > 1e-6:
            listing = ", ".join(f"{o}={getattr(self, o).probability:g}" for o in OUTCOMES)
            raise ValueError(f"outcome probabilities must sum to 1, they sum to {total:.6g} ({listing})")
        if self.mean_handling_s <= 0:
            raise ValueError("every outcome takes 0 seconds on average: a dial must take some time")
        return self

    def as_list(self) -> list[Outcome]:
        return [getattr(self, o) for o in OUTCOMES]

    @property
    def mean_handling_s(self) -> float:
        """Expected collector seconds per dial, over all outcomes."""
        return sum(o.probability * o.mean_handling_s for o in self.as_list())


class ContactCurve(_Model):
    """Multipliers on the base outcome probabilities by the account's local hour and weekday.

    At local hour h on weekday d the answer multiplier a = answer_by_hour[h] * answer_by_weekday[d]
    scales both live outcomes (third party and right party); the right-party multiplier
    r = rpc_by_hour[h] * rpc_by_weekday[d] scales the right-party outcome once more; no answer,
    busy, machine and invalid are rescaled together so the probabilities still sum to 1.
    """

    answer_by_hour: list[NonNeg] = Field(
        [1.0] * 24,
        min_length=24,
        max_length=24,
        description="24 multipliers, local hours 0-23, on the chance of a live answer",
    )
    rpc_by_hour: list[NonNeg] = Field(
        [1.0] * 24,
        min_length=24,
        max_length=24,
        description="24 multipliers, local hours 0-23, on the chance that a live answer is the debtor",
    )
    answer_by_weekday: list[NonNeg] = Field(
        [1.0] * 7,
        min_length=7,
        max_length=7,
        description="7 multipliers, Monday first, on the chance of a live answer",
    )
    rpc_by_weekday: list[NonNeg] = Field(
        [1.0] * 7,
        min_length=7,
        max_length=7,
        description="7 multipliers, Monday first, on the chance that a live answer is the debtor",
    )


class TimeZones(_Model):
    """Where the segment's accounts live: offsets of their local clock from the center's."""

    offsets_h: list[float] = Field(
        [0.0],
        min_length=1,
        description=(
            "hours to add to the center's clock to get the account's local time (-1: one hour behind); "
            "multiples of 0.25"
        ),
    )
    weights: list[NonNeg] = Field(
        [1.0], min_length=1, description="share of accounts in each offset (normalised)"
    )
    address_differs_share: Probability = Field(
        0.0,
        description=(
            "share of accounts whose address lies in another of these zones than their phone's area code "
            "(drawn by the weights among the others): a call must be inside the calling window in both "
            "(12 CFR 1006.6(b)(1)); needs two offsets or more"
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> TimeZones:
        if self.address_differs_share > 0 and sum(1 for w in self.weights if w > 0) < 2:
            raise ValueError("address_differs_share needs two offsets or more with a weight above 0")
        if len(self.offsets_h) != len(self.weights):
            raise ValueError(
                f"offsets_h has {len(self.offsets_h)} entries but weights has {len(self.weights)}"
            )
        if len(set(self.offsets_h)) != len(self.offsets_h):
            raise ValueError(f"offsets_h lists an offset twice: {self.offsets_h}")
        for o in self.offsets_h:
            if not math.isfinite(o) or abs(o) > 14 or abs(o * 4 - round(o * 4)) > 1e-9:
                raise ValueError(f"offset {o!r} h: expected a multiple of 0.25 between -14 and 14")
        if sum(self.weights) <= 0:
            raise ValueError("weights must not all be 0")
        return self


class Window(_Model):
    """A daily time window, center clock."""

    start_time: Clock = Field(description="start, HH:MM")
    end_time: Clock = Field(description="end, HH:MM (after start)")

    @model_validator(mode="after")
    def _check(self) -> Window:
        if clock_minutes(self.end_time) <= clock_minutes(self.start_time):
            raise ValueError(f"end_time {self.end_time} must be after start_time {self.start_time}")
        return self


class Schedule(_Model):
    """When the dialer may work a segment (campaign design), center clock."""

    weekdays: list[Weekday] = Field(
        list(WEEKDAYS), min_length=1, description="weekdays on which the segment is dialed"
    )
    windows: list[Window] = Field(
        [Window(start_time="00:00", end_time="24:00")],
        min_length=1,
        description="time windows in which the segment is dialed (center clock)",
    )

    def allows_minute(self, weekday: int, minute: int) -> bool:
        """Whether minute ``minute`` (0-1439, center clock) of weekday ``weekday`` is scheduled."""
        if WEEKDAYS[weekday] not in self.weekdays:
            return False
        return any(clock_minutes(w.start_time) <= minute < clock_minutes(w.end_time) for w in self.windows)


class Segment(_Model):
    """A portfolio segment: its accounts and how they respond to calls."""

    accounts: int = Field(ge=1, le=50_000_000, description="number of delinquent accounts in the segment")
    balance_usd: Dist = Field(description="balance owed per account, US dollars")
    outcomes: Outcomes = Field(description="dial outcomes with their probabilities and handling times")
    promise_probability: Probability = Field(
        description="probability that a right-party contact ends in a promise to pay"
    )
    keep_probability: Probability = Field(description="probability that a promise is kept on its due date")
    payment_usd: Dist = Field(
        description="amount promised (and paid, if kept), US dollars; capped at the balance"
    )
    promise_due_days: Dist = Field(
        description="calendar days from the promise to its due date (whole numbers >= 0)"
    )
    risk_score: Dist = Field(
        Constant(value=0.5),
        description=(
            "collection score per account, higher = more likely to pay (used by the risk_score list strategy)"
        ),
    )
    days_past_due: Dist = Field(
        Constant(value=30.0), description="days past due of each account at the start of the run"
    )
    contact_curve: ContactCurve = Field(
        ContactCurve(), description="hour and weekday multipliers on contact probabilities"
    )
    time_zones: TimeZones = Field(TimeZones(), description="time zones of the accounts")
    schedule: Schedule = Field(
        Schedule(), description="when the dialer may work this segment (campaign design)"
    )
    inflow: Inflow | None = Field(
        None, description="new accounts entering each calendar day (needs [portfolio]; omit: none)"
    )
    self_cure_per_day: Probability = Field(
        0.0,
        description=(
            "probability per calendar day that an open account pays its past-due amount without any contact "
            "(needs [portfolio]; with account-level behaviour the segment average)"
        ),
    )
    phones: Dist = Field(
        Constant(value=1.0),
        description=(
            "number of phone numbers per account (whole numbers >= 1; used by account-level behaviour)"
        ),
    )
    phone_numbers: list[PhoneNumber] = Field(
        [],
        max_length=8,
        description=(
            "the segment's phone numbers: type, share of accounts having one, validity, consent and answer "
            "curve of each (scenario/phones.py; omit: one number per account, the segment's own outcomes)"
        ),
    )
    states: dict[str, float] | None = Field(
        None,
        description=(
            "shares of the accounts by state, e.g. { MA = 0.15, other = 0.85 }, drawn per account; "
            "rule packs apply by state (compliance.packs.NAME.states); omit: no state"
        ),
    )
    wrong_number_share: Probability = Field(
        0.0,
        description=(
            "share of accounts whose number reaches someone else: live answers are third parties until skip "
            "tracing finds a new number (used by account-level behaviour)"
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Segment:
        if self.states is not None:
            w = list(self.states.values())
            if not w or any(not math.isfinite(x) or x < 0 for x in w) or sum(w) <= 0:
                raise ValueError("states: shares must be finite, >= 0 and not all 0")
        if self.balance_usd.lower < 0:
            raise ValueError("balance_usd can be negative; balances must be >= 0")
        if self.payment_usd.lower < 0:
            raise ValueError("payment_usd can be negative; payments must be >= 0")
        d = self.promise_due_days
        if d.lower < 0 or not d.integer_valued:
            raise ValueError(
                "promise_due_days must produce whole numbers >= 0 "
                "(use a constant, uniform_int or discrete distribution)"
            )
        if self.days_past_due.lower < 0:
            raise ValueError("days_past_due can be negative; expected values >= 0")
        if self.phones.lower < 1 or not self.phones.integer_valued:
            raise ValueError(
                "phones must produce whole numbers >= 1 (use a constant, uniform_int or discrete "
                "distribution)"
            )
        if self.wrong_number_share > 0 and self.wrong_number_share + self.outcomes.invalid.probability >= 1.0:
            raise ValueError(
                "wrong_number_share plus the invalid outcome's probability must be below 1: some numbers "
                "must work"
            )
        o, c = self.outcomes, self.contact_curve
        for d in range(7):
            for h in range(24):
                a = c.answer_by_hour[h] * c.answer_by_weekday[d]
                r = c.rpc_by_hour[h] * c.rpc_by_weekday[d]
                p = a * (o.third_party.probability + o.rpc.probability * r)
                if p > 1.0 + 1e-9:
                    raise ValueError(
                        f"contact_curve: at hour {h} on {WEEKDAYS[d]} the live-answer probability "
                        f"would be {p:.3f} (> 1); lower the multipliers"
                    )
                if o.rpc.probability * r * a > 1.0 + 1e-9:
                    raise ValueError(
                        f"contact_curve: at hour {h} on {WEEKDAYS[d]} the right-party probability exceeds 1"
                    )
        return self

    def outcome_probabilities(self, hour: int, weekday: int) -> list[float]:
        """Outcome probabilities (``OUTCOMES`` order) at a local hour and weekday, after the curve."""
        o, c = self.outcomes, self.contact_curve
        a = c.answer_by_hour[hour] * c.answer_by_weekday[weekday]
        r = c.rpc_by_hour[hour] * c.rpc_by_weekday[weekday]
        base = [x.probability for x in o.as_list()]
        tp, rpc = base[OutcomeCode.THIRD_PARTY] * a, base[OutcomeCode.RPC] * a * r
        unanswered = base[: OutcomeCode.THIRD_PARTY]  # no answer, busy, machine, invalid
        other = sum(unanswered)
        rest = max(0.0, 1.0 - tp - rpc)
        scale = rest / other if other > 0 else 0.0
        probs = [b * scale for b in unanswered] + [tp, rpc]
        if other == 0 and rest > 0:  # nothing to rescale: the shortfall becomes no answer
            probs[OutcomeCode.NO_ANSWER] = rest
        return probs


class Attempts(_Model):
    """How often an account may be dialed (campaign design)."""

    max_per_day: int = Field(3, ge=1, le=100, description="most dial attempts per account per calendar day")
    retry_delay_min: NonNeg = Field(
        120.0,
        description=(
            "minutes after an unsuccessful attempt before the account may be dialed again the same day"
        ),
    )
    retry_delay_by_outcome_min: dict[Literal[RETRY_OUTCOMES], NonNeg] = Field(
        {}, description="per-outcome retry delays in minutes, overriding retry_delay_min (e.g. busy = 15)"
    )
    recycle_after_days: int = Field(
        1,
        ge=1,
        le=365,
        description=(
            "calendar days after an unsuccessful day of attempts before the account returns to the fresh "
            "list (1: next day)"
        ),
    )
    broken_promise_first: bool = Field(True, description="broken promises go to the front of the next lists")
    promise_reminder: bool = Field(
        False,
        description=(
            "call accounts holding a promise reminder_days_before_due days before the due date to confirm it"
        ),
    )
    reminder_days_before_due: int = Field(
        1, ge=0, le=60, description="days before the due date of the reminder call"
    )
    reminder_keep_multiplier: float = Field(
        1.0,
        ge=0,
        le=10,
        description=("multiplier on the keep probability when the reminder reaches the debtor"),
    )


class Dialer(_Model):
    """How the dialer paces calls (production). What the ratio counts, which calls are
    abandoned, and what an abandon costs (the lost contact and the per-abandon cost): docs/dialer.md."""

    mode: Literal["preview", "progressive", "predictive"] = Field(
        "progressive",
        description=(
            "preview: the collector reads the account for preview_time_s, then dials one call; "
            "progressive: one call per available collector; predictive: several calls per available collector"
        ),
    )
    preview_time_s: Dist = Field(
        Constant(value=20.0), description="seconds a collector reads an account before dialing (preview mode)"
    )
    pacing: Literal["fixed", "adaptive", "poisson"] = Field(
        "fixed",
        description=(
            "predictive pacing. fixed: ratio lines ringing per available collector; adaptive: a controller "
            "moves the dial level to keep the abandon rate under max_abandon_rate; poisson: calls placed at "
            "calls_per_hour at random (open loop; for validation and blasting studies)"
        ),
    )
    ratio: float = Field(
        1.5,
        gt=0,
        le=20,
        description=(
            "lines ringing per available collector (fixed pacing; start level of adaptive pacing). Each "
            "time a collector frees up or a line ends, the dialer tops the calls ringing (placed, not yet "
            "answered or ended) up to floor(ratio x available + 0.5), i.e. rounded half up; calls "
            "connected or waiting for a collector do not count, and ringing calls beyond it are not hung "
            "up. Available: free collectors whose work window outlasts the mean ring to a live answer (or "
            "ring_timeout_s if longer) plus abandon_after_s; adaptive pacing adds the collectors whose "
            "call ends within that mean ring"
        ),
    )
    max_dial_level: float = Field(
        4.0, ge=1, le=20, description="cap on lines per available collector (adaptive pacing)"
    )
    max_lines: int = Field(
        0, ge=0, le=100_000, description="cap on lines in use per campaign, ringing or connected (0: no cap)"
    )
    max_abandon_rate: Probability = Field(
        0.03, description="abandon-rate limit the adaptive controller keeps under (3% in US and UK rules)"
    )
    target_margin: float = Field(
        0.25,
        ge=0,
        lt=1,
        description=(
            "adaptive pacing aims at (1 - target_margin) x max_abandon_rate, leaving room for chance"
        ),
    )
    control_interval_s: float = Field(
        30.0, ge=1, le=3600, description="seconds between adaptive pacing adjustments"
    )
    abandon_after_s: NonNeg = Field(
        2.0, description="a live answer that finds no free collector within this many seconds is abandoned"
    )
    ring_timeout_s: float = Field(
        0.0,
        ge=0,
        le=300,
        description=(
            "ring-out: the dialer hangs up unanswered calls after this many seconds (0: use each outcome's "
            "ring_time_s; when set, at least 15)"
        ),
    )
    amd: bool = Field(False, description="answering-machine detection on (progressive and predictive)")
    amd_accuracy: Probability = Field(
        0.9,
        description=(
            "probability AMD classifies an answer correctly; a live person taken for a machine is hung up on "
            "(abandoned), a machine taken for a person goes to a collector"
        ),
    )
    calls_per_hour: float = Field(
        0.0, ge=0, description="calls placed per hour per campaign (poisson pacing)"
    )
    abandon_answer_factor: float = Field(
        1.0,
        gt=0,
        le=1,
        description=(
            "lost contact: after a right party is hung up on (an abandoned call: no collector free in "
            "time, or AMD took the debtor for a machine), that account's later dials reach the right "
            "party with probability times this factor, once more per such abandon (1: no effect; the "
            "difference goes to no answer)"
        ),
    )
    abandon_answer_half_life_days: float | None = Field(
        None,
        gt=0,
        le=3650,
        description=(
            "calendar days in which half of the answer rate an abandon took comes back (omit: it does "
            "not come back within the run)"
        ),
    )
    spam_label_abandon_rate: float | None = Field(
        None,
        gt=0,
        lt=1,
        description=(
            "caller-ID reputation: when a calling day's abandon rate (abandoned calls / live answers, "
            "all campaigns together) exceeds this share, the carriers' call analytics label the center's "
            "numbers as spam for the next spam_label_days calendar days (omit: no labelling)"
        ),
    )
    spam_label_days: int = Field(
        7,
        ge=1,
        le=365,
        description=(
            "calendar days the center's numbers stay labelled after a day over spam_label_abandon_rate"
        ),
    )
    spam_label_answer_factor: float = Field(
        0.375,
        gt=0,
        le=1,
        description=(
            "while labelled, a person (right party or third party) answers a dial with probability times "
            "this factor; the difference goes to no answer, machines still pick up (0.375: Hiya 2019, 9% "
            "of calls labelled spam answered against 24% of unidentified calls; docs/dialer.md)"
        ),
    )
    list_strategy: (
        Literal[
            "least_recent",
            "balance",
            "risk_score",
            "days_past_due",
            "random",
            "best_time",
            "expected_value",
            "riskiest",
            "oldest",
        ]
        | list[ListKey]
    ) = Field(
        "least_recent",
        description=(
            "order of the daily lists. least_recent: least recently attempted first; balance: largest first; "
            "risk_score: highest score first; days_past_due: fewest days first; random; best_time: least "
            "recent order, and at each moment the dialer works the segment and time zone whose right-party "
            "rate is highest at the account's local hour; expected_value: largest expected payment first; "
            "riskiest: lowest score first; oldest: most days past due first. Or a list of these keys but "
            "best_time, sorted by the first, then the next (docs/strategy.md)"
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Dialer:
        if 0 < self.ring_timeout_s < 15:
            raise ValueError(
                f"ring_timeout_s = {self.ring_timeout_s:g}: expected 0 (off) or at least 15 seconds"
            )
        if self.mode == "predictive" and self.pacing == "poisson" and self.calls_per_hour <= 0:
            raise ValueError('pacing = "poisson" needs calls_per_hour > 0')
        if self.pacing == "adaptive" and self.ratio > self.max_dial_level:
            raise ValueError(
                f"ratio {self.ratio:g} (the starting level) exceeds max_dial_level {self.max_dial_level:g}"
            )
        if isinstance(self.list_strategy, list):
            keys = self.list_strategy
            if not keys or len(set(keys)) != len(keys):
                raise ValueError(f"list_strategy {keys}: expected one key or more, each at most once")
        return self

    @property
    def list_order(self) -> tuple[str, ...]:
        """The list order's keys, sorted by the first, then the next (one for a single value)."""
        s = self.list_strategy
        return (s,) if isinstance(s, str) else tuple(s)


class Compliance(_Model):
    """Calling rules. Each is measured in the results' compliance block whether enforced or not."""

    calling_window_start: Clock = Field(
        "08:00", description="earliest local time of the account at which a call may be placed"
    )
    calling_window_end: Clock = Field(
        "21:00", description="latest local time (exclusive) at which a call may be placed"
    )
    enforce_calling_window: bool = Field(
        True, description="the dialer places calls only inside the account's local window"
    )
    max_attempts_in_7_days: int = Field(
        7, ge=1, le=1000, description="most attempts per account in any 7 consecutive days (US Regulation F)"
    )
    enforce_7_in_7: bool = Field(True, description="the dialer obeys max_attempts_in_7_days")
    wait_after_conversation_days: float = Field(
        7.0,
        ge=0,
        le=365,
        description=(
            "days after a right-party conversation during which the account is not called (Regulation F)"
        ),
    )
    enforce_wait_after_conversation: bool = Field(
        True, description="the dialer obeys wait_after_conversation_days"
    )
    exempt_promise_confirmation: bool = Field(
        True,
        description=(
            "promise reminder calls (attempts.promise_reminder) are allowed inside the waiting period"
        ),
    )
    no_redial_after_abandon_h: float = Field(
        72.0,
        ge=0,
        le=24 * 365,
        description=("hours after an abandoned call during which the account is not redialed (UK Ofcom)"),
    )
    enforce_no_redial_after_abandon: bool = Field(
        False, description="the dialer obeys no_redial_after_abandon_h (off by default)"
    )
    cell_without_consent: Literal["manual_only", "never"] = Field(
        "manual_only",
        description=(
            "a cell phone whose debtor gave no consent (segments.<name>.phone_numbers): manual_only: dialed "
            "only in preview mode, never by the progressive or predictive dialer (the TCPA); never: not "
            "dialed at all"
        ),
    )
    enforce_cell_consent: bool = Field(
        True, description="the dialer obeys cell_without_consent (off: it dials any phone, and counts)"
    )
    rules: list[str] = Field(
        [],
        description=(
            "rule packs enforced and measured per account (shipped: reg_f, massachusetts, ofcom; or a "
            "name of compliance.packs); with any, they replace the 7-in-7 count and the wait after a "
            "conversation above (docs/compliance.md)"
        ),
    )
    packs: dict[str, RulePack] = Field({}, description="the scenario's own rule packs, by name")
    enforce_rules: bool = Field(
        True, description="the dialer obeys the packs of `rules` (false: measured only)"
    )

    @model_validator(mode="after")
    def _check(self) -> Compliance:
        if clock_minutes(self.calling_window_end) <= clock_minutes(self.calling_window_start):
            raise ValueError(
                f"calling_window_end {self.calling_window_end} must be after "
                f"calling_window_start {self.calling_window_start}"
            )
        if len(set(self.rules)) != len(self.rules):
            raise ValueError(f"compliance.rules names a pack twice: {self.rules}")
        shadow = sorted(set(self.packs) & set(shipped_packs()))
        if shadow:
            raise ValueError(f"compliance.packs: {shadow} are names of shipped packs; choose other names")
        resolve_packs(self.rules, self.packs)
        return self

    @property
    def rule_packs(self) -> dict[str, RulePack]:
        """The packs of ``rules`` by name, in order (empty: the legacy counting above)."""
        return resolve_packs(self.rules, self.packs)


class Routing(_Model):
    """Case matching: which collectors work which segments."""

    policy: Literal["segment_teams", "pooled", "skill_tiered", "reverse_tiered", "mapping"] = Field(
        "segment_teams",
        description=(
            "segment_teams: each team works its own segments; pooled: any free collector takes any segment; "
            "skill_tiered: the most skilled collectors work the segments of highest expected value per dial; "
            "reverse_tiered: the mismatch (least skilled on the best segments), for demonstration; "
            "mapping: the teams-to-segments table in routing.mapping, with overflow"
        ),
    )
    mapping: dict[str, list[str]] = Field(
        {}, description='policy mapping: segments worked by each team, e.g. { a = ["s1"] }'
    )
    overflow: Literal["wait", "overflow", "abandon"] = Field(
        "wait",
        description=(
            "predictive dialing, a live answer whose group has no free collector: wait (up to "
            "dialer.abandon_after_s for its own group), overflow (take a free collector of another group, "
            "else wait), abandon (abandoned at once)"
        ),
    )


# ------------------------------------------------------------------ the seed's special tasks
# Each block below is optional and off by default (omitted, or enabled = false); when off it
# changes nothing. Cross-field rules of these blocks are checked in Scenario.cross_problems.


class SkipTrace(_Model):
    """Skip tracing: finding a debtor whose phone number no longer reaches them.

    With the block on each account has a phone number that is good or bad. A share of each
    segment's accounts (``bad_number_share_by_segment``, default the segment's ``invalid``
    probability q) starts with a bad number: every dial to it ends ``invalid``. A good number
    never ends ``invalid``: its other outcome probabilities are the segment's divided by (1 - q).
    So a first dial to a random account ends o with probability q for invalid and
    (1 - q) p_o / (1 - q) = p_o otherwise: the segment's marginal outcome probabilities are kept
    (exactly with a flat contact curve; with a curve the good-number probabilities are
    renormalised hour by hour). An account goes to the skip-trace queue (off the lists) after
    ``invalid_attempts`` invalid dials, or after ``third_party_attempts`` third-party answers
    without ever reaching the debtor. After ``delay_days`` a trace hits with ``hit_probability``:
    the account returns to the lists with a fresh number that is bad with probability
    ``new_number_bad_probability`` and otherwise good, with the right-party probability
    multiplied by ``new_number_rpc_multiplier`` (the other outcomes rescaled together to keep the sum 1).
    A miss leaves the account unreachable (off the lists) once it has used ``max_traces_per_account``.
    """

    enabled: bool = Field(True, description="skip tracing on (the block present and enabled)")
    bad_number_share_by_segment: dict[str, Probability] = Field(
        {},
        description=(
            "share of each segment's accounts whose number is bad at the start, by segment name (segments "
            "not listed: the segment's invalid outcome probability, which keeps its marginal outcome "
            "probabilities)"
        ),
    )
    invalid_attempts: int = Field(
        1, ge=1, le=100, description="invalid dials after which an account goes to the skip-trace queue"
    )
    third_party_attempts: int = Field(
        0,
        ge=0,
        le=1000,
        description=(
            "third-party answers, without ever a right-party contact, after which an account goes to the "
            "queue (0: never)"
        ),
    )
    cost_per_trace_usd: NonNeg = Field(
        2.5, description="cost of one trace (data vendor fee and handling), US dollars"
    )
    hit_probability: Probability = Field(0.6, description="probability that a trace finds a new number")
    delay_days: int = Field(
        3, ge=0, le=365, description="calendar days from queueing until the trace's result is known"
    )
    new_number_bad_probability: Probability = Field(
        0.1, description="probability that the number a trace finds is itself bad"
    )
    new_number_rpc_multiplier: float = Field(
        1.0,
        gt=0,
        le=10,
        description=(
            "multiplier on the right-party probability of a good traced number (quality of the fresh number)"
        ),
    )
    max_traces_per_account: int = Field(1, ge=1, le=100, description="most traces per account in the run")


class RearrangeOption(_Model):
    """Eligibility, acceptance and keep behaviour shared by every rearrangement option."""

    min_balance_usd: NonNeg = Field(
        0.0, description="offered only to accounts owing at least this, US dollars"
    )
    min_days_past_due: NonNeg = Field(
        0.0, description="offered only to accounts at least this many days past due"
    )
    max_days_past_due: NonNeg = Field(
        100_000.0, description="offered only to accounts at most this many days past due"
    )
    acceptance_probability: Probability = Field(
        0.3, description="probability that the debtor accepts the offer"
    )
    acceptance_by_segment: dict[str, Probability] = Field(
        {}, description=("acceptance probability by segment name, overriding acceptance_probability")
    )
    keep_probability: Probability | None = Field(
        None,
        description=(
            "probability that each payment of the arrangement is kept (omit: the segment's "
            "keep_probability); scaled by the collector's keep multiplier"
        ),
    )
    due_days: int = Field(
        7, ge=0, le=365, description="calendar days from the acceptance to the first payment"
    )


class Settlement(RearrangeOption):
    """A settlement: the debtor pays the balance less a discount in one payment, and the rest is forgiven."""

    discount_share: Probability = Field(
        0.3, description="share of the balance forgiven when the settlement is paid"
    )


class PaymentPlan(RearrangeOption):
    """A payment plan: the balance in equal installments, each due, kept or broken one by one."""

    installments: int = Field(
        3, ge=1, le=120, description="number of equal installments the balance is split into"
    )
    interval_days: int = Field(30, ge=1, le=365, description="calendar days between installments")
    breaks_allowed: int = Field(
        0,
        ge=0,
        le=120,
        description=(
            "broken installments tolerated (each is skipped); one more breaks the plan and the account "
            "returns to the lists"
        ),
    )


class Reage(RearrangeOption):
    """A re-age: after consecutive qualifying payments the account is brought current (days past
    due reset to 0). The defaults follow the FFIEC's Uniform Retail Credit Classification and
    Account Management Policy (65 FR 36903, June 2000) for open-end credit: at least three
    consecutive minimum monthly payments, at most one re-age in any 12 months and two in any five
    years. A broken qualifying payment ends the attempt (the account returns to the lists); an
    account over a limit is not offered a re-age. The limits count the re-ages completed in the
    run (no history before it)."""

    qualifying_payment_usd: NonNeg = Field(
        50.0, description="each qualifying payment, US dollars (capped at the balance left)"
    )
    qualifying_payments: int = Field(
        3,
        ge=1,
        le=24,
        description="consecutive qualifying payments before the re-age (FFIEC 2000: at least three)",
    )
    interval_days: int = Field(
        30, ge=1, le=365, description="calendar days between qualifying payments (monthly: 30)"
    )
    max_per_12_months: int = Field(
        1, ge=1, le=100, description="re-ages of one account in any 365 days at most (FFIEC 2000: one)"
    )
    max_per_5_years: int = Field(
        2, ge=1, le=100, description="re-ages of one account in any 1,826 days at most (FFIEC 2000: two)"
    )

    @model_validator(mode="after")
    def _check_limits(self) -> Reage:
        if self.max_per_5_years < self.max_per_12_months:
            raise ValueError(
                f"max_per_5_years ({self.max_per_5_years}) must be at least max_per_12_months "
                f"({self.max_per_12_months})"
            )
        return self


class Rearrangement(_Model):
    """Account rearrangement options offered at a right-party contact.

    When a right-party contact ends without a promise, the collector offers the options in
    ``order``, each only if the account is eligible, until one is accepted (each offer and each
    acceptance is counted). An accepted option is one promise made in the conversation: its
    first payment (the settlement's lump sum, the re-age's qualifying payment, the plan's first
    installment) counts in promises, kept and broken. A plan's later installments (each filed
    when the previous one resolves) are not promises made in a conversation: they count in
    plan_installments_due and plan_installments_kept. Every dollar paid counts in collected.
    """

    enabled: bool = Field(True, description="rearrangement offers on (the block present and enabled)")
    order: list[Literal["settlement", "plan", "reage"]] = Field(
        ["plan", "settlement", "reage"],
        description=("the order in which the collector offers the configured options"),
    )
    settlement: Settlement | None = Field(None, description="the settlement option (omit: not offered)")
    plan: PaymentPlan | None = Field(None, description="the payment-plan option (omit: not offered)")
    reage: Reage | None = Field(None, description="the re-age option (omit: not offered)")


class Tracking(_Model):
    """Tracking for the MIS: daily series of promises, plans and per-collector counters."""

    enabled: bool = Field(True, description="tracking series on (the block present and enabled)")
    per_collector: bool = Field(
        True, description="also record per-collector daily dials, rpc, promises, kept and collected"
    )


class RollRates(_Model):
    """Days past due, delinquency buckets and roll rates.

    Each account ages one day past due per calendar day. Its minimum payment per 30-day cycle is
    M = max(min_payment_usd, min_payment_share x starting balance); the past-due amount at d days
    past due is M x ceil(d / 30). A kept payment x >= the past-due amount cures the account
    (days past due 0, and it stays current); otherwise it partly cures it: days past due fall by
    30 x floor(x / M). Buckets: current, 1-29, 30-59, 60-89, 90+. A roll rate is the share of the
    accounts in a bucket at the start of a ``period_days`` period that are in a worse bucket (or
    charged off) at its end, by count and weighted by balance at the start (``_usd``). Accounts
    that leave during the period stay in the denominator and are counted where they went: placed
    or handed to the next stage at their days past due when they left, current when they cured,
    paid off or settled, charged off.
    """

    enabled: bool = Field(
        True, description="days-past-due aging and roll rates on (the block present and enabled)"
    )
    min_payment_usd: NonNeg = Field(25.0, description="smallest minimum payment per 30-day cycle, US dollars")
    min_payment_share: Probability = Field(
        0.03, description="minimum payment per 30-day cycle as a share of the starting balance"
    )
    period_days: int = Field(
        30, ge=1, le=365, description="calendar days between the snapshots the roll rates compare"
    )


class Placement(_Model):
    """Outsourcing: placing unresolved accounts with a collection agency ("the last straw").

    An account still open (not paid, not holding a promise or plan) is placed when it reaches
    ``at_days_past_due`` days past due or when the run reaches day ``after_days`` (either rule
    may be 0: off). A placed account leaves the lists for good. The agency recovers the whole
    balance of a placed account with probability curve(t) by t days after placement (the
    cumulative recovery curve, linear between its points and flat after the last); the center
    gets the recovery less ``commission_share``. Recoveries are counted up to ``horizon_days``
    after placement (a projection beyond the run), so the expected net to the center is
    placed balance x curve(horizon_days) x (1 - commission_share).
    """

    enabled: bool = Field(True, description="agency placement on (the block present and enabled)")
    at_days_past_due: NonNeg = Field(
        0.0, description="place an open account once it is this many days past due (0: off)"
    )
    after_days: int = Field(
        0, ge=0, le=3660, description="place every open account on this calendar day of the run (0: off)"
    )
    recovery_curve_days: list[NonNeg] = Field(
        [0.0, 30.0, 90.0, 180.0],
        min_length=1,
        description=("days since placement of the points of the cumulative recovery curve (increasing)"),
    )
    recovery_curve_share: list[Probability] = Field(
        [0.0, 0.04, 0.09, 0.12],
        min_length=1,
        description=(
            "cumulative share of the placed balance recovered by each of recovery_curve_days (non-decreasing)"
        ),
    )
    commission_share: Probability = Field(
        0.3, description="agency's commission as a share of what it recovers"
    )
    horizon_days: NonNeg = Field(
        180.0, description="days after placement over which agency recoveries are counted"
    )

    def curve(self, days):
        """Cumulative recovery share after ``days`` since placement (numpy-friendly)."""
        import numpy as np

        return np.interp(days, self.recovery_curve_days, self.recovery_curve_share)


class Costs(_Model):
    """The full cost of the operation beyond the collectors' wages (all 0 when omitted: then cost
    is wages alone). Skip-trace fees (``skip_trace.cost_per_trace_usd``) and agency commission
    (``placement.commission_share``) are set in their own blocks and counted in cost too.

    Supervisors: each team has ceil(headcount / supervisor_span) supervisors, paid
    supervisor_hourly_wage_usd for the hours its collectors are paid on average; their cost is
    shared by the team's collectors in proportion to paid hours. Telecom is billed per second of
    connected (talk) time and per dial placed. Wage loading applies to collectors' and
    supervisors' wages.
    """

    wage_loading_share: NonNeg = Field(
        0.0,
        description=(
            "benefits and payroll taxes as a share of wages (0.3: every wage dollar costs $1.30); applies to "
            "collectors and supervisors"
        ),
    )
    supervisor_span: int = Field(
        0,
        ge=0,
        le=1000,
        description=(
            "collectors per supervisor (span of control, often 10-15); each team has ceil(headcount / span) "
            "supervisors (0: supervision not costed)"
        ),
    )
    supervisor_hourly_wage_usd: NonNeg = Field(
        0.0, description="a supervisor's wage per paid hour, US dollars"
    )
    telecom_usd_per_connected_min: NonNeg = Field(
        0.0,
        description=("telecom charge per minute of connected (talk) time, billed by the second, US dollars"),
    )
    telecom_usd_per_dial: NonNeg = Field(
        0.0, description="telecom charge per dial placed, answered or not, US dollars"
    )
    dialer_seat_usd_per_day: NonNeg = Field(
        0.0, description=("dialer seat licence per collector per working day logged in, US dollars")
    )
    abandon_penalty_usd: NonNeg = Field(
        0.0,
        description=(
            "optional cost per abandoned call (e.g. the expected fine or complaint handling), US dollars "
            "(docs/dialer.md gives a basis)"
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Costs:
        """`supervisor_hourly_wage_usd` above 0 needs `supervisor_span` above 0 (the collectors per
        supervisor)."""
        if self.supervisor_span == 0 and self.supervisor_hourly_wage_usd > 0:
            raise ValueError(
                "supervisor_hourly_wage_usd is set but supervisor_span is 0: give the number of "
                "collectors per supervisor (e.g. 12)"
            )
        return self


class Scenario(_Model):
    """A whole scenario file."""

    scenario: Meta = Field(description="name and description")
    calendar: Calendar = Field(description="working days and hours")
    teams: dict[str, Team] = Field(min_length=1, description="teams of collectors, by name")
    segments: dict[str, Segment] = Field(min_length=1, description="portfolio segments, by name")
    attempts: Attempts = Field(Attempts(), description="attempt rules")
    dialer: Dialer = Field(Dialer(), description="dialer settings")
    compliance: Compliance = Field(Compliance(), description="calling rules")
    skill_tiers: dict[str, SkillTier] = Field(
        {}, description="named skill tiers (e.g. junior, senior, expert)"
    )
    routing: Routing = Field(Routing(), description="case matching")
    targets: Targets | None = Field(
        None,
        description=(
            "center targets (omit to derive them from the teams' targets weighted by planned paid hours)"
        ),
    )
    skip_trace: SkipTrace | None = Field(None, description="skip tracing (special task; omit: off)")
    rearrangement: Rearrangement | None = Field(
        None, description="account rearrangement options (special task; omit: off)"
    )
    tracking: Tracking | None = Field(
        None, description="tracking series for the MIS (special task; omit: off)"
    )
    roll_rates: RollRates | None = Field(
        None, description="days-past-due aging and roll rates (special task; omit: off)"
    )
    placement: Placement | None = Field(None, description="agency placement (special task; omit: off)")
    portfolio: LivingPortfolio | None = Field(
        None,
        description=(
            "the living portfolio: partial payments, cures, charge-off, inflow, self-cure, account-level "
            "behaviour (omit: a closed portfolio where one kept promise pays an account off)"
        ),
    )
    calibration: Calibration | None = Field(
        None,
        description=(
            "provenance of a fitted scenario: what `collectsim calibrate` estimated, from which files (omit: "
            "none)"
        ),
    )
    costs: Costs = Field(
        Costs(), description="costs beyond wages: loading, supervision, telecom, dialer seats"
    )
    inbound: Inbound | None = Field(
        None, description="inbound calls and their queue, answered by inbound teams (omit: off)"
    )
    strategy: Strategy | None = Field(
        None,
        description=(
            "champion/challenger arms and the strategy tree: list order, hold and priority by account "
            "(omit: one treatment for the whole book)"
        ),
    )
    channels: Channels | None = Field(
        None, description="messages, contact paths and suppressions (omit: off)"
    )

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        problems = self.cross_problems()
        if problems:
            # One line per problem, each opening with its key path; load.py splits them again.
            raise ValueError("\n".join(f"{path}: {msg}" for path, msg in problems))
        return self

    def cross_problems(self) -> list[tuple[str, str]]:
        """Rules that tie sections together, as (key path, message) pairs."""
        out: list[tuple[str, str]] = []
        roles = {n: t.role for n, t in self.teams.items()}
        out.extend(phone_problems(self))
        if self.inbound is not None:
            out.extend(self.inbound.problems(list(self.segments), roles))
        elif {"inbound", "blend"} & set(roles.values()):
            out.append(("teams", 'a team has role = "inbound" or "blend" but there is no [inbound] block'))
        if self.channels is not None:
            out.extend(self.channels.problems(list(self.segments)))
            out.extend(self.channels.window_problems(self.compliance))
        out.extend(strategy_problems(self))
        for kind, names in (("teams", self.teams), ("segments", self.segments)):
            for n in names:
                if not _NAME.match(n):
                    out.append(
                        (
                            f"{kind}.{n}",
                            f"name {n!r} must start with a letter and hold only letters, "
                            "digits, '_' and '-' (at most 64 characters)",
                        )
                    )
        open_m, close_m = clock_minutes(self.calendar.open_time), clock_minutes(self.calendar.close_time)
        worked: set[str] = set()
        for tname, team in self.teams.items():
            unknown = [s for s in team.segments if s not in self.segments]
            if unknown:
                out.append(
                    (
                        f"teams.{tname}.segments",
                        f"unknown segment(s) {unknown}; "
                        f"expected names from [segments]: {sorted(self.segments)}",
                    )
                )
            worked.update(team.segments)
            for k, plan in enumerate(team.shift_plans()):
                if plan.start_min >= open_m and plan.end_min <= close_m:
                    continue
                out.append(
                    (
                        f"teams.{tname}.shifts.{k}" if team.shifts else f"teams.{tname}.shift_start_time",
                        f"shift {plan.label} is outside the "
                        f"center's hours {self.calendar.open_time}-{self.calendar.close_time} (calendar)",
                    )
                )
        for s in self.segments:
            if s not in worked:
                out.append((f"segments.{s}", "no team works this segment; list it in some team's segments"))
        for tname, team in self.teams.items():
            for tier in team.skill.tiers:
                if tier not in self.skill_tiers:
                    out.append(
                        (
                            f"teams.{tname}.skill.tiers.{tier}",
                            f"unknown tier; expected one of [skill_tiers]: {sorted(self.skill_tiers)}",
                        )
                    )
            if team.skill.tiers and sum(team.skill.tiers.values()) <= 0:
                out.append((f"teams.{tname}.skill.tiers", "shares must not all be 0"))
            for num, tier in team.skill.collectors.items():
                if tier not in self.skill_tiers:
                    out.append(
                        (
                            f"teams.{tname}.skill.collectors.{num}",
                            f"unknown tier {tier!r}; expected one of {sorted(self.skill_tiers)}",
                        )
                    )
                if not num.isdigit() or not 1 <= int(num) <= max(team.headcount, 1):
                    out.append(
                        (
                            f"teams.{tname}.skill.collectors.{num}",
                            f"expected a collector number 1-{team.headcount}",
                        )
                    )
        if self.routing.policy == "mapping":
            if not self.routing.mapping:
                out.append(("routing.mapping", 'policy "mapping" needs a mapping of teams to segments'))
            for tname, segs in self.routing.mapping.items():
                if tname not in self.teams:
                    out.append(
                        (f"routing.mapping.{tname}", f"unknown team; expected one of {sorted(self.teams)}")
                    )
                bad = [x for x in segs if x not in self.segments]
                if bad or not segs:
                    out.append(
                        (
                            f"routing.mapping.{tname}",
                            f"unknown or no segment(s) {bad}; expected names from {sorted(self.segments)}",
                        )
                    )
        if sum(t.headcount for t in self.teams.values()) == 0:
            out.append(("teams", "every team has headcount 0: nobody to make calls"))
        out += self._special_problems()
        out += self._portfolio_problems()
        return out

    @property
    def last_calling_day(self) -> int:
        """The calendar day (0 = the first day of the run) of the last calling day."""
        return self.calendar.work_days()[-1]

    @property
    def portfolio_on(self) -> bool:
        """Whether the living portfolio is on (a [portfolio] block, enabled)."""
        return self.portfolio is not None and self.portfolio.enabled

    def _portfolio_problems(self) -> list[tuple[str, str]]:
        """The living portfolio's keys are used only with the block on; with it on, the roll-rates
        block measures the portfolio's own aging and takes no payment rule of its own."""
        out: list[tuple[str, str]] = []
        if not self.portfolio_on:
            for name, seg in self.segments.items():
                for key in ("inflow", "self_cure_per_day"):
                    if key in seg.model_fields_set and getattr(seg, key):
                        out.append(
                            (f"segments.{name}.{key}", "needs the living portfolio: add a [portfolio] block")
                        )
            return out
        last_day = self.last_calling_day
        for name, seg in self.segments.items():
            if seg.inflow is not None:
                late = [d.day for d in seg.inflow.dated if d.day > last_day]
                if late:
                    out.append(
                        (
                            f"segments.{name}.inflow.dated",
                            f"day(s) {late} after the last calling day "
                            f"({last_day}); new accounts enter up to the last calling day",
                        )
                    )
            if seg.days_past_due.lower < 1:
                out.append(
                    (
                        f"segments.{name}.days_past_due",
                        "can be below 1; in a living portfolio every account "
                        "is delinquent (at least 1 day past due)",
                    )
                )
        rr = self.roll_rates
        if rr is not None:
            for key in ("min_payment_usd", "min_payment_share"):
                if key in rr.model_fields_set:
                    out.append(
                        (
                            f"roll_rates.{key}",
                            "with [portfolio] on, minimum payments are set in "
                            f"[portfolio] (portfolio.{key}); roll_rates only measures",
                        )
                    )
        return out

    def _special_problems(self) -> list[tuple[str, str]]:
        """Rules of the special-task blocks: segment names exist, options are configured, the
        recovery curve is increasing and as long as its days."""
        out: list[tuple[str, str]] = []
        segs = sorted(self.segments)
        st = self.skip_trace
        if st is not None:
            for name in st.bad_number_share_by_segment:
                if name not in self.segments:
                    out.append(
                        (
                            f"skip_trace.bad_number_share_by_segment.{name}",
                            f"unknown segment; expected one of {segs}",
                        )
                    )
        r = self.rearrangement
        if r is not None:
            if len(set(r.order)) != len(r.order):
                out.append(("rearrangement.order", f"lists an option twice: {r.order}"))
            for opt in ("settlement", "plan", "reage"):
                o = getattr(r, opt)
                if o is None:
                    continue
                if opt not in r.order:
                    out.append(
                        (f"rearrangement.{opt}", f"configured but not in rearrangement.order {r.order}")
                    )
                if o.max_days_past_due < o.min_days_past_due:
                    out.append(
                        (
                            f"rearrangement.{opt}.max_days_past_due",
                            f"{o.max_days_past_due:g} is below min_days_past_due {o.min_days_past_due:g}",
                        )
                    )
                for name in o.acceptance_by_segment:
                    if name not in self.segments:
                        out.append(
                            (
                                f"rearrangement.{opt}.acceptance_by_segment.{name}",
                                f"unknown segment; expected one of {segs}",
                            )
                        )
            if r.enabled and all(getattr(r, o) is None for o in ("settlement", "plan", "reage")):
                out.append(
                    ("rearrangement", "no option configured: add [rearrangement.plan], .settlement or .reage")
                )
        pl = self.placement
        if pl is not None:
            d, c = pl.recovery_curve_days, pl.recovery_curve_share
            if len(d) != len(c):
                out.append(
                    (
                        "placement.recovery_curve_share",
                        f"has {len(c)} points but recovery_curve_days has {len(d)}",
                    )
                )
            if any(b <= a for a, b in zip(d, d[1:])):
                out.append(("placement.recovery_curve_days", f"must be increasing, got {d}"))
            if any(b < a for a, b in zip(c, c[1:])):
                out.append(
                    ("placement.recovery_curve_share", f"must not decrease (a cumulative share), got {c}")
                )
        return out

    def special_on(self, name: str) -> bool:
        """Whether the special-task block ``name`` (skip_trace, rearrangement, ...) is present and enabled."""
        b = getattr(self, name)
        return b is not None and b.enabled

    @property
    def segment_names(self) -> list[str]:
        return list(self.segments)

    @property
    def team_names(self) -> list[str]:
        return list(self.teams)


# ------------------------------------------------------------------ calibration provenance
# Written by `collectsim calibrate` (simulator/calibrate); the simulation itself never reads it.


class CalibrationSource(_Model):
    """A data file a calibration read."""

    file: str = Field(min_length=1, description="file name (as given to collectsim calibrate)")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file's bytes")
    rows: int = Field(ge=0, description="data rows read (the header not counted)")


class FittedParameter(_Model):
    """One fitted number with its uncertainty.

    ``key`` is the scenario key path the value was written to (for example
    ``segments.low_risk.outcomes.rpc.probability`` or ``segments.low_risk.contact_curve.answer_by_hour[9]``),
    or, for quantities the scenario has no key for yet, a path under ``portfolio.`` or ``kpi.``.
    """

    key: str = Field(
        min_length=1, description="scenario key path (or portfolio./kpi. quantity) the value belongs to"
    )
    value: float = Field(allow_inf_nan=False, description="the fitted value, in the key's unit")
    se: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="standard error (omit: not available)"
    )
    ci95_low: float | None = Field(None, allow_inf_nan=False, description="lower end of the 95% interval")
    ci95_high: float | None = Field(None, allow_inf_nan=False, description="upper end of the 95% interval")
    n: int = Field(
        0, ge=0, description="observations the estimate rests on (dials, promises, collector-days...)"
    )
    method: str = Field("", description="how it was estimated")
    in_scenario: bool = Field(
        True, description="the value was written to the scenario key (false: provenance only)"
    )


class FittedLink(_Model):
    """A regression of an account-level behaviour on account attributes at entry:
    link(response) = coef[0] + sum_j coef[j] (x_j - center[j-1]) with logit for probabilities
    (rpc per dial, promise per right-party contact, keep per promise) and log for payment_usd."""

    segment: str = Field(min_length=1, description="segment name")
    response: Literal["rpc", "answer", "promise", "keep", "payment_usd", "self_cure"] = Field(
        description="what is modelled: rpc per dial, the answer multiplier, promise per right-party contact, "
        "keep per promise, the promised amount, the daily self-cure rate"
    )
    link: Literal["logit", "log"] = Field(description="logit (probabilities) or log (amounts)")
    terms: list[str] = Field(
        description=(
            "covariates: risk_score, days_past_due (at entry, or the day of the event with account-level "
            "behaviour), log_balance_usd, log_phones, log_past_due_usd"
        )
    )
    center: list[float] = Field(description="mean of each covariate (the intercept is at these values)")
    coef: list[float] = Field(description="intercept, then one slope per term (per unit of the covariate)")
    se: list[float] = Field(description="standard errors of coef")
    n: int = Field(ge=0, description="observations")
    residual_sd: float = Field(
        0.0, ge=0, description="log link: standard deviation of the residual log amount"
    )


class Calibration(_Model):
    """Provenance of a fitted scenario (``[calibration]``): the data, the method, every fitted
    number with its standard error and 95% interval, and what the data could not identify."""

    method: str = Field(min_length=1, description="the estimation method, in words")
    data: Literal["trace", "kpi"] = Field(
        description="trace: event files (dials.csv ...); kpi: daily aggregates"
    )
    collectsim_version: str = Field("", description="version of collectsim that fitted it")
    base: str = Field("", description="base scenario the fit started from, with its SHA-256 (empty: none)")
    sources: list[CalibrationSource] = Field(min_length=1, description="files read")
    first_date: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}$", description="first date of the data used, YYYY-MM-DD"
    )
    last_date: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}$", description="last date of the data used, YYYY-MM-DD"
    )
    parameters: list[FittedParameter] = Field(
        [], description="fitted values with standard errors and 95% intervals"
    )
    links: list[FittedLink] = Field([], description="regressions of behaviour on account attributes")
    not_identified: list[str] = Field(
        [], description="what the data could not identify (kept from the base or defaults)"
    )


Scenario.model_rebuild()
