"""collectsim: a SimPy discrete-event simulator of a debt-collection call center.

Public API::

    from simulator import load_scenario, simulate, run_experiment, Pyramid
"""
__version__ = "0.1.0"

from .experiment import Results, run_experiment, run_replication  # noqa: E402
from .pyramid import TABLE_14_1, Pyramid, expected_pyramid  # noqa: E402
from .scenario import ScenarioError, load_scenario  # noqa: E402
from .world import simulate  # noqa: E402

pyramid = Pyramid
__all__ = ["__version__", "load_scenario", "simulate", "run_experiment", "run_replication", "Results",
           "Pyramid", "pyramid", "TABLE_14_1", "expected_pyramid", "ScenarioError"]
