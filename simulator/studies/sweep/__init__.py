"""Sweeps: every combination of scenario values, N replications each, resumable, on any executor.

:mod:`.plan` (value lists, the grid of variants), :mod:`.store` (manifest and the resumable
replications.jsonl), :mod:`.summary` (tidy and summary CSV and JSON), :mod:`.staffing` (the
headcount what-if and its constraints), :mod:`.run` (running the jobs).

A sweep is a grid of *variants* (the cartesian product of the ``--set PATH=V1,V2,...`` value
lists; a single value is a fixed override) times replications ``0..N-1``. Replication r of every
variant runs at ``(seed, r)``, so variants share common random numbers.

The output folder (``--out DIR``)::

    manifest.json        what the sweep is (scenario file hash, parameters, seed, replications)
    replications.jsonl   one JSON line per finished replication, appended, flushed and fsynced at
                         once: {"variant", "replication", "seed", "ok": true, "result": {...}} or
                         {"variant", "replication", "seed", "ok": false, "error", "traceback"}
    tidy.csv             variant, <one column per parameter>, replication, level, unit, metric, value
    summary.csv          variant, <parameters>, level, unit, metric, n, mean, ci95_low, ci95_high
    summary.json         schema collectsim.sweep/1 (see :func:`summary_document`)
    variants/vNNN.json   each variant's results document (schema collectsim.results/1)

Resuming: run the same sweep again with the same ``--out`` and it skips every replication already
in ``replications.jsonl`` (a half-written last line, e.g. after SIGKILL, is dropped). A replication
recorded as failed is tried again. The arguments must match ``manifest.json`` (else
:class:`SweepError`). The summary is computed from the records on disk in job order, so it is
byte-identical to that of an uninterrupted run, whatever the executor and the number of workers.
"""

from ..staffing import STAFF_METRICS, Constraint, headcount_values, parse_constraint, staffing_block
from .plan import (
    GridSize,
    SweepError,
    SweepPlan,
    Variant,
    grid_size,
    parse_sweep_set,
    plan_sweep,
    split_values,
)
from .run import EXIT_FAILED_REPLICATIONS, SweepOutcome, run_sweep
from .store import read_records, record_outcome
from .summary import SWEEP_SCHEMA, summary_document, write_outputs

__all__ = [
    "SweepError",
    "Variant",
    "SweepPlan",
    "plan_sweep",
    "GridSize",
    "grid_size",
    "run_sweep",
    "SweepOutcome",
    "split_values",
    "parse_sweep_set",
    "SWEEP_SCHEMA",
    "EXIT_FAILED_REPLICATIONS",
    "Constraint",
    "parse_constraint",
    "staffing_block",
    "STAFF_METRICS",
    "headcount_values",
    "read_records",
    "record_outcome",
    "summary_document",
    "write_outputs",
]
