"""collectsim: a SimPy discrete-event simulator of a debt-collection call center.

Public API::

    from simulator import load_scenario, simulate, run_experiment, Pyramid
"""

from ._version import __version__
from .experiment.replications import Results, run_experiment, run_replication
from .measures.pyramid import TABLE_14_1, Pyramid, expected_pyramid
from .scenario import ScenarioError, load_scenario
from .world import simulate

pyramid = Pyramid
__all__ = [
    "__version__",
    "load_scenario",
    "simulate",
    "run_experiment",
    "run_replication",
    "Results",
    "Pyramid",
    "pyramid",
    "TABLE_14_1",
    "expected_pyramid",
    "ScenarioError",
]
