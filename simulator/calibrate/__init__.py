"""Calibration: from an operation's own data to a fitted, validated scenario.

    from simulator.calibrate import calibrate
    fitted = calibrate("trace_folder", base="scenarios/table_14_1.toml")
    fitted.loaded          # a LoadedScenario for run_experiment
    fitted.toml()          # the scenario file, with its [calibration] section

File formats and methods: docs/data-formats.md.
"""
from .api import Calibrated, calibrate, calibrate_trace
from .data import CalibrationDataError
from .trace import Trace, read_trace

__all__ = ["Calibrated", "calibrate", "calibrate_trace", "CalibrationDataError", "Trace", "read_trace"]
