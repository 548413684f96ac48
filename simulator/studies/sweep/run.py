"""Running a sweep: the replications not yet in the store, on any executor, then the summaries."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...base.errors import EXIT_FAILED_REPLICATIONS
from ...experiment import replications as experiment
from .plan import SweepError, SweepPlan
from .store import Appender, prepare_folder, read_records, record_outcome
from .summary import write_outputs

__all__ = ["run_sweep", "SweepOutcome", "EXIT_FAILED_REPLICATIONS"]


@dataclass
class SweepOutcome:
    plan: SweepPlan
    out: Path
    summary: dict[str, Any]
    ran: int
    skipped: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def run_sweep(
    plan: SweepPlan,
    out: Path,
    executor: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    extra: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> SweepOutcome:
    """Run every replication of ``plan`` not yet in ``out``, then write the outputs.

    Each replication is appended to ``replications.jsonl`` (fsynced) as soon as it ends, whatever
    the executor, so an interruption loses at most the replications in flight.
    ``progress(done, total)`` is called once before the first job (``done`` = replications
    already in the folder) and after each replication. ``extra(summary)`` may return further
    top-level blocks for summary.json (e.g. "staffing").
    """
    from ...experiment.executors import open_executor, run_ordered

    out = Path(out)
    lock = prepare_folder(out, plan.manifest())
    try:
        jpath = out / "replications.jsonl"
        records = read_records(jpath)
        total = len(plan.variants) * plan.replications
        skipped = sum(
            1 for v in plan.variants for r in range(plan.replications) if records.get((v.id, r), {}).get("ok")
        )
        started: dict[int, tuple[Any, int]] = {}

        def feed():
            """The jobs not yet done, in job order (the index run_ordered gives each)."""
            todo = (
                (v, r)
                for v in plan.variants
                for r in range(plan.replications)
                if not records.get((v.id, r), {}).get("ok")
            )
            for i, (v, r) in enumerate(todo):
                started[i] = (v, r)
                yield v.loaded.scenario, plan.seed, r

        done = skipped
        if progress:
            progress(done, total)
        app = Appender(jpath)
        try:

            def on_done(i: int, fut: Future) -> None:
                nonlocal done
                v, r = started.pop(i)
                records[(v.id, r)] = app.write(record_outcome(v.id, r, plan.seed, fut))
                done += 1
                if progress:
                    progress(done, total)

            ran = 0
            if skipped < total:
                with open_executor(executor, workers, scheduler, jobs=total - skipped) as ex:
                    ran = run_ordered(ex, experiment.replication_job, feed(), on_done)
        finally:
            app.close()
        try:
            summary, files = write_outputs(plan, out, records, extra)
        except SweepError as e:
            raise SweepError(
                f"{e}; every finished replication is kept in {jpath}: run the same command again "
                "to write the summaries"
            ) from None
    finally:
        lock.close()
    return SweepOutcome(plan, out, summary, ran, skipped, summary["failed"], files)
