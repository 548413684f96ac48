"""Where replications run: serial, a local process pool, or Dask, all through ``concurrent.futures``.

Every executor is used the same way (:func:`run_ordered`): jobs are submitted lazily in job order
with a bounded number in flight, each is handled as it finishes, and callers put results back in
job order, so what comes out never depends on which worker finished first. Each job is a pure function
of its arguments (``run_replication(scenario, seed, replication)``), hence results are identical
whatever the executor and the number of workers.

Dask is optional (``pip install "collectsim[dask]"``): ``kind="dask"`` starts a ``LocalCluster``
on this machine, ``scheduler="tcp://host:8786"`` connects to a running cluster whose workers have
collectsim installed at the same version (:mod:`.dask_scheduler` checks the address and the peer).

Local workers are never more than the jobs, when the caller says how many, nor more than
:func:`.capacity.cpu_ceiling`. Ctrl-C is this process's alone: the processes and threads an
executor starts hold SIGINT back for ever (a terminal sends it to the whole process group), and
the parent stops them.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

from ..base.interrupts import raise_if_noted
from .capacity import plan_workers

__all__ = [
    "EXECUTORS",
    "ExecutorUnavailable",
    "SerialExecutor",
    "open_executor",
    "run_ordered",
    "default_workers",
    "in_flight_limit",
]

EXECUTORS = ("serial", "process", "dask")

DASK_HINT = (
    "the Dask executor needs the optional dependency dask[distributed]; install it with "
    'pip install "collectsim[dask]" (or pip install "dask[distributed]")'
)


DASK_CONNECT_TIMEOUT_S = 10
"""How long to try reaching a Dask scheduler given by --scheduler, and then how long to wait for
its handshake, unless the address carries its own timeout (--scheduler-timeout)."""


WORKER_LOGGING = str(
    {
        "distributed": "critical",
        "tornado": "critical",
        "tornado.application": "critical",
        "asyncio": "critical",
    }
)
"""Dask's logging configuration (``DASK_LOGGING``) of the local cluster's worker processes: silent.
What goes wrong in a replication comes back through its future; what they would log is the
shutdown of a cancelled run (heartbeats to a scheduler that is closing)."""


class ExecutorUnavailable(Exception):
    """The requested executor cannot be used here (missing optional dependency, bad option)."""


class SerialExecutor(Executor):
    """Runs each job at once in the calling process; its futures are already done.

    :func:`run_ordered` submits one job at a time to it, so each replication is handled (reported,
    recorded) before the next one starts."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - recorded on the future like a pool would
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            fut.set_exception(e)
        return fut


def default_workers() -> int:
    """CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _mp_context():
    """fork while this process runs a single thread (fastest: the workers start with everything
    imported, and no ``if __name__ == "__main__"`` guard is needed); forkserver otherwise (forking
    a process that runs threads, e.g. a Dask client, can deadlock), with the simulator preloaded."""
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["simulator.experiment.replications"])
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - not POSIX


def _worker_init(parent_pid: int) -> None:
    """Pool worker initializer: Ctrl-C is the parent's business (it stops the pool), and the
    worker ends when its parent is gone."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent_pid)


def _abort_pool(ex: ProcessPoolExecutor) -> None:
    """Stop a process pool now: cancel what has not started, terminate the workers, and make
    sure the pool's manager thread ends, since interpreter exit waits for it.

    A worker terminated while it was sending a result leaves the manager thread blocked on the
    rest of that message for ever (``concurrent.futures`` reads the result pipe with a blocking
    ``recv``). Once every worker is gone this process holds the pipe's last writing end, so
    closing it hands the manager thread an end of file, which it takes for a broken pool: it
    then sets an exception on every job still listed, so the jobs already cancelled (by
    run_ordered) leave the list first, as setting one on a cancelled future raises."""
    procs = list((getattr(ex, "_processes", None) or {}).values())
    manager = getattr(ex, "_executor_manager_thread", None)
    result_queue = getattr(ex, "_result_queue", None)  # shutdown() drops the pool's reference
    ex.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        try:
            p.terminate()
        except Exception:  # noqa: BLE001 - already gone
            pass
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
            p.join(timeout=5)
    if manager is None:
        return
    manager.join(timeout=0.5)
    if manager.is_alive() and result_queue is not None and not any(p.is_alive() for p in procs):
        items = getattr(manager, "pending_work_items", None)
        if items is not None:  # a new dict, not an edit: the manager thread may be iterating it
            manager.pending_work_items = {k: w for k, w in list(items.items()) if not w.future.done()}
        result_queue._writer.close()
        manager.join(timeout=5)


