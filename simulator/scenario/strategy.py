"""The scenario's ``[strategy]`` block: a champion/challenger split of the book and a strategy tree.

**Arms.** ``arms`` names the strategies under test with their shares of the book, the first the
champion: ``arms = { champion = 0.8, challenger = 0.2 }``. Each account is assigned to one arm at
random when it enters the portfolio, from the named stream ``strategy/arm`` (the control group of
a living portfolio, never called, stays apart from every arm). Without ``arms`` the whole book is
one arm, ``champion``.

**Rules.** ``rules`` is an ordered list; each morning an account takes the treatment of the first
rule it matches, given its arm and its attributes that day (segment, risk score, days past due,
balance). A condition left out matches every account. A band ``[lo, hi]`` holds ``lo <= x < hi``.
An account that matches no rule is treated as without the block: the dialer's list order, no hold
and no extra priority.

Treatments: a list order (one key or several, sorted by the first, then the next), a hold (off
the call lists while the account has been in the portfolio fewer than ``hold_days`` calendar
days: the self-cure hold of likely self-curers; a promise reminder due is still called) and a
priority (higher first, after promise reminders and broken promises). world/strategy.py applies
them; docs/strategy.md explains them.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ListKey", "LIST_KEYS", "Band", "StrategyRule", "Strategy", "CHAMPION"]

CHAMPION = "champion"
"""The name of the single arm of a strategy block without ``arms``."""

ListKey = Literal[
    "least_recent",
    "balance",
    "risk_score",
    "days_past_due",
    "random",
    "expected_value",
    "riskiest",
    "oldest",
]
LIST_KEYS: tuple[str, ...] = ListKey.__args__  # type: ignore[attr-defined]
"""List-order keys. least_recent: least recently attempted first; balance: largest first;
risk_score: highest score first; days_past_due: fewest days first; random; expected_value: the
largest expected payment first (the probability of paying from the behaviour model x the amount
due); riskiest: lowest score first; oldest: most days past due first."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Band(_Model):
    """A half-open interval ``[lo, hi)`` of an account attribute; a bound left out is open."""

    lo: float = Field(-math.inf, description="lower bound (included); omit for none")
    hi: float = Field(math.inf, description="upper bound (excluded); omit for none")

    @model_validator(mode="after")
    def _check(self) -> Band:
        if math.isnan(self.lo) or math.isnan(self.hi) or not self.lo < self.hi:
            raise ValueError(f"expected lo < hi, got lo = {self.lo!r}, hi = {self.hi!r}")
        return self

    def holds(self, x: float) -> bool:
        """Whether ``x`` lies in the band."""
        return self.lo <= x < self.hi


class StrategyRule(_Model):
    """One node of the strategy tree: conditions on the account and the treatment it gets."""

    name: str = Field(description="a name for the rule (reported with the accounts it treated)")
    arms: list[str] = Field([], description="the arms whose accounts this rule applies to (empty: every arm)")
    segments: list[str] = Field([], description="segments the rule applies to (empty: every segment)")
    risk_score: Band | None = Field(None, description="band of the account's risk score (omit: any)")
    days_past_due: Band | None = Field(None, description="band of the account's days past due (omit: any)")
    balance_usd: Band | None = Field(None, description="band of the account's balance in USD (omit: any)")
    list_order: list[ListKey] = Field(
        [],
        description=(
            "keys of the list order, sorted by the first, then the next (empty: the dialer's "
            "list_strategy); " + "; ".join(LIST_KEYS)
        ),
    )
    hold_days: int = Field(
        0,
        ge=0,
        le=3650,
        description=(
            "off the call lists while the account has been in the portfolio fewer calendar days than "
            "this (a promise reminder due is still called)"
        ),
    )
    priority: int = Field(0, ge=0, le=9, description="higher is listed first (0: none)")

    @model_validator(mode="after")
    def _check(self) -> StrategyRule:
        if len(set(self.list_order)) != len(self.list_order):
            raise ValueError(f"list_order {self.list_order} names a key twice")
        return self


class Strategy(_Model):
    """Champion/challenger arms and the strategy tree (omit the block: one treatment for all)."""

    arms: dict[str, float] = Field(
        {},
        description=(
            "arm name -> share of the book (shares add up to 1; the first arm is the champion; "
            "omit for one arm, champion)"
        ),
    )
    rules: list[StrategyRule] = Field([], description="ordered rules; an account takes the first it matches")

    @model_validator(mode="after")
    def _check(self) -> Strategy:
        if self.arms:
            bad = [f"{k} = {v!r}" for k, v in self.arms.items() if not (0.0 < v <= 1.0)]
            if bad:
                raise ValueError(f"arm shares must be in (0, 1]: {', '.join(bad)}")
            total = math.fsum(self.arms.values())
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"arm shares add up to {total:g}; expected 1")
        names = self.arm_names
        seen: set[str] = set()
        for k, rule in enumerate(self.rules):
            unknown = [a for a in rule.arms if a not in names]
            if unknown:
                raise ValueError(f"rules.{k}.arms: unknown arm(s) {unknown}; expected some of {names}")
            if rule.name in seen:
                raise ValueError(f"rules.{k}.name: {rule.name!r} is used by an earlier rule")
            seen.add(rule.name)
        return self

    @property
    def arm_names(self) -> list[str]:
        """The arms in order, the champion first."""
        return list(self.arms) or [CHAMPION]

    @property
    def arm_shares(self) -> list[float]:
        """The arms' shares of the book, in the order of :attr:`arm_names`."""
        return list(self.arms.values()) or [1.0]
