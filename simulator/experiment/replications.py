"""Replications of a scenario, paired comparisons and the results documents of the contract.

One replication function (:func:`run_replication`), one way to run many of them
(:func:`run_jobs`, through any ``concurrent.futures`` executor, results in job order), and on top:

- :func:`run_experiment`: N replications of a scenario, or as many as a precision target needs;
- :func:`run_comparison`: two scenarios at the same seeds (common random numbers), paired
  differences with 95% CIs and the variance reduction against independent sampling.

Replication ``r`` at seed ``S`` draws every random number from the named streams of ``(S, r)``
(see :mod:`simulator.rng`), so its result is a pure function of ``(scenario, S, r)``: identical
whatever the executor, the number of workers or the order in which jobs finish.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..base.documents import RESULTS_SCHEMA
from ..base.formatting import stat_of, table
from ..base.statistics import half_width, replications_needed, stat
from ..measures.breaches import breaches
from ..measures.metrics import EXTRA_METRICS, METRICS, replication_metrics, replication_series
from ..measures.pyramid import targets_block
from ..scenario.load import LoadedScenario
from ..scenario.schema import Scenario
from ..world.build import simulate
from .warmup import portfolio_warmup_days

LEVELS = ("center", "segments", "teams", "collectors")
ALL_METRICS = METRICS + EXTRA_METRICS
KEY_METRICS = (
    "value_per_paid_hour",
    "rpc_per_productive_hour",
    "promise_rate",
    "kept_rate",
    "avg_payment",
    "collected",
    "net_value",
    "abandon_rate",
)
"""The metrics `collectsim compare` prints for the center and each segment and team."""
DEFAULT_MAX_REPLICATIONS = 200

ExecutorSpec = Any  # "serial" | "process" | "dask" | concurrent.futures.Executor | None


def run_replication(scenario: Scenario, seed: int, replication: int) -> dict[str, Any]:
    """One replication, the single function every executor calls. Returns plain data:

    ``{"metrics": {level: {unit: {metric: value}}}, "blocks": {block: {name: value}},
    "series": {...}}``. ``blocks`` are extra scalar groups (e.g. compliance) reported as STATs
    beside the metrics; ``series`` are daily and hourly counts averaged over replications.
    """
    st, cnt = simulate(scenario, seed, replication)
    blocks = dict(cnt.blocks)
    if "portfolio" in blocks:
        warmup = portfolio_warmup_days(st.work_days, cnt.daily_open_accounts)
        blocks["portfolio"] = {**blocks["portfolio"], "warmup_days_mser5": float(warmup)}
    return {"metrics": replication_metrics(st, cnt), "blocks": blocks, "series": replication_series(st, cnt)}


# ---------------------------------------------------------------------------------------------
# Metric references: "value_per_paid_hour", "center.kept_rate", "segments.low_risk.promise_rate"


@dataclass(frozen=True)
class MetricRef:
    """A metric of one unit: ``level`` in LEVELS, ``unit`` ("center" for the center)."""

    level: str
    unit: str
    metric: str

    def __str__(self) -> str:
        return (
            f"center.{self.metric}" if self.level == "center" else f"{self.level}.{self.unit}.{self.metric}"
        )

    def values(self, per_rep: Sequence[Mapping[str, Any]]) -> list[float | None]:
        return [rep["metrics"][self.level][self.unit][self.metric] for rep in per_rep]


def parse_metric_ref(text: str, scenario: Scenario | None = None) -> MetricRef:
    """Parse ``METRIC``, ``center.METRIC`` or ``LEVEL.UNIT.METRIC`` (LEVEL: segments, teams,
    collectors). Raises ValueError with what was expected. Segment and team names are checked
    against ``scenario`` when given."""
    parts = text.strip().split(".")
    if len(parts) == 1:
        level, unit, metric = "center", "center", parts[0]
    elif len(parts) == 2 and parts[0] == "center":
        level, unit, metric = "center", "center", parts[1]
    elif len(parts) == 3 and parts[0] in LEVELS[1:]:
        level, unit, metric = parts
    else:
        raise ValueError(
            f"metric {text!r}: expected METRIC, center.METRIC or LEVEL.UNIT.METRIC with "
            f"LEVEL one of segments, teams, collectors (e.g. segments.low_risk.promise_rate)"
        )
    if metric not in ALL_METRICS:
        import difflib

        close = difflib.get_close_matches(metric, ALL_METRICS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"metric {text!r}: unknown metric {metric!r}; {hint}expected one of: {', '.join(ALL_METRICS)}"
        )
    if scenario is not None and level in ("segments", "teams"):
        names = list(scenario.segments if level == "segments" else scenario.teams)
        if unit not in names:
            raise ValueError(
                f"metric {text!r}: no {level[:-1]} named {unit!r}; expected one of: {', '.join(names)}"
            )
    return MetricRef(level, unit, metric)


@dataclass(frozen=True)
class PrecisionTarget:
    """Stop adding replications once the 95% CI half-width of ``ref`` is below ``rel`` x |mean|."""

    ref: MetricRef
    rel: float

    def check(self, per_rep: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        vals = [float(v) for v in self.ref.values(per_rep) if v is not None]
        out: dict[str, Any] = {
            "metric": str(self.ref),
            "rel": self.rel,
            "n": len(vals),
            "mean": None,
            "half_width": None,
            "target_half_width": None,
            "met": False,
        }
        if not vals:
            return out
        mean = math.fsum(vals) / len(vals)
        hw = half_width(vals) if len(vals) >= 2 else None
        out.update(mean=mean, half_width=hw, target_half_width=self.rel * abs(mean))
        out["met"] = hw is not None and hw < self.rel * abs(mean) or (hw == 0.0)
        return out


def parse_precision(text: str, scenario: Scenario | None = None) -> PrecisionTarget:
    """``METRIC=REL`` (e.g. ``center.value_per_paid_hour=0.02``) -> PrecisionTarget."""
    ref_text, sep, rel_text = text.partition("=")
    if not sep:
        raise ValueError(
            f"--precision {text!r}: expected METRIC=REL, e.g. value_per_paid_hour=0.02 "
            "(half-width under 2% of the mean)"
        )
    try:
        rel = float(rel_text)
    except ValueError:
        raise ValueError(
            f"--precision {text!r}: REL = {rel_text!r}: expected a number between 0 and 1, e.g. 0.02 for 2%"
        ) from None
    if not 0 < rel < 1 or not math.isfinite(rel):
        raise ValueError(
            f"--precision {text!r}: REL = {rel}: expected a number between 0 and 1 "
            "(exclusive), e.g. 0.02 for 2%"
        )
    return PrecisionTarget(parse_metric_ref(ref_text, scenario), rel)


# ---------------------------------------------------------------------------------------------


@dataclass
class Results:
    """Replications of one scenario, aggregated into the contract's results document.

    ``per_rep[r]`` is what :func:`run_replication` returned for replication ``r``. ``precision``
    says how a precision-driven run stopped (None for a fixed number of replications).
    """

    loaded: LoadedScenario
    seed: int
    per_rep: list[dict[str, Any]] = field(default_factory=list)
    precision: dict[str, Any] | None = None
    parameter_uncertainty: dict[str, Any] | None = None

    @property
    def replications(self) -> int:
        return len(self.per_rep)

    def breaches(self) -> list[dict[str, Any]]:
        """Compliance limits exceeded in some replication (:func:`simulator.breaches.breaches`)."""
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

    def to_frame(self):
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


def iter_long(per_rep: Sequence[Mapping[str, Any]], replications: Sequence[int] | None = None):
    """(replication, level, unit, metric, value) for every replication, level, unit and metric,
    in a fixed order (replication, then center/segments/teams/collectors, then metric order)."""
    for i, rep in enumerate(per_rep):
        r = replications[i] if replications is not None else i
        for level in LEVELS:
            for unit, ms in rep["metrics"][level].items():
                for metric in ALL_METRICS:
                    yield r, level, unit, metric, ms[metric]


# ---------------------------------------------------------------------------------------------


def run_jobs(
    jobs: Iterable[tuple[Scenario, int, int]],
    executor: ExecutorSpec = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    total: int | None = None,
    on_result: Callable[[tuple[Scenario, int, int], dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``run_replication(scenario, seed, r)`` for each job; results in job order.

    ``jobs`` may be any iterable (a generator of a billion jobs is taken lazily); ``total`` is
    its length for ``progress(done, total)``, called as each replication ends (default
    ``len(jobs)``). ``on_result(job, result)`` is called as each replication ends (to record it
    at once). A replication that raises stops the run: the error is raised again as
    RuntimeError naming the job (use :mod:`simulator.sweep` to record failures and go on)."""
    from .executors import open_executor, run_ordered

    if total is None:
        jobs = list(jobs)
        total = len(jobs)
    results: dict[int, dict[str, Any]] = {}
    started: dict[int, tuple[Scenario, int, int]] = {}

    def feed():
        for i, job in enumerate(jobs):
            started[i] = job
            yield job

    def on_done(i: int, fut) -> None:
        job = started.pop(i)
        _, seed, r = job
        exc = fut.exception()
        if isinstance(exc, MemoryError):
            raise exc  # the machine's limit, not the replication's fault: reported as such
        if exc is not None:
            raise RuntimeError(f"replication {r} (seed {seed}) failed: {type(exc).__name__}: {exc}") from exc
        results[i] = fut.result()
        if on_result:
            on_result(job, results[i])
        if progress:
            progress(len(results), total)

    with open_executor(executor, workers, scheduler, jobs=total) as ex:
        n = run_ordered(ex, _replication_job, feed(), on_done)
    return [results.pop(i) for i in range(n)]


