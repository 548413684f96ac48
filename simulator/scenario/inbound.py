"""The scenario's ``[inbound]`` block: calls debtors make to the center, and the queue that holds
them until an inbound collector answers.

Arrivals are a non-homogeneous Poisson process, on calling days and inside the calling window
(center clock): the rate of segment ``s`` in hour ``h`` of weekday ``w`` on day ``d`` is
``calls_per_hour[s] x hour_multipliers[h] x weekday_multipliers[w] x busyness[d]``, where the
day's busyness is a gamma draw of mean 1 and coefficient of variation ``busyness_cv`` (0: every
day 1). A caller waits at most a patience time, then hangs up and calls again with
``retrial_probability`` after ``retrial_delay_s``. A call answered is handled for ``talk_s`` then
``wrap_s`` seconds; a caller whose account is open negotiates as an outbound right-party contact
does, with the promise and keep probabilities scaled by ``promise_multiplier`` and
``keep_multiplier``. Teams with ``role = "inbound"`` answer the queue, first come first served
within a priority level (``priorities``: lower levels first); teams with ``role = "blend"``
answer it first and dial their segments while more than ``reservation_threshold`` blend
collectors are free (world/blend.py).

Besides the background rate, an outbound dial to an open account that ends in a message left on
a machine, a message left with a third party or an abandoned call brings a call back from that
account with ``responses.<outcome>.probability``, ``delay_s`` after the dial ends (world/
inbound_traffic.py). A share ``ivr_share`` of the calls from open accounts is settled in the IVR
without a collector: a promise with ``ivr_promise_probability``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .callbacks import Callbacks
from .distributions import Constant, Dist, Exponential, check_durations
from .fields import _Model

CALLER_CLASSES = ("background", "response", "callback")
"""Classes of inbound callers, in code order (world/inbound.py): a background call, a call back
prompted by outbound dials, and a caller queued as a call-back (none yet: the call-backs at a set
time of ``callbacks`` are collectors' jobs, served before the queue). A retrial keeps its
caller's class."""


class Response(_Model):
    """Calls back prompted by one outbound outcome."""

    probability: float = Field(
        ge=0.0, le=1.0, description="probability that a dial ending in this outcome brings a call back"
    )
    delay_s: Dist = Field(
        Exponential(dist="exponential", mean=3600.0),
        description="seconds from the end of the dial to the call back",
    )

    @model_validator(mode="after")
    def _check(self) -> Response:
        check_durations(self, ("delay_s",))
        return self


class Responses(_Model):
    """Calls back from accounts after outbound dials, per outcome (an outcome left out: none)."""

    machine: Response | None = Field(None, description="after a message left on an answering machine")
    third_party: Response | None = Field(None, description="after a message left with a third party")
    abandoned: Response | None = Field(None, description="after a call the dialer abandoned")


class Inbound(_Model):
    """Inbound calls and their queue (omit the block: the center only dials out)."""

    calls_per_hour: dict[str, float] = Field(
        description="base arrival rate of inbound calls per segment, calls per hour (segments left out: 0)"
    )
    hour_multipliers: list[float] = Field(
        [1.0] * 24,
        min_length=24,
        max_length=24,
        description="multiplier of the base rate for each hour 0-23 of the center clock",
    )
    weekday_multipliers: list[float] = Field(
        [1.0] * 7,
        min_length=7,
        max_length=7,
        description="multiplier of the base rate for each weekday, Monday first",
    )
    busyness_cv: float = Field(
        0.0,
        ge=0.0,
        le=5.0,
        description="coefficient of variation of the daily busyness factor (gamma, mean 1; 0: off)",
    )
    patience_s: Dist = Field(
        Exponential(dist="exponential", mean=120.0),
        description="how long a caller waits in the queue before hanging up, seconds",
    )
    retrial_probability: float = Field(
        0.0, ge=0.0, le=1.0, description="probability that a caller who hung up calls again"
    )
    retrial_delay_s: Dist = Field(
        Exponential(dist="exponential", mean=1800.0),
        description="seconds from hanging up to calling again",
    )
    talk_s: Dist = Field(
        Exponential(dist="exponential", mean=300.0), description="talk time of an answered call, seconds"
    )
    wrap_s: Dist = Field(
        Constant(dist="constant", value=30.0), description="wrap-up time after an answered call, seconds"
    )
    service_level_s: float = Field(
        20.0, gt=0.0, description="answer-time threshold of the service level, seconds"
    )
    promise_multiplier: float = Field(
        1.0, ge=0.0, description="multiplier of the promise probability of an inbound caller"
    )
    keep_multiplier: float = Field(
        1.0, ge=0.0, description="multiplier of the keep probability of an inbound caller's promise"
    )

    callbacks: Callbacks | None = Field(
        None, description="call-backs at a set time, made by inbound and blend collectors (omit: none)"
    )
    reservation_threshold: int = Field(
        0,
        ge=0,
        description=(
            "blend teams: a free blend collector dials only while more than this many blend collectors "
            "are free (the rest wait for inbound calls); 0: blend collectors dial whenever no inbound "
            "call waits"
        ),
    )

    responses: Responses | None = Field(
        None,
        description="calls back from accounts after outbound messages and abandoned calls (omit: none)",
    )
    priorities: dict[Literal["background", "response"], int] = Field(
        {},
        description="queue priority per caller class, lower served first (classes left out: 0; "
        "all equal: first come first served)",
    )
    ivr_share: float = Field(
        0.0, ge=0.0, le=1.0, description="share of the calls from open accounts settled in the IVR"
    )
    ivr_promise_probability: float = Field(
        0.0, ge=0.0, le=1.0, description="probability that a caller settled in the IVR promises to pay"
    )

    @model_validator(mode="after")
    def _check(self) -> Inbound:
        """Every hour and weekday multiplier and every base rate is a finite number >= 0, and no
        duration can be negative."""
        check_durations(self, ("patience_s", "retrial_delay_s", "talk_s", "wrap_s"))
        for name in ("hour_multipliers", "weekday_multipliers"):
            if any(not 0.0 <= v < float("inf") for v in getattr(self, name)):
                raise ValueError(f"{name}: every multiplier must be a finite number >= 0")
        bad = {k: v for k, v in self.calls_per_hour.items() if not 0.0 <= v < float("inf")}
        if bad:
            raise ValueError(f"calls_per_hour: rates must be finite numbers >= 0, got {bad}")
        return self

    def problems(self, segments: list[str], roles: dict[str, str]) -> list[tuple[str, str]]:
        """Rules that tie the block to the rest of the scenario, as (key path, message) pairs."""
        out = []
        unknown = sorted(set(self.calls_per_hour) - set(segments))
        if unknown:
            out.append(
                (
                    "inbound.calls_per_hour",
                    f"unknown segment(s) {unknown}; expected names from [segments]: {sorted(segments)}",
                )
            )
        if self.callbacks is not None and not {"outbound", "blend"} & set(roles.values()):
            out.append(("inbound.callbacks", "call-backs need a team that dials (role outbound or blend)"))
        if not {"inbound", "blend"} & set(roles.values()):
            out.append(("inbound", 'no team has role = "inbound" or "blend": nobody answers inbound calls'))
        return out
