"""Output files: checked before any work, written atomically, never replaced silently.

The rules, for every output path of the command line (``--json``, ``--out``, ``--html``,
``--png``, ``schema --out``):

- Checked before the simulation (:func:`check_output_file`, :func:`check_output_folder`): the
  folder that holds the target exists (collectsim creates only the target itself: a file, or the
  ``--out``/``--png`` folder), a test file can be created in it, and the device is not full.
- Regular files only. A folder, a character or block device (``/dev/null``), a named pipe or a
  socket is refused, with or without ``--force``. ``-`` means standard output where a command
  allows it.
- An existing file is replaced only with ``--force``; when its content is already the content to
  write, it is left untouched (compared by size, then by a streamed SHA-256, never read whole).
- Symbolic links are followed: a link to an existing regular file is treated as that file, which
  is replaced atomically in its own folder while the link itself stays. A link to a missing file
  or to anything else is refused.
- Writes go to a temporary file in the target's folder, renamed over the target, so a reader or
  a crash never sees half a file. OS errors are reported in words (:func:`os_error_words`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = [
    "atomic_write",
    "write_output",
    "OutputError",
    "OutputFile",
    "check_output_file",
    "check_output_folder",
    "make_folder",
    "os_error_words",
    "STDOUT",
    "file_kind",
]

STDOUT = "-"
"""The output path that means standard output."""

_CHUNK = 1 << 20


class OutputError(InputError):
    """An output path that cannot be written as asked: exit 2, no traceback."""


_ERRNO_WORDS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "is a folder",
    errno.ENAMETOOLONG: "file name too long",
    errno.EMFILE: "too many open files",
    errno.EIO: "input/output error on the device",
    errno.EFBIG: "file too large",
}


def os_error_words(e: OSError) -> str:
    """What an OS error means, in words (``read-only file system``), for a one-line message."""
    return _ERRNO_WORDS.get(e.errno, e.strerror or type(e).__name__)


def file_kind(mode: int) -> str:
    """What a file is, from its ``st_mode``, in words: ``a folder``, ``a character device``, ..."""
    for test, words in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return words
    return "not a regular file"


@dataclass(frozen=True)
class OutputFile:
    """An output target checked by :func:`check_output_file`: ``path`` as the user gave it,
    ``target`` the file to write (symbolic links followed), or both None for standard output."""

    option: str
    path: Path | None
    target: Path | None
    force: bool

    @property
    def is_stdout(self) -> bool:
        return self.path is None

    def __str__(self) -> str:
        return "standard output" if self.path is None else str(self.path)


def _refuse(option: str, path: str | Path, why: str) -> OutputError:
    where = f"{option} {path}" if option else str(path)
    return OutputError(f"{where}: {why}")


def _check_folder_writable(option: str, shown: str | Path, folder: Path) -> None:
    """The folder exists, is a folder, accepts a new file and its device is not full."""
    if not folder.exists():
        raise _refuse(
            option, shown, f"folder {folder} does not exist; create it first, or choose another path"
        )
    if not folder.is_dir():
        raise _refuse(option, shown, f"{folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".collectsim-", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise _refuse(option, shown, f"cannot write in folder {folder}: {os_error_words(e)}") from None
    try:
        st = os.statvfs(folder)
    except OSError:
        return
    if st.f_bavail == 0 and st.f_blocks > 0:
        raise _refuse(option, shown, f"cannot write in folder {folder}: no space left on the device")


def check_output_file(text: str | Path, option: str, force: bool, allow_stdout: bool = False) -> OutputFile:
    """Check an output file path before any work; raise :class:`OutputError` naming the option
    and the path when it cannot be written as asked (see the module's rules)."""
    if allow_stdout and str(text) == STDOUT:
        return OutputFile(option, None, None, force)
    path = Path(text)
    target = path
    try:
        if path.is_symlink():
            target = Path(os.path.realpath(path))
            if not target.exists():
                raise _refuse(
                    option,
                    path,
                    f"is a symbolic link to {target}, which does not exist; "
                    "collectsim follows links only to existing regular files",
                )
        st = os.stat(target) if target.exists() else None
    except OSError as e:
        raise _refuse(option, path, os_error_words(e)) from None
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            hint = (f"; to print it use {option} -" if allow_stdout else "") + (
                "; to leave it out, do not give " + option if option else ""
            )
            raise _refuse(
                option,
                path,
                f"is {file_kind(st.st_mode)}{'' if target == path else f' ({target})'}; "
                f"collectsim writes regular files only, with or without --force{hint}",
            )
        if not force:
            raise _refuse(
                option,
                path,
                "exists; not overwritten. Use --force to replace it (a file that "
                "already holds the same content is left untouched), or choose another path",
            )
    _check_folder_writable(option, path, target.parent if str(target.parent) else Path("."))
    return OutputFile(option, path, target, force)


def check_output_folder(text: str | Path, option: str) -> Path:
    """Check an output folder (``--out DIR``, ``--png DIR``) before any work: an existing folder
    (or a link to one) that accepts files, or a new one whose parent folder exists. Returns the
    path; :func:`make_folder` creates it when the outputs are written."""
    if str(text) == STDOUT:
        raise _refuse(option, text, "standard output cannot hold a folder of files; give a folder path")
    path = Path(text)
    try:
        st = os.stat(path) if path.exists() else None
        if st is None and path.is_symlink():
            raise _refuse(
                option, path, f"is a symbolic link to {os.path.realpath(path)}, which does not exist"
            )
    except OSError as e:
        raise _refuse(option, path, os_error_words(e)) from None
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise _refuse(option, path, f"is {file_kind(st.st_mode)}; expected a folder for the outputs")
        _check_folder_writable(option, path, path)
    else:
        _check_folder_writable(option, path, path.parent if str(path.parent) else Path("."))
    return path


def make_folder(path: Path, option: str = "") -> Path:
    """Create an output folder checked by :func:`check_output_folder` (its parent exists)."""
    try:
        path.mkdir(exist_ok=True)
    except OSError as e:
        raise _refuse(option, path, f"cannot create the folder: {os_error_words(e)}") from None
    return path


def _same_content(target: Path, data: bytes) -> bool:
    """Whether the regular file ``target`` holds exactly ``data``: sizes first, then a SHA-256
    streamed in 1 MiB chunks (never the whole file in memory). Anything but a regular file
    (it may have changed since the check) is not the same."""
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        h = hashlib.sha256()
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.digest() == hashlib.sha256(data).digest()


def atomic_write(path: Path, data: bytes, fsync: bool = False) -> None:
    """Write ``data`` to ``path`` atomically, with ordinary permissions (mkstemp makes 0600).

    ``fsync`` forces the bytes to disk before the rename, for files that must survive a power cut
    or a SIGKILL mid-run (a sweep's records)."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_output(out: OutputFile, content: str | bytes) -> str:
    """Write ``content`` (text, stored as UTF-8, or bytes) to an output checked by
    :func:`check_output_file`, atomically. A file that already holds the content is left
    untouched. Returns what happened, for the user (empty for standard output)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if out.is_stdout:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text stream standing in for stdout (tests, notebooks)
            sys.stdout.write(data.decode("utf-8", "replace"))
        else:
            buffer.write(data)
        sys.stdout.flush()
        return ""
    target = out.target
    assert target is not None
    if target.exists() or target.is_symlink():
        try:
            st = os.stat(target)
        except OSError as e:
            raise _refuse(out.option, out.path, os_error_words(e)) from None
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(
                out.option, out.path, f"is {file_kind(st.st_mode)}; collectsim writes regular files only"
            )
        if _same_content(target, data):
            return f"{out}: unchanged (identical content already there)"
        if not out.force:
            raise _refuse(
                out.option,
                out.path,
                "appeared while collectsim was running; not overwritten. Use --force to replace it",
            )
    try:
        atomic_write(target, data)
    except OSError as e:
        raise _refuse(out.option, out.path, f"cannot write: {os_error_words(e)}") from None
    return f"{out}: written"
