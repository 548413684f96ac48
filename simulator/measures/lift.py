"""The treatment's lift over the never-called control group, from the roll matrices of the
measured window (world/tasks/aging.py, kept per segment and group in Counters.roll_groups).

Over every roll period that ends in the measured window, each account delinquent at the
period's start (1-29, 30-59, 60-89 or 90+ days past due) is counted where it is at its end
(docs/portfolio.md). Per group, treated (called) or control (never called):

- ``cure_rate``: the share current at the end (cured, paid off or settled);
- ``roll_rate``: the forward roll, the share of the 1-29, 30-59 and 60-89 buckets in a worse
  bucket (or charged off) at the end; ``_usd`` weighs each account by its balance at the
  start (US dollars);
- ``charge_off_rate``: the share charged off by the end.

The lifts are the points the calling gains, signed so that a positive lift is good:

    cure_lift       = cure_rate_treated - cure_rate_control
    roll_lift       = roll_rate_control - roll_rate_treated      (and roll_lift_usd)
    charge_off_lift = charge_off_rate_control - charge_off_rate_treated

Each is one number per replication, so the results give it a mean and a 95% CI across
replications (paired: both groups come from the same replication). They need a living
portfolio with ``control_share`` > 0 and the ``[roll_rates]`` block; otherwise they are None.
"""

from __future__ import annotations

import numpy as np

from ..world.counters import Counters
from ..world.tasks.aging import CHARGED_OFF_COLUMN

LIFT_METRICS = (
    "cure_rate_treated",
    "cure_rate_control",
    "cure_lift",
    "roll_rate_treated",
    "roll_rate_control",
    "roll_lift",
    "roll_lift_usd",
    "charge_off_lift",
)
"""The lift metrics, at center and segment level (None for teams and collectors)."""

NO_LIFT: dict[str, float | None] = dict.fromkeys(LIFT_METRICS)
"""The lift metrics where they are not defined (teams, collectors, no control group)."""

_CHARGED_OFF = CHARGED_OFF_COLUMN


def _share(a: float, b: float) -> float | None:
    return float(a) / float(b) if b else None


def _rates(m: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Cure, forward roll and charge-off rate of one group's roll matrix (start bucket x
    destination)."""
    rows = m.sum(axis=1)
    delinquent = rows[1:].sum()
    rolled = sum(m[i, i + 1 :].sum() for i in (1, 2, 3))
    return (
        _share(m[1:, 0].sum(), delinquent),
        _share(rolled, rows[1:4].sum()),
        _share(m[1:, _CHARGED_OFF].sum(), delinquent),
    )


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def control_lift(cnt: Counters, segments: list[int]) -> dict[str, float | None]:
    """The group rates and lifts of a group of segments (see the module docstring); rates are
    fractions, lifts are differences of fractions."""
    if cnt.roll_groups is None or cnt.received_usd is None:
        return dict(NO_LIFT)
    counts = cnt.roll_groups[segments].sum(axis=0)  # (2, buckets, destinations)
    dollars = cnt.roll_groups_usd[segments].sum(axis=0)
    if not counts[1, 1:].sum() or not counts[0, 1:].sum():  # no control (or no treated) account
        return dict(NO_LIFT)
    cure_t, roll_t, co_t = _rates(counts[0])
    cure_c, roll_c, co_c = _rates(counts[1])
    _, roll_t_usd, _ = _rates(dollars[0])
    _, roll_c_usd, _ = _rates(dollars[1])
    return {
        "cure_rate_treated": cure_t,
        "cure_rate_control": cure_c,
        "cure_lift": _diff(cure_t, cure_c),
        "roll_rate_treated": roll_t,
        "roll_rate_control": roll_c,
        "roll_lift": _diff(roll_c, roll_t),
        "roll_lift_usd": _diff(roll_c_usd, roll_t_usd),
        "charge_off_lift": _diff(co_c, co_t),
    }