def _exit_with_parent(parent_pid: int, every_s: float = 0.5) -> None:
    """End this pool worker soon after the process that owns the pool dies.

    A sweep killed with SIGKILL cannot shut its pool down, and the workers of a
    ProcessPoolExecutor would otherwise wait for jobs forever (or finish a replication nobody will
    record). A daemon thread checks every ``every_s`` that the owner is still there."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(every_s)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - the pid was reused by another user's process
                os._exit(1)

    threading.Thread(target=watch, name="collectsim-exit-with-parent", daemon=True).start()


class _Pool(ProcessPoolExecutor):
    """A process pool whose workers start with SIGINT blocked (:func:`_sigint_blocked`).

    The pool starts its workers, and its manager thread, inside ``submit``; a worker ignores
    SIGINT from its initializer on, and the block covers the moment before."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        if self._mp_context.get_start_method() != "fork":
            _start_resource_tracker()
        with _sigint_blocked():
            return super().submit(fn, *args, **kwargs)


@contextmanager
def open_executor(
    kind: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    jobs: int | None = None,
) -> Iterator[Executor]:
    """An executor, shut down on exit.

    ``kind``: "serial", "process", "dask", an ``Executor`` instance (used as given and not shut
    down) or None: "dask" if ``scheduler`` is given, "process" if ``workers`` > 1, else "serial".
    ``workers``: processes of the pool or of the local Dask cluster (default: CPUs available),
    at most ``jobs`` (the number of jobs, when known) and at most :func:`.capacity.cpu_ceiling`.
    ``scheduler``: address of a running Dask scheduler (implies "dask"); a
    :class:`.dask_scheduler.SchedulerAddress` carries its timeout.
    """
    if isinstance(kind, Executor):
        yield kind
        return
    if kind is None:
        kind = "dask" if scheduler else ("process" if workers and workers > 1 else "serial")
    if kind not in EXECUTORS:
        raise ExecutorUnavailable(f"executor {kind!r}: expected one of {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise ExecutorUnavailable(f"workers = {workers}: expected a whole number >= 1")
    if scheduler and kind != "dask":
        raise ExecutorUnavailable(f"--scheduler {scheduler} needs the dask executor, not {kind!r}")
    local = plan_workers(workers or default_workers(), jobs).workers
    if kind == "serial":
        yield SerialExecutor()
    elif kind == "process":
        ex = _Pool(
            max_workers=local,
            mp_context=_mp_context(),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        try:
            yield ex
        except BaseException:
            _abort_pool(ex)  # Ctrl-C or a failing job: do not wait for the running replications
            raise
        ex.shutdown(wait=True)
    else:
        with _quiet_on_interrupt(), _dask_executor(local, scheduler) as ex:
            yield ex


@contextmanager
def _dask_executor(workers: int, scheduler: str | None) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorUnavailable(DASK_HINT) from None
    if scheduler:
        with _remote_client(scheduler, Client) as client:
            yield client.get_executor(pure=False)
        return
    cluster = None
    try:
        # The cluster's threads and processes start with SIGINT blocked, so a terminal's Ctrl-C
        # is left to this process, which shuts the cluster down, instead of every worker
        # printing its own traceback; one that comes meanwhile is raised on leaving the block.
        _start_resource_tracker()
        with _sigint_blocked(), _environ(DASK_LOGGING=WORKER_LOGGING):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                # the scheduler's HTTP server (health checks) on a free loopback port, no
                # dashboard: the default port 8787 may be taken by another run
                dashboard_address="127.0.0.1:0",
                scheduler_kwargs={"dashboard": False},
            )
        with Client(cluster) as client:
            yield client.get_executor(pure=False)
    except BaseException:
        _quiet_dask_logs()  # shutting down mid-run: the cluster's complaints are expected
        raise
    finally:
        if cluster is not None:
            cluster.close()


@contextmanager
def _remote_client(scheduler: str, client_class: type) -> Iterator[Any]:
    """A client of the scheduler at ``scheduler``, probed first (:func:`.dask_scheduler.probe`):
    a bad address, a peer that does not answer within the timeout or that is not a Dask
    scheduler is ExecutorUnavailable, each in one line naming the address."""
    from .dask_scheduler import SchedulerAddress, SchedulerError, probe

    try:
        address = SchedulerAddress(scheduler)
        timeout = address.timeout or DASK_CONNECT_TIMEOUT_S
        if address.host is not None:
            probe(address, timeout)
    except SchedulerError as e:
        raise ExecutorUnavailable(str(e)) from None
    try:
        client = client_class(str(address), timeout=timeout)
    except (OSError, TimeoutError) as e:
        raise ExecutorUnavailable(
            f"--scheduler {address.given}: cannot connect to a Dask scheduler there "
            f"({type(e).__name__}: {e}); expected the address of a running scheduler, e.g. "
            "tcp://10.0.0.5:8786"
        ) from None
    with client:
        yield client


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread while it starts threads and processes: they inherit the
    block, which nothing lifts in them, so the signal never reaches them (a Dask worker keeps a
    pending one harmlessly). A Ctrl-C in this process meanwhile waits, and is raised as
    KeyboardInterrupt when the block is lifted on leaving. Main thread only: signals are
    handled there."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield  # pragma: no cover - not POSIX
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if signal.SIGINT not in old:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, if it is not running. It starts with the
    first process started by spawn or forkserver, and then unblocks SIGINT in the thread that
    started it: started before :func:`_sigint_blocked`, it leaves the block in place."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


@contextmanager
def _quiet_on_interrupt() -> Iterator[None]:
    """While Dask runs, Ctrl-C silences the loggers of distributed, tornado and asyncio before
    the SIGINT handler in place raises KeyboardInterrupt, since their threads report the
    cancelled work as errors at once; the loggers stay silent afterwards (the process is
    ending, or its Dask work was cut short). Main thread only, and only over a handler written
    in Python (an ignored SIGINT stays ignored)."""
    import signal
    import threading

    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield
        return

    def on_sigint(signum: int, frame: Any) -> None:
        _quiet_dask_logs()
        previous(signum, frame)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    """Environment variables set while child processes start (they read them at start-up)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _quiet_dask_logs() -> None:
    """Silence the loggers of distributed, tornado and asyncio, and those below them that set a
    level of their own (distributed's configuration gives ``tornado.application`` one)."""
    import logging

    roots = ("distributed", "tornado", "asyncio")
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in roots]
    for name in (*roots, *names):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def in_flight_limit(executor: Executor) -> int:
    """How many jobs to keep submitted at once: 1 for the serial executor (each job runs and is
    handled before the next is submitted), twice the workers of a pool or a Dask cluster (a
    worker never waits for its next job), so memory stays bounded whatever the number of jobs."""
    if isinstance(executor, SerialExecutor):
        return 1
    workers = getattr(executor, "_max_workers", None)
    if workers is None:
        client = getattr(executor, "_client", None)
        try:
            workers = sum(client.nthreads().values()) if client is not None else None
        except Exception:  # noqa: BLE001 - a cluster that cannot say: fall back to this machine
            workers = None
    return 2 * max(1, workers or default_workers())


def run_ordered(
    executor: Executor,
    fn: Callable,
    jobs: Iterable[tuple],
    on_done: Callable[[int, Future], None],
    max_in_flight: int | None = None,
) -> int:
    """Call ``fn(*job)`` for every job through ``executor`` and ``on_done(index, future)`` in the
    calling thread as each finishes. Returns the number of jobs.

    Jobs are taken from ``jobs`` lazily, in order, with at most ``max_in_flight`` submitted and
    not yet handled (default :func:`in_flight_limit`): a run of a billion replications holds a
    few jobs at a time, a serial run handles (reports, records) each replication as soon as it
    ends, and Ctrl-C stops at once. Among jobs that finish together, ``on_done`` sees the lower
    index first; callers that need results in job order put them back by index."""
    limit = max_in_flight or in_flight_limit(executor)
    feed = enumerate(jobs)
    pending: dict[Future, int] = {}
    submitted = 0
    try:
        while True:
            while len(pending) < limit:
                nxt = next(feed, None)
                if nxt is None:
                    break
                pending[executor.submit(fn, *nxt[1])] = nxt[0]
                submitted += 1
            if not pending:
                return submitted
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in sorted(done, key=pending.__getitem__):
                on_done(pending.pop(f), f)
            raise_if_noted()  # a Ctrl-C whose KeyboardInterrupt a library dropped (base/interrupts.py)
    except BaseException:
        for f in pending:
            f.cancel()
        raise
