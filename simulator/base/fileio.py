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
- Two processes never write one output at once: the check locks it until the write is done
  (:mod:`simulator.base.locks`; a folder from :func:`hold_folder` on). Without ``--force`` the
  temporary file is linked to the target's name, which fails if a file appeared there since
  the check, so nothing is replaced silently even by a process that takes no lock.
- The device must have room for the estimated size of the outputs
  (:func:`~simulator.base.disk.check_free_space`).
- A write that fails after the work (no space left, permission taken away, a file that
  appeared) loses nothing: the content is saved elsewhere
  (:func:`~simulator.base.disk.save_elsewhere`) and the message says where.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .disk import check_free_space, describe_bytes, save_elsewhere, saved_note
from .errors import OutputError
from .locks import LOCK_NAME, OutputLock, folder_in_use, lock_file, lock_folder, side_name

__all__ = [
    "atomic_write",
    "check_free_space",
    "describe_bytes",
    "hold_folder",
    "save_elsewhere",
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
    lock: OutputLock | None = field(default=None, compare=False, repr=False)

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


def check_output_file(
    text: str | Path, option: str, force: bool, allow_stdout: bool = False, lock: bool = True
) -> OutputFile:
    """Check an output file path before any work; raise :class:`OutputError` naming the option
    and the path when it cannot be written as asked (see the module's rules). With ``lock``, the
    file is locked against other collectsim processes until :func:`write_output` has written it
    (a file inside a folder held by :func:`hold_folder` needs no lock of its own)."""
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
    if st is not None and not stat.S_ISREG(st.st_mode):
        hint = (f"; to print it use {option} -" if allow_stdout else "") + (
            "; to leave it out, do not give " + option if option else ""
        )
        raise _refuse(
            option,
            path,
            f"is {file_kind(st.st_mode)}{'' if target == path else f' ({target})'}; "
            f"collectsim writes regular files only, with or without --force{hint}",
        )
    _check_folder_writable(option, path, target.parent if str(target.parent) else Path("."))
    held = None
    if lock:
        try:
            held = lock_file(target, option, path)
        except OSError as e:
            raise _refuse(option, path, f"cannot create its lock file: {os_error_words(e)}") from None
    if not force and os.path.lexists(target):
        if held is not None:
            held.release()
        raise _refuse(
            option,
            path,
            "exists; not overwritten. Use --force to replace it (a file that "
            "already holds the same content is left untouched), or choose another path",
        )
    return OutputFile(option, path, target, force, held)


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
        folder_in_use(path, option)
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


def hold_folder(path: Path, option: str, names: tuple[str, ...] = (), force: bool = False) -> OutputLock:
    """Create the output folder ``path`` (checked by :func:`check_output_folder`) if needed and
    lock it against other collectsim processes until released (:mod:`simulator.base.locks`);
    then check again, under the lock, the files ``names`` it will write. A refusal removes the
    folder if it created it and it holds nothing else."""
    created = not path.exists()
    make_folder(path, option)
    try:
        held = lock_folder(path, option)
    except OSError as e:
        _drop_new_folder(path, created)
        raise _refuse(option, path, f"cannot create its lock file: {os_error_words(e)}") from None
    except BaseException:
        _drop_new_folder(path, created)
        raise
    try:
        for name in names:
            check_output_file(path / name, option, force, lock=False)
    except BaseException:
        held.release()
        _drop_new_folder(path, created)
        raise
    return held


def _drop_new_folder(path: Path, created: bool) -> None:
    if not created:
        return
    try:
        (path / LOCK_NAME).unlink(missing_ok=True)
        path.rmdir()
    except OSError:
        pass


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


def _write_temp(path: Path, data: bytes, fsync: bool) -> Path:
    """``data`` in a new temporary file in ``path``'s folder, with ordinary permissions (mkstemp
    makes 0600); removed again if the write fails."""
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=side_name(path.name, "."), suffix=".tmp", dir=parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
    except BaseException:
        _unlink(Path(tmp))
        raise
    return Path(tmp)


_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS, errno.EXDEV}


def _place(tmp: Path, path: Path, replace: bool) -> None:
    """Give the temporary file ``tmp`` the name ``path``: renamed over it (``replace``), or
    linked to it, which raises FileExistsError when ``path`` exists, however recently. Where the
    file system has no hard links, the name is checked a last time and ``tmp`` renamed."""
    if replace:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as e:
        if e.errno not in _NO_HARD_LINKS:
            raise
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "File exists", str(path)) from None
        os.replace(tmp, path)
        return
    _unlink(tmp)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def atomic_write(path: Path, data: bytes, fsync: bool = False, replace: bool = True) -> None:
    """Write ``data`` to ``path`` atomically, with ordinary permissions.

    ``fsync`` forces the bytes to disk before the rename, for files that must survive a power cut
    or a SIGKILL mid-run (a sweep's records). Without ``replace``, FileExistsError if ``path``
    exists when the file is put in place (:func:`_place`)."""
    path = Path(path)
    tmp = _write_temp(path, data, fsync)
    try:
        _place(tmp, path, replace)
    except BaseException:
        _unlink(tmp)
        raise


def write_output(out: OutputFile, content: str | bytes) -> str:
    """Write ``content`` (text, stored as UTF-8, or bytes) to an output checked by
    :func:`check_output_file`, atomically, and release its lock. A file that already holds the
    content is left untouched. Returns what happened, for the user (empty for standard output).
    When the file cannot be written, the content is saved elsewhere and the
    :class:`OutputError` says where."""
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
    try:
        return _write_file(out, data)
    finally:
        if out.lock is not None:
            out.lock.release()


_APPEARED = "appeared while collectsim was running; not overwritten (use --force to replace it)"


def _write_file(out: OutputFile, data: bytes) -> str:
    target = out.target
    assert target is not None
    if os.path.lexists(target):
        try:
            st = os.stat(target)
        except OSError as e:
            raise _refuse(out.option, out.path, os_error_words(e) + saved_note(data, target)) from None
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(
                out.option,
                out.path,
                f"is {file_kind(st.st_mode)}; collectsim writes regular files only"
                + saved_note(data, target),
            )
        if _same_content(target, data):
            return f"{out}: unchanged (identical content already there)"
        if not out.force:
            raise _refuse(out.option, out.path, _APPEARED + saved_note(data, target, beside=True))
    try:
        atomic_write(target, data, replace=out.force)
    except FileExistsError:
        raise _refuse(out.option, out.path, _APPEARED + saved_note(data, target, beside=True)) from None
    except OSError as e:
        why = f"cannot write: {os_error_words(e)}"
        raise _refuse(out.option, out.path, why + saved_note(data, target)) from None
    return f"{out}: written"
