"""Replications of a scenario and the results document of the contract."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from . import __version__
from .analysis import stat
from .metrics import EXTRA_METRICS, METRICS, replication_metrics, replication_series
from .scenario.load import LoadedScenario
from .scenario.schema import Scenario
from .world.build import simulate

SCHEMA = "collectsim.results/1"
LEVELS = ("center", "segments", "teams", "collectors")


def run_replication(scenario: Scenario, seed: int, replication: int) -> dict[str, Any]:
    """One replication, the single function every executor calls. Returns plain data:

    ``{"metrics": {level: {unit: {metric: value}}}, "blocks": {block: {name: value}},
    "series": {...}}``. ``blocks`` are extra scalar groups (e.g. compliance) reported as STATs
    beside the metrics; ``series`` are daily and hourly counts averaged over replications.
    """
    st, cnt = simulate(scenario, seed, replication)
    return {"metrics": replication_metrics(st, cnt), "blocks": dict(cnt.blocks),
            "series": replication_series(st, cnt)}


@dataclass
class Results:
    """Replications of one scenario, aggregated into the contract's results document."""
    loaded: LoadedScenario
    seed: int
    per_rep: list[dict[str, Any]] = field(default_factory=list)

    @property
    def replications(self) -> int:
        return len(self.per_rep)

    def metric_stats(self, level: str, name: str) -> dict[str, dict]:
        """{metric: STAT} for one unit (``level`` "center" has the single unit "center")."""
        out = {}
        for metric in METRICS + EXTRA_METRICS:
            out[metric] = stat([rep["metrics"][level][name][metric] for rep in self.per_rep])
        return out

    def to_dict(self) -> dict[str, Any]:
        first = self.per_rep[0]
        metrics: dict[str, Any] = {"center": self.metric_stats("center", "center")}
        for level in LEVELS[1:]:
            metrics[level] = {name: self.metric_stats(level, name) for name in first["metrics"][level]}
        extra: dict[str, Any] = {}
        for block, values in first["blocks"].items():
            extra[block] = {k: stat([rep["blocks"][block][k] for rep in self.per_rep]) for k in values}
        return {
            "schema": SCHEMA,
            "scenario": {"name": self.loaded.scenario.scenario.name, "sha256": self.loaded.sha256,
                         "file_sha256": self.loaded.file_sha256, "source": self.loaded.source,
                         "overrides": list(self.loaded.overrides)},
            "seed": self.seed,
            "replications": self.replications,
            "collectsim_version": __version__,
            "metrics": metrics,
            **extra,
            "series": _mean_series([rep["series"] for rep in self.per_rep]),
        }

    def to_json(self) -> str:
        """Canonical JSON text: the same seed and scenario always give the same bytes."""
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"


def run_experiment(loaded: LoadedScenario, replications: int = 10, seed: int = 1,
                   progress: Optional[Callable[[int, int], None]] = None) -> Results:
    """Run ``replications`` replications of a loaded scenario at ``seed``, serially."""
    if replications < 1:
        raise ValueError("replications must be >= 1")
    res = Results(loaded, seed)
    for r in range(replications):
        res.per_rep.append(run_replication(loaded.scenario, seed, r))
        if progress:
            progress(r + 1, replications)
    return res


def _mean_series(reps: list[Any]) -> Any:
    """Element-wise mean of nested lists/dicts of numbers across replications."""
    first = reps[0]
    if isinstance(first, dict):
        return {k: _mean_series([r[k] for r in reps]) for k in first}
    if isinstance(first, list):
        return [_mean_series([r[i] for r in reps]) for i in range(len(first))]
    return math.fsum(float(r) for r in reps) / len(reps)
