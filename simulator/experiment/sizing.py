"""How long a run of a scenario takes, how much memory it holds and how much it writes, estimated
before it runs, so a mistyped headcount, replication count or duration is noticed before it costs
an hour (or a year).

One replication (:func:`estimate`): its time is linear in collector-days (collectors x working
days: dials, breaks, the dial log), account-days (accounts x working days: the daily rebuild of
the call lists) and the simulated days (each midnight closes a day, until the last promise is
settled), plus a fixed cost; its memory in one process is the imported program plus memory per
account, per collector and per simulated day (the per-day counters and the daily series). The
coefficients come from ``benchmarks/bench_center.py`` on the 2-core development machine: 100
collectors x 22 days over 210,000 accounts (progressive) in 3.9 s with a 118 MB peak; 1,000,000
accounts peak at 245 MB; single replications of ``bench_100.toml`` for 5 days in each dialer
mode (preview 2.1x, predictive 2.6x the progressive time) and with 2,000,000 accounts; and
``collectsim run -r 1`` of the bundled scenarios with a right-party talk time of 1e8 to 4e9 s
(60 to 80 us and about 3.7 KB per simulated day for Table 14-1). Expect the truth within a
factor of two or three: a center whose lists run dry idles at more cost per collector-day than
the benchmark. With a living portfolio, the accounts that will enter are counted, account-level
behaviour costs ``BEHAVIOUR_FACTOR`` per dial, and every simulated day ages every account.

The simulated days are the calendar days of the calling period, then the days until every
promise has fallen due, and, when a call can last longer than a day (a ring, talk or wrap-up
time of days: the run waits for it to end), that call's length: a talk time of 1e12 s is a run
of 11.6 million simulated days, about 10 minutes and several GB for a single replication.

A run (:func:`run_estimate`): replications x one replication's time, shared among the workers;
the memory of each process that simulates plus the results the parent holds (the kept
per-replication values, :mod:`simulator.experiment.accumulate`); and the files it writes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

from ..base.clock import DAY_S
from ..scenario.schema import OUTCOMES, Scenario
from .accumulate import VALUES_KEPT, kept_replications
from .metric_refs import ALL_METRICS

__all__ = [
    "SizeEstimate",
    "RunEstimate",
    "estimate",
    "run_estimate",
    "LONG_RUN_S",
    "LARGE_RUN_MB",
    "CONFIRM_RUN_S",
    "CONFIRM_OUTPUT_BYTES",
    "confirm_memory_mb",
    "describe_duration",
    "describe_mb",
    "describe_bytes",
]

SECONDS_PER_COLLECTOR_DAY = 3.9 / (100 * 22)
"""Progressive dialer, from bench_center.py's 100 x 22 run (3.9 s)."""
MODE_FACTOR = {"progressive": 1.0, "preview": 2.1, "predictive": 2.6}
BEHAVIOUR_FACTOR = 1.9
"""Account-level behaviour (each dial drawn from the account's own table): bench_100_living.toml
ran at 177,500 dials/s against 318,300 for bench_100.toml."""
SECONDS_PER_ACCOUNT_DAY = 2.5e-7
"""The daily call-list rebuild (1.2 s for 2,000,000 accounts x 2 days); a living portfolio's
night (aging, exits, arrivals) costs about as much on every simulated day."""
SECONDS_PER_REPLICATION = 0.01
"""Building the world and the result of a replication, whatever its size."""
SECONDS_PER_SIMULATED_DAY = 8e-5
"""Closing a day and carrying its series: 60 to 80 us per day (Table 14-1 with a talk time of
1e9 and 4e9 s: 11,574 and 46,296 simulated days in 0.6 and 3.7 s more)."""
BASE_MB = 75.0
"""Python, numpy, SimPy and the simulator imported (``collectsim run`` of a tiny scenario)."""
MB_PER_ACCOUNT = 200 / 1e6
MB_PER_COLLECTOR = 6 / 1e3
LIVING_MB = 22.0
MB_PER_LIVING_ACCOUNT = 360 / 1e6
"""A living portfolio's models and per-account state (examples/sample_center.toml, 1,518
accounts, peaks at 99 MB; scenarios/open_portfolio.toml, 41,680 accounts, at 120 MB)."""
BYTES_PER_SERIES_DAY_NUMBER = 280.0
"""One number of one simulated day's series, held as a counter, in the result, in the results'
running sums and in the document (3.7 KB per day for Table 14-1's 15 numbers a day, 6 KB for
examples/sample_center.toml's 21)."""
BYTES_PER_KEPT_VALUE = 8.0 + 32.0 + 26.0
"""A kept per-replication value: its float64 in the store, then a Python float in a list and
about 26 bytes of indented JSON when the document is written."""
RECORD_BYTES_PER_VALUE = 30.0
RECORD_BYTES_PER_SERIES_NUMBER = 6.0
"""One replication's line in replications.jsonl: per metric or block value, per series number."""
DOCUMENT_BYTES_PER_STAT = 130.0
DOCUMENT_BYTES_PER_SERIES_NUMBER = 22.0
TIDY_BYTES_PER_VALUE = 45.0
"""One row of a sweep's tidy.csv (variant, parameters, replication, level, unit, metric, value)."""
BLOCK_VALUES = 50
"""Block entries (compliance, special tasks) per replication, roughly."""

