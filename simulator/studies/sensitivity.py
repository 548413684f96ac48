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
            # one shift, or several (each with its breaks and lunch; meeting and training in each)
            shifts = team.get("shifts") or [team]
            shared = [team.get("meeting_min_per_day", 0.0), team.get("training_min_per_day", 0.0)]
            unproductive = productive = 0.0
            for sh in shifts:
                blocks = [b["length_min"] for b in sh.get("breaks", [])]
                blocks += [sh["lunch"]["length_min"]] if sh.get("lunch") else []
                mins = float(sum(blocks + shared))
                unproductive += mins
                productive += sh.get("length_h", sh.get("shift_length_h", 0.0)) * 60.0 - mins
            if unproductive <= 0:
                continue
            f = max(0.0, (unproductive - step * productive) / unproductive)
            for sh in shifts:
                for b in sh.get("breaks", []):
                    b["length_min"] *= f
                if sh.get("lunch"):
                    sh["lunch"]["length_min"] *= f
            for key in ("meeting_min_per_day", "training_min_per_day"):
                if key in team:
                    team[key] *= f
    else:
        raise ValueError(f"unknown lever {lever!r}; expected one of {list(LEVERS)}")
    return out


class _Figure:
    """The center's value of one figure per replication, for the baseline and each lever: online
    moments, and the values themselves while they fit in memory."""

    def __init__(self, name: str, n: int) -> None:
        self.name, self.n = name, n
        self.keep = kept_replications(n)
        self.kept = array("d")  # per replication: the baseline's and each lever's value (NaN: undefined)
        self.base_moments, self.pairs = ColumnMoments(1), PairedMoments(n - 1)
        self.count = 0

    def add(self, group: list[float | None]) -> None:
        row = np.array(group, dtype=float)  # None -> NaN
        self.base_moments.add(row[:1])
        self.pairs.add(np.full(self.n - 1, row[0]), row[1:])
        if len(self.kept) < self.keep * self.n:
            self.kept.extend(row.tolist())
        self.count += 1

    def results(self) -> tuple[float | None, list[dict]]:
        """The baseline's mean and, per lever (LAYERS order), the paired difference."""
        n, kept = self.n, self.kept
        complete = len(kept) == self.count * n

        def column(i: int) -> list[float | None]:
            return [None if math.isnan(v) else v for v in kept[i::n]]

        if complete:
            base = column(0)
            defined = [v for v in base if v is not None]
            base_mean = sum(defined) / len(defined) if defined else None
            return base_mean, [paired_difference(base, column(i)) for i in range(1, n)]
        return self.base_moments.moments(0).mean, [self.pairs.paired(i) for i in range(n - 1)]


def simulated_sensitivity(
    loaded: LoadedScenario,
    replications: int = 10,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    step: float = 0.01,
    **executor: Any,
) -> dict:
    """Baseline and one +``step`` variant per lever, replication r of each at (seed, r).

    Returns ``{"baseline_value_per_paid_hour", "levers": [{"layer", "how", "analytic_gain",
    "simulated": paired_difference(...)}...]}`` ranked by the simulated mean gain in the center's
    value per paid hour (US dollars per paid hour). With a living portfolio and a control group,
    also ``"baseline_net_economic_value"`` and per lever ``"simulated_net_economic_value"`` (the
    paired gain in the center's net economic value, US dollars per replication), and the levers
    are ranked by that decision figure (``"ranked_by"`` names the figure).
    """
    variants = [loaded.scenario] + [
        parse_scenario(lever_scenario(dict(loaded.raw), lv, step), loaded.source) for lv in LAYERS
    ]
    n = len(variants)
    pf = loaded.scenario.portfolio
    economic = bool(loaded.scenario.portfolio_on and pf is not None and pf.control_share > 0)
    names = ("value_per_paid_hour", "net_economic_value") if economic else ("value_per_paid_hour",)
    figures = [_Figure(name, n) for name in names]
    groups: list[list[float | None]] = [[] for _ in figures]

    def take(result: Mapping[str, Any]) -> None:
        center = result["metrics"]["center"]["center"]
        for f, g in zip(figures, groups):
            g.append(center[f.name])
            if len(g) == n:
                f.add(g)
                g.clear()

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
    base_mean, sims = figures[0].results()
    levers = []
    for i, lv in enumerate(LAYERS):
        levers.append(
            {
                "layer": lv,
                "how": LEVERS[lv],
                "analytic_gain": None if base_mean is None else base_mean * step,
                "simulated": sims[i],
            }
        )
    out: dict[str, Any] = {"baseline_value_per_paid_hour": base_mean}
    ranked = "simulated"
    if economic:
        nev_mean, nev_sims = figures[1].results()
        out["baseline_net_economic_value"] = nev_mean
        for lever, sim in zip(levers, nev_sims):
            lever["simulated_net_economic_value"] = sim
        ranked = "simulated_net_economic_value"
        out["ranked_by"] = "net_economic_value"
    levers.sort(key=lambda d: -(d[ranked]["diff_mean"] or 0.0))
    out.update({"replications": replications, "seed": seed, "step": step, "levers": levers})
    return out
