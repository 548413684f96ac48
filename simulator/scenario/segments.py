"""Portfolio segments: dial outcomes, contact curves, time zones and calling schedules
(``[segments]``)."""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from ..base.outcomes import Outcome as OutcomeCode
from .clock import Clock, clock_minutes
from .distributions import Constant, Dist, check_durations
from .fields import OUTCOMES, WEEKDAYS, NonNeg, Probability, Weekday, _Model
from .phones import PhoneNumber
from .portfolio import Inflow

__all__ = ["Outcome", "Outcomes", "ContactCurve", "TimeZones", "Window", "Schedule", "Segment"]


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
