"""How many bytes a command's output files will take, estimated before it runs, so a disk
without room for them is refused before the work (:func:`simulator.base.disk.check_free_space`)
rather than after it.

The estimates count what the files hold (a number per metric, unit and replication; the daily
series; a row per dial of a trace) times the bytes a number or a row takes in the file's format,
measured on the bundled scenarios. They aim a little low, so a refusal is sure: over
``scenarios/*.toml`` (2 or 3 replications) and a small scenario (1 to 16) they are 0.7 to 1.0
times the results JSON written, 0.6 to 0.9 times replications.jsonl (tracking's per-collector
series are not counted) and 0.4 to 0.9 times a trace (its dials per collector-day vary the most).
A write that still does not fit loses nothing (:func:`simulator.base.disk.save_elsewhere`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..scenario.schema import Scenario
from .metric_refs import ALL_METRICS

__all__ = [
    "results_bytes",
    "record_bytes",
    "summary_text_bytes",
    "trace_bytes",
    "compare_bytes",
    "SENSITIVITY_BYTES",
    "FITTED_SCENARIO_BYTES",
    "CALIBRATION_HTML_BYTES",
    "sweep_bytes",
]

STAT_BYTES = 120
"""A metric's STAT in results.json (indented): its name, mean, interval and brackets."""
VALUE_BYTES = 17
"""One per-replication value on its own indented line of results.json."""
RECORD_METRIC_BYTES = 26
"""One ``"metric":value`` of a compact replications.jsonl line."""
SERIES_BYTES = (3, 18)
"""A number of the daily series: compact (replications.jsonl), and a mean in results.json."""
TARGETS_BYTES_PER_UNIT = 1800
"""The targets block, per unit (center, team, collector, segment) when the scenario sets targets."""
PEERS_BYTES_PER_COLLECTOR = 1200
"""The peers block, per collector (open_portfolio: about 1,070)."""
TRACE_DIALS_PER_COLLECTOR_DAY = 200
"""Low for progressive dialing (table_14_1: 340; placement: 230); predictive dials more."""
TRACE_DIAL_BYTES = 110
TRACE_ACCOUNT_BYTES = 45
SENSITIVITY_BYTES = 2048
"""The sensitivity document: a few numbers per pyramid layer."""
FITTED_SCENARIO_BYTES, CALIBRATION_HTML_BYTES = 32 * 1024, 96 * 1024
"""calibrate's --out and --html, at the least (examples/sample_trace: 77 KB and 146 KB)."""
COMPARE_STAT_BYTES, COMPARE_VALUE_BYTES = 300, 36
"""compare's per-metric block (means, differences, variances) and its two values per replication."""
TIDY_ROW_BYTES, SUMMARY_ROW_BYTES = 45, 95
"""A sweep's tidy.csv row (one value) and summary.csv row, without the parameter columns."""


def _units(sc: Scenario, collectors: bool = True) -> int:
    """The units with metrics: the center, each segment and team, and each collector."""
    n = 1 + len(sc.segments) + len(sc.teams)
    return n + (sum(t.headcount for t in sc.teams.values()) if collectors else 0)


def _series_numbers(sc: Scenario) -> int:
    """Numbers in one replication's series: per segment 5 daily counts and 2 weekday-by-hour
    grids, 2 daily counts per campaign (about one per team) and the calendar; the calling days
    only (the run goes on while promises fall due: more)."""
    days = sc.last_calling_day + 1
    return len(sc.segments) * (5 * days + 2 * 7 * 24) + len(sc.teams) * 2 * days + days


def _targets(sc: Scenario) -> int:
    if sc.targets is None and not any(t.targets is not None for t in sc.teams.values()):
        return 0
    return _units(sc) * TARGETS_BYTES_PER_UNIT


def results_bytes(sc: Scenario, replications: int) -> int:
    """A results document (``run --json``, ``--out``'s results.json) of ``replications``."""
    stats = _units(sc) * len(ALL_METRICS)
    return (
        (1024 + stats * (STAT_BYTES + VALUE_BYTES * replications) + _series_numbers(sc) * SERIES_BYTES[1])
        + _targets(sc)
        + sum(t.headcount for t in sc.teams.values()) * PEERS_BYTES_PER_COLLECTOR
    )


def record_bytes(sc: Scenario) -> int:
    """One replication's line of replications.jsonl."""
    return 128 + _units(sc) * len(ALL_METRICS) * RECORD_METRIC_BYTES + _series_numbers(sc) * SERIES_BYTES[0]


def summary_text_bytes(sc: Scenario) -> int:
    """``run --out``'s summary.txt: the pyramid and volume tables."""
    return 1536 + 200 * (len(sc.segments) + len(sc.teams))


def trace_bytes(sc: Scenario) -> int:
    """``run --trace``'s files: a row per dial and per account, mostly."""
    collector_days = sum(t.headcount for t in sc.teams.values()) * sc.calendar.working_days
    accounts = sum(s.accounts for s in sc.segments.values())
    return collector_days * TRACE_DIALS_PER_COLLECTOR_DAY * TRACE_DIAL_BYTES + accounts * TRACE_ACCOUNT_BYTES


def compare_bytes(a: Scenario, b: Scenario, replications: int) -> int:
    """``compare --json``: per metric of the center, each segment and each team of either side."""
    units = 1 + len(set(a.segments) | set(b.segments)) + len(set(a.teams) | set(b.teams))
    return 2048 + units * len(ALL_METRICS) * (COMPARE_STAT_BYTES + COMPARE_VALUE_BYTES * replications)


def sweep_bytes(variants: Sequence[Scenario], replications: int, parameters: int) -> int:
    """A sweep's folder: per variant its records, its variants/vNNN.json, its tidy.csv and
    summary.csv rows and its summary.json block (``parameters``: the varied values' columns)."""
    total = 0
    for sc in variants:
        stats = _units(sc) * len(ALL_METRICS)
        stats_nc = _units(sc, collectors=False) * len(ALL_METRICS)
        total += replications * record_bytes(sc) + results_bytes(sc, replications)
        total += stats * replications * (TIDY_ROW_BYTES + 4 * parameters)
        total += stats_nc * (SUMMARY_ROW_BYTES + 4 * parameters)
        total += stats_nc * (STAT_BYTES + VALUE_BYTES * replications)
    return total
