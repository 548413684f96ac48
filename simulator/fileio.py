"""Atomic file writes: a temporary file in the same folder, then a rename over the target, so a
reader (or a crash) never sees half a file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write"]


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
