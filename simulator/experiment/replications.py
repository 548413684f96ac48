"""Replications of a scenario: one replication function, one way to run many of them, and the
experiment of a scenario.

- :func:`run_replication`: one replication, the single function every executor calls;
- :func:`run_jobs`: many replications through any ``concurrent.futures`` executor
  (experiment/executors.py), results in job order;
- :func:`run_experiment`: N replications of a scenario, or as many as a precision target needs
  (experiment/precision.py), as :class:`~.results.Results`.

Paired comparisons of two scenarios (simulator/studies/comparison.py), sensitivities and sweeps
run their replications through :func:`run_jobs` too.

Replication ``r`` at seed ``S`` draws every random number from the named streams of ``(S, r)``
(see :mod:`simulator.base.rng`), so its result is a pure function of ``(scenario, S, r)``:
identical whatever the executor, the number of workers or the order in which jobs finish.
Replication 0 can also keep its dial-level trace (``collectsim run --trace``): it is the same
replication with the world's recorder on, its files built where it ran and sent back with its
result.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from ..measures.arms import arm_metrics, challenger_differences
from ..measures.inbound import inbound_by_hour, window_hours
from ..measures.metrics import replication_metrics, replication_series
from ..scenario.load import LoadedScenario
from ..scenario.schema import Scenario
from ..world.build import World
from .metric_refs import ALL_METRICS, KEY_METRICS, LEVELS, MetricRef, parse_metric_ref
from .precision import (
    DEFAULT_MAX_REPLICATIONS,
    PrecisionTarget,
    next_batch,
    parse_precision,
    precision_targets,
)
from .results import Results, iter_long
from .trace_export import trace_tables
from .warmup import portfolio_warmup_days

__all__ = [
    "ALL_METRICS",
    "DEFAULT_MAX_REPLICATIONS",
    "KEY_METRICS",
    "LEVELS",
    "ExecutorSpec",
    "MetricRef",
    "PrecisionTarget",
    "Results",
    "as_loaded",
    "iter_long",
    "parse_metric_ref",
    "parse_precision",
    "run_experiment",
    "run_jobs",
    "run_replication",
]

ExecutorSpec = Any  # "serial" | "process" | "dask" | concurrent.futures.Executor | None
Job = tuple[Scenario, int, int]  # (scenario, seed, replication)
TRACE = "trace"
"""The key of a traced replication's trace files in its result, until run_jobs takes them out."""
TRACE_ERROR = "trace_error"
"""The key of the files' mapping that holds why a traced replication could not build them (the
replication's results stand: a trace that fails must not cost the run)."""


def run_replication(scenario: Scenario, seed: int, replication: int, trace: bool = False) -> dict[str, Any]:
    """One replication, the single function every executor calls. Returns plain data:

    ``{"metrics": {level: {unit: {metric: value}}}, "blocks": {block: {name: value}},
    "series": {...}}``. ``blocks`` are extra scalar groups (e.g. compliance) reported as STATs
    beside the metrics; ``series`` are daily and hourly counts averaged over replications.
    With ``trace=True`` the world also keeps its dial-level record, and the result holds the
    trace files too, under ``"trace"`` (CSV bytes by file name: trace_export.trace_tables, or
    ``{TRACE_ERROR: why}`` when they could not be built); the other entries are the same as
    without it.
    """
    w = World(scenario, seed, replication, trace=trace)
    cnt = w.run()
    st = w.structure
    blocks = dict(cnt.blocks)
    if "portfolio" in blocks:
        warmup = portfolio_warmup_days(st.work_days, cnt.daily_open_accounts)
        blocks["portfolio"] = {**blocks["portfolio"], "warmup_days_mser5": float(warmup)}
    if cnt.inbound_hours is not None:
        blocks["inbound_by_hour"] = inbound_by_hour(cnt.inbound_hours, window_hours(scenario))
    metrics = replication_metrics(st, cnt)
    arms = arm_metrics(st, cnt)
    if arms:  # champion/challenger arms: per arm, and each challenger less the champion
        metrics["arms"] = arms
        metrics["challengers"] = challenger_differences(arms)
    out = {"metrics": metrics, "blocks": blocks, "series": replication_series(st, cnt)}
    if trace:
        try:
            out[TRACE] = trace_tables(w)
        except (MemoryError, ValueError, OSError) as exc:
            out[TRACE] = {TRACE_ERROR: f"{type(exc).__name__}: {exc}"}
    # The world's objects refer to one another, so only the cyclic collector frees them, and
    # while a world runs its thresholds are raised (world.build.gc_tuned): left to itself it
    # lets the finished worlds of many replications pile up (tens of megabytes each). They are
    # still young; collecting the young generations now costs a few milliseconds.
    del w, cnt, st
    gc.collect(1)
    return out


