"""Shared building blocks of the scenario models: the strict frozen base model, bounded number
types, the outcome and weekday names."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..base.outcomes import SCENARIO_OUTCOMES

__all__ = ["OUTCOMES", "WEEKDAYS", "Probability", "NonNeg", "Weekday"]

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
