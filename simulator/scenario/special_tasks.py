"""The seed's special tasks: skip tracing, rearrangement, tracking, roll rates and agency
placement (``[skip_trace]``, ``[rearrangement]``, ``[tracking]``, ``[roll_rates]``, ``[placement]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .fields import NonNeg, Probability, _Model

__all__ = [
    "SkipTrace",
    "RearrangeOption",
    "Settlement",
    "PaymentPlan",
    "Reage",
    "Rearrangement",
    "Tracking",
    "RollRates",
    "Placement",
]


# ------------------------------------------------------------------ the seed's special tasks
# Each block below is optional and off by default (omitted, or enabled = false); when off it
# changes nothing. Cross-field rules of these blocks are checked in Scenario.cross_problems.


class SkipTrace(_Model):
    """Skip tracing: finding a debtor whose phone number no longer reaches them.

    With the block on each account has a phone number that is good or bad. A share of each
    segment's accounts (``bad_number_share_by_segment``, default the segment's ``invalid``
    probability q) starts with a bad number: every dial to it ends ``invalid``. A good number
    never ends ``invalid``: its other outcome probabilities are the segment's divided by (1 - q).
    So a first dial to a random account ends o with probability q for invalid and
    (1 - q) p_o / (1 - q) = p_o otherwise: the segment's marginal outcome probabilities are kept
    (exactly with a flat contact curve; with a curve the good-number probabilities are
    renormalised hour by hour). An account goes to the skip-trace queue (off the lists) after
    ``invalid_attempts`` invalid dials, or after ``third_party_attempts`` third-party answers
    without ever reaching the debtor. After ``delay_days`` a trace hits with ``hit_probability``:
    the account returns to the lists with a fresh number that is bad with probability
    ``new_number_bad_probability`` and otherwise good, with the right-party probability
    multiplied by ``new_number_rpc_multiplier`` (the other outcomes rescaled together to keep the sum 1).
    A miss leaves the account unreachable (off the lists) once it has used ``max_traces_per_account``.
    """

    enabled: bool = Field(True, description="skip tracing on (the block present and enabled)")
    bad_number_share_by_segment: dict[str, Probability] = Field(
        {},
        description=(
            "share of each segment's accounts whose number is bad at the start, by segment name (segments "
            "not listed: the segment's invalid outcome probability, which keeps its marginal outcome "
            "probabilities)"
        ),
    )
    invalid_attempts: int = Field(
        1, ge=1, le=100, description="invalid dials after which an account goes to the skip-trace queue"
    )
    third_party_attempts: int = Field(
        0,
        ge=0,
        le=1000,
        description=(
            "third-party answers, without ever a right-party contact, after which an account goes to the "
            "queue (0: never)"
        ),
    )
    cost_per_trace_usd: NonNeg = Field(
        2.5, description="cost of one trace (data vendor fee and handling), US dollars"
    )
    hit_probability: Probability = Field(0.6, description="probability that a trace finds a new number")
    delay_days: int = Field(
        3, ge=0, le=365, description="calendar days from queueing until the trace's result is known"
    )
    new_number_bad_probability: Probability = Field(
        0.1, description="probability that the number a trace finds is itself bad"
    )
    new_number_rpc_multiplier: float = Field(
        1.0,
        gt=0,
        le=10,
        description=(
            "multiplier on the right-party probability of a good traced number (quality of the fresh number)"
        ),
    )
    max_traces_per_account: int = Field(1, ge=1, le=100, description="most traces per account in the run")


class RearrangeOption(_Model):
    """Eligibility, acceptance and keep behaviour shared by every rearrangement option."""

    min_balance_usd: NonNeg = Field(
        0.0, description="offered only to accounts owing at least this, US dollars"
    )
    min_days_past_due: NonNeg = Field(
        0.0, description="offered only to accounts at least this many days past due"
    )
    max_days_past_due: NonNeg = Field(
        100_000.0, description="offered only to accounts at most this many days past due"
    )
    acceptance_probability: Probability = Field(
        0.3, description="probability that the debtor accepts the offer"
    )
    acceptance_by_segment: dict[str, Probability] = Field(
        {}, description=("acceptance probability by segment name, overriding acceptance_probability")
    )
    keep_probability: Probability | None = Field(
        None,
        description=(
            "probability that each payment of the arrangement is kept (omit: the segment's "
            "keep_probability); scaled by the collector's keep multiplier"
        ),
    )
    due_days: int = Field(
        7, ge=0, le=365, description="calendar days from the acceptance to the first payment"
    )


class Settlement(RearrangeOption):
    """A settlement: the debtor pays the balance less a discount in one payment, and the rest is forgiven."""

    discount_share: Probability = Field(
        0.3, description="share of the balance forgiven when the settlement is paid"
    )


class PaymentPlan(RearrangeOption):
    """A payment plan: the balance in equal installments, each due, kept or broken one by one."""

    installments: int = Field(
        3, ge=1, le=120, description="number of equal installments the balance is split into"
    )
    interval_days: int = Field(30, ge=1, le=365, description="calendar days between installments")
    breaks_allowed: int = Field(
        0,
        ge=0,
        le=120,
        description=(
            "broken installments tolerated (each is skipped); one more breaks the plan and the account "
            "returns to the lists"
        ),
    )


class Reage(RearrangeOption):
    """A re-age: after consecutive qualifying payments the account is brought current (days past
    due reset to 0). The defaults follow the FFIEC's Uniform Retail Credit Classification and
    Account Management Policy (65 FR 36903, June 2000) for open-end credit: at least three
    consecutive minimum monthly payments, at most one re-age in any 12 months and two in any five
    years. A broken qualifying payment ends the attempt (the account returns to the lists); an
    account over a limit is not offered a re-age. The limits count the re-ages completed in the
    run (no history before it)."""

    qualifying_payment_usd: NonNeg = Field(
        50.0, description="each qualifying payment, US dollars (capped at the balance left)"
    )
    qualifying_payments: int = Field(
        3,
        ge=1,
        le=24,
        description="consecutive qualifying payments before the re-age (FFIEC 2000: at least three)",
    )
    interval_days: int = Field(
        30, ge=1, le=365, description="calendar days between qualifying payments (monthly: 30)"
    )
    max_per_12_months: int = Field(
        1, ge=1, le=100, description="re-ages of one account in any 365 days at most (FFIEC 2000: one)"
    )
    max_per_5_years: int = Field(
        2, ge=1, le=100, description="re-ages of one account in any 1,826 days at most (FFIEC 2000: two)"
    )

    @model_validator(mode="after")
    def _check_limits(self) -> Reage:
        if self.max_per_5_years < self.max_per_12_months:
            raise ValueError(
                f"max_per_5_years ({self.max_per_5_years}) must be at least max_per_12_months "
                f"({self.max_per_12_months})"
            )
        return self


class Rearrangement(_Model):
    """Account rearrangement options offered at a right-party contact.

    When a right-party contact ends without a promise, the collector offers the options in
    ``order``, each only if the account is eligible, until one is accepted (each offer and each
    acceptance is counted). An accepted option is one promise made in the conversation: its
    first payment (the settlement's lump sum, the re-age's qualifying payment, the plan's first
    installment) counts in promises, kept and broken. A plan's later installments (each filed
    when the previous one resolves) are not promises made in a conversation: they count in
    plan_installments_due and plan_installments_kept. Every dollar paid counts in collected.
    """

    enabled: bool = Field(True, description="rearrangement offers on (the block present and enabled)")
    order: list[Literal["settlement", "plan", "reage"]] = Field(
        ["plan", "settlement", "reage"],
        description=("the order in which the collector offers the configured options"),
    )
    settlement: Settlement | None = Field(None, description="the settlement option (omit: not offered)")
    plan: PaymentPlan | None = Field(None, description="the payment-plan option (omit: not offered)")
    reage: Reage | None = Field(None, description="the re-age option (omit: not offered)")


class Tracking(_Model):
    """Tracking for the MIS: daily series of promises, plans and per-collector counters."""

    enabled: bool = Field(True, description="tracking series on (the block present and enabled)")
    per_collector: bool = Field(
        True, description="also record per-collector daily dials, rpc, promises, kept and collected"
    )


class RollRates(_Model):
    """Days past due, delinquency buckets and roll rates.

    Each account ages one day past due per calendar day. Its minimum payment per 30-day cycle is
    M = max(min_payment_usd, min_payment_share x starting balance); the past-due amount at d days
    past due is M x ceil(d / 30). A kept payment x >= the past-due amount cures the account
    (days past due 0, and it stays current); otherwise it partly cures it: days past due fall by
    30 x floor(x / M). Buckets: current, 1-29, 30-59, 60-89, 90+. A roll rate is the share of the
    accounts in a bucket at the start of a ``period_days`` period that are in a worse bucket (or
    charged off) at its end, by count and weighted by balance at the start (``_usd``). Accounts
    that leave during the period stay in the denominator and are counted where they went: placed
    or handed to the next stage at their days past due when they left, current when they cured,
    paid off or settled, charged off.
    """

    enabled: bool = Field(
        True, description="days-past-due aging and roll rates on (the block present and enabled)"
    )
    min_payment_usd: NonNeg = Field(25.0, description="smallest minimum payment per 30-day cycle, US dollars")
    min_payment_share: Probability = Field(
        0.03, description="minimum payment per 30-day cycle as a share of the starting balance"
    )
    period_days: int = Field(
        30, ge=1, le=365, description="calendar days between the snapshots the roll rates compare"
    )


class Placement(_Model):
    """Outsourcing: placing unresolved accounts with a collection agency ("the last straw").

    An account still open (not paid, not holding a promise or plan) is placed when it reaches
    ``at_days_past_due`` days past due or when the run reaches day ``after_days`` (either rule
    may be 0: off). A placed account leaves the lists for good. The agency recovers the whole
    balance of a placed account with probability curve(t) by t days after placement (the
    cumulative recovery curve, linear between its points and flat after the last); the center
    gets the recovery less ``commission_share``. Recoveries are counted up to ``horizon_days``
    after placement (a projection beyond the run), so the expected net to the center is
    placed balance x curve(horizon_days) x (1 - commission_share).
    """

    enabled: bool = Field(True, description="agency placement on (the block present and enabled)")
    at_days_past_due: NonNeg = Field(
        0.0, description="place an open account once it is this many days past due (0: off)"
    )
    after_days: int = Field(
        0, ge=0, le=3660, description="place every open account on this calendar day of the run (0: off)"
    )
    recovery_curve_days: list[NonNeg] = Field(
        [0.0, 30.0, 90.0, 180.0],
        min_length=1,
        description=("days since placement of the points of the cumulative recovery curve (increasing)"),
    )
    recovery_curve_share: list[Probability] = Field(
        [0.0, 0.04, 0.09, 0.12],
        min_length=1,
        description=(
            "cumulative share of the placed balance recovered by each of recovery_curve_days (non-decreasing)"
        ),
    )
    commission_share: Probability = Field(
        0.3, description="agency's commission as a share of what it recovers"
    )
    horizon_days: NonNeg = Field(
        180.0, description="days after placement over which agency recoveries are counted"
    )

    def curve(self, days):
        """Cumulative recovery share after ``days`` since placement (numpy-friendly)."""
        import numpy as np

        return np.interp(days, self.recovery_curve_days, self.recovery_curve_share)