LONG_RUN_S = 600.0
"""Runs expected to take longer than this are announced before they start."""
LARGE_RUN_MB = 2048.0
"""Runs expected to hold more memory than this (all processes together) are announced too."""
CONFIRM_RUN_S = 24 * 3600.0
"""Runs expected to take longer than this are refused without ``--yes``."""
CONFIRM_OUTPUT_BYTES = 100e9
"""Runs expected to write more than this (100 GB) are refused without ``--yes``."""


def confirm_memory_mb() -> float:
    """Runs expected to hold more memory than this machine has are refused without ``--yes``
    (its physical memory; 16 GB where the system does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 16 * 1024.0


@dataclass(frozen=True)
class SizeEstimate:
    """One replication: ``seconds`` of one core and ``peak_mb`` of memory in its process;
    ``simulated_days`` calendar days simulated (``long_call_days`` of them waiting for the
    longest call, from ``long_call``: the key of its duration); ``values`` metric and block
    values and ``series_numbers`` series numbers in its result; ``record_bytes`` its line in
    replications.jsonl."""

    collectors: int
    working_days: int
    accounts: int
    seconds: float
    peak_mb: float
    simulated_days: int = 0
    long_call_days: int = 0
    long_call: str = ""
    values: int = 0
    series_numbers: int = 0
    record_bytes: float = 0.0

    def basis(self) -> str:
        text = (
            f"{self.collectors:,} collector(s) x {self.working_days:,} working day(s), "
            f"{self.accounts:,} accounts"
        )
        if self.long_call_days:
            text += (
                f", {self.simulated_days:,} simulated days (a call may last {self.long_call_days:,} days: "
                f"{self.long_call})"
            )
        return text

    def document_bytes(self, kept: int) -> float:
        """The results JSON of a run that keeps ``kept`` replications' values."""
        return (
            self.values * (DOCUMENT_BYTES_PER_STAT + 26.0 * kept)
            + self.series_numbers * DOCUMENT_BYTES_PER_SERIES_NUMBER
        )


def _high(d) -> float:
    """A long but plausible draw of a distribution: its mean plus four standard deviations."""
    return d.mean + 4.0 * math.sqrt(max(d.variance, 0.0))


