"""A segment's phone numbers (``[[segments.<name>.phone_numbers]]``): several numbers per account,
each with a type, a validity, its own answer curve by local hour and a consent flag.

Each listed number is one a share of the segment's accounts have. Per account and listed
number, independent draws decide whether the account has it (``share``), whether it reaches the
debtor's line (``valid``; an invalid number ends every dial ``invalid``) and whether the debtor
gave prior express consent to autodialed calls on it (``consent``; under the TCPA an autodialed
call to a cell phone needs it). An account that draws none of the numbers has the first listed.

A valid number's outcome probabilities at local hour h and weekday d are the segment's (after its
contact curve) without invalid dials, renormalised, with both live outcomes (third party and
right party) multiplied by the number's ``answer_by_hour[h] * answer_by_weekday[d]``; no answer,
busy and machine are rescaled so the probabilities sum to 1 (a live probability above 1 is cut
to 1, keeping the ratio of right party to third party). The segment's calibration stays the
anchor: a multiplier 1 is the segment's own curve.

Default curves by type (``DEFAULT_ANSWER_BY_HOUR``, ``DEFAULT_ANSWER_BY_WEEKDAY``) are stated
assumptions, not fitted figures: a cell answers as the segment's curve (today most right-party
contacts are made on cell phones, so the segment's calibration is mostly theirs); a home line
answers less during working hours and more in the evening and at weekends; a work line answers
in business hours on weekdays and rarely otherwise. Calibrate them from dials.csv's
``phone_type`` column where the data have it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .distributions import Constant
from .fields import _finite

PHONE_TYPES = ("cell", "home", "work")
"""The phone types, in the order of their codes (cell 0, home 1, work 2)."""

PhoneType = Literal["cell", "home", "work"]


_Probability = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_finite)]
_Multiplier = Annotated[float, Field(ge=0.0, le=10.0), AfterValidator(_finite)]

_WORKING_HOURS = range(9, 17)  # 09:00-16:59 local
_EVENING = range(17, 21)  # 17:00-20:59 local

DEFAULT_ANSWER_BY_HOUR: dict[str, list[float]] = {
    "cell": [1.0] * 24,
    "home": [0.7 if h in _WORKING_HOURS else 1.3 if h in _EVENING else 1.0 for h in range(24)],
    "work": [1.3 if h in _WORKING_HOURS else 0.8 if h in (8, 17) else 0.2 for h in range(24)],
}
"""Multipliers on the segment's live-answer probability by local hour, by phone type (stated
assumptions: see the module's docstring)."""

DEFAULT_ANSWER_BY_WEEKDAY: dict[str, list[float]] = {
    "cell": [1.0] * 7,
    "home": [1.0] * 5 + [1.2, 1.2],
    "work": [1.0] * 5 + [0.2, 0.2],
}
"""Multipliers by local weekday (Monday first), by phone type (stated assumptions)."""


class PhoneNumber(BaseModel):
    """One of a segment's phone numbers: which accounts have it, whether it works, whether the
    debtor consented to autodialed calls on it, and when it is answered."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    type: PhoneType = Field(description="cell, home or work")
    share: _Probability = Field(
        1.0, description="share of the segment's accounts that have a number of this kind"
    )
    valid: _Probability | None = Field(
        None,
        description=(
            "probability that the number reaches the debtor's line (otherwise every dial to it ends "
            "invalid); omit: 1 minus the segment's invalid probability"
        ),
    )
    consent: _Probability = Field(
        1.0,
        description=(
            "probability that the debtor gave prior express consent to autodialed calls on this number "
            "(TCPA: needed to autodial a cell phone; compliance.cell_without_consent)"
        ),
    )
    answer_by_hour: list[_Multiplier] | None = Field(
        None,
        min_length=24,
        max_length=24,
        description=(
            "24 multipliers, local hours 0-23, on the segment's live-answer probability; omit: the type's "
            "default (scenario/phones.py)"
        ),
    )
    answer_by_weekday: list[_Multiplier] | None = Field(
        None,
        min_length=7,
        max_length=7,
        description="7 multipliers, Monday first, on the live-answer probability; omit: the type's default",
    )

    @model_validator(mode="after")
    def _check(self) -> PhoneNumber:
        """An answer curve is not all 0 (the number would never be answered)."""
        for name in ("answer_by_hour", "answer_by_weekday"):
            v = getattr(self, name)
            if v is not None and not any(v):
                raise ValueError(f"{name} is all 0: the number would never be answered")
        return self

    def hour_multipliers(self) -> list[float]:
        """The live-answer multiplier by local hour (24 values)."""
        return list(self.answer_by_hour or DEFAULT_ANSWER_BY_HOUR[self.type])

    def weekday_multipliers(self) -> list[float]:
        """The live-answer multiplier by local weekday, Monday first (7 values)."""
        return list(self.answer_by_weekday or DEFAULT_ANSWER_BY_WEEKDAY[self.type])


def phone_problems(scenario) -> list[tuple[str, str]]:
    """Cross-field rules of the segments' phone numbers, as (key path, message) pairs."""
    with_numbers = [n for n, s in scenario.segments.items() if s.phone_numbers]
    if not with_numbers:
        return []
    out = []
    for name, seg in scenario.segments.items():
        if not seg.phone_numbers:
            out.append(
                (
                    f"segments.{name}.phone_numbers",
                    f"missing: segments {with_numbers} list phone numbers, so every segment must",
                )
            )
        elif not (isinstance(seg.phones, Constant) and seg.phones.value == 1):
            out.append(
                (
                    f"segments.{name}.phones",
                    "set phones or phone_numbers, not both: the phone numbers give each account its count",
                )
            )
    st = scenario.skip_trace
    if st is not None and st.bad_number_share_by_segment:
        out.append(
            (
                "skip_trace.bad_number_share_by_segment",
                "with phone_numbers each number's valid gives its chance to work: drop this table",
            )
        )
    return out
