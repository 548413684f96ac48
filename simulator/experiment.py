"""Replications of a scenario and the results document of the contract."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from . import __version__
from .analysis import stat
from .metrics import EXTRA_METRICS, METRICS, replication_metrics
from .scenario.load import LoadedScenario
from .scenario.schema import Scenario
from .world.build import simulate

SCHEMA = "collectsim.results/1"
LEVELS = ("center", "segments", "teams", "collectors")


def run_replication(scenario: Scenario, seed: int, replication: int) -> dict[str, dict[str, dict]]:
    """One replication's metrics at every level. The single function every executor calls."""
    st, cnt = simulate(scenario, seed, replication)
    return replication_metrics(st, cnt)


@dataclass
class Results:
    """Replications of one scenario, aggregated into the contract's results document."""
    loaded: LoadedScenario
    seed: int
    per_rep: list[dict[str, dict[str, dict]]] = field(default_factory=list)

    @property
    def replications(self) -> int:
        return len(self.per_rep)

    def metric_stats(self, level: str, name: str) -> dict[str, dict]:
        """{metric: STAT} for one unit (``level`` "center" has the single unit "center")."""
        out = {}
        for metric in METRICS + EXTRA_METRICS:
            out[metric] = stat([rep[level][name][metric] for rep in self.per_rep])
        return out

    def to_dict(self) -> dict[str, Any]:
        first = self.per_rep[0]
        metrics: dict[str, Any] = {"center": self.metric_stats("center", "center")}
        for level in LEVELS[1:]:
            metrics[level] = {name: self.metric_stats(level, name) for name in first[level]}
        return {
            "schema": SCHEMA,
            "scenario": {"name": self.loaded.scenario.scenario.name, "sha256": self.loaded.sha256,
                         "file_sha256": self.loaded.file_sha256, "source": self.loaded.source,
                         "overrides": list(self.loaded.overrides)},
            "seed": self.seed,
            "replications": self.replications,
            "collectsim_version": __version__,
            "metrics": metrics,
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
