"""Output files: atomic writes (a temporary file in the same folder, then a rename over the
target, so a reader or a crash never sees half a file) and the rule that nothing the user saved is
replaced silently."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError

__all__ = ["atomic_write", "write_output", "OutputError"]


class OutputError(InputError):
    """An output path that cannot be written as asked: exit 2, no traceback."""


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


def write_output(path: Path, content: "str | bytes", force: bool) -> str:
    """Write ``content`` (text, stored as UTF-8, or bytes) to ``path`` atomically.

    An existing file is never overwritten silently: identical content is left as it is, and
    different content needs ``force``. Returns what happened, for the user.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; expected a file path to write")
    if path.exists():
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if same:
            return f"{path}: unchanged (identical content already there)"
        if not force:
            raise OutputError(f"{path}: exists and holds different content; not overwritten. "
                              "Use --force to replace it, or choose another path")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: folder {parent} does not exist")
    atomic_write(path, data)
    return f"{path}: written"
