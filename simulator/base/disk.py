"""The disk under the outputs: a place for content whose write failed after the work.

- :func:`save_elsewhere`: content that could not be written to its target (no space left,
  permission taken away, a file that appeared meanwhile) is kept as
  ``STEM.unsaved-XXXXXXXX.SUFFIX`` in the first of the system's temporary folder ($TMPDIR), the
  target's folder and the home folder that takes it (the target's folder first when the target
  appeared meanwhile); the error message says where (:func:`saved_note`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .locks import side_name

__all__ = ["save_elsewhere", "saved_note"]


def save_elsewhere(data: bytes, target: Path, beside: bool = False) -> Path | None:
    """Keep ``data`` that could not be written to ``target`` (see the module's rules) in a new
    file readable by the user alone (mode 0600), in the first place that takes it: the system's
    temporary folder, the target's folder, the home folder (``beside``: the target's folder
    first, for a target that is writable but taken). Returns its path, or None when every place
    refused."""
    target = Path(target)
    prefix = side_name(target.stem, ".unsaved-")[1:]
    here = target.parent if str(target.parent) else Path(".")
    places = [here, Path(tempfile.gettempdir())] if beside else [Path(tempfile.gettempdir()), here]
    try:
        places.append(Path.home())
    except (RuntimeError, KeyError):
        pass
    for folder in places:
        try:
            fd, dest = tempfile.mkstemp(prefix=prefix, suffix=target.suffix, dir=folder)
        except OSError:
            continue
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except OSError:
            _unlink(Path(dest))
            continue
        return Path(dest)
    return None


def saved_note(data: bytes, target: Path, beside: bool = False) -> str:
    """The end of the message of a write that failed: :func:`save_elsewhere`'s answer."""
    where = save_elsewhere(data, target, beside)
    if where is None:
        return (
            "; it could not be saved elsewhere either (no room or no permission in the temporary "
            "folder, the target's folder or the home folder)"
        )
    return f"; the content is saved in {where} instead"


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
