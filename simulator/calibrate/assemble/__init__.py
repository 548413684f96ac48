"""Calibration's third stage: a fit written as a scenario document, the base scenario's values
replaced by what the data identify and a ``[calibration]`` section holding every fitted number.
:func:`.fitted_scenario.scenario_from_fit` is the entry point."""
