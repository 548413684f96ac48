"""collectsim: a SimPy discrete-event simulator of a debt-collection call center.

Public API::

    from simulator import load_scenario, simulate, run_experiment, Pyramid

The names are imported on first use (PEP 562), so that ``import simulator.cli`` (the
``collectsim`` command) is quick and a Ctrl-C while numpy and SciPy load is the command line's
to handle, not a traceback from the import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .experiment.replications import Results, run_experiment, run_replication
    from .measures.pyramid import TABLE_14_1, Pyramid, expected_pyramid
    from .measures.pyramid import Pyramid as pyramid
    from .scenario import ScenarioError, load_scenario
    from .world import simulate

_WHERE = {
    "Results": ".experiment.replications",
    "run_experiment": ".experiment.replications",
    "run_replication": ".experiment.replications",
    "TABLE_14_1": ".measures.pyramid",
    "Pyramid": ".measures.pyramid",
    "pyramid": ".measures.pyramid",
    "expected_pyramid": ".measures.pyramid",
    "ScenarioError": ".scenario",
    "load_scenario": ".scenario",
    "simulate": ".world",
}
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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name], __name__), "Pyramid" if name == "pyramid" else name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
