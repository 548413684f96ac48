"""Expected loss of each account of a living portfolio (scenario block
``[portfolio.valuation]``, docs/portfolio.md "Value by loss").

An account's expected loss, in US dollars, is what its balance owed is expected to lose from
where it stands:

- open (in the portfolio), or placed with the next stage: balance x P(charge-off | its 30-day
  bucket of days past due, at placement for a placed one) x (1 - recovery rate);
- cured (current again): balance x P(charge-off of a cured account) x (1 - recovery rate);
- charged off: balance x (1 - recovery rate);
- settled: the forgiven rest of the balance (a loss with no recovery);
- paid off: 0 (nothing is owed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .delinquency import CYCLE_DAYS
from .portfolio import ACTIVE, CHARGED_OFF, CURED, PAID, PLACED, SETTLED


@dataclass(frozen=True)
class LossRates:
    """The valuation's inputs: P(charge-off) per 30-day bucket of days past due (1-29 first),
    P(charge-off) of a cured account, and the share of a charged-off balance recovered."""

    by_bucket: tuple[float, ...]
    cured: float
    recovery: float

    def charge_off_probability(self, days_past_due: np.ndarray) -> np.ndarray:
        """P(charge-off) of accounts at ``days_past_due`` (0 or less: as a cured account; past
        the last bucket: the last bucket's)."""
        d = np.asarray(days_past_due, dtype=float)
        k = np.clip(np.floor(d / CYCLE_DAYS).astype(np.int64), 0, len(self.by_bucket) - 1)
        return np.where(d > 0, np.asarray(self.by_bucket)[k], self.cured)


def expected_loss_usd(
    balance_usd: np.ndarray, days_past_due: np.ndarray, status: np.ndarray, rates: LossRates
) -> np.ndarray:
    """Each account's expected loss (US dollars) by the rule of the module docstring; 0 for an
    account not yet in the portfolio."""
    bal = np.asarray(balance_usd, dtype=float)
    keep = 1.0 - rates.recovery
    by_dpd = rates.charge_off_probability(days_past_due)
    p = np.zeros(len(bal))
    open_or_placed = np.isin(status, ACTIVE) | (status == PLACED)
    p[open_or_placed] = by_dpd[open_or_placed] * keep
    p[status == CURED] = rates.cured * keep
    p[status == CHARGED_OFF] = keep
    p[status == SETTLED] = 1.0
    p[status == PAID] = 0.0
    return bal * p
