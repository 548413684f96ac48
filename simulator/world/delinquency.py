"""Days past due, minimum payments and cures: the one statement of the rule, used by the living
portfolio and by the roll-rates task alike.

An account's minimum payment per 30-day cycle is M; at d days past due its past-due amount is
M x ceil(d / 30). A payment x of at least that cures the account (0 days past due); a smaller
one brings it back 30 x floor(x / M) days. Every calendar day an account still past due ages one
day.
"""

from __future__ import annotations

import math

import numpy as np

CYCLE_DAYS = 30.0
"""Days in a billing cycle: each one unpaid adds a minimum payment to the past-due amount."""


def minimum_payment_usd(balance_usd: np.ndarray, floor_usd: float, share: float) -> np.ndarray:
    """Minimum payment per cycle: max(floor_usd, share x balance), US dollars."""
    return np.maximum(floor_usd, share * balance_usd)


def past_due_usd(days_past_due: float, minimum_usd: float) -> float:
    """Past-due amount of an account ``days_past_due`` days late (no cap at the balance)."""
    return minimum_usd * math.ceil(days_past_due / CYCLE_DAYS) if days_past_due > 0 else 0.0


def days_past_due_after_payment(days_past_due: float, minimum_usd: float, paid_usd: float) -> float:
    """Days past due once ``paid_usd`` is paid: 0 when it covers the past-due amount (a cure),
    else 30 days back per whole minimum payment."""
    if days_past_due <= 0:
        return days_past_due
    if paid_usd >= past_due_usd(days_past_due, minimum_usd) - 1e-9:
        return 0.0
    return max(0.0, days_past_due - CYCLE_DAYS * math.floor(paid_usd / minimum_usd + 1e-12))


def age_one_day(days_past_due: np.ndarray, mask: np.ndarray | None = None) -> None:
    """Every account still past due (``mask``: among these) is one day later, in place."""
    late = days_past_due > 0
    if mask is not None:
        late &= mask
    days_past_due[late] += 1.0
