"""Ctrl-C on a process pool, in a child interpreter: aborting a pool whose worker died while
sending a result ends at once, without waiting for the rest of the message."""

import subprocess
import sys

import pytest

from ..conftest import collectsim_env

pytestmark = pytest.mark.e2e

ABORT_MID_RESULT = """
import os, struct, sys, threading, time
from simulator.experiment.executors import _abort_pool, open_executor

if sys.argv[1] == "forkserver":   # a live thread makes the pool start its workers by forkserver
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
with open_executor("process", workers=2) as ex:
    jobs = [ex.submit(time.sleep, 30) for _ in range(6)]   # more than the call queue takes: some wait
    manager = ex._executor_manager_thread
    time.sleep(1.0)   # the workers run 2 jobs, the call queue holds 1, 3 wait in the pool
    # what a worker terminated while sending its result leaves: a message header promising
    # 1000 bytes, and 3 of them
    os.write(ex._result_queue._writer.fileno(), struct.pack("!i", 1000) + b"abc")
    time.sleep(0.2)   # the manager thread is now blocked on the rest of the message
    for f in jobs:   # as run_ordered does on Ctrl-C: the waiting jobs are cancelled
        f.cancel()
    print(sum(f.cancelled() for f in jobs))
    _abort_pool(ex)
    print(manager.is_alive())
    raise SystemExit(0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("start_method", ["fork", "forkserver"])
def test_aborting_a_pool_whose_worker_died_mid_result_does_not_hang_exit(start_method):
    """Ctrl-C can terminate a pool worker while it is sending a result; the pool's manager
    thread then waits for the rest of the message, and interpreter exit waits for that thread.
    _abort_pool must end it, quietly, with jobs cancelled and waiting (the subprocess would
    otherwise hang until the timeout)."""
    done = subprocess.run(
        [sys.executable, "-c", ABORT_MID_RESULT, start_method],
        capture_output=True,
        text=True,
        timeout=60,
        env=collectsim_env(),
    )
    assert done.returncode == 0, done.stderr
    cancelled, alive = done.stdout.split()
    assert int(cancelled) >= 1 and alive == "False"
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
