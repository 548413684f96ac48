"""One call from a trace folder to a validated fitted scenario: :func:`calibrate`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from ..scenario.load import LoadedScenario, load_scenario, parse_scenario
from ..scenario.schema import Calibration, Scenario
from .assemble.fitted_scenario import scenario_from_fit
from .fit.trace_fit import TraceFit, fit_trace
from .read.trace import Trace, read_trace

__all__ = ["Calibrated", "calibrate", "calibrate_trace", "load_base", "BaseSpec"]

BaseSpec = LoadedScenario | str | Path | None


@dataclass
class Calibrated:
    """A fitted scenario: ``raw`` (the TOML document), ``loaded`` (validated, ready for
    ``run_experiment``), the fit behind it and the data it came from."""

    raw: dict[str, Any]
    loaded: LoadedScenario
    fit: Any  # TraceFit or kpi.KpiFit
    trace: Trace | None = None

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    @property
    def calibration(self) -> Calibration:
        cal = self.loaded.scenario.calibration
        assert cal is not None
        return cal

    def toml(self) -> str:
        """The fitted scenario as TOML text (loads with ``load_scenario``), with a comment block
        listing the values not from data (:mod:`.not_from_data`)."""
        from .not_from_data import comment_block, not_from_data

        text = toml_text(self.raw)
        head, sep, body = text.partition("\n\n")
        return head + sep + comment_block(not_from_data(self)) + body


def toml_text(raw: dict[str, Any]) -> str:
    head = (
        "# Fitted by collectsim calibrate. Every fitted number, with its standard error and 95% "
        "interval,\n# is listed under [calibration]; what the data could not identify is in "
        "calibration.not_identified.\n\n"
    )
    return head + tomli_w.dumps(raw)


def load_base(base: BaseSpec) -> LoadedScenario | None:
    """The base scenario a fit starts from: a LoadedScenario as given, a path loaded. None stays
    None, "no base", and each fit says what that means: the trace fit starts from the schema's
    defaults, the KPI fit from the bundled default scenario. (experiment's ``as_loaded`` differs:
    it always returns a scenario, the bundled default for None.)"""
    if base is None or isinstance(base, LoadedScenario):
        return base
    return load_scenario(base)


def validated(raw: dict[str, Any], source: str) -> LoadedScenario:
    """``raw`` checked by the scenario schema, as a LoadedScenario whose hash is the TOML's."""
    scenario = parse_scenario(raw, source)
    data = toml_text(raw).encode("utf-8")
    return LoadedScenario(scenario, source, hashlib.sha256(data).hexdigest(), (), raw)


def calibrate_trace(trace: Trace, base: BaseSpec = None) -> Calibrated:
    """Fit a trace already read (see :func:`calibrate`)."""
    base_l = load_base(base)
    fit: TraceFit = fit_trace(
        trace, per_account_invalid=base_l is not None and base_l.scenario.special_on("skip_trace")
    )
    raw = scenario_from_fit(fit, base_l)
    return Calibrated(raw, validated(raw, f"<fitted from {trace.folder}>"), fit, trace)


def calibrate(folder: str | Path, base: BaseSpec = None, lenient: bool = False) -> Calibrated:
    """Read a trace folder (``dials.csv`` and optionally ``promises.csv``, ``payments.csv``,
    ``accounts.csv``, ``shifts.csv``; see docs/data-formats.md), fit it, and return the fitted
    scenario. With ``base`` (a scenario or its path) the fit starts from that scenario and
    replaces only what the data identify. Raises ``CalibrationDataError`` for bad data (with
    ``lenient``, only for a bad file: bad rows are left out, and the fit's notes count them)
    and ``ScenarioError`` for a bad base."""
    return calibrate_trace(read_trace(folder, lenient), base)
