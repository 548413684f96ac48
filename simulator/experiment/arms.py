"""The champion/challenger blocks of a results document (docs/champion-challenger.md): each
arm's metrics over the replications, and each challenger against the champion, paired by
replication.

Pairing by replication is valid because the arms share each replication: the same floor, the
same collectors and the same portfolio draws, the arm of each account drawn at entry from its
own stream. The two arms' values in replication r are two measurements of one world, so their
difference removes what the replication's draws did to both (a busy day, a slow collector), and
the differences over replications are independent: a Student-t interval on their mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..base.statistics import paired_difference, paired_from_moments
from ..measures.arms import ALL_ARM_METRICS, CHALLENGER_METRICS
from ..scenario.strategy import Strategy
from .accumulate import ReplicationStore

ARMS_LEVEL, CHALLENGERS_LEVEL = "arms", "challengers"
"""Levels of a replication's ``metrics`` that hold the arms' values and each challenger's
difference from the champion (present only with two arms or more)."""


def relative_lift(paired: dict[str, Any]) -> dict[str, float | None]:
    """The difference relative to the champion's mean: diff / champion mean, and its interval's
    bounds divided alike (the champion's mean taken as known: a first-order interval)."""
    base, d = paired.get("a_mean"), paired.get("diff_mean")
    if base is None or d is None or base == 0 or not math.isfinite(base):
        return {"relative_lift": None, "relative_lift_ci95_low": None, "relative_lift_ci95_high": None}
    lo, hi = paired.get("diff_ci95_low"), paired.get("diff_ci95_high")
    bounds = (None, None) if lo is None or hi is None else tuple(sorted((lo / base, hi / base)))
    return {
        "relative_lift": d / base,
        "relative_lift_ci95_low": bounds[0],
        "relative_lift_ci95_high": bounds[1],
    }


def arms_blocks(
    store: ReplicationStore, stat: Callable[[tuple], dict], strategy: Strategy | None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(``arms``, ``challengers``) of the results document, or None without arms. ``stat``: the
    STAT of a store key (Results._stat); ``strategy``: the scenario's block, for the shares.

    ``arms``: {arm: {metric: STAT}} for every name of measures/arms.ALL_ARM_METRICS.
    ``challengers``: {challenger: {"champion", "share", "champion_share", "metrics": {metric:
    PAIRED + relative lift}}} for measures/arms.CHALLENGER_METRICS, PAIRED being
    ``compare``'s paired difference (``a`` the champion, ``b`` the challenger)."""
    units = store.units.get(ARMS_LEVEL)
    if not units:
        return None
    names = list(units)
    arms = {name: {m: stat(("metrics", ARMS_LEVEL, name, m)) for m in ALL_ARM_METRICS} for name in names}
    shares = dict(zip(strategy.arm_names, strategy.arm_shares)) if strategy is not None else {}
    champ = names[0]
    challengers: dict[str, Any] = {}
    for name in names[1:]:
        out = {}
        for m in CHALLENGER_METRICS:
            a_key, b_key = ("metrics", ARMS_LEVEL, champ, m), ("metrics", ARMS_LEVEL, name, m)
            if store.complete:
                p = paired_difference(store.values(a_key), store.values(b_key))
            else:  # moments over every replication; pairs with an undefined value are rare
                p = paired_from_moments(
                    store.moments(a_key),
                    store.moments(b_key),
                    store.moments(("metrics", CHALLENGERS_LEVEL, name, m)),
                )
            out[m] = {**p, **relative_lift(p)}
        challengers[name] = {
            "champion": champ,
            "share": shares.get(name),
            "champion_share": shares.get(champ),
            "metrics": out,
        }
    return arms, challengers
