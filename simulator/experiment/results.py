"""The results of replications of one scenario: per-replication data aggregated into the
results document of the contract (docs/contract.md), a plain-text summary and a long table."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..base.documents import RESULTS_SCHEMA
from ..base.formatting import stat_of, table
from ..base.statistics import stat
from ..measures.breaches import breaches
from ..measures.pyramid import targets_block
from ..scenario.load import LoadedScenario
from .metric_refs import ALL_METRICS, KEY_METRICS, LEVELS, MetricRef, parse_metric_ref

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@dataclass
class Results:
    """Replications of one scenario, aggregated into the contract's results document.

    ``per_rep[r]`` is what ``replications.run_replication`` returned for replication ``r``.
    ``precision`` says how a precision-driven run stopped (None for a fixed number of
    replications). ``trace`` holds replication 0's dial-level trace files (CSV bytes by file
    name, trace_export.TRACE_FILES) when the run kept it (``run_experiment(trace=True)``); it is
    not part of the results document.
    """

    loaded: LoadedScenario
    seed: int
    per_rep: list[dict[str, Any]] = field(default_factory=list)
    precision: dict[str, Any] | None = None
    parameter_uncertainty: dict[str, Any] | None = None
    trace: dict[str, bytes] | None = None

    @property
    def replications(self) -> int:
        return len(self.per_rep)

    def breaches(self) -> list[dict[str, Any]]:
        """Compliance limits exceeded in some replication (:func:`simulator.measures.breaches.breaches`)."""
        blocks = [rep["blocks"].get("compliance") for rep in self.per_rep]
        if not blocks or blocks[0] is None:
            return []
        comp = {k: stat([b[k] for b in blocks]) for k in blocks[0]}
        return breaches(self.loaded.scenario, comp)

    def metric_stats(self, level: str, name: str) -> dict[str, dict]:
        """{metric: STAT} for one unit (``level`` "center" has the single unit "center")."""
        out = {}
        spread = self.parameter_uncertainty is not None
        for metric in ALL_METRICS:
            out[metric] = stat([rep["metrics"][level][name][metric] for rep in self.per_rep], spread)
        return out

    def to_dict(self) -> dict[str, Any]:
        first = self.per_rep[0]
        metrics: dict[str, Any] = {"center": self.metric_stats("center", "center")}
        for level in LEVELS[1:]:
            metrics[level] = {name: self.metric_stats(level, name) for name in first["metrics"][level]}
        extra: dict[str, Any] = {}
        for block, values in first["blocks"].items():
            extra[block] = {
                k: stat(
                    [rep["blocks"][block][k] for rep in self.per_rep], self.parameter_uncertainty is not None
                )
                for k in values
            }
        doc = {
            "schema": RESULTS_SCHEMA,
            "scenario": {
                "name": self.loaded.scenario.scenario.name,
                "sha256": self.loaded.sha256,
                "file_sha256": self.loaded.file_sha256,
                "source": self.loaded.source,
                "overrides": list(self.loaded.overrides),
            },
            "seed": self.seed,
            "replications": self.replications,
            "collectsim_version": __version__,
            "metrics": metrics,
            **extra,
            "series": _mean_series([rep["series"] for rep in self.per_rep]),
        }
        doc["breaches"] = breaches(self.loaded.scenario, extra.get("compliance"))
        targets = targets_block(self.loaded.scenario, metrics)
        if targets is not None:
            doc["targets"] = targets
        if self.precision is not None:
            doc["precision"] = self.precision
        if self.parameter_uncertainty is not None:
            doc["parameter_uncertainty"] = self.parameter_uncertainty
        return doc

    def to_json(self) -> str:
        """Canonical JSON text: the same seed and scenario always give the same bytes."""
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"

    def summary(self, metrics: Sequence[str] = KEY_METRICS) -> str:
        """A readable plain-text table: for the center, each segment and each team, the mean and
        95% CI half-width of ``metrics`` (default: the key metrics of :data:`KEY_METRICS`)."""
        sc = self.loaded.scenario
        head = (
            f"scenario {sc.scenario.name!r} ({self.loaded.source}), seed {self.seed}, "
            f"{self.replications} replication(s); mean ± 95% CI half-width"
        )
        units = (
            [("center", "center")]
            + [("segments", s) for s in self.per_rep[0]["metrics"]["segments"]]
            + [("teams", t) for t in self.per_rep[0]["metrics"]["teams"]]
        )
        rows = [["unit", *metrics]]
        for level, unit in units:
            row = [unit if level == "center" else f"{level[:-1]} {unit}"]
            stats = self.metric_stats(level, unit)
            for m in metrics:
                row.append(stat_of(stats[m]))
            rows.append(row)
        return head + "\n" + table(rows)

    def values(self, metric: str | MetricRef) -> list[float | None]:
        """Per-replication values of a metric, e.g. ``values("segments.low_risk.kept_rate")``."""
        ref = metric if isinstance(metric, MetricRef) else parse_metric_ref(metric)
        return ref.values(self.per_rep)

    def to_frame(self) -> pd.DataFrame:
        """Long-format pandas DataFrame, one row per replication, level, unit and metric:
        columns ``replication, level, unit, metric, value`` (value NaN where undefined).
        Needs pandas (``pip install "collectsim[pandas]"``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "Results.to_frame() needs pandas, which is not installed; install it with "
                'pip install "collectsim[pandas]" (or pip install pandas), or use '
                "to_dict() / to_json()"
            ) from None
        rows = [(r, level, unit, metric, value) for r, level, unit, metric, value in iter_long(self.per_rep)]
        df = pd.DataFrame(rows, columns=["replication", "level", "unit", "metric", "value"])
        df["value"] = df["value"].astype(float)
        return df


def iter_long(
    per_rep: Sequence[Mapping[str, Any]], replications: Sequence[int] | None = None
) -> Iterator[tuple[int, str, str, str, float | None]]:
    """(replication, level, unit, metric, value) for every replication, level, unit and metric,
    in a fixed order (replication, then center/segments/teams/collectors, then metric order)."""
    for i, rep in enumerate(per_rep):
        r = replications[i] if replications is not None else i
        for level in LEVELS:
            for unit, ms in rep["metrics"][level].items():
                for metric in ALL_METRICS:
                    yield r, level, unit, metric, ms[metric]


def _mean_series(reps: list[Any]) -> Any:
    """Element-wise mean of nested lists/dicts of numbers across replications."""
    first = reps[0]
    if isinstance(first, dict):
        return {k: _mean_series([r[k] for r in reps]) for k in first}
    if isinstance(first, list):
        return [_mean_series([r[i] for r in reps]) for i in range(len(first))]
    return math.fsum(float(r) for r in reps) / len(reps)
