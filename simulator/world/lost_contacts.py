"""Lost contacts: a person hung up on answers the center's calls less often afterwards.

Two effects thin the answers, both here, on one stream:

- **the account** (``dialer.abandon_answer_factor`` f): when a right party answers and the call
  is abandoned (no collector free within ``dialer.abandon_after_s``, or answering-machine
  detection took the debtor for a machine), the account's chance that a later dial reaches the
  right party is multiplied by f, once per such abandon. With
  ``dialer.abandon_answer_half_life_days`` H the lost part comes back: a multiplier m set at time
  t0 stands at ``1 - (1 - m) 2^(-(t - t0) / H)`` at time t. So after k abandons close together a
  dial reaches the right party with probability p f^k, p being what it would be without them.
- **the center** (``label``, set each midnight by world/reputation.py): while the carriers label
  the center's numbers as spam, every person (right party or third party) answers with
  probability times ``dialer.spam_label_answer_factor``; machines still pick up.

A person's answer drawn for account a stands with probability m_a x label (m_a: the account's
multiplier for a right party, 1 for a third party): one uniform u of the stream
``dialer/abandon_answer``, drawn only when that product is under 1. Otherwise the dial is a no
answer, counted against the label when u < m_a (the account alone would have answered), else
against the account. The dial kernel applies it (``DialKernel.draw`` and its inlined copy in
``ProgressiveDialer.run_of_dials``). Every other draw is untouched, so a scenario without either
effect, or an account never hung up on while the numbers are clean, draws exactly what it drew
before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.clock import DAY_S
from ..base.outcomes import RPC

if TYPE_CHECKING:  # pragma: no cover
    from ..base.rng import Streams
    from ..scenario.schema import Scenario


def _uniform(rng, n):
    return rng.random(n)


class LostContacts:
    """Each account's answer multiplier after abandons, and the counts of the measured window.
    Times are seconds from midnight of calendar day 0."""

    __slots__ = (
        "factor",
        "half_life_s",
        "mult",
        "since_s",
        "u",
        "label",
        "hung_up",
        "unanswered",
        "label_unanswered",
    )

    def __init__(self, scenario: Scenario, n_accounts: int, streams: Streams) -> None:
        d = scenario.dialer
        self.factor = d.abandon_answer_factor
        h = d.abandon_answer_half_life_days
        self.half_life_s = h * DAY_S if h is not None else None
        # Per account: the multiplier set at the last right-party abandon (1.0: never hung up
        # on), and when it was set. Python lists: read one element at a time on every dial.
        self.mult: list[float] = [1.0] * n_accounts
        self.since_s: list[float] = [0.0] * n_accounts
        self.u = streams.batched("dialer/abandon_answer", _uniform)
        self.label = 1.0  # the center's answer multiplier: spam_label_answer_factor while labelled
        self.reset()

    def reset(self) -> None:
        """Count from zero (the end of the warm-up); the multipliers stay."""
        self.hung_up = 0  # right parties hung up on
        self.unanswered = 0  # dials that reached no one because of an earlier abandon
        self.label_unanswered = 0  # dials that reached no one because the numbers were labelled

    @staticmethod
    def on(scenario: Scenario) -> bool:
        """Whether ``scenario`` models lost contacts of accounts (the ``lost_contacts`` block)."""
        return scenario.dialer.abandon_answer_factor < 1.0

    @staticmethod
    def needed(scenario: Scenario) -> bool:
        """Whether ``scenario`` thins answers at all: lost contacts of accounts, or a spam label."""
        d = scenario.dialer
        return d.abandon_answer_factor < 1.0 or d.spam_label_abandon_rate is not None

    def multiplier(self, a: int, t: float) -> float:
        """Account ``a``'s answer multiplier at time ``t`` (1: unaffected)."""
        m = self.mult[a]
        h = self.half_life_s
        if h is None or m >= 1.0:
            return m
        return 1.0 - (1.0 - m) * 0.5 ** ((t - self.since_s[a]) / h)

    def hang_up(self, a: int, t: float) -> None:
        """The right party of account ``a`` was hung up on at ``t``."""
        self.mult[a] = self.multiplier(a, t) * self.factor
        self.since_s[a] = t
        self.hung_up += 1

    def answers(self, a: int, o: int, t: float) -> bool:
        """A person answered a dial to account ``a`` at ``t`` (``o``: RPC or THIRD_PARTY): does the
        answer stand? One uniform of the stream ``dialer/abandon_answer`` when the answer
        multiplier may be under 1 (see the module docstring)."""
        label = self.label
        if o == RPC and self.mult[a] < 1.0:
            m = self.multiplier(a, t)
        elif label >= 1.0:
            return True
        else:
            m = 1.0
        u = self.u.next()
        if u < m * label:
            return True
        if u < m:
            self.label_unanswered += 1
        else:
            self.unanswered += 1
        return False

    def block(self) -> dict[str, float]:
        """The results' ``lost_contacts`` block (measured window)."""
        return {"right_parties_abandoned": float(self.hung_up), "dials_unanswered": float(self.unanswered)}
