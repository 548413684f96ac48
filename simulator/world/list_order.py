"""List orders: each key of the daily lists as an ascending sort key, and orders of several keys
(sort by the first, then the next) as one float per account (docs/strategy.md).

Keys, each smallest first: least_recent (and best_time) the last attempt's time; balance minus
the balance; risk_score minus the score; days_past_due the days; random a fresh uniform draw
from the stream ``lists/order``; expected_value minus the expected payment; riskiest the score;
oldest minus the days past due.

**Expected value.** P(pay) x amount due, US dollars. P(pay) is the segment's right-party
probability (``outcomes.rpc.probability``) x its promise probability x its keep probability;
with account-level behaviour (world/behaviour.py) the account's own answer multiplier, promise
and keep probabilities at its days past due today replace the segment's rates. The amount due is
the past-due amount (minimum payment x cycles past due, at most the balance) with a living
portfolio, else the balance.

**One float for several keys, and for several orders in one bucket.** An order of several keys is
expressed as each account's rank in that order among the accounts of its group that follow the
same order (the group: its bucket, and with a strategy tree its priority group), ties on the keys
broken by account number so each account has its own rank, divided by their number: a key in
[0, 1). Accounts under different orders in one group then interleave by their relative position
in their own order: the first tenth of one order's accounts come out with the first tenth of the
other's, however many of either tie on their keys (accounts never dialed, under
``least_recent``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from ..scenario.schema import Scenario
from .delinquency import CYCLE_DAYS, minimum_payment_usd
from .portfolio import Portfolio

if TYPE_CHECKING:  # pragma: no cover
    from .behaviour import AccountBehaviour


class ListOrder:
    """Sort keys of the call lists over a portfolio (smallest first)."""

    __slots__ = ("behaviour", "min_payment", "p", "p_pay_segment", "rng", "rpc_segment", "_account_terms")

    def __init__(
        self,
        scenario: Scenario,
        portfolio: Portfolio,
        rng: np.random.Generator,
        behaviour: AccountBehaviour | None = None,
    ) -> None:
        self.p = portfolio
        self.rng = rng
        self.behaviour = behaviour
        segs = list(scenario.segments.values())
        # right-party probability per dial of each segment (its base rate), and P(pay) of the
        # segment: right-party contact x promise x keep
        self.rpc_segment = np.array([s.outcomes.rpc.probability for s in segs])
        self.p_pay_segment = self.rpc_segment * np.array(
            [s.promise_probability * s.keep_probability for s in segs]
        )
        pf = scenario.portfolio
        self.min_payment = (
            minimum_payment_usd(portfolio.balance_at_entry, pf.min_payment_usd, pf.min_payment_share)
            if scenario.portfolio_on and pf is not None
            else None
        )
        self._account_terms: tuple[np.ndarray, ...] | None = None

    def key(self, name: str, idx: np.ndarray) -> np.ndarray:
        """Key ``name`` of accounts ``idx``, ascending = listed first."""
        p = self.p
        if name in ("least_recent", "best_time"):
            return p.last_attempt_s[idx]
        if name == "balance":
            return -p.balance[idx]
        if name == "risk_score":
            return -p.risk_score[idx]
        if name == "days_past_due":
            return p.days_past_due[idx]
        if name == "random":
            return self.rng.random(len(idx))
        if name == "expected_value":
            return -self.expected_value(idx)
        if name == "riskiest":
            return p.risk_score[idx]
        if name == "oldest":
            return -p.days_past_due[idx]
        raise ValueError(f"unknown list order key {name!r}")

    def p_pay(self, idx: np.ndarray) -> np.ndarray:
        """Probability that a dial to each account leads to a kept promise (see the module)."""
        p = self.p
        seg_rate = self.p_pay_segment[p.segment[idx]]
        b = self.behaviour
        if b is None:
            return seg_rate
        if self._account_terms is None:  # fixed when the behaviour is built
            self._account_terms = (
                np.asarray(b.answer_mult),
                np.asarray(b.promise_lp),
                np.asarray(b.keep_lp),
                np.asarray(b.dpd0),
            )
        answer, promise_lp, keep_lp, dpd0 = self._account_terms
        shift = p.days_past_due[idx] - dpd0[idx]
        promise = expit(promise_lp[idx] + b.promise_dpd * shift)
        keep = expit(keep_lp[idx] + b.keep_dpd * shift)
        return self.rpc_segment[p.segment[idx]] * answer[idx] * promise * keep

    def amount_due(self, idx: np.ndarray) -> np.ndarray:
        """The past-due amount with a living portfolio, else the balance (US dollars)."""
        bal = self.p.balance[idx]
        if self.min_payment is None:
            return bal
        cycles = np.ceil(np.maximum(self.p.days_past_due[idx], 0.0) / CYCLE_DAYS)
        return np.minimum(self.min_payment[idx] * cycles, bal)

    def expected_value(self, idx: np.ndarray) -> np.ndarray:
        """P(pay) x amount due of each account (US dollars)."""
        return self.p_pay(idx) * self.amount_due(idx)

    def ranked(self, keys: Sequence[str], idx: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Order ``keys`` as one float per account in [0, 1): the account's rank among those of
        its group (``groups``, aligned with ``idx``: a bucket, or a bucket and priority group) by
        the keys in turn, then by account number (``idx``), divided by their number."""
        m = len(idx)
        if not m:
            return np.zeros(0)
        cols = [self.key(k, idx) for k in keys]
        order = np.lexsort((idx, *reversed(cols), groups))
        pos = np.arange(m)
        sg = groups[order]
        new_group = np.empty(m, dtype=bool)
        new_group[0] = True
        new_group[1:] = sg[1:] != sg[:-1]
        group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
        starts = np.flatnonzero(new_group)
        sizes = np.diff(np.append(starts, m))
        size = np.repeat(sizes, sizes)
        out = np.empty(m)
        out[order] = (pos - group_start) / size
        return out