def _replication_job(scenario: Scenario, seed: int, replication: int) -> dict[str, Any]:
    # Looked up at call time, so a test may monkeypatch experiment.run_replication (serial runs).
    return run_replication(scenario, seed, replication)


def as_loaded(loaded: LoadedScenario | str | Path | None) -> LoadedScenario:
    """A LoadedScenario as given, or the scenario file at a path (None: the bundled default)."""
    if isinstance(loaded, LoadedScenario):
        return loaded
    from ..scenario.load import load_scenario

    return load_scenario(loaded)


def run_experiment(
    loaded: LoadedScenario | str | Path | None,
    replications: int = 10,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    *,
    executor: ExecutorSpec = None,
    workers: int | None = None,
    scheduler: str | None = None,
    precision: str | PrecisionTarget | Iterable[str | PrecisionTarget] | None = None,
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    on_result: Callable[[tuple[Scenario, int, int], dict[str, Any]], None] | None = None,
    parameter_uncertainty: bool = False,
) -> Results:
    """Run replications ``0 .. N-1`` of a scenario at ``seed`` and return their :class:`Results`.

    ``loaded``: a LoadedScenario, or a scenario file path (None: the bundled default).
    ``executor``: "serial", "process", "dask", a ``concurrent.futures.Executor``, or None (a
    process pool if ``workers`` > 1, else serial); ``scheduler``: a Dask scheduler address.
    Results are identical whatever the executor and the number of workers.

    ``precision``: one or more targets ``"METRIC=REL"`` (or PrecisionTarget). Then ``replications``
    is the first batch (at least 2), and batches are added until every target's 95% CI half-width
    is below REL x |mean| or ``max_replications`` is reached; ``results.precision`` tells which.
    Batch sizes depend only on the values seen, never on the executor.
    ``progress(done, total)`` is called after each replication (total may grow between batches);
    ``on_result((scenario, seed, r), result)`` as each replication ends.

    ``parameter_uncertainty``: replication r simulates the scenario with its fitted parameters
    drawn from the fit's sampling distribution (stream ``parameter_uncertainty`` of (seed, r);
    see :mod:`simulator.uncertainty`), so the CIs include the fit's uncertainty. Needs a
    scenario with a ``[calibration]`` section (InputError otherwise).
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    loaded = as_loaded(loaded)
    sc = loaded.scenario
    res = Results(loaded, seed)
    job = lambda r: (sc, seed, r)  # noqa: E731
    if parameter_uncertainty:
        from .uncertainty import parameter_uncertainty as drawable

        pu = drawable(loaded)
        res.parameter_uncertainty = pu.describe()
        job = lambda r: (pu.scenario(seed, r), seed, r)  # noqa: E731
    if precision is None:
        res.per_rep = run_jobs(
            (job(r) for r in range(replications)),
            executor,
            workers,
            scheduler,
            progress,
            total=replications,
            on_result=on_result,
        )
        return res

    targets = _targets(precision, sc)
    if max_replications < 2:
        raise ValueError("max_replications must be >= 2 with a precision target")
    from .executors import open_executor

    n = min(max(2, replications), max_replications)
    with open_executor(executor, workers, scheduler, jobs=max_replications) as ex:
        batch = n
        while True:
            start = res.replications

            def prog(done: int, total: int, start: int = start) -> None:
                if progress:
                    progress(start + done, start + total)

            res.per_rep += run_jobs(
                [job(r) for r in range(start, start + batch)], ex, progress=prog, on_result=on_result
            )
            checks = [t.check(res.per_rep) for t in targets]
            met = all(c["met"] for c in checks)
            n = res.replications
            if met or n >= max_replications:
                break
            batch = _next_batch(targets, res.per_rep, max_replications)
            if batch == 0:
                break
    stopped = "target met" if met else ("cap reached" if n >= max_replications else "undefined")
    res.precision = {
        "targets": checks,
        "met": met,
        "stopped": stopped,
        "replications": n,
        "first_batch": min(max(2, replications), max_replications),
        "max_replications": max_replications,
    }
    return res


def _targets(precision, sc: Scenario) -> list[PrecisionTarget]:
    items = [precision] if isinstance(precision, (str, PrecisionTarget)) else list(precision)
    return [t if isinstance(t, PrecisionTarget) else parse_precision(t, sc) for t in items]


def _next_batch(targets: Sequence[PrecisionTarget], per_rep: list, cap: int) -> int:
    """Replications to add next: what the current variance suggests (+10%), at least a quarter of
    those done and 2, at most as many as done (doubling), never beyond the cap. 0: hopeless
    (a target metric is undefined or its mean is 0 with a positive spread)."""
    n = len(per_rep)
    need = n
    for t in targets:
        vals = [float(v) for v in t.ref.values(per_rep) if v is not None]
        est = replications_needed(vals, t.rel) if len(vals) >= 2 else None
        if est is None:
            if len(vals) < 2 and n >= 2 * max(1, len(vals)) + 8:
                return 0  # the metric is almost never defined
            est = 2 * n
        need = max(need, math.ceil(est * 1.1))
    batch = max(need - n, math.ceil(n / 4), 2)
    return max(0, min(batch, n, cap - n))


def _mean_series(reps: list[Any]) -> Any:
    """Element-wise mean of nested lists/dicts of numbers across replications."""
    first = reps[0]
    if isinstance(first, dict):
        return {k: _mean_series([r[k] for r in reps]) for k in first}
    if isinstance(first, list):
        return [_mean_series([r[i] for r in reps]) for i in range(len(first))]
    return math.fsum(float(r) for r in reps) / len(reps)
