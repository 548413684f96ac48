"""The scenario's ``[inbound.callbacks]`` block: call-backs promised at a set time.

A right-party conversation that ends without a promise ends, with ``probability``, in the
debtor asking to be called back ``delay_s`` seconds later (moved to the next opening of the
calling window when that falls outside it). At that time the call-back is due: the next free
collector of an inbound or blend team makes it, ahead of the callers waiting in the inbound
queue. It is made on time when the dial starts within ``on_time_s`` seconds of the set time.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .distributions import Dist, LogNormal, check_durations


class Callbacks(BaseModel):
    """Call-backs at a set time (omit the block: conversations never end in one)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    probability: float = Field(
        ge=0.0,
        le=1.0,
        description="probability that a right-party conversation without a promise ends in a call-back",
    )
    delay_s: Dist = Field(
        LogNormal(dist="lognormal", mean=14400.0, sd=7200.0),
        description="seconds from the end of the conversation to the time set for the call-back",
    )
    on_time_s: float = Field(
        300.0, gt=0.0, description="a call-back started within this many seconds of its set time is on time"
    )

    @model_validator(mode="after")
    def _check(self) -> Callbacks:
        check_durations(self, ("delay_s",))
        return self
