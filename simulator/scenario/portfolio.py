"""The living portfolio's scenario blocks: inflow of new accounts, exits, partial payments and
account-level behaviour (docs/portfolio.md describes the model these keys set).

Off unless a scenario has a ``[portfolio]`` block: then payments are partial, accounts cure,
settle, charge off and roll through the delinquency buckets, and each segment may have an
``inflow`` and a ``self_cure_per_day``; ``[portfolio.behaviour]`` adds account-level behaviour.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from .distributions import Constant, Dist
from .fields import NonNeg, Probability, _finite, _Model

Coefficient = Annotated[float, Field(ge=-5.0, le=5.0), AfterValidator(_finite)]


class DatedInflow(_Model):
    """An exact number of new accounts on one calendar day."""

    day: int = Field(ge=0, le=36_600, description="calendar day of the run (0 = its first day)")
    accounts: int = Field(ge=0, le=10_000_000, description="new accounts entering that day")


class Inflow(_Model):
    """New delinquent accounts entering the segment each calendar day, from day 0 to the last
    calling day. Their balance and risk score are drawn from the segment's ``balance_usd`` and
    ``risk_score``; their days past due at entry from ``days_past_due`` here."""

    accounts_per_day: NonNeg = Field(
        0.0,
        description=(
            "mean new accounts per calendar day; each day's count is Poisson with this mean times the "
            "day's weekday_profile entry"
        ),
    )
    weekday_profile: list[NonNeg] = Field(
        [1.0] * 7,
        min_length=7,
        max_length=7,
        description=("multipliers on accounts_per_day by weekday of arrival, Monday first"),
    )
    dated: list[DatedInflow] = Field(
        [],
        description=(
            "exact counts on given calendar days, e.g. [{ day = 0, accounts = 500 }], replacing the "
            "Poisson draw on those days"
        ),
    )
    days_past_due: Dist = Field(Constant(value=1.0), description="days past due of a new account (>= 1)")

    @model_validator(mode="after")
    def _check(self) -> Inflow:
        if self.days_past_due.lower < 1:
            raise ValueError(
                "days_past_due can be below 1; a new delinquent account is at least 1 day past due"
            )
        days = [d.day for d in self.dated]
        if len(set(days)) != len(days):
            raise ValueError(f"dated lists a day twice: {sorted(days)}")
        return self


class AccountBehaviour(_Model):
    """Account-level behaviour: each account's chance to answer, to promise and to keep, its
    promise amount and its self-cure rate move with its risk score, days past due, number of
    phones and recent attempts, through the link in docs/portfolio.md. Averaged over the
    segment's accounts at entry, each propensity equals the segment's set rate, so the
    segment's targets still hold on average; which accounts are called first decides who
    answers and who pays."""

    enabled: bool = Field(True, description="account-level behaviour on (the block present and enabled)")
    spread: float = Field(
        1.0,
        ge=0.0,
        le=3.0,
        description=(
            "multiplies every coefficient below: 0 makes every account alike, 1 is the documented default"
        ),
    )
    score_on_answer: Coefficient = Field(
        0.3, description="log answer multiplier per standard deviation of the segment's risk scores"
    )
    dpd_on_answer: Coefficient = Field(
        -0.2,
        description=(
            "log answer multiplier per 30-day cycle of days past due (from the segment's mean at entry)"
        ),
    )
    phones_on_answer: Coefficient = Field(
        0.4, description="log answer multiplier per unit of log(number of phones)"
    )
    score_on_promise: Coefficient = Field(
        0.5, description="log-odds of a promise per standard deviation of risk score"
    )
    dpd_on_promise: Coefficient = Field(
        -0.3,
        description=(
            "log-odds of a promise per 30-day cycle of days past due (from the segment's mean at entry, "
            "and as the account ages)"
        ),
    )
    score_on_keep: Coefficient = Field(
        0.6, description="log-odds of keeping a promise per standard deviation of risk score"
    )
    dpd_on_keep: Coefficient = Field(
        -0.3, description="log-odds of keeping a promise per 30-day cycle of days past due (as above)"
    )
    past_due_on_payment: Coefficient = Field(
        1.0,
        description=("elasticity of the promise amount to the account's past-due amount (1: proportional)"),
    )
    score_on_self_cure: Coefficient = Field(
        0.8, description="log self-cure rate per standard deviation of risk score"
    )
    dpd_on_self_cure: Coefficient = Field(
        -0.5, description="log self-cure rate per 30-day cycle of days past due (as above)"
    )
    fatigue_per_attempt: Probability = Field(
        0.05,
        description=(
            "contact fatigue: the answer probability is multiplied by (1 - this) for every attempt on the "
            "account in the last 7 calendar days, today's included"
        ),
    )


PUBLISHED_ROLL_RATES = (0.34, 0.78, 0.88, 0.88, 0.92, 0.92)
"""Monthly balance-weighted roll rates of prime US card trusts (Citibank Credit Card Master Trust
I 2007-2024, BA Master Credit Card Trust II 2014-2019, SEC filings): 1-29 -> 30-59, 30-59 ->
60-89, ..., 150-179 days past due -> charge-off (docs/portfolio.md, "Value by loss")."""


class Valuation(_Model):
    """What an account's balance is expected to lose: balance x P(charge-off | its 30-day bucket
    of days past due) x (1 - recovery_rate). The probabilities are inputs (by default the
    published roll rates' products), not the run's own roll matrix, so a book's loss does not
    move with simulation noise (docs/portfolio.md)."""

    roll_rates: list[Probability] = Field(
        list(PUBLISHED_ROLL_RATES),
        min_length=1,
        max_length=120,
        description=(
            "monthly roll rate from each 30-day bucket of days past due to the next, starting with 1-29 -> "
            "30-59; the last bucket before charge_off_days_past_due rolls to charge-off (a list shorter than "
            "the buckets repeats its last rate). P(charge-off) of a bucket is the product of the rates from "
            "it on"
        ),
    )
    charge_off_probability: list[Probability] | None = Field(
        None,
        min_length=1,
        max_length=120,
        description=(
            "P(charge-off) per 30-day bucket of days past due, 1-29 first, set directly instead of "
            "roll_rates (a shorter list repeats its last entry)"
        ),
    )
    cured_charge_off_probability: Probability | None = Field(
        None,
        description=(
            "P(charge-off) of an account that left cured (omit: cure_redefault_probability x the 1-29 "
            "bucket's probability)"
        ),
    )
    recovery_rate: Probability = Field(
        0.15,
        description=(
            "share of a charged-off balance recovered after charge-off (card trusts: 7-19% of gross "
            "charge-offs)"
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Valuation:
        """`portfolio.valuation`: give `roll_rates` or `charge_off_probability`, not both."""
        if self.charge_off_probability is not None and "roll_rates" in self.model_fields_set:
            raise ValueError("give roll_rates or charge_off_probability, not both")
        return self

    def charge_off_probabilities(self, charge_off_days_past_due: float) -> tuple[float, ...]:
        """P(charge-off) of each 30-day bucket of days past due below the charge-off threshold
        (1-29, 30-59, ...; ceil(threshold / 30) buckets)."""
        n = max(1, math.ceil(charge_off_days_past_due / 30.0))
        if self.charge_off_probability is not None:
            given = self.charge_off_probability
            return tuple(float(given[min(k, len(given) - 1)]) for k in range(n))
        rates = [float(self.roll_rates[min(k, len(self.roll_rates) - 1)]) for k in range(n)]
        out, flow = [], 1.0
        for r in reversed(rates):
            flow *= r
            out.append(flow)
        return tuple(reversed(out))


class LivingPortfolio(_Model):
    """The living portfolio: partial payments, cures, settlements, charge-off and roll through the
    delinquency buckets, new accounts (segments.<name>.inflow), self-cure
    (segments.<name>.self_cure_per_day), a never-called control group, and optionally
    account-level behaviour. A ``portfolio`` ledger block in the results conserves balances and
    accounts.

    An account's minimum payment per 30-day cycle is M = max(min_payment_usd, min_payment_share
    x balance at entry); at d days past due its past-due amount is M x ceil(d / 30), at most the
    balance. A payment x of at least the past-due amount cures it (it leaves the portfolio,
    current); a smaller one brings it back by 30 x floor(x / M) days; either reduces the balance,
    and a balance paid to 0 leaves the portfolio paid in full.
    """

    enabled: bool = Field(True, description="the living portfolio on (the block present and enabled)")
    charge_off_days_past_due: float = Field(
        180.0,
        gt=0,
        le=3650,
        description=(
            "an open account is charged off (it leaves the portfolio) on reaching this many days past due "
            "(180: US practice for cards; 120 for closed-end loans)"
        ),
    )
    min_payment_usd: NonNeg = Field(25.0, description="smallest minimum payment per 30-day cycle, US dollars")
    min_payment_share: Probability = Field(
        0.03, description="minimum payment per 30-day cycle as a share of the balance at entry"
    )
    control_share: Probability = Field(
        0.0,
        description=(
            "share of accounts, drawn at entry, that are never called: the control group that measures what "
            "accounts pay uncalled (incremental_collected needs it > 0)"
        ),
    )
    cure_redefault_probability: Probability = Field(
        0.0,
        description=(
            "probability that a cured account defaults again and re-enters the portfolio at 1 day past due"
        ),
    )
    redefault_after_days: Dist = Field(
        Constant(value=30.0), description=("calendar days from a cure to the re-default (whole numbers >= 1)")
    )
    promise_past_due_multiple: Dist | None = Field(
        None,
        description=(
            "size promises by what the account owes: an ordinary promise is for the past-due amount on "
            "its due day (M x ceil(days past due then / 30), at most the balance) times a draw of this "
            "distribution (> 0; 1: exactly what is due) times the collector's payment multiplier; the "
            "segment's payment_usd and the account behaviour's payment multiplier are not used (the "
            "amount due already follows the account) (omit: the payment_usd draw)"
        ),
    )
    behaviour: AccountBehaviour | None = Field(
        None, description="account-level behaviour (omit: every account alike)"
    )
    valuation: Valuation = Field(
        Valuation(), description="expected loss of a balance by its days past due (omit: the defaults)"
    )

    @model_validator(mode="after")
    def _check(self) -> LivingPortfolio:
        d = self.redefault_after_days
        if d.lower < 1 or not d.integer_valued:
            raise ValueError(
                "redefault_after_days must produce whole numbers >= 1 "
                "(use a constant, uniform_int or discrete distribution)"
            )
        m = self.promise_past_due_multiple
        if m is not None and m.lower <= 0:
            raise ValueError("promise_past_due_multiple must produce numbers > 0")
        return self

    def loss_rates(self) -> tuple[tuple[float, ...], float, float]:
        """The valuation's inputs for this portfolio: P(charge-off) per 30-day bucket of days
        past due below the charge-off threshold, P(charge-off) of a cured account, and the
        recovery rate after charge-off."""
        v = self.valuation
        by_bucket = v.charge_off_probabilities(self.charge_off_days_past_due)
        cured = v.cured_charge_off_probability
        if cured is None:
            cured = self.cure_redefault_probability * by_bucket[0]
        return by_bucket, float(cured), float(v.recovery_rate)

    @property
    def behaviour_on(self) -> bool:
        return self.enabled and self.behaviour is not None and self.behaviour.enabled