def run_jobs(
    jobs: Iterable[Job],
    executor: ExecutorSpec = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    total: int | None = None,
    on_result: Callable[[Job, dict[str, Any]], None] | None = None,
    on_trace: Callable[[Job, dict[str, bytes]], None] | None = None,
    sink: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``run_replication(scenario, seed, r)`` for each job ``(scenario, seed, r)``; results
    in job order.

    With ``sink``, each result is handed to ``sink(result)`` in job order as soon as every
    earlier job's has been, and is not kept: the returned list is empty, and the results held at
    any time are those of the jobs in flight (a few per worker), whatever the number of jobs.

    ``jobs`` may be any iterable (a generator of a billion jobs is taken lazily); ``total`` is
    its length for ``progress(done, total)``, called as each replication ends (default
    ``len(jobs)``). ``on_result(job, result)`` is called as each replication ends (to record it
    at once). With ``on_trace``, every job of replication 0 runs with its trace kept, and
    ``on_trace(job, files)`` gets its trace files (CSV bytes by file name) as it ends, before
    ``on_result``; the result itself is the same as without a trace. A replication that raises
    stops the run: the error is raised again as RuntimeError naming the job (use
    :mod:`simulator.studies.sweep` to record failures and go on)."""
    from .executors import open_executor, run_ordered

    if total is None:
        jobs = list(jobs)
        total = len(jobs)
    results: dict[int, dict[str, Any]] = {}
    started: dict[int, Job] = {}
    done = 0
    handed = 0  # with a sink: the results of jobs 0 .. handed - 1 went to it

    def feed():
        for i, job in enumerate(jobs):
            started[i] = job
            yield job

    def on_done(i: int, fut) -> None:
        nonlocal done, handed
        job = started.pop(i)
        _, seed, r = job
        exc = fut.exception()
        if isinstance(exc, MemoryError):
            raise exc  # the machine's limit, not the replication's fault: reported as such
        if exc is not None:
            raise RuntimeError(f"replication {r} (seed {seed}) failed: {type(exc).__name__}: {exc}") from exc
        results[i] = fut.result()
        files = results[i].pop(TRACE, None)
        if files is not None and on_trace:
            on_trace(job, files)
        if on_result:
            on_result(job, results[i])
        done += 1
        if sink is not None:
            while handed in results:
                sink(results.pop(handed))
                handed += 1
        if progress:
            progress(done, total)

    # A partial of a module-level function: it pickles for a process pool and for Dask.
    fn = replication_job if on_trace is None else partial(replication_job, trace_replication=0)
    with open_executor(executor, workers, scheduler, jobs=total) as ex:
        n = run_ordered(ex, fn, feed(), on_done)
    return [] if sink is not None else [results.pop(i) for i in range(n)]


def replication_job(
    scenario: Scenario, seed: int, replication: int, trace_replication: int | None = None
) -> dict[str, Any]:
    """The job an executor runs for replication ``replication``: :func:`run_replication`, with
    the trace files built when it is ``trace_replication``."""
    # run_replication is looked up at call time, so a test may monkeypatch
    # experiment.run_replication (serial runs).
    if replication == trace_replication:
        return run_replication(scenario, seed, replication, trace=True)
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
    on_result: Callable[[Job, dict[str, Any]], None] | None = None,
    parameter_uncertainty: bool = False,
    trace: bool = False,
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
    see :mod:`simulator.experiment.uncertainty`), so the CIs include the fit's uncertainty.
    Needs a scenario with a ``[calibration]`` section (InputError otherwise).

    ``trace``: replication 0 also keeps its dial-level trace, in ``results.trace`` (the files
    ``collectsim run --trace`` writes); every result is the same as without it.

    Each replication's result goes into the :class:`~.results.Results` as it ends (in
    replication order) and is then dropped, so memory does not grow with ``replications``
    (see :mod:`simulator.experiment.accumulate`).
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    loaded = as_loaded(loaded)
    sc = loaded.scenario
    res = Results(loaded, seed)

    def keep_trace(job: Job, files: dict[str, bytes]) -> None:
        res.trace = files

    on_trace = keep_trace if trace else None
    job = lambda r: (sc, seed, r)  # noqa: E731
    if parameter_uncertainty:
        from .uncertainty import parameter_uncertainty as drawable

        pu = drawable(loaded)
        res.parameter_uncertainty = pu.describe()
        job = lambda r: (pu.scenario(seed, r), seed, r)  # noqa: E731
    if precision is None:
        run_jobs(
            (job(r) for r in range(replications)),
            executor,
            workers,
            scheduler,
            progress,
            total=replications,
            on_result=on_result,
            on_trace=on_trace,
            sink=res.add,
        )
        return res

    targets = precision_targets(precision, sc)
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

            run_jobs(
                (job(r) for r in range(start, start + batch)),
                ex,
                progress=prog,
                total=batch,
                on_result=on_result,
                on_trace=on_trace,
                sink=res.add,
            )
            checks = [t.check(res) for t in targets]
            met = all(c["met"] for c in checks)
            n = res.replications
            if met or n >= max_replications:
                break
            batch = next_batch(targets, res, max_replications)
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
