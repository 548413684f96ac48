"""Lost contacts: a debtor hung up on answers that number less often afterwards.

When a right party answers and the call is abandoned (no collector free within
``dialer.abandon_after_s``, or answering-machine detection took the debtor for a machine), the
account's chance that a later dial reaches the right party is multiplied by
``dialer.abandon_answer_factor`` f, once per such abandon. With
``dialer.abandon_answer_half_life_days`` H the lost part comes back: a multiplier m set at time
t0 stands at ``1 - (1 - m) 2^(-(t - t0) / H)`` at time t. So after k abandons close together a
dial reaches the right party with probability p f^k, p being what it would be without them.

The dial kernel applies it by thinning (``DialKernel.draw`` and its inlined copy in
``ProgressiveDialer.run_of_dials``): a right-party outcome drawn for an account whose multiplier
is under 1 stands with probability equal to the multiplier, on a stream of its own, and is
otherwise a no-answer. Every other draw is untouched, so a scenario without the effect, or an
account never hung up on, draws exactly what it drew before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.clock import DAY_S

if TYPE_CHECKING:  # pragma: no cover
    from ..base.rng import Streams
    from ..scenario.schema import Scenario


def _uniform(rng, n):
    return rng.random(n)


class LostContacts:
    """Each account's answer multiplier after abandons, and the counts of the measured window.
    Times are seconds from midnight of calendar day 0."""

    __slots__ = ("factor", "half_life_s", "mult", "since_s", "u", "hung_up", "unanswered")

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
        self.reset()

    def reset(self) -> None:
        """Count from zero (the end of the warm-up); the multipliers stay."""
        self.hung_up = 0  # right parties hung up on
        self.unanswered = 0  # dials that reached no one because of an earlier abandon

    @staticmethod
    def on(scenario: Scenario) -> bool:
        """Whether ``scenario`` models lost contacts."""
        return scenario.dialer.abandon_answer_factor < 1.0

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

    def answers(self, a: int, t: float) -> bool:
        """A right-party answer was drawn for account ``a`` (multiplier under 1) at ``t``: does
        it stand? One uniform of the stream ``dialer/abandon_answer``."""
        if self.u.next() < self.multiplier(a, t):
            return True
        self.unanswered += 1
        return False

    def block(self) -> dict[str, float]:
        """The results' ``lost_contacts`` block (measured window)."""
        return {"right_parties_abandoned": float(self.hung_up), "dials_unanswered": float(self.unanswered)}
