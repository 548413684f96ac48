"""The results of replications of one scenario: per-replication data aggregated, in bounded
memory, into the results document of the contract (docs/contract.md), a plain-text summary and a
long table."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._version import __version__
from ..base.documents import RESULTS_SCHEMA
from ..base.formatting import stat_of, table
from ..base.statistics import Moments, moments_of, stat, stat_from_moments
from ..measures.breaches import BREACH_TOLERANCE, breaches, limits_of
from ..measures.peers import peers_block
from ..measures.pyramid import targets_block
from ..scenario.load import LoadedScenario
from .accumulate import VALUES_KEPT, ReplicationStore
from .arms import arms_blocks
from .metric_refs import ALL_METRICS, KEY_METRICS, LEVELS, MetricRef, parse_metric_ref

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


COUNTED_ONLY = ("open_accounts", "control_open_accounts")
"""Daily series that are stocks counted at a midnight: a day with no midnight run (after the
run stopped) has no count, not a count of 0."""


def uncounted_as_null(series: dict[str, Any]) -> dict[str, Any]:
    """``series`` with the open accounts of the days not counted in every replication set to None
    (``calendar.open_accounts_counted`` below 1: the share of replications whose run reached that
    day's midnight; the world stops once every promise is settled, before the series ends)."""
    counted = (series.get("calendar") or {}).get("open_accounts_counted")
    if not counted:
        return series
    for seg in (series.get("daily") or {}).values():
        for key in COUNTED_ONLY:
            if key in seg:
                seg[key] = [v if c >= 1.0 else None for v, c in zip(seg[key], counted)]
    return series


class Results:
    """Replications of one scenario, aggregated into the contract's results document.

    Results are added one replication at a time, in replication order (:meth:`add`, or the
    ``per_rep`` list given to the constructor: what ``replications.run_replication`` returned for
    replications 0, 1, ...), into a :class:`~.accumulate.ReplicationStore`: memory stays bounded
    whatever the number of replications. Means, intervals and series averages cover every
    replication; the per-replication values (STAT ``values``, :meth:`values`, :attr:`per_rep`,
    :meth:`to_frame`) are those of every replication while they fit in
    :data:`~.accumulate.VALUES_KEPT` numbers, else of the first ones (:attr:`values_kept`).

    ``precision`` says how a precision-driven run stopped (None for a fixed number of
    replications). ``trace`` holds replication 0's dial-level trace files (CSV bytes by file
    name, trace_export.TRACE_FILES) when the run kept it (``run_experiment(trace=True)``); it is
    not part of the results document.
    """

    def __init__(
        self,
        loaded: LoadedScenario,
        seed: int,
        per_rep: Iterable[Mapping[str, Any]] = (),
        precision: dict[str, Any] | None = None,
        parameter_uncertainty: dict[str, Any] | None = None,
        trace: dict[str, bytes] | None = None,
        keep: int | None = None,
    ) -> None:
        self.loaded = loaded
        self.seed = seed
        self.precision = precision
        self.parameter_uncertainty = parameter_uncertainty
        self.trace = trace
        limits = limits_of(loaded.scenario)
        self.store = ReplicationStore(
            {("compliance", k): v + BREACH_TOLERANCE for k, v in limits.items()}, keep
        )
        for rep in per_rep:
            self.add(rep)

    def add(self, result: Mapping[str, Any]) -> np.ndarray:
        """Take the next replication's result (``run_replication``'s dict); returns its metric
        and block values in the store's column order."""
        return self.store.add(result)

    @property
    def replications(self) -> int:
        return self.store.count

    @property
    def values_kept(self) -> int:
        """How many replications' values are kept (all of them unless the run was very long)."""
        return len(self.store.rows)

    @property
    def per_rep(self) -> list[dict[str, Any]]:
        """The kept replications' results, ``{"metrics": ..., "blocks": ...}`` each (their series
        are not kept: :meth:`to_dict` has their mean)."""
        return list(self.store.kept_results())

    def _stat(self, key: tuple) -> dict:
        spread = self.parameter_uncertainty is not None
        if self.store.complete:
            return stat(self.store.values(key), spread)
        return stat_from_moments(self.store.moments(key), self.store.values(key), spread)

    def _units(self, level: str) -> list[str]:
        return list(self.store.units.get(level, {}))

    def breaches(self) -> list[dict[str, Any]]:
        """Compliance limits exceeded in some replication (:func:`simulator.measures.breaches.breaches`)."""
        names = self.store.blocks.get("compliance")
        if self.replications == 0 or names is None:
            return []
        comp = {k: self._stat(("blocks", "compliance", k)) for k in names}
        return breaches(self.loaded.scenario, comp)

    def metric_stats(self, level: str, name: str) -> dict[str, dict]:
        """{metric: STAT} for one unit (``level`` "center" has the single unit "center")."""
        return {metric: self._stat(("metrics", level, name, metric)) for metric in ALL_METRICS}

    def to_dict(self) -> dict[str, Any]:
        if self.replications == 0:
            raise ValueError("no replications")
        metrics: dict[str, Any] = {"center": self.metric_stats("center", "center")}
        for level in LEVELS[1:]:
            if level == "groups" and level not in self.store.units:
                continue  # collector groups only with an [inbound] block
            metrics[level] = {name: self.metric_stats(level, name) for name in self._units(level)}
        extra: dict[str, Any] = {}
        for block, names in self.store.blocks.items():
            extra[block] = {k: self._stat(("blocks", block, k)) for k in names}
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
            "series": uncounted_as_null(self.store.series_mean()),
        }
        doc["breaches"] = breaches(self.loaded.scenario, extra.get("compliance"))
        targets = targets_block(self.loaded.scenario, metrics)
        if targets is not None:
            doc["targets"] = targets
        if metrics["collectors"]:
            doc["peers"] = peers_block(self.loaded.scenario, metrics)
        arms = arms_blocks(self.store, self._stat, self.loaded.scenario.strategy)
        if arms is not None:  # champion/challenger arms ([strategy] with two or more)
            doc["arms"], doc["challengers"] = arms
        if self.precision is not None:
            doc["precision"] = self.precision
        if self.parameter_uncertainty is not None:
            doc["parameter_uncertainty"] = self.parameter_uncertainty
        if not self.store.complete:
            doc["values_kept"] = {
                "replications": self.values_kept,
                "of": self.replications,
                "limit_numbers": VALUES_KEPT,
                "why": "STAT values list the first replications only: every replication's values "
                "would not fit in the limit; means and intervals cover every replication",
            }
        return doc

    def to_json(self) -> str:
        """Canonical JSON text: the same seed and scenario always give the same bytes."""
        return results_json(self.to_dict())

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
            + [("segments", s) for s in self._units("segments")]
            + [("teams", t) for t in self._units("teams")]
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
        """Per-replication values of a metric, e.g. ``values("segments.low_risk.kept_rate")``
        (the kept replications: every one unless :attr:`values_kept` is smaller)."""
        ref = metric if isinstance(metric, MetricRef) else parse_metric_ref(metric)
        return self.store.values(("metrics", ref.level, ref.unit, ref.metric))

    def moments(self, metric: str | MetricRef) -> Moments:
        """Count, mean, variance and maximum of a metric over every replication."""
        ref = metric if isinstance(metric, MetricRef) else parse_metric_ref(metric)
        key = ("metrics", ref.level, ref.unit, ref.metric)
        return (
            moments_of({"values": self.store.values(key)}) if self.store.complete else self.store.moments(key)
        )

    def to_frame(self) -> pd.DataFrame:
        """Long-format pandas DataFrame, one row per kept replication, level, unit and metric:
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


def results_json(doc: Mapping[str, Any]) -> str:
    """The canonical JSON text of a results document (:meth:`Results.to_dict`)."""
    return json.dumps(doc, indent=1, allow_nan=False) + "\n"


def iter_long(
    per_rep: Sequence[Mapping[str, Any]], replications: Sequence[int] | None = None
) -> Iterator[tuple[int, str, str, str, float | None]]:
    """(replication, level, unit, metric, value) for every replication, level, unit and metric,
    in a fixed order (replication, then center/segments/teams/collectors, then metric order)."""
    for i, rep in enumerate(per_rep):
        r = replications[i] if replications is not None else i
        for level in LEVELS:
            for unit, ms in rep["metrics"].get(level, {}).items():
                for metric in ALL_METRICS:
                    yield r, level, unit, metric, ms[metric]
