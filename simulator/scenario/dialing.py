"""Attempt rules and dialer pacing (``[attempts]``, ``[dialer]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..base.outcomes import RETRY_OUTCOMES
from .distributions import Constant, Dist
from .fields import NonNeg, Probability, _Model
from .strategy import ListKey

__all__ = ["Attempts", "Dialer"]


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
