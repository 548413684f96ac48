"""Calling rules (``[compliance]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .clock import Clock, clock_minutes
from .fields import _Model
from .rules import RulePack, resolve_packs, shipped_packs

__all__ = ["Compliance"]


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
