"""Shared building blocks of the scenario models: the strict frozen base model, bounded number
types, the outcome and weekday names, and what a name given in the scenario looks like. Every
scenario module takes them from here."""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..base.outcomes import SCENARIO_OUTCOMES

__all__ = ["OUTCOMES", "WEEKDAYS", "NAME", "Probability", "NonNeg", "Weekday"]

OUTCOMES = SCENARIO_OUTCOMES
"""Every dial ends in exactly one of these, in this order (index = outcome code)."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
"""What a name given in the scenario (a team, a segment, an arm, a rule) looks like: a letter,
then letters, digits, ``_`` and ``-``, at most 64 characters."""


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError(f"expected a finite number, got {v!r}")
    return v


Probability = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_finite)]
NonNeg = Annotated[float, Field(ge=0.0), AfterValidator(_finite)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
