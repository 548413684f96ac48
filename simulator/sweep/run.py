"""Running a sweep: the replications not yet in the store, on any executor, then the summaries."""
from __future__ import annotations

import sys
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, TextIO

from .. import experiment
from .plan import SweepPlan
from .store import Appender, prepare_folder, read_records, record_outcome
from .summary import write_outputs

__all__ = ["run_sweep", "SweepOutcome", "ProgressBar", "EXIT_FAILED_REPLICATIONS"]

EXIT_FAILED_REPLICATIONS = 3
"""Exit code of `collectsim sweep` / `staff` when every replication ran but some raised: the
outputs are complete for the others and the failures are listed in summary.json["failed"]."""


class ProgressBar:
    """``[#####-----] done/total  rate/s  ETA h:mm:ss`` redrawn in place on a terminal."""

    def __init__(self, total: int, done: int = 0, stream: Optional[TextIO] = None,
                 enabled: bool = True, label: str = "replications") -> None:
        self.total, self.done, self.start_done = total, done, done
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.label = label
        self.t0 = time.monotonic()
        self._last = 0.0
        self.failed = 0

    def update(self, n: int = 1, failed: bool = False) -> None:
        self.done += n
        self.failed += int(failed)
        now = time.monotonic()
        if self.enabled and (now - self._last >= 0.1 or self.done >= self.total):
            self._last = now
            self.stream.write("\r" + self.render(now) + "\x1b[K")
            self.stream.flush()

    def render(self, now: Optional[float] = None) -> str:
        now = time.monotonic() if now is None else now
        width = 24
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        new, dt = self.done - self.start_done, max(now - self.t0, 1e-9)
        rate = new / dt
        if new and self.done < self.total:
            eta = _hms((self.total - self.done) / rate)
        else:
            eta = "--:--" if self.done < self.total else _hms(0)
        fail = f"  {self.failed} failed" if self.failed else ""
        return f"[{bar}] {self.done}/{self.total} {self.label}  {rate:.2f}/s  ETA {eta}{fail}"

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _hms(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


# ---------------------------------------------------------------------------------------------
# Running

@dataclass
class SweepOutcome:
    plan: SweepPlan
    out: Path
    summary: dict[str, Any]
    ran: int
    skipped: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def run_sweep(plan: SweepPlan, out: Path, executor: Any = None, workers: Optional[int] = None,
              scheduler: Optional[str] = None, progress: bool = False,
              extra: Optional[Callable[[dict[str, Any]], dict[str, Any]]] = None,
              stream: Optional[TextIO] = None) -> SweepOutcome:
    """Run every replication of ``plan`` not yet in ``out``, then write the outputs.

    ``extra(summary)`` may return further top-level blocks for summary.json (e.g. "staffing").
    """
    from ..executors import open_executor, run_ordered

    out = Path(out)
    manifest = plan.manifest()
    lock = prepare_folder(out, manifest)
    try:
        jpath = out / "replications.jsonl"
        records = read_records(jpath)
        valid = {v.id for v in plan.variants}
        jobs_meta = [(v, r) for v in plan.variants for r in range(plan.replications)
                     if not records.get((v.id, r), {}).get("ok")]
        skipped = sum(1 for v in plan.variants for r in range(plan.replications)
                      if records.get((v.id, r), {}).get("ok"))
        bar = ProgressBar(len(valid) * plan.replications, skipped, stream=stream, enabled=progress)
        app = Appender(jpath)
        try:
            def on_done(i: int, fut: Future) -> None:
                v, r = jobs_meta[i]
                rec = app.write(record_outcome(v.id, r, plan.seed, fut))
                records[(v.id, r)] = rec
                bar.update(failed=not rec["ok"])

            if jobs_meta:
                with open_executor(executor, workers, scheduler) as ex:
                    run_ordered(ex, experiment._replication_job,
                                [(v.loaded.scenario, plan.seed, r) for v, r in jobs_meta], on_done)
        finally:
            app.close()
            if jobs_meta:
                bar.close()
        summary, files = write_outputs(plan, out, records, extra)
    finally:
        lock.close()
    return SweepOutcome(plan, out, summary, len(jobs_meta), skipped, summary["failed"], files)
