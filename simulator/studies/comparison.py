"""Paired comparisons of two scenarios with common random numbers (``collectsim compare``).

Replication r of A and of B both draw from the named streams of ``(seed, r)``, so the difference
B - A of each replication cancels much of the noise the two share; the comparison reports it with
its 95% CI and the variance ratio against independent sampling.

The replications run in pairs (A 0, B 0, A 1, B 1, ...) and each pair goes into the two
:class:`~simulator.experiment.results.Results` and into online moments of the differences as it
ends, so memory does not grow with the number of replications. While every replication's values
are kept, the paired statistics are computed from them; beyond that bound
(:data:`~simulator.experiment.accumulate.VALUES_KEPT`) from the moments of every pair.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..base.documents import COMPARE_SCHEMA
from ..base.statistics import paired_difference
from ..experiment.accumulate import PairedMoments
from ..experiment.replications import ALL_METRICS, ExecutorSpec, MetricRef, Results, as_loaded, run_jobs
from ..scenario.load import LoadedScenario

__all__ = ["Comparison", "run_comparison", "COMPARE_SCHEMA"]


class Pairs:
    """Online moments of the pairs of two Results' values (the keys both have), fed replication by
    replication: ``add(row_a, row_b)`` with the rows their stores returned."""

    def __init__(self, a: Results, b: Results) -> None:
        ia, ib = a.store.index, b.store.index
        self.keys = {key: j for j, key in enumerate(k for k in ia if k in ib)}
        self.ia = np.array([ia[k] for k in self.keys], dtype=np.int64)
        self.ib = np.array([ib[k] for k in self.keys], dtype=np.int64)
        self.moments = PairedMoments(len(self.keys))

    def add(self, row_a: np.ndarray, row_b: np.ndarray) -> None:
        self.moments.add(row_a[self.ia], row_b[self.ib])

    def paired(self, key: tuple) -> dict[str, Any]:
        return self.moments.paired(self.keys[key])


@dataclass
class Comparison:
    """Two scenarios run at the same seeds: replication r of A and of B use streams (seed, r).
    ``pairs``: the online moments of the pairs (:func:`run_comparison` fills them); without
    them, every replication's values must be kept in both Results."""

    a: Results
    b: Results
    pairs: Pairs | None = None

    def _units(self, side: Results, level: str) -> list[str]:
        return list(side.store.units.get(level, {}))

    def units(self) -> list[tuple[str, str]]:
        """(level, unit) pairs present in both: center, then segments, teams and collector
        groups (with an [inbound] block)."""
        out = [("center", "center")]
        for level in ("segments", "teams", "groups"):
            ub = self._units(self.b, level)
            out += [(level, u) for u in self._units(self.a, level) if u in ub]
        return out

    def only_in_one(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for level in ("segments", "teams", "groups"):
            ua, ub = self._units(self.a, level), self._units(self.b, level)
            extra = {"a": [u for u in ua if u not in ub], "b": [u for u in ub if u not in ua]}
            if extra["a"] or extra["b"]:
                out[level] = extra
        return out

    def _paired(self, key: tuple) -> dict[str, Any]:
        """paired_difference of every replication's values while both sides keep them all, else
        from the moments of every pair."""
        if self.a.store.complete and self.b.store.complete:
            return paired_difference(self.a.store.values(key), self.b.store.values(key))
        if self.pairs is None:
            raise ValueError("the replications' values are not all kept: pair them with run_comparison")
        return self.pairs.paired(key)

    def paired(self, level: str, unit: str, metric: str) -> dict[str, Any]:
        return self._paired(("metrics", level, unit, metric))

    def blocks(self) -> dict[str, list[str]]:
        """Result blocks (compliance, placement, roll_rates, ...) and their entries present in both."""
        ba, bb = self.a.store.blocks, self.b.store.blocks
        return {name: [k for k in ba[name] if k in bb[name]] for name in ba if name in bb}

    def paired_block(self, block: str, name: str) -> dict[str, Any]:
        key = ("blocks", block, name)
        va, vb = self.a.store.values(key), self.b.store.values(key)
        return {**self._paired(key), "a_values": va, "b_values": vb}

    def to_dict(self, metrics: Sequence[str] = ALL_METRICS) -> dict[str, Any]:
        """The comparison document, schema ``collectsim.compare/1``::

        {"schema", "seed", "replications",
         "a": {"name", "sha256", "file_sha256", "source", "overrides"}, "b": {...},
         "metrics": {"center": {METRIC: PAIRED}, "segments": {NAME: {METRIC: PAIRED}},
                     "teams": {NAME: {METRIC: PAIRED}},
                     "groups": {ROLE: {METRIC: PAIRED}} (with an [inbound] block)},
         "only_in_one": {level: {"a": [...], "b": [...]}}}
        PAIRED = statistics.paired_difference(...) plus "a_values", "b_values"
        """
        out: dict[str, Any] = {"center": {}, "segments": {}, "teams": {}}
        for level, unit in self.units():
            d = {}
            for m in metrics:
                ref = MetricRef(level, unit, m)
                p = self.paired(level, unit, m)
                p["a_values"] = self.a.values(ref)
                p["b_values"] = self.b.values(ref)
                d[m] = p
            if level == "center":
                out["center"] = d
            else:
                out.setdefault(level, {})[unit] = d

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
    """Run A and B with common random numbers (replication r of both at (seed, r)) and pair them.
    The jobs run in pairs (A r, then B r), each pair aggregated as it ends (module docstring)."""
    if replications < 2:
        raise ValueError("a comparison needs replications >= 2 for confidence intervals")
    la, lb = as_loaded(a), as_loaded(b)
    cmp = Comparison(Results(la, seed), Results(lb, seed))
    waiting: list[Mapping[str, Any]] = []

    def take(result: Mapping[str, Any]) -> None:
        if not waiting:
            waiting.append(result)  # A r: its pair B r comes next, in job order
            return
        row_a, row_b = cmp.a.add(waiting.pop()), cmp.b.add(result)
        if cmp.pairs is None:
            cmp.pairs = Pairs(cmp.a, cmp.b)
        cmp.pairs.add(row_a, row_b)

    jobs = ((sc, seed, r) for r in range(replications) for sc in (la.scenario, lb.scenario))
    run_jobs(jobs, executor, workers, scheduler, progress, total=2 * replications, sink=take)
    return cmp
