"""How long a replication of a scenario takes and how much memory it holds, estimated before it
runs, so a mistyped headcount or portfolio size is noticed before it costs an hour.

The estimate is linear in collector-days (collectors x working days: dials, breaks, the dial log)
and account-days (accounts x working days: the daily rebuild of the call lists), plus memory per
account and per collector. The coefficients come from ``benchmarks/bench_center.py`` on the
2-core development machine: 100 collectors x 22 days over 210,000 accounts (progressive) in
3.9 s with a 118 MB peak, 69 MB of it imports; 1,000,000 accounts peak at 245 MB; and from single
replications of ``bench_100.toml`` for 5 days in each dialer mode (preview 2.1x, predictive 2.6x
the progressive time) and with 2,000,000 accounts. Expect the truth within a factor of two or
three: a center whose lists run dry idles at more cost per collector-day than the benchmark.
With a living portfolio, the accounts that will enter are counted, and account-level behaviour
costs ``BEHAVIOUR_FACTOR`` per dial.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..base.clock import DAY_S
from ..scenario.schema import Scenario

__all__ = ["SizeEstimate", "estimate", "LONG_RUN_S", "LARGE_RUN_MB", "describe_duration", "describe_mb"]

SECONDS_PER_COLLECTOR_DAY = 3.9 / (100 * 22)
"""Progressive dialer, from bench_center.py's 100 x 22 run (3.9 s)."""
MODE_FACTOR = {"progressive": 1.0, "preview": 2.1, "predictive": 2.6}
BEHAVIOUR_FACTOR = 1.9
"""Account-level behaviour (each dial drawn from the account's own table): bench_100_living.toml
ran at 177,500 dials/s against 318,300 for bench_100.toml."""
SECONDS_PER_ACCOUNT_DAY = 2.5e-7
"""The daily call-list rebuild (1.2 s for 2,000,000 accounts x 2 days)."""
BASE_MB = 70.0
"""Python, numpy, SimPy and the simulator imported."""
MB_PER_ACCOUNT = 200 / 1e6
MB_PER_COLLECTOR = 6 / 1e3

LONG_RUN_S = 600.0
"""Runs expected to take longer than this are announced before they start."""
LARGE_RUN_MB = 2048.0
"""Runs expected to hold more memory than this (all processes together) are announced too."""


@dataclass(frozen=True)
class SizeEstimate:
    """One replication: ``seconds`` of one core and ``peak_mb`` of memory in its process."""

    collectors: int
    working_days: int
    accounts: int
    seconds: float
    peak_mb: float

    def basis(self) -> str:
        return (
            f"{self.collectors:,} collector(s) x {self.working_days:,} working day(s), "
            f"{self.accounts:,} accounts"
        )


def estimate(scenario: Scenario) -> SizeEstimate:
    """The estimated cost of one replication of ``scenario``."""
    collectors = sum(t.headcount for t in scenario.teams.values())
    days = scenario.calendar.working_days
    calendar_days = days * 7 / max(1, len(scenario.calendar.weekdays))
    accounts = sum(
        s.accounts
        + (
            s.inflow.accounts_per_day * calendar_days + sum(d.accounts for d in s.inflow.dated)
            if s.inflow is not None and scenario.portfolio_on
            else 0
        )
        for s in scenario.segments.values()
    )
    accounts = int(accounts)
    per_dial = BEHAVIOUR_FACTOR if scenario.portfolio_on and scenario.portfolio.behaviour_on else 1.0
    seconds = (
        collectors * days * SECONDS_PER_COLLECTOR_DAY * MODE_FACTOR.get(scenario.dialer.mode, 2.6) * per_dial
        + accounts * days * SECONDS_PER_ACCOUNT_DAY
    )
    peak = BASE_MB + accounts * MB_PER_ACCOUNT + collectors * MB_PER_COLLECTOR
    return SizeEstimate(collectors, days, accounts, seconds, peak)


def describe_duration(seconds: float) -> str:
    """``0.4 s``, ``12 min``, ``3.1 h``, ``5.2 days``, ``1.3 years``."""
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
