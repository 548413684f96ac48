"""Experiments: replications of one scenario, where they run (executors), parameter
uncertainty, size estimates, warm-up analysis and the trace export.

    from simulator.experiment import run_experiment, run_replication, Results
"""

from .replications import Results, run_experiment, run_replication

__all__ = ["Results", "run_experiment", "run_replication"]
