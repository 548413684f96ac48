"""What this machine can run at once: worker processes sized to the work and to the CPUs, and
the memory they would need against the memory available, decided before any process starts.

Replications are single-threaded and CPU-bound, so workers beyond the CPUs only share them: a
worker more than there are jobs never runs anything, and one more than ``WORKERS_PER_CPU`` x
CPUs adds no speed, only memory (each holds the imports and a replication, about 70 MB at the
least) and start-up time. The allowance over 1 per CPU leaves room for a machine whose CPU count
understates what it runs well (hyper-threads counted once, a container's CPU quota) and for a
deliberate oversubscription, while a mistyped ``--workers 100000`` starts at most a few dozen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WORKERS_PER_CPU", "WorkerPlan", "plan_workers", "cpu_ceiling", "available_memory_mb"]

WORKERS_PER_CPU = 4
"""At most this many workers per CPU of the machine (``os.cpu_count()``)."""


@dataclass(frozen=True)
class WorkerPlan:
    """The workers to start: ``workers``, and when that is fewer than ``requested``, ``why``
    (``"jobs"``: there are only ``jobs`` jobs; ``"cpus"``: the ceiling of ``WORKERS_PER_CPU`` x
    ``cpus``)."""

    requested: int
    workers: int
    why: str | None
    jobs: int | None
    cpus: int

    def note(self, option: str = "--workers") -> str | None:
        """One line saying why fewer workers than requested start, or None."""
        if self.why is None:
            return None
        reason = (
            f"there are only {self.jobs:,} replication(s) to run"
            if self.why == "jobs"
            else f"at most {WORKERS_PER_CPU} per CPU on this machine of {self.cpus} CPU(s)"
        )
        return f"{option} {self.requested:,} lowered to {self.workers:,}: {reason}"


def cpu_ceiling() -> int:
    """The most workers ever started on this machine: ``WORKERS_PER_CPU`` x its CPUs."""
    return WORKERS_PER_CPU * max(1, os.cpu_count() or 1)


def plan_workers(requested: int, jobs: int | None = None) -> WorkerPlan:
    """``requested`` workers lowered to ``jobs`` (when known) and to :func:`cpu_ceiling`."""
    cpus = max(1, os.cpu_count() or 1)
    workers, why = requested, None
    if jobs is not None and workers > max(1, jobs):
        workers, why = max(1, jobs), "jobs"
    if workers > cpu_ceiling():
        workers, why = cpu_ceiling(), "cpus"
    return WorkerPlan(requested, workers, why, jobs, cpus)


def available_memory_mb() -> float | None:
    """Memory this process could still take, in MB: the kernel's ``MemAvailable``, lowered to
    what the control group's limit leaves (cgroup v2 ``memory.max``, v1
    ``memory.limit_in_bytes``, as a container sees them). None when the machine does not say
    (not Linux)."""
    avail = _meminfo_available()
    room = _cgroup_room()
    if avail is None:
        return room
    return avail if room is None else min(avail, room)


def _meminfo_available() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> float | None:
    root = Path("/sys/fs/cgroup")
    for limit_file, usage_file in (
        (root / "memory.max", root / "memory.current"),
        (root / "memory" / "memory.limit_in_bytes", root / "memory" / "memory.usage_in_bytes"),
    ):
        try:
            limit = limit_file.read_text(encoding="ascii").strip()
            if limit == "max":
                continue
            room = int(limit) - int(usage_file.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        if int(limit) < 2**60:  # v1 says "no limit" with a number near 2**63
            return max(0, room) / 2**20
    return None
