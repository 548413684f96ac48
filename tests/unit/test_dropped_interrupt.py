"""A Ctrl-C whose KeyboardInterrupt a library caught and dropped still stops the replications
(base/interrupts.py, experiment.executors.run_ordered)."""

import pytest

from simulator.base import interrupts
from simulator.experiment.executors import SerialExecutor, run_ordered


def test_a_noted_ctrl_c_stops_the_loop_at_the_next_replication():
    done = []

    def on_done(i, f):
        done.append(i)
        if i == 2:  # the SIGINT handler ran here, and its exception was swallowed
            try:
                interrupts.note()
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                pass

    interrupts.clear()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_ordered(SerialExecutor(), lambda x: x, ((k,) for k in range(100)), on_done, max_in_flight=1)
    finally:
        interrupts.clear()
    assert done == [0, 1, 2]


def test_without_a_ctrl_c_every_job_runs():
    interrupts.clear()
    done = []
    assert (
        run_ordered(SerialExecutor(), lambda x: x, ((k,) for k in range(20)), lambda i, f: done.append(i))
        == 20
    )
    assert done == list(range(20))
