"""The analytic pyramid: paid time converted into dollars through five layers.

value per paid hour = productive rate x RPC per productive hour x promise rate x kept rate
x average payment (seed, Figure 14-1 and Table 14-1).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .scenario.schema import Segment, Team

__all__ = ["Pyramid", "TABLE_14_1", "LAYERS", "progressive_rpc_per_hour", "productive_rate",
           "expected_pyramid", "solve_rpc_wrap_s"]

LAYERS = ("productive_rate", "rpc_per_productive_hour", "promise_rate", "kept_rate", "avg_payment")
"""The five layers, top of the pyramid first, named as the results metrics."""

LAYER_LABELS = {
    "productive_rate": "productive rate",
    "rpc_per_productive_hour": "contacts per productive hour",
    "promise_rate": "promise rate",
    "kept_rate": "kept rate",
    "avg_payment": "average payment $",
    "value_per_paid_hour": "value per paid hour $",
}


@dataclass(frozen=True)
class Pyramid:
    """One pyramid. Rates are fractions (0.85, not 85); payment in US dollars."""
    productive_rate: float
    rpc_per_productive_hour: float
    promise_rate: float
    kept_rate: float
    avg_payment: float

    def __post_init__(self) -> None:
        for name in ("productive_rate", "promise_rate", "kept_rate"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} = {v!r}: expected a fraction between 0 and 1 (85% is 0.85)")
        for name in ("rpc_per_productive_hour", "avg_payment"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} = {getattr(self, name)!r}: expected a number >= 0")

    @property
    def value_per_paid_hour(self) -> float:
        """Expected dollars collected per paid collector hour."""
        return (self.productive_rate * self.rpc_per_productive_hour * self.promise_rate
                * self.kept_rate * self.avg_payment)

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "value_per_paid_hour": self.value_per_paid_hour}


TABLE_14_1 = {
    "low_risk": Pyramid(0.85, 10.0, 0.85, 0.65, 140.0),
    "high_risk": Pyramid(0.85, 5.0, 0.75, 0.50, 100.0),
}
"""The seed's weekly targets with a dialer (value per paid hour 657.475 and 159.375)."""


def productive_rate(team: Team) -> float:
    """Scheduled productive share of a team's paid shift (breaks, lunch, meetings, training off)."""
    blocks = sum(length for _, length, _ in team.unproductive_blocks())
    return 1.0 - blocks / (team.shift_length_h * 60.0)


def progressive_rpc_per_hour(segment: Segment) -> float:
    """Right-party contacts per productive hour of a progressive dialer that is never short of
    accounts, by the renewal-reward theorem: each dial is a renewal cycle of expected length
    E[ring + talk + wrap] over the outcomes, and a fraction p_rpc of cycles earn a contact, so
    the long-run rate is 3600 * p_rpc / E[seconds per dial]."""
    return 3600.0 * segment.outcomes.rpc.probability / segment.outcomes.mean_handling_s


def expected_pyramid(team: Team, segment: Segment) -> Pyramid:
    """The pyramid a team dedicated to one segment should produce, in closed form
    (progressive dialer, no list exhaustion; payments far below balances)."""
    return Pyramid(productive_rate(team), progressive_rpc_per_hour(segment), segment.promise_probability,
                   segment.keep_probability, segment.payment_usd.mean)


def solve_rpc_wrap_s(segment: Segment, target_rpc_per_hour: float) -> float:
    """Mean RPC wrap-up seconds that makes a progressive dialer deliver ``target_rpc_per_hour``
    with everything else in the segment as given (the calibration used by table_14_1.toml).

    From 3600 p / E = target: E = 3600 p / target, and E is linear in the RPC wrap mean.
    """
    o = segment.outcomes
    p = o.rpc.probability
    needed = 3600.0 * p / target_rpc_per_hour
    rest = o.mean_handling_s - p * o.rpc.wrap_time_s.mean
    wrap = (needed - rest) / p
    if wrap < 0:
        raise ValueError(f"target {target_rpc_per_hour}/h is unreachable: even with no wrap-up a dial "
                         f"takes {rest / 1:.1f} s of handling per {p:.3f} RPC")
    return wrap
