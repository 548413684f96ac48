"""Calling-rule packs: the schema of a pack and the packs collectsim ships.

A pack is data: limits on how many actions of some kinds (calls, texts, recorded messages) an
account may receive in a window of calendar days, counted on a basis (every attempt, connecting
calls only, conversations only), a wait after a conversation, a no-repeat period after an
abandoned call, and the account states it applies to. The shipped packs (``reg_f``,
``massachusetts``, ``ofcom``) live in ``simulator/data/rules/packs.toml`` and use the same schema
as a pack written in the scenario (``[compliance.packs.NAME]``); docs/compliance.md cites each
one. The world enforces and measures them in one rule engine (world/rule_engine.py).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .fields import _Model

ACTION_KINDS = ("call", "sms", "voicemail", "ivr", "email", "letter")
"""The kinds of action a limit can count: a dialed call, a text, a recorded (limited-content)
voicemail, a pre-recorded or IVR call, an email, a letter."""
ActionKind = Literal["call", "sms", "voicemail", "ivr", "email", "letter"]
Basis = Literal["attempts", "connecting", "conversations"]
Numbers = Literal["personal", "other", "any"]
StateCode = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,15}$")]


class Limit(_Model):
    """At most ``max`` counted actions per account in any ``window_days`` consecutive calendar
    days (the center's calendar)."""

    kinds: list[ActionKind] = Field(
        ["call"],
        min_length=1,
        description="the kinds of action counted (call, sms, voicemail, ivr, email, letter)",
    )
    max: int = Field(ge=0, le=10_000, description="most counted actions in the window")
    window_days: int = Field(ge=1, le=366, description="the window, in consecutive calendar days")
    basis: Basis = Field(
        "attempts",
        description=(
            "attempts: every action; connecting: calls that connect to the dialed number (a busy signal or "
            "a number not in service does not count); conversations: right-party conversations only"
        ),
    )
    numbers: Numbers = Field(
        "any",
        description="the numbers counted: the debtor's personal numbers, other numbers (work), or any",
    )


class RulePack(_Model):
    """One jurisdiction's calling rules (a shipped pack or one written in the scenario)."""

    description: str = Field("", description="what the pack encodes, in words")
    citation: str = Field("", description="the rule's citation")
    states: list[StateCode] | None = Field(
        None,
        description=(
            'the account states it applies to (segments\' `states` mix, e.g. ["MA"]); omit: every account'
        ),
    )
    limits: list[Limit] = Field([], description="count limits per window")
    wait_after_conversation_days: int = Field(
        0,
        ge=0,
        le=366,
        description=(
            "calendar days, the conversation's day being day 1, on which no call follows a right-party "
            "conversation (0: none)"
        ),
    )
    no_repeat_after_abandon_h: float = Field(
        0.0,
        ge=0,
        le=24 * 366,
        description=(
            "hours after an abandoned call during which the account is not called again without a live "
            "collector guaranteed (predictive dialing only; 0: none)"
        ),
    )
    max_abandon_rate: float | None = Field(
        None,
        ge=0,
        le=1,
        description=(
            "abandoned calls / live answers per campaign per calendar day, answering-machine false positives "
            "counted (measured: worst_daily_abandon_rate)"
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> RulePack:
        if not (self.limits or self.wait_after_conversation_days or self.no_repeat_after_abandon_h):
            if self.max_abandon_rate is None:
                raise ValueError(
                    "a rule pack needs limits, wait_after_conversation_days, no_repeat_after_abandon_h or "
                    "max_abandon_rate"
                )
        return self


@cache
def shipped_packs() -> dict[str, RulePack]:
    """The packs collectsim ships, by name (simulator/data/rules/packs.toml)."""
    text = (resources.files("simulator") / "data" / "rules" / "packs.toml").read_text(encoding="utf-8")
    return {name: RulePack.model_validate(body) for name, body in tomllib.loads(text).items()}


def resolve_packs(rules: list[str], packs: dict[str, RulePack]) -> dict[str, RulePack]:
    """The packs named by ``compliance.rules``, in its order: a scenario's own (``packs``) or a
    shipped one. Raises ValueError naming an unknown pack."""
    shipped = shipped_packs()
    out = {}
    for name in rules:
        pack = packs.get(name) or shipped.get(name)
        if pack is None:
            known = sorted(set(shipped) | set(packs))
            raise ValueError(f"compliance.rules: unknown rule pack {name!r} (known: {', '.join(known)})")
        out[name] = pack
    return out


__all__ = ["ACTION_KINDS", "Limit", "RulePack", "resolve_packs", "shipped_packs"]
