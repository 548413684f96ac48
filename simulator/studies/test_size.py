"""How large a champion/challenger test must be (``collectsim test-size``).

A test assigns accounts to arms at random and, at its end, compares a per-account figure (the
dollars collected per account, say) between the challenger and the champion. With ``n_c`` and
``n_h`` accounts in the two arms and a per-account standard deviation ``sigma``, the difference
of the arms' means has variance ``sigma**2 (1/n_c + 1/n_h)``; a two-sided test at level
``alpha`` detects a true lift ``delta`` with probability

    power = Phi(|delta| / se - z(1 - alpha/2)) + Phi(-|delta| / se - z(1 - alpha/2)),

and the accounts it needs for a given power are (the second term neglected, as is usual)

    N = sigma**2 (1/s_c + 1/s_h) (z(1 - alpha/2) + z(power))**2 / delta**2,

``s_c``, ``s_h`` the arms' shares of the N accounts of the test.

``sigma`` is the scenario's own, not a textbook guess: a pilot runs the scenario's replications,
and in each the arms' means differ by ``D_r``. The arms share the replication's floor (its
collectors, queue and portfolio draws), so ``Var(D_r)`` is what a test on this floor sees, shared
shocks included; ``sigma_eff**2 = Var(D_r) / mean(1/n_c + 1/n_h)`` is the per-account variance
that reproduces it. Its uncertainty, from R - 1 degrees of freedom, is reported as a chi-square
upper bound, and the accounts needed at that bound are the conservative answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.special import chdtri, ndtr, ndtri

__all__ = ["PilotVariance", "pilot_variance", "accounts_needed", "check_design", "power_of", "TestSize"]


@dataclass(frozen=True)
class PilotVariance:
    """The per-account variance a pilot implies: ``sigma2`` (units of the figure squared), its
    one-sided ``level`` upper bound ``sigma2_upper`` (chi-square, R - 1 degrees of freedom), the
    replications it rests on and the mean difference of the arms it saw (``mean_difference``,
    the challenger less the champion)."""

    sigma2: float
    sigma2_upper: float
    replications: int
    mean_difference: float
    level: float


def pilot_variance(
    differences: Sequence[float], inverse_sizes: Sequence[float], level: float = 0.9
) -> PilotVariance:
    """``differences``: per replication, the challenger's mean less the champion's; ``inverse_sizes``:
    per replication, ``1/n_champion + 1/n_challenger`` (accounts). Needs two replications or more."""
    r = len(differences)
    if r < 2 or len(inverse_sizes) != r:
        raise ValueError(f"expected at least 2 replications with their sizes, got {r}")
    mean = math.fsum(differences) / r
    var = math.fsum((d - mean) ** 2 for d in differences) / (r - 1)
    scale = math.fsum(inverse_sizes) / r
    if not scale > 0:
        raise ValueError("every arm must hold accounts")
    sigma2 = var / scale
    # (r-1) s2 / sigma2 ~ chi2(r-1): sigma2 <= (r-1) s2 / chi2_{1-level}(r-1) with prob. `level`.
    upper = (r - 1) * sigma2 / float(chdtri(r - 1, level)) if sigma2 > 0 else 0.0
    return PilotVariance(sigma2, upper, r, mean, level)


def _z(p: float) -> float:
    return float(ndtri(p))


def check_design(
    alpha: float, power: float, lift: float | None = None, *, prefix: str = "", lift_name: str = "lift"
) -> None:
    """ValueError unless ``alpha`` and ``power`` are in (0, 1) with finite normal quantiles
    z(1 - alpha/2) and z(power) in double precision, and ``lift`` (when given; absolute or
    relative) is finite with a square above 0 (a lift under about 1e-162 squares to 0). The
    messages name the options ``prefix + "alpha"``, ``prefix + "power"`` and ``lift_name``."""
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError(f"{prefix}alpha and {prefix}power must be in (0, 1)")
    if not math.isfinite(_z(1 - alpha / 2)):
        raise ValueError(
            f"{prefix}alpha {alpha:g}: too small for double precision (1 - alpha/2 rounds to 1); "
            "use 1e-15 or more"
        )
    if not math.isfinite(_z(power)):
        raise ValueError(
            f"{prefix}power {power!r}: too close to 1 for double precision; use 1 - 1e-15 or less"
        )
    if lift is not None and not (math.isfinite(lift) and lift * lift > 0):
        raise ValueError(
            f"{lift_name} {lift:g}: expected a finite lift other than 0 whose square is above 0 in "
            "double precision (about 1e-162 or more in size)"
        )


def accounts_needed(
    sigma2: float,
    lift: float,
    alpha: float = 0.05,
    power: float = 0.8,
    shares: tuple[float, float] = (0.5, 0.5),
) -> float:
    """Accounts in the whole test (both arms) for a two-sided test at ``alpha`` to detect ``lift``
    (absolute, units of the figure) with probability ``power``; ``shares`` (champion, challenger)
    of the test's accounts. Infinite for a zero lift."""
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError("alpha and power must be in (0, 1)")
    if lift * lift == 0:
        return math.inf
    s_c, s_h = shares
    k = (_z(1 - alpha / 2) + _z(power)) ** 2
    return sigma2 * (1 / s_c + 1 / s_h) * k / lift**2


def power_of(
    sigma2: float, lift: float, n_champion: float, n_challenger: float, alpha: float = 0.05
) -> float:
    """Probability that a two-sided z test at ``alpha`` detects ``lift`` with these arm sizes."""
    se = math.sqrt(sigma2 * (1 / n_champion + 1 / n_challenger))
    if se == 0:
        return 1.0 if lift else alpha
    z = _z(1 - alpha / 2)
    return float(ndtr(abs(lift) / se - z) + ndtr(-abs(lift) / se - z))


@dataclass(frozen=True)
class TestSize:
    """The answer of ``collectsim test-size`` for one figure (JSON ``collectsim.test-size/1``)."""

    metric: str
    lift: float
    lift_relative: float | None
    alpha: float
    power: float
    shares: tuple[float, float]
    pilot: PilotVariance
    champion_mean: float
    accounts_total: float
    accounts_total_upper: float
    entries_per_day: float | None

    @property
    def accounts_per_arm(self) -> tuple[float, float]:
        """(champion, challenger) accounts at the point estimate of the variance."""
        return self.accounts_total * self.shares[0], self.accounts_total * self.shares[1]

    def days(self, total: float) -> float | None:
        """Calendar days of inflow that enrol ``total`` accounts, or None without inflow."""
        if not self.entries_per_day:
            return None
        return total / self.entries_per_day

    def to_json(self) -> dict:
        per_arm = self.accounts_per_arm
        return {
            "metric": self.metric,
            "lift": self.lift,
            "lift_relative": self.lift_relative,
            "alpha": self.alpha,
            "power": self.power,
            "shares": {"champion": self.shares[0], "challenger": self.shares[1]},
            "champion_mean": self.champion_mean,
            "sigma_per_account": math.sqrt(self.pilot.sigma2),
            "sigma_per_account_upper": math.sqrt(self.pilot.sigma2_upper),
            "upper_level": self.pilot.level,
            "pilot_replications": self.pilot.replications,
            "pilot_mean_difference": self.pilot.mean_difference,
            "accounts_total": math.ceil(self.accounts_total),
            "accounts_champion": math.ceil(per_arm[0]),
            "accounts_challenger": math.ceil(per_arm[1]),
            "accounts_total_upper": math.ceil(self.accounts_total_upper),
            "entries_per_day": self.entries_per_day,
            "days": self.days(self.accounts_total),
            "days_upper": self.days(self.accounts_total_upper),
        }
