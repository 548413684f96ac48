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

Conditions on phones and channels: ``has_cell_consent`` (a cell number with consent to autodialed
calls; needs ``phone_numbers``), ``phone_types`` (a number of one of these types), ``opted_out``
(an opt-out of some message channel in force; needs ``[channels]``) and
``messages_in_last_days`` (how many messages of a channel were sent to the account in the last
days).

Treatments: a list order (one key or several, sorted by the first, then the next), a hold (off
the call lists while the account has been in the portfolio fewer than ``hold_days`` calendar
days: the self-cure hold of likely self-curers; a promise reminder due is still called), a
priority (higher first, after promise reminders and broken promises), a contact path
(``contact_path``: the paths ``channels.paths.NAME`` instead of ``channels.path``, chosen once,
on the account's first working day in the portfolio) and a team (``team``: the team whose
collectors dial the account, instead of those of its segment). world/strategy.py applies them;
docs/strategy.md explains them.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from .fields import NAME, _Model
from .phones import PhoneType

__all__ = [
    "ListKey",
    "LIST_KEYS",
    "Band",
    "MessagesInLastDays",
    "StrategyRule",
    "Strategy",
    "CHAMPION",
    "strategy_problems",
]

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


class MessagesInLastDays(_Model):
    """How many messages of one channel were sent to the account in the last ``days`` calendar
    days before today (today's sends come after the morning's lists)."""

    channel: Literal["sms", "email", "letter", "voicemail", "ivr_call"] = Field(
        description="the message channel (it needs its [channels.CHANNEL] block)"
    )
    days: int = Field(ge=1, le=366, description="the window: the calendar days before today")
    at_least: int = Field(1, ge=0, description="at least this many sends in the window")
    at_most: int | None = Field(None, ge=0, description="at most this many sends (omit: no limit)")

    @model_validator(mode="after")
    def _check(self) -> MessagesInLastDays:
        if self.at_most is not None and self.at_most < self.at_least:
            raise ValueError(f"at_most {self.at_most} is below at_least {self.at_least}")
        return self


class StrategyRule(_Model):
    """One node of the strategy tree: conditions on the account and the treatment it gets."""

    name: str = Field(
        description=(
            "a name for the rule (reported with the accounts it treated): a letter, then letters, "
            "digits, '_' or '-'"
        )
    )
    arms: list[str] = Field([], description="the arms whose accounts this rule applies to (empty: every arm)")
    segments: list[str] = Field([], description="segments the rule applies to (empty: every segment)")
    risk_score: Band | None = Field(None, description="band of the account's risk score (omit: any)")
    days_past_due: Band | None = Field(None, description="band of the account's days past due (omit: any)")
    balance_usd: Band | None = Field(None, description="band of the account's balance in USD (omit: any)")
    has_cell_consent: bool | None = Field(
        None,
        description=(
            "true: the account has a cell number with consent to autodialed calls; false: it has none "
            "(needs segments' phone_numbers; omit: any)"
        ),
    )
    phone_types: list[PhoneType] = Field(
        [], description="the account has a number of one of these types (needs phone_numbers; empty: any)"
    )
    opted_out: bool | None = Field(
        None,
        description=(
            "true: an opt-out of some message channel is in force for the account; false: none is "
            "(needs [channels]; omit: any)"
        ),
    )
    messages_in_last_days: MessagesInLastDays | None = Field(
        None, description="sends of one channel in the last days (omit: any)"
    )
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
    contact_path: str | None = Field(
        None,
        description=(
            "follow the contact paths channels.paths.NAME instead of channels.path (chosen once, on the "
            "account's first working day in the portfolio; omit: channels.path)"
        ),
    )
    team: str | None = Field(
        None,
        description=(
            "the outbound or blend team whose collectors dial the account, instead of those of its "
            "segment (omit: its segment's)"
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> StrategyRule:
        if len(set(self.list_order)) != len(self.list_order):
            raise ValueError(f"list_order {self.list_order} names a key twice")
        if len(set(self.phone_types)) != len(self.phone_types):
            raise ValueError(f"phone_types {self.phone_types} names a type twice")
        return self


class Strategy(_Model):
    """Champion/challenger arms and the strategy tree (omit the block: one treatment for all)."""

    arms: dict[str, float] = Field(
        {},
        description=(
            "arm name (a letter, then letters, digits, '_' or '-') -> share of the book (shares add "
            "up to 1; the first arm is the champion; "
            "omit for one arm, champion)"
        ),
    )
    rules: list[StrategyRule] = Field([], description="ordered rules; an account takes the first it matches")

    @model_validator(mode="after")
    def _check(self) -> Strategy:
        # names that metric references (arms.ARM.METRIC) and the strategy block's keys
        # (rules.NAME.accounts) can hold, as segment and team names
        for what, names in (("arms", list(self.arms)), ("rules", [r.name for r in self.rules])):
            bad = [n for n in names if not NAME.match(n)]
            if bad:
                raise ValueError(
                    f"{what}: name(s) {bad} must start with a letter and hold only letters, digits, "
                    "'_' and '-' (at most 64 characters)"
                )
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


def strategy_problems(scenario) -> list[tuple[str, str]]:
    """Cross-section rules of the strategy rules, as (key path, message) pairs: segments, teams,
    contact paths and the blocks the phone and channel conditions read."""
    strategy = scenario.strategy
    if strategy is None:
        return []
    out: list[tuple[str, str]] = []
    numbers = any(s.phone_numbers for s in scenario.segments.values())
    channels = scenario.channels
    teams = scenario.teams
    for k, rule in enumerate(strategy.rules):
        at = f"strategy.rules.{k}"
        unknown = [s for s in rule.segments if s not in scenario.segments]
        if unknown:
            out.append(
                (
                    f"{at}.segments",
                    f"unknown segment(s) {unknown}; "
                    f"expected names from [segments]: {sorted(scenario.segments)}",
                )
            )
        for key in ("has_cell_consent", "phone_types"):
            if getattr(rule, key) not in (None, []) and not numbers:
                out.append((f"{at}.{key}", "needs phone numbers per account (segments' phone_numbers)"))
        if rule.opted_out is not None and channels is None:
            out.append((f"{at}.opted_out", "needs a [channels] block (opt-outs are of message channels)"))
        m = rule.messages_in_last_days
        if m is not None and (channels is None or getattr(channels, m.channel) is None):
            out.append(
                (
                    f"{at}.messages_in_last_days.channel",
                    f"channel {m.channel!r} has no [channels.{m.channel}] block",
                )
            )
        if rule.contact_path is not None:
            if channels is None:
                out.append((f"{at}.contact_path", "needs a [channels] block with paths"))
            elif rule.contact_path not in channels.paths:
                out.append(
                    (
                        f"{at}.contact_path",
                        f"unknown path {rule.contact_path!r}; expected one of {sorted(channels.paths)}",
                    )
                )
        if rule.team is not None:
            if rule.team not in teams:
                out.append((f"{at}.team", f"unknown team {rule.team!r}; expected one of {sorted(teams)}"))
            elif teams[rule.team].role == "inbound":
                out.append(
                    (
                        f"{at}.team",
                        f"team {rule.team!r} answers inbound calls only; expected an outbound or blend team",
                    )
                )
            if scenario.routing.policy not in ("segment_teams", "mapping"):
                out.append(
                    (
                        f"{at}.team",
                        f'routing.policy "{scenario.routing.policy}" does not give each team its own '
                        'campaign; use "segment_teams" or "mapping"',
                    )
                )
    return out
