"""Calibration: from an operation's own data to a fitted, validated scenario.

    from simulator.calibrate import calibrate
    fitted = calibrate("trace_folder", base="scenarios/table_14_1.toml")
    fitted.loaded          # a LoadedScenario for run_experiment
    fitted.toml()          # the scenario file, with its [calibration] section

The pipeline, stage by stage: ``read/`` (the record files checked into a Trace) -> ``fit/``
(every estimate with its SE) -> ``assemble/`` (the fitted scenario document); ``api`` runs the
three, ``backtest`` checks a fit against held-out days, ``kpi`` fits daily KPI aggregates
instead of records, and ``synthetic`` writes record files from known parameters.

File formats and methods: docs/data-formats.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .api import Calibrated, calibrate, calibrate_trace
    from .read.csv_table import CalibrationDataError
    from .read.trace import Trace, read_trace

__all__ = ["Calibrated", "calibrate", "calibrate_trace", "CalibrationDataError", "Trace", "read_trace"]

# The public names load on first use (PEP 562): the fitting modules import scipy.stats (about
# 0.5 s), and every collectsim command imports this package for the calibrate subcommand's
# parser (cli/calibrate.py), which needs none of them.
_HOME = {
    "Calibrated": ".api",
    "calibrate": ".api",
    "calibrate_trace": ".api",
    "CalibrationDataError": ".read.csv_table",
    "Trace": ".read.trace",
    "read_trace": ".read.trace",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
