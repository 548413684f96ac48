"""Bounded under any input, end to end: ``--workers 100000`` starts no more worker processes than
there are replications, and a ``--scheduler`` that is not a Dask scheduler (an HTTP server, a
socket that listens but never accepts, one that answers garbage or hangs up) is bad input, exit 2
in one line, within the scheduler timeout. The peers listen on 127.0.0.1 only, and each stops by
itself."""

from __future__ import annotations

import http.server
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ..conftest import ROOT, small_scenario, write_toml
from .processes import ENV, children, kill_session, start

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SAMPLE = ROOT / "examples" / "sample_center.toml"
DEFAULT_TIMEOUT_S = 10
"""--scheduler-timeout when not given (--help says so)."""
STARTUP_S = 15
"""Allowance for starting Python and importing collectsim on a busy 2-core machine: a bound on
the time to reach the scheduler, not a speed figure."""


def is_worker(cmd: str, executor: str) -> bool:
    """Whether a child of collectsim is a worker: a process pool forks its workers (they keep
    collectsim's command line), a local Dask cluster spawns them (``spawn_main``); neither is
    multiprocessing's resource tracker. (Grandchildren are not counted: a worker that runs a
    command, as Dask's does for ``uname -p``, forks a child that bears its command line for a
    moment.)"""
    if "resource_tracker" in cmd:
        return False
    return "spawn_main" in cmd if executor == "dask" else True


@pytest.mark.parametrize("executor", ["process", "dask"])
def test_workers_100000_on_two_replications_start_at_most_two_processes(executor):
    """The pool's (or the local cluster's) worker processes, children of collectsim, are counted
    every few milliseconds for the whole run; more than 2 stops the run at once (before this bound,
    the process pool forked until the system refused: 2,784 processes)."""
    if executor == "dask":
        pytest.importorskip("distributed")
    dask = ["--executor", "dask"] if executor == "dask" else []
    proc = start("run", SAMPLE, "-q", "-r", "2", "--workers", "100000", *dask)
    most = 0
    try:
        deadline = time.monotonic() + 180
        while proc.poll() is None and most <= 2 and time.monotonic() < deadline:
            workers = [p for p, cmd in children(proc.pid).items() if is_worker(cmd, executor)]
            most = max(most, len(workers))
            time.sleep(0.005)
        assert most <= 2, f"{most} worker processes or more for 2 replications"
        _, err = proc.communicate(timeout=180)
    finally:
        kill_session(proc)
    assert proc.returncode == 0, err
    assert most >= 1  # the run did use a pool (or a cluster) of workers
    assert err.splitlines() == [
        "collectsim: note: --workers 100,000 lowered to 2: there are only 2 replication(s) to run"
    ]


# ------------------------------------------------------------------ peers that are not Dask


@contextmanager
def peer(kind: str, life_s: float = 90) -> Iterator[int]:
    """A TCP peer on 127.0.0.1 that is not a Dask scheduler; yields its port. Closed on leaving,
    or after ``life_s`` at the latest.

    ``listens``: listens, never accepts (the kernel completes the connection all the same);
    ``http``: Python's HTTP server; ``garbage``: sends 8 bytes that read as a 1 TiB message
    length, then junk; ``hangs-up``: accepts and closes at once."""
    stop = threading.Event()
    if kind == "http":
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        killer = threading.Timer(life_s, server.shutdown)
        killer.start()
        try:
            yield server.server_address[1]
        finally:
            killer.cancel()
            server.shutdown()
            server.server_close()
        return
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    conns: list[socket.socket] = []

    def serve() -> None:
        deadline = time.monotonic() + life_s
        while not stop.is_set() and time.monotonic() < deadline:
            if kind == "listens":
                time.sleep(0.1)
                continue
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            if kind == "garbage":
                conn.sendall(struct.pack("Q", 2**40) + b"not the Dask protocol\r\n")
                conns.append(conn)
            else:
                conn.close()
        stop.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for c in conns:
            c.close()
        listener.close()


def collectsim_run(*extra: str, timeout: float = 120) -> tuple[int, str, float]:
    """``collectsim run`` of the sample center with ``extra`` options: (exit code, stderr, seconds)."""
    t = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "simulator", "run", str(SAMPLE), "-q", "-r", "2", *extra],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return p.returncode, p.stderr, time.monotonic() - t


@pytest.mark.parametrize("kind", ["http", "listens"])
def test_a_listening_peer_that_is_not_dask_is_bad_input_within_the_default_timeout(kind):
    pytest.importorskip("distributed")
    with peer(kind) as port:
        code, err, took = collectsim_run("--scheduler", f"tcp://127.0.0.1:{port}")
    assert code == 2, err
    assert err.splitlines() == [
        f"collectsim: error: --scheduler tcp://127.0.0.1:{port}: not a Dask scheduler: it accepted the "
        f"connection but completed no Dask handshake within {DEFAULT_TIMEOUT_S} s (--scheduler-timeout "
        "sets the wait)"
    ]
    assert took < DEFAULT_TIMEOUT_S + STARTUP_S, f"{took:.1f} s"


@pytest.mark.parametrize(
    "kind, what",
    [
        (
            "garbage",
            "it answered, but not in the Dask protocol (its first bytes: b'\\x00\\x00\\x00\\x00\\x00",
        ),
        ("hangs-up", "it closed the connection without a Dask handshake"),
        ("listens", "it accepted the connection but completed no Dask handshake within 2 s"),
    ],
)
def test_a_peer_that_is_not_dask_is_named_as_such_within_the_scheduler_timeout(kind, what):
    """Not "out of memory" for a peer whose first bytes read as a huge length, as before."""
    pytest.importorskip("distributed")
    with peer(kind) as port:
        code, err, took = collectsim_run("--scheduler", f"127.0.0.1:{port}", "--scheduler-timeout", "2")
    assert code == 2, err
    [line] = err.splitlines()
    assert line.startswith(f"collectsim: error: --scheduler 127.0.0.1:{port}: not a Dask scheduler: {what}")
    assert "memory" not in line
    assert took < 2 * 2 + STARTUP_S, f"{took:.1f} s"


def test_a_port_where_nothing_listens_is_bad_input_after_the_timeout():
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a free port: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        code, err, took = collectsim_run("--scheduler", f"tcp://127.0.0.1:{port}", "--scheduler-timeout", "1")
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "cannot connect to a Dask scheduler there within 1 s (connection refused)" in err
    assert took < 1 + STARTUP_S


def test_a_real_scheduler_over_tcp_runs_the_replications(tmp_path):
    """The probe speaks the protocol a scheduler expects: collectsim in another process runs on
    a cluster of this process over tcp://, to the bytes of a serial run."""
    from distributed import LocalCluster

    scen = write_toml(tmp_path / "s.toml", small_scenario(calendar__working_days=1))
    serial = tmp_path / "serial.json"
    subprocess.run(
        [sys.executable, "-m", "simulator", "run", str(scen), "-q", "-r", "2", "--json", str(serial)],
        env=ENV,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        out = tmp_path / "dask.json"
        p = subprocess.run(
            [sys.executable, "-m", "simulator", "run", str(scen), "-q", "-r", "2", "--json", str(out)]
            + ["--scheduler", address, "--scheduler-timeout", "20"],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == serial.read_bytes()
