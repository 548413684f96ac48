"""Paired comparisons of two scenarios with common random numbers (``collectsim compare``).

Replication r of A and of B both draw from the named streams of ``(seed, r)``, so the difference
B - A of each replication cancels much of the noise the two share; the comparison reports it with
its 95% CI and the variance ratio against independent sampling.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._version import __version__
from ..base.documents import COMPARE_SCHEMA
from ..base.statistics import paired_difference
from ..experiment.replications import ALL_METRICS, ExecutorSpec, MetricRef, Results, as_loaded, run_jobs
from ..scenario.load import LoadedScenario

__all__ = ["Comparison", "run_comparison", "COMPARE_SCHEMA"]


@dataclass
class Comparison:
    """Two scenarios run at the same seeds: replication r of A and of B use streams (seed, r)."""

    a: Results
    b: Results

    def units(self) -> list[tuple[str, str]]:
        """(level, unit) pairs present in both: center, then segments and teams."""
        out = [("center", "center")]
        for level in ("segments", "teams"):
            ua = self.a.per_rep[0]["metrics"][level]
            ub = self.b.per_rep[0]["metrics"][level]
            out += [(level, u) for u in ua if u in ub]
        return out

    def only_in_one(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for level in ("segments", "teams"):
            ua = list(self.a.per_rep[0]["metrics"][level])
            ub = list(self.b.per_rep[0]["metrics"][level])
            extra = {"a": [u for u in ua if u not in ub], "b": [u for u in ub if u not in ua]}
            if extra["a"] or extra["b"]:
                out[level] = extra
        return out

    def paired(self, level: str, unit: str, metric: str) -> dict[str, Any]:
        ref = MetricRef(level, unit, metric)
        return paired_difference(ref.values(self.a.per_rep), ref.values(self.b.per_rep))

    def blocks(self) -> dict[str, list[str]]:
        """Result blocks (compliance, placement, roll_rates, ...) and their entries present in both."""
        ba, bb = self.a.per_rep[0]["blocks"], self.b.per_rep[0]["blocks"]
        return {name: [k for k in ba[name] if k in bb[name]] for name in ba if name in bb}

    def paired_block(self, block: str, name: str) -> dict[str, Any]:
        va = [rep["blocks"][block][name] for rep in self.a.per_rep]
        vb = [rep["blocks"][block][name] for rep in self.b.per_rep]
        return {**paired_difference(va, vb), "a_values": va, "b_values": vb}

    def to_dict(self, metrics: Sequence[str] = ALL_METRICS) -> dict[str, Any]:
        """The comparison document, schema ``collectsim.compare/1``::

        {"schema", "seed", "replications",
         "a": {"name", "sha256", "file_sha256", "source", "overrides"}, "b": {...},
         "metrics": {"center": {METRIC: PAIRED}, "segments": {NAME: {METRIC: PAIRED}},
                     "teams": {NAME: {METRIC: PAIRED}}},
         "only_in_one": {level: {"a": [...], "b": [...]}}}
        PAIRED = statistics.paired_difference(...) plus "a_values", "b_values"
        """
        out: dict[str, Any] = {"center": {}, "segments": {}, "teams": {}}
        for level, unit in self.units():
            d = {}
            for m in metrics:
                ref = MetricRef(level, unit, m)
                p = paired_difference(ref.values(self.a.per_rep), ref.values(self.b.per_rep))
                p["a_values"] = ref.values(self.a.per_rep)
                p["b_values"] = ref.values(self.b.per_rep)
                d[m] = p
            if level == "center":
                out["center"] = d
            else:
                out[level][unit] = d

        def side(r: Results) -> dict[str, Any]:
            lo = r.loaded
            return {
                "name": lo.scenario.scenario.name,
                "sha256": lo.sha256,
                "file_sha256": lo.file_sha256,
                "source": lo.source,
                "overrides": list(lo.overrides),
            }

        return {
            "schema": COMPARE_SCHEMA,
            "seed": self.a.seed,
            "replications": self.a.replications,
            "collectsim_version": __version__,
            "a": side(self.a),
            "b": side(self.b),
            "metrics": out,
            "only_in_one": self.only_in_one(),
            "blocks": {b: {k: self.paired_block(b, k) for k in keys} for b, keys in self.blocks().items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"


def run_comparison(
    a: LoadedScenario | str | Path,
    b: LoadedScenario | str | Path,
    replications: int = 10,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    *,
    executor: ExecutorSpec = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Comparison:
    """Run A and B with common random numbers (replication r of both at (seed, r)) and pair them."""
    if replications < 2:
        raise ValueError("a comparison needs replications >= 2 for confidence intervals")
    la, lb = as_loaded(a), as_loaded(b)
    jobs = itertools.chain(
        ((la.scenario, seed, r) for r in range(replications)),
        ((lb.scenario, seed, r) for r in range(replications)),
    )
    out = run_jobs(jobs, executor, workers, scheduler, progress, total=2 * replications)
    return Comparison(Results(la, seed, out[:replications]), Results(lb, seed, out[replications:]))