def _longest_call(scenario: Scenario) -> tuple[float, str]:
    """Seconds of the longest plausible call (ring + talk + wrap-up) and the key of its longest part."""
    talk_mult = max([t.talk_time_multiplier for t in scenario.skill_tiers.values()] + [1.0])
    best, key = 0.0, ""
    for sname, seg in scenario.segments.items():
        for o in OUTCOMES:
            out = getattr(seg.outcomes, o)
            parts = {
                "ring_time_s": _high(out.ring_time_s),
                "talk_time_s": _high(out.talk_time_s) * (talk_mult if o == "rpc" else 1.0),
                "wrap_time_s": _high(out.wrap_time_s),
            }
            total = sum(parts.values())
            if total > best:
                top = max(parts, key=parts.get)
                mean = getattr(out, top).mean
                best, key = total, f"segments.{sname}.outcomes.{o}.{top} mean {mean:,.6g} s"
    return best, key


def _max_due_days(scenario: Scenario) -> int:
    out = 0
    for seg in scenario.segments.values():
        d = seg.promise_due_days
        out = max(out, int(math.ceil(_high(d))))
    return out


def estimate(scenario: Scenario) -> SizeEstimate:
    """The estimated cost of one replication of ``scenario``."""
    collectors = sum(t.headcount for t in scenario.teams.values())
    days = scenario.calendar.working_days
    calendar_days = days * 7 / max(1, len(scenario.calendar.weekdays))
    living = scenario.portfolio_on
    accounts = sum(
        s.accounts
        + (
            s.inflow.accounts_per_day * calendar_days + sum(d.accounts for d in s.inflow.dated)
            if s.inflow is not None and living
            else 0
        )
        for s in scenario.segments.values()
    )
    accounts = int(accounts)
    longest_s, long_key = _longest_call(scenario)
    long_days = int(longest_s // 86400)
    simulated = int(math.ceil(calendar_days)) + _max_due_days(scenario) + long_days
    per_dial = BEHAVIOUR_FACTOR if living and scenario.portfolio.behaviour_on else 1.0
    mode = MODE_FACTOR.get(scenario.dialer.mode, 2.6)
    seconds = (
        SECONDS_PER_REPLICATION
        + collectors * days * SECONDS_PER_COLLECTOR_DAY * mode * per_dial
        + accounts * days * SECONDS_PER_ACCOUNT_DAY
        + long_days * (SECONDS_PER_SIMULATED_DAY + (accounts * SECONDS_PER_ACCOUNT_DAY if living else 0.0))
    )
    n_seg, n_team = len(scenario.segments), len(scenario.teams)
    tracking = scenario.tracking is not None and scenario.tracking.enabled
    per_day = (
        n_seg * (8 if living else 5)
        + 2 * n_team
        + 1
        + ((4 + 5 * collectors * scenario.tracking.per_collector) if tracking else 0)
    )
    series = simulated * per_day + n_seg * 7 * 24 * 2
    values = (1 + n_seg + n_team + collectors) * len(ALL_METRICS) + BLOCK_VALUES
    peak = (
        BASE_MB
        + accounts * MB_PER_ACCOUNT
        + collectors * MB_PER_COLLECTOR
        + ((LIVING_MB + accounts * MB_PER_LIVING_ACCOUNT) if living else 0.0)
        + long_days * per_day * BYTES_PER_SERIES_DAY_NUMBER / 2**20
    )
    record = values * RECORD_BYTES_PER_VALUE + series * RECORD_BYTES_PER_SERIES_NUMBER
    return SizeEstimate(
        collectors,
        days,
        accounts,
        seconds,
        peak,
        simulated,
        long_days,
        long_key if long_days else "",
        values,
        series,
        record,
    )


@dataclass(frozen=True)
class RunEstimate:
    """A whole run: ``replications`` in all (``variants`` x replications each), ``wall_s`` on
    ``workers`` workers (``core_s`` of one core), ``memory_mb`` on this machine (every process),
    ``output_bytes`` written, and the largest variant's one-replication estimate ``largest``."""

    variants: int
    replications: int
    workers: int
    core_s: float
    wall_s: float
    memory_mb: float
    output_bytes: float
    largest: SizeEstimate

    def over_confirmation(self) -> list[str]:
        """Why the run needs ``--yes`` (empty: it does not)."""
        out = []
        if self.wall_s > CONFIRM_RUN_S:
            out.append(f"it would take more than {describe_duration(CONFIRM_RUN_S)}")
        mem = confirm_memory_mb()
        if self.memory_mb > mem:
            out.append(f"it would need more memory than this machine's {describe_mb(mem)}")
        if self.output_bytes > CONFIRM_OUTPUT_BYTES:
            out.append(f"it would write more than {describe_bytes(CONFIRM_OUTPUT_BYTES)}")
        return out

    def noteworthy(self) -> bool:
        return self.wall_s > LONG_RUN_S or self.memory_mb > LARGE_RUN_MB or bool(self.over_confirmation())

    def describe(self, remote: bool = False) -> str:
        per = self.core_s / max(1, self.replications)
        text = (
            f"about {describe_duration(self.wall_s)} ({self.replications:,} replication(s) of about "
            f"{describe_duration(per)} each on {self.workers} worker(s)) and about "
            f"{describe_mb(self.memory_mb)} of memory{'' if remote else ' on this machine'}"
        )
        if self.output_bytes >= 1e6:
            text += f", writing about {describe_bytes(self.output_bytes)}"
        return text + f", from {self.largest.basis()}"


def run_estimate(
    sample: Sequence[SizeEstimate],
    replications: int,
    *,
    variants: int | None = None,
    workers: int = 1,
    serial: bool = True,
    remote: bool = False,
    records: bool = False,
    documents: int = 0,
    tidy: bool = False,
    keeps_records: bool = False,
) -> RunEstimate:
    """The estimate of a run of ``variants`` scenarios (default: ``len(sample)``) whose
    one-replication estimates are ``sample`` (every variant, or evenly spaced ones), each run
    ``replications`` times on ``workers`` workers (``serial``: in this process; ``remote``: on
    a Dask cluster elsewhere, whose memory is not counted).

    ``records``: every replication's result is written (replications.jsonl); ``documents``:
    results documents written per variant; ``tidy``: a row per replication, unit and metric is
    written (a sweep's tidy.csv); ``keeps_records``: the parent holds every result until the end
    (a sweep's summary)."""
    if not sample:
        raise ValueError("no scenario to estimate")
    n_var = len(sample) if variants is None else variants
    total = n_var * replications
    mean_s = math.fsum(e.seconds for e in sample) / len(sample)
    core_s = mean_s * total
    wall_s = core_s / max(1, workers)
    big = max(sample, key=lambda e: (e.peak_mb, e.values))
    processes = 0 if remote else (1 if serial else workers)
    kept = min(replications, kept_replications(big.values, VALUES_KEPT))
    held = big.values * kept * BYTES_PER_KEPT_VALUE + big.series_numbers * 40.0
    if keeps_records:
        held += total * big.record_bytes * 4.0  # parsed back into Python objects
    parent = 0.0 if serial else BASE_MB
    memory = big.peak_mb * processes + parent + held / 2**20
    out = total * big.record_bytes if records else 0.0
    out += n_var * documents * big.document_bytes(kept)
    if tidy:
        out += total * big.values * TIDY_BYTES_PER_VALUE
    return RunEstimate(n_var, total, workers, core_s, wall_s, memory, out, big)


def describe_duration(seconds: float) -> str:
    """``0.04 s``, ``12 min``, ``3.1 h``, ``5.2 days``, ``1.3 years``."""
    if seconds < 1:
        return f"{seconds:.2g} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < DAY_S * 2:
        return f"{seconds / 3600:.1f} h"
    if seconds < DAY_S * 365:
        return f"{seconds / DAY_S:.1f} days"
    return f"{seconds / (DAY_S * 365):,.1f} years"


def describe_mb(mb: float) -> str:
    """``240 MB`` or ``3.4 GB``."""
    return f"{mb:,.0f} MB" if mb < 1024 else f"{mb / 1024:,.1f} GB"


def describe_bytes(n: float) -> str:
    """``12 MB``, ``3.4 GB``, ``1.2 TB`` (decimal units, as disks are sold)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}" if n < 10 * size else f"{n / size:,.0f} {unit}"
    return f"{n:.0f} bytes"
