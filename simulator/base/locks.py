"""Locks that keep two collectsim processes from writing the same output at once.

An output is locked from its check, before any work, to the end of its write, so a second
command given the same output is refused at its check (exit 2) and loses nothing:

- a folder of outputs (``--out DIR`` of run, sweep and staff, ``--trace DIR``, ``--png DIR``) by
  ``DIR/.lock``;
- a single output file (``--json FILE``, ``--html FILE``, calibrate's ``--out FILE``...) by
  ``.FILE.lock`` beside it.

The lock file is removed when the lock is released (the command's end, or the file's write).

A lock is an exclusive ``flock`` on its lock file: the OS releases it when the process ends, even
after SIGKILL, so a lock file left behind never blocks anyone. The holder writes its command and
process id into the lock file, for the message of whoever is refused. A process that finds the
lock held retries for ``wait_s`` seconds (worker processes forked by a command just killed hold
it for a moment more), then is refused. On a file system without ``flock`` (some network
mounts) nothing is locked, and the write's own no-replace rename still refuses an output that
appeared (:mod:`simulator.base.fileio`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from .errors import OutputError

__all__ = [
    "OutputLock",
    "LockBusy",
    "LOCK_NAME",
    "folder_busy",
    "folder_in_use",
    "lock_folder",
    "lock_file",
    "release_all",
    "side_name",
    "set_command",
]

LOCK_NAME = ".lock"
"""The lock file inside a locked output folder."""

Busy = Callable[[str, str], str]
"""The refusal message, from the holder (``another collectsim run``) and `` (process N)``."""

_command = "collectsim"
_held: dict[str, OutputLock] = {}


class LockBusy(OutputError):
    """The output is locked by another collectsim process: exit 2, nothing written."""


def set_command(name: str) -> None:
    """Name the command this process runs (``run``, ``sweep``...), written into its locks."""
    global _command
    _command = f"collectsim {name}"


def _try_flock(fd: int) -> bool | None:
    """True: locked; False: another process holds it; None: this file system cannot lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        return None


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the open lock file ``fd`` (a holder removes the lock file when
    done, and a waiter must then lock a new one)."""
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _holder(fd: int) -> tuple[str, str]:
    """The holder's command and process id as it wrote them, or ``("collectsim command", "")``."""
    try:
        words = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
    except OSError:
        words = []
    if len(words) >= 2 and words[0] == "collectsim" and words[-1].isdigit():
        return " ".join(words[:-1]), f" (process {words[-1]})"
    return "collectsim command", ""


class OutputLock:
    """An exclusive advisory lock on the lock file ``path``, taken at construction (see the
    module's rules); :class:`LockBusy`, with the message ``busy(holder, pid note)``, when another
    process holds it past ``wait_s``. ``remove``: delete the lock file on :meth:`release`, while
    still holding it (a process waiting on the old file then locks a new one). ``command``: what
    the lock file says holds it (default: the command of :func:`set_command`); ``sign``: write
    it into the lock file."""

    wait_s = 3.0

    def __init__(
        self, path: Path, busy: Busy, remove: bool = False, command: str | None = None, sign: bool = True
    ) -> None:
        self.path = Path(path)
        self.remove = remove
        self.command = command or _command
        self.fd: int | None = None
        deadline = time.monotonic() + self.wait_s
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            got = _try_flock(fd)
            if got is None or (got and _same_file(fd, self.path)):
                self.fd = fd
                if sign:
                    self._sign()
                return
            who, pid = ("", "") if got else _holder(fd)
            os.close(fd)
            if got:  # locked a file its holder had just removed: lock the new one
                continue
            if time.monotonic() >= deadline:
                raise LockBusy(busy(f"another {who}", pid))
            time.sleep(0.1)

    def _sign(self) -> None:
        assert self.fd is not None
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"{self.command} {os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # the note is for messages only

    def release(self) -> None:
        """Remove the lock file (``remove``) and release the lock; harmless when released."""
        if self.fd is None:
            return
        if self.remove and _same_file(self.fd, self.path):
            try:
                self.path.unlink()
            except OSError:
                pass
        os.close(self.fd)
        self.fd = None
        for key, lock in list(_held.items()):
            if lock is self:
                del _held[key]

    close = release

    def __enter__(self) -> OutputLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _held_or_new(path: Path, busy: Busy, remove: bool) -> OutputLock:
    """This process's lock on ``path`` if it holds one already (a second check of the same
    output), else a new one, remembered until released."""
    key = os.path.realpath(path)
    lock = _held.get(key)
    if lock is not None and lock.fd is not None:
        return lock
    lock = OutputLock(path, busy, remove)
    _held[key] = lock
    return lock


def folder_busy(folder: Path, option: str) -> Busy:
    """The refusal message of a locked output folder."""
    where = f"{option} {folder}" if option else str(folder)
    return lambda who, pid: (
        f"{where}: {who} is writing to this folder{pid}; wait for it or choose another {option or 'folder'}"
    )


def folder_in_use(folder: Path, option: str) -> None:
    """Refuse (:class:`LockBusy`) an existing output folder another collectsim process is
    writing to, before any other check of it (a check that finds it free locks nothing)."""
    path = Path(folder) / LOCK_NAME
    key = os.path.realpath(path)
    if key in _held or not path.is_file():
        return
    try:
        OutputLock(path, folder_busy(folder, option), remove=True, sign=False).release()
    except OSError:
        pass  # no lock to take here: the folder's own checks say why


def lock_folder(folder: Path, option: str) -> OutputLock:
    """Lock the output folder ``folder`` (it exists) through ``folder/.lock``, until released."""
    return _held_or_new(Path(folder) / LOCK_NAME, folder_busy(folder, option), True)


def side_name(name: str, suffix: str) -> str:
    """``.NAME`` + ``suffix``: the name of a file that goes with the file ``name`` (its lock, its
    temporary copy), shortened with a hash of ``name`` where it would pass the 255 bytes a file
    name may hold (with room for the 8 random characters of a temporary name)."""
    full = f".{name}{suffix}"
    raw = name.encode("utf-8", "surrogateescape")
    if len(full.encode("utf-8", "surrogateescape")) <= 240:
        return full
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return f".{raw[:96].decode('utf-8', 'ignore')}~{digest}{suffix}"


def lock_file(target: Path, option: str, shown: str | Path) -> OutputLock:
    """Lock the output file ``target`` (its folder exists) through ``.NAME.lock`` beside it."""
    target = Path(target)
    where = f"{option} {shown}" if option else str(shown)
    return _held_or_new(
        target.parent / side_name(target.name, ".lock"),
        lambda who, pid: f"{where}: {who} is writing this file{pid}; wait for it or choose another path",
        True,
    )


def release_all() -> None:
    """Release every lock this process holds (the command line calls it when a command ends)."""
    for lock in list(_held.values()):
        lock.release()
    _held.clear()
