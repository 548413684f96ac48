"""Where the next dollar comes from, simulated: +1% on each pyramid lever, paired by seed.

The analytic pyramid is a product, so +1% on any layer is +1% of value per paid hour. The
simulated model is not a product: shorter calls drain the lists faster, more promises take
accounts off the lists, longer breaks move calls in time. This module changes each lever of the
scenario by +1% (relative) and measures the change in the center's value per paid hour with
common random numbers, next to the analytic figure.

The replications run in groups (the baseline and each lever at replication r, then r + 1, ...)
and each group goes into online moments as it ends, so memory does not grow with the number of
replications; the center's value per paid hour of each replication is kept as well, up to
:data:`~simulator.experiment.accumulate.VALUES_KEPT` numbers, and the figures are computed from
those values while every replication's are kept, else from the moments.
"""

from __future__ import annotations

import copy
import math
from array import array
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..base.statistics import paired_difference
from ..experiment.accumulate import ColumnMoments, PairedMoments, kept_replications
from ..experiment.replications import run_jobs
from ..measures.pyramid import LAYERS
from ..scenario.distributions import scale_spec
from ..scenario.load import LoadedScenario, parse_scenario

__all__ = ["LEVERS", "lever_scenario", "simulated_sensitivity"]

LEVERS = {
    "productive_rate": "breaks, lunch, meetings and training shortened so productive time is +1%",
    "rpc_per_productive_hour": "every ring, talk and wrap-up time divided by 1.01 (about +1% dials per hour)",
    "promise_rate": "promise_probability x 1.01",
    "kept_rate": "keep_probability x 1.01",
    "avg_payment": "payment_usd x 1.01",
}


def lever_scenario(raw: dict, lever: str, step: float = 0.01) -> dict:
    """A copy of the raw scenario with ``lever`` improved by ``step`` (relative)."""
    out = copy.deepcopy(raw)
    k = 1.0 + step
    if lever == "promise_rate":
        for seg in out["segments"].values():
            seg["promise_probability"] = min(1.0, seg["promise_probability"] * k)
    elif lever == "kept_rate":
        for seg in out["segments"].values():
            seg["keep_probability"] = min(1.0, seg["keep_probability"] * k)
    elif lever == "avg_payment":
        for seg in out["segments"].values():
            seg["payment_usd"] = scale_spec(seg["payment_usd"], k)
    elif lever == "rpc_per_productive_hour":
        for seg in out["segments"].values():
            for o in seg["outcomes"].values():
                for key in ("ring_time_s", "talk_time_s", "wrap_time_s"):
                    if key in o:
                        o[key] = scale_spec(o[key], 1.0 / k)
    elif lever == "productive_rate":
        for team in out["teams"].values():
            blocks = (
                [b["length_min"] for b in team.get("breaks", [])]
                + ([team["lunch"]["length_min"]] if team.get("lunch") else [])
                + [team.get("meeting_min_per_day", 0.0), team.get("training_min_per_day", 0.0)]
            )
            unproductive = float(sum(blocks))
            productive = team["shift_length_h"] * 60.0 - unproductive
            if unproductive <= 0:
                continue
            f = max(0.0, (unproductive - step * productive) / unproductive)
            for b in team.get("breaks", []):
                b["length_min"] *= f
            if team.get("lunch"):
                team["lunch"]["length_min"] *= f
            for key in ("meeting_min_per_day", "training_min_per_day"):
                if key in team:
                    team[key] *= f
    else:
        raise ValueError(f"unknown lever {lever!r}; expected one of {list(LEVERS)}")
    return out


def simulated_sensitivity(
    loaded: LoadedScenario,
    replications: int = 10,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    step: float = 0.01,
    **executor: Any,
) -> dict:
    """Baseline and one +``step`` variant per lever, replication r of each at (seed, r).

    Returns ``{"baseline": STAT-like means, "levers": [{"layer", "how", "analytic_gain",
    "simulated": paired_difference(...)}...]}`` ranked by the simulated mean gain in the center's
    value per paid hour (US dollars per paid hour).
    """
    variants = [loaded.scenario] + [
        parse_scenario(lever_scenario(dict(loaded.raw), lv, step), loaded.source) for lv in LAYERS
    ]
    n = len(variants)
    keep = kept_replications(n)
    kept = array("d")  # per replication: the baseline's and each lever's value (NaN: undefined)
    group: list[float | None] = []
    base_moments, pairs = ColumnMoments(1), PairedMoments(n - 1)
    count = 0

    def take(result: Mapping[str, Any]) -> None:
        nonlocal count
        group.append(result["metrics"]["center"]["center"]["value_per_paid_hour"])
        if len(group) < n:
            return
        row = np.array(group, dtype=float)  # None -> NaN
        base_moments.add(row[:1])
        pairs.add(np.full(n - 1, row[0]), row[1:])
        if len(kept) < keep * n:
            kept.extend(row.tolist())
        count += 1
        group.clear()

    jobs = ((sc, seed, r) for r in range(replications) for sc in variants)
    run_jobs(
        jobs,
        executor.get("executor"),
        executor.get("workers"),
        executor.get("scheduler"),
        progress,
        total=n * replications,
        sink=take,
    )
    complete = len(kept) == count * n

    def column(i: int) -> list[float | None]:
        return [None if math.isnan(v) else v for v in kept[i::n]]

    if complete:
        base = column(0)
        defined = [v for v in base if v is not None]
        base_mean = sum(defined) / len(defined) if defined else None
    else:
        m = base_moments.moments(0)
        base_mean = m.mean
    levers = []
    for i, lv in enumerate(LAYERS, start=1):
        if complete:
            sim = paired_difference(base, column(i))
        else:
            sim = pairs.paired(i - 1)
        levers.append(
            {
                "layer": lv,
                "how": LEVERS[lv],
                "analytic_gain": None if base_mean is None else base_mean * step,
                "simulated": sim,
            }
        )
    levers.sort(key=lambda d: -(d["simulated"]["diff_mean"] or 0.0))
    return {
        "baseline_value_per_paid_hour": base_mean,
        "replications": replications,
        "seed": seed,
        "step": step,
        "levers": levers,
    }
