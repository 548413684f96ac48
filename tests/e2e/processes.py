"""Starting collectsim as a separate process in its own session, and looking at the processes it
starts, through /proc (Linux)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..conftest import ROOT

ENV = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
ENV.pop("COLLECTSIM_DEBUG", None)


def start(*argv: str) -> subprocess.Popen:
    """``collectsim *argv`` in a new session (its process group id is its pid), as a terminal
    starts a command; stdout discarded, stderr kept."""
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", *map(str, argv)],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, session id) of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0], int(fields[3])


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _all() -> dict[int, tuple[int, str, int]]:
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (st := _stat(int(name))) is not None:
            out[int(name)] = st
    return out


def descendants(pid: int) -> dict[int, str]:
    """The live (not zombie) processes below ``pid``, with their command lines."""
    procs = _all()
    children: dict[int, list[int]] = {}
    for p, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(p)
    out, todo = {}, [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if procs[c][1] != "Z" and c not in out:
                out[c] = cmdline(c)
                todo.append(c)
    return out


def children(pid: int) -> dict[int, str]:
    """The live (not zombie) children of ``pid``, with their command lines."""
    return {p: cmdline(p) for p, (ppid, state, _) in _all().items() if ppid == pid and state != "Z"}


def in_session(sid: int) -> dict[int, str]:
    """The live (not zombie) processes of session ``sid``: what a command left behind."""
    return {p: cmdline(p) for p, (_, state, s) in _all().items() if s == sid and state != "Z"}


def has_mapped(pid: int, name: str) -> bool:
    """Whether the process has a file whose path contains ``name`` mapped in memory (a shared
    library it has loaded, e.g. numpy's ``_multiarray_umath``)."""
    try:
        return name in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def kill_session(proc: subprocess.Popen) -> None:
    """SIGKILL what is left of the session ``proc`` leads (its group, then any stray member)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for p in in_session(proc.pid):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.poll() is None:
        proc.wait(timeout=30)


def wait_gone(sid: int, within_s: float) -> dict[int, str]:
    """Wait until session ``sid`` has no live process, at most ``within_s``; returns those left."""
    deadline = time.monotonic() + within_s
    while (left := in_session(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left
