"""Experiments: replications of one scenario (replications.py), their results (results.py),
metric references and precision targets, where they run (executors), parameter uncertainty,
size estimates, warm-up analysis and the trace export.

    from simulator.experiment import run_experiment, run_replication, Results
"""

from .replications import run_experiment, run_replication
from .results import Results

__all__ = ["Results", "run_experiment", "run_replication"]
