"""Account-level behaviour: the link from an account's attributes to its chance to answer, to
promise and to keep, its promise amount and its self-cure rate (docs/portfolio.md).

For account i of a segment, with z_score its risk score standardised over the segment's accounts
at entry (mean 0, standard deviation 1), z_dpd its days past due less the segment's mean at
entry, in 30-day cycles, and k its number of phones (s = ``spread``):

    answer multiplier   a_i = exp(s (b_score z_score + b_dpd z_dpd + b_phones log k)) / mean(...)
    promise probability p_i = logistic(logit(p) + s (c_score z_score + c_dpd z_dpd) + c0)
    keep probability    q_i = logistic(logit(q) + s (k_score z_score + k_dpd z_dpd) + k0)
    promise amount      x_i = payment draw x g_i,  g_i = (PD_i / mean PD)^(s e) / mean(...)
    self-cure per day   h_i = h exp(s (h_score z_score + h_dpd z_dpd)) / mean(...)

where PD_i is the past-due amount at entry and c0, k0 are solved so that the mean over the
segment's accounts at entry is the segment's rate: averaged over the accounts as they enter,
every propensity is the segment's set rate. The promise and keep links and the self-cure rate
follow the account's days past due as it ages; the answer multiplier also falls by
(1 - fatigue_per_attempt) per attempt in the last 7 days.

Phone status (valid, wrong, disconnected: phones.py) persists: a disconnected number always ends
``invalid``; a wrong number's live answers are third parties. The shares are the segment's
invalid probability and ``wrong_number_share``, and the valid numbers' outcome probabilities are
set so the segment's marginal outcome probabilities hold.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit, logit

from ..base.outcomes import BUSY, INVALID, MACHINE, NO_ANSWER, RPC, THIRD_PARTY
from .delinquency import CYCLE_DAYS
from .phones import DISCONNECTED, TRACED, VALID, WRONG, model_phone_status

if TYPE_CHECKING:  # pragma: no cover
    from ..base.rng import Streams
    from ..scenario.schema import Scenario
    from .phone_numbers import AccountPhones
    from .portfolio import Portfolio

UNANSWERED = (NO_ANSWER, BUSY, MACHINE)
MAX_FATIGUE_ATTEMPTS = 100


SURE = 40.0
"""A log-odds standing for probability 0 or 1 (logistic(40) = 1 - 4e-18)."""


def calibrated_log_odds(base: float, eta: np.ndarray) -> np.ndarray:
    """Per-account log-odds logit(base) + eta + c0, with c0 solved so that the mean of the
    probabilities is ``base`` (a probability of 0 or 1 stays one for every account)."""
    if base <= 0.0 or base >= 1.0:
        return np.full(len(eta), SURE if base >= 1.0 else -SURE)
    lb = float(logit(base))
    if not len(eta) or not np.any(eta):
        return np.full(len(eta), lb)
    # scipy.optimize costs ~23 MB and ~0.2 s to import, so only worlds that need it load it.
    from scipy.optimize import brentq

    c0 = brentq(lambda c: float(expit(lb + eta + c).mean()) - base, -30.0, 30.0, xtol=1e-12)
    return lb + eta + c0


def _normalised_exp(eta: np.ndarray) -> np.ndarray:
    e = np.exp(eta - eta.max()) if len(eta) else eta
    return e / e.mean() if len(e) else e


class AccountBehaviour:
    """Per-account propensities and the account-level outcome draw. Built once per world."""

    __slots__ = (
        "answer_mult",
        "dpd",
        "dpd0",
        "dpd0_at_entry",
        "fatigue",
        "keep_dpd",
        "keep_lp",
        "payment_mult",
        "phone",
        "promise_dpd",
        "promise_lp",
        "recent",
        "self_cure_dpd",
        "self_cure_per_day",
        "tables",
        "today",
        "traced_rpc_mult",
    )

    def __init__(
        self, scenario: Scenario, portfolio: Portfolio, streams: Streams, numbers: AccountPhones | None = None
    ) -> None:
        cfg = scenario.portfolio
        b = cfg.behaviour
        spread = b.spread
        p = portfolio
        n = p.n
        self.dpd = p.days_past_due
        score = p.risk_score
        dpd0 = p.days_past_due_at_entry
        self.dpd0: list[float] = dpd0.tolist()
        self.dpd0_at_entry = dpd0
        minimum = np.maximum(cfg.min_payment_usd, cfg.min_payment_share * p.balance_at_entry)
        past_due0 = np.minimum(minimum * np.ceil(dpd0 / CYCLE_DAYS), p.balance_at_entry)
        answer = np.ones(n)
        promise_lp, keep_lp = np.zeros(n), np.zeros(n)
        payment = np.ones(n)
        cure = np.zeros(n)
        phones = np.ones(n, dtype=np.int64)
        phone = np.zeros(n, dtype=np.int8)
        for i, (name, seg) in enumerate(scenario.segments.items()):
            mine = np.flatnonzero(p.segment == i)
            if not len(mine):
                continue
            z_s = self._standardised(score[mine])
            d = dpd0[mine]
            z_d = (d - d.mean()) / CYCLE_DAYS
            if numbers is None:
                k = np.maximum(
                    1, np.rint(seg.phones.sample(streams.generator(f"portfolio/{name}/phones"), len(mine)))
                )
            else:  # several numbers per account: they give its count
                k = np.asarray(numbers.count)[mine]
            phones[mine] = k
            answer[mine] = _normalised_exp(
                spread * (b.score_on_answer * z_s + b.dpd_on_answer * z_d + b.phones_on_answer * np.log(k))
            )
            promise_lp[mine] = calibrated_log_odds(
                seg.promise_probability, spread * (b.score_on_promise * z_s + b.dpd_on_promise * z_d)
            )
            keep_lp[mine] = calibrated_log_odds(
                seg.keep_probability, spread * (b.score_on_keep * z_s + b.dpd_on_keep * z_d)
            )
            pd = past_due0[mine]
            rel = pd / pd.mean() if pd.mean() > 0 else np.ones(len(mine))
            g = np.power(np.maximum(rel, 1e-9), spread * b.past_due_on_payment)
            payment[mine] = g / g.mean()
            cure[mine] = np.minimum(
                1.0,
                seg.self_cure_per_day
                * _normalised_exp(spread * (b.score_on_self_cure * z_s + b.dpd_on_self_cure * z_d)),
            )
            if numbers is not None:
                continue  # each number has its own state (phone_numbers.py)
            u = streams.generator(f"portfolio/{name}/phone_status").random(len(mine))
            q_dead, q_wrong = seg.outcomes.invalid.probability, seg.wrong_number_share
            phone[mine] = np.where(u < q_dead, DISCONNECTED, np.where(u < q_dead + q_wrong, WRONG, VALID))
        self.answer_mult: list[float] = answer.tolist()
        self.promise_lp: list[float] = promise_lp.tolist()
        self.keep_lp: list[float] = keep_lp.tolist()
        self.payment_mult: list[float] = payment.tolist()
        self.self_cure_per_day = cure
        # change of each log-odds (or log rate) per day past due beyond the value at entry
        self.promise_dpd = spread * b.dpd_on_promise / CYCLE_DAYS
        self.keep_dpd = spread * b.dpd_on_keep / CYCLE_DAYS
        self.self_cure_dpd = spread * b.dpd_on_self_cure / CYCLE_DAYS
        p.phones = phones
        # the account's one number's status; with several numbers, theirs (phone_numbers.py)
        self.phone = model_phone_status(p, phone) if numbers is None else None
        f = b.fatigue_per_attempt
        self.fatigue = [(1.0 - f) ** k for k in range(MAX_FATIGUE_ATTEMPTS + 1)]
        p.attempts_7_list = self.recent = p.attempts_7_total.tolist()
        self.today = p.attempts_today
        st = scenario.skip_trace
        self.traced_rpc_mult = st.new_number_rpc_multiplier if scenario.special_on("skip_trace") else 1.0
        self.tables = [self._tables(seg) for seg in scenario.segments.values()]

    @staticmethod
    def _standardised(x: np.ndarray) -> np.ndarray:
        sd = x.std()
        return (x - x.mean()) / sd if sd > 0 else np.zeros(len(x))

    @staticmethod
    def _tables(seg) -> list[tuple[float, float, list[float]]]:
        """Per local (weekday, hour) slot: the valid number's right-party and third-party
        probabilities and the cumulative shares of no answer, busy and machine among the rest."""
        q_dead, q_wrong = seg.outcomes.invalid.probability, seg.wrong_number_share
        out = []
        for wd in range(7):
            for h in range(24):
                probs = seg.outcome_probabilities(h, wd)
                working = 1.0 - q_dead - q_wrong  # every number disconnected: no live answer at all
                rpc_v = probs[RPC] / working if working > 0 else 0.0
                tp_v = (
                    max(0.0, (probs[THIRD_PARTY] - q_wrong * rpc_v) / (1.0 - q_dead)) if working > 0 else 0.0
                )
                rest = [probs[o] for o in UNANSWERED]
                total = sum(rest)
                cum = list(np.cumsum(rest) / total) if total > 0 else [1.0, 1.0, 1.0]
                cum[-1] = 2.0
                out.append((rpc_v, tp_v, cum))
        return out

    def outcome(self, a: int, s: int, slot: int, u: float) -> int:
        """The outcome of a dial to account ``a`` (segment ``s``) at local slot weekday*24+hour,
        from one uniform ``u``."""
        ph = self.phone[a]
        if ph == DISCONNECTED:
            return INVALID
        rpc_v, tp_v, cum = self.tables[s][slot]
        n = self.recent[a] + self.today[a]
        m = self.answer_mult[a] * self.fatigue[n if n < MAX_FATIGUE_ATTEMPTS else MAX_FATIGUE_ATTEMPTS]
        if ph == WRONG:
            rpc, tp = 0.0, (rpc_v + tp_v) * m
        else:
            rpc = rpc_v * m * (self.traced_rpc_mult if ph == TRACED else 1.0)
            tp = tp_v * m
        live = rpc + tp
        if live > 1.0:  # a very responsive account: every dial a live answer
            rpc, tp, live = rpc / live, tp / live, 1.0
        if u < rpc:
            return RPC
        if u < live:
            return THIRD_PARTY
        return UNANSWERED[bisect_right(cum, (u - live) / (1.0 - live))]

    def answer_propensity(self, a: int) -> float:
        """Account ``a``'s live-answer multiplier now: its answer multiplier times the fatigue of
        its attempts in the last 7 days (what :meth:`outcome` applies; AccountPhones.dial applies
        it to the number dialed)."""
        n = self.recent[a] + self.today[a]
        return self.answer_mult[a] * self.fatigue[n if n < MAX_FATIGUE_ATTEMPTS else MAX_FATIGUE_ATTEMPTS]

    def promise_probability(self, a: int) -> float:
        """Chance that a right-party conversation with account ``a`` ends in a promise now
        (before the collector's skill)."""
        x = self.promise_lp[a] + self.promise_dpd * (float(self.dpd[a]) - self.dpd0[a])
        return 1.0 / (1.0 + math.exp(-x))

    def keep_probability(self, a: int) -> float:
        """Chance that account ``a`` keeps a promise made now (before the collector's skill)."""
        x = self.keep_lp[a] + self.keep_dpd * (float(self.dpd[a]) - self.dpd0[a])
        return 1.0 / (1.0 + math.exp(-x))

    def self_cure_today(self, dpd: np.ndarray) -> np.ndarray:
        """Each account's chance to self-cure today at its current days past due."""
        shift = self.self_cure_dpd * (dpd - self.dpd0_at_entry)
        return np.minimum(1.0, self.self_cure_per_day * np.exp(shift))
