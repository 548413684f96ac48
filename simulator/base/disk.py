"""The disk under the outputs: room for them, checked before the work, and a place for content
whose write failed after it.

- :func:`check_free_space`: the outputs' estimated sizes, added up per device, must fit in the
  space free on it (as an unprivileged user sees it), or the command is refused before it runs.
  The estimates are the caller's (:mod:`simulator.experiment.output_size` for the simulating
  commands).
- :func:`save_elsewhere`: content that could not be written to its target (no space left,
  permission taken away, a file that appeared meanwhile) is kept as
  ``STEM.unsaved-XXXXXXXX.SUFFIX`` in the first of the system's temporary folder ($TMPDIR), the
  target's folder and the home folder that takes it (the target's folder first when the target
  appeared meanwhile); the error message says where (:func:`saved_note`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import OutputError
from .locks import side_name

__all__ = ["check_free_space", "describe_bytes", "free_bytes", "save_elsewhere", "saved_note"]


def describe_bytes(n: float) -> str:
    """``512 bytes``, ``61 KB``, ``3.4 MB``, ``1.2 GB`` (powers of 1024)."""
    if n < 1024:
        return f"{n:,.0f} bytes"
    for unit in ("KB", "MB", "GB", "TB"):
        n /= 1024
        if n < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if n >= 10 else f"{n:.1f} {unit}"
    raise AssertionError("unreachable")


def free_bytes(folder: Path) -> int | None:
    """Bytes an unprivileged user may still write on ``folder``'s device; None when unknown."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    if st.f_blocks == 0:  # a pseudo file system that reports no sizes
        return None
    return st.f_bavail * st.f_frsize


def check_free_space(needs: Iterable[tuple[str, str | Path, Path, int]]) -> None:
    """Refuse (:class:`OutputError`) outputs that would not fit on their device. ``needs``: per
    output (option, path as the user gave it, an existing folder on the device that will hold
    it, estimated bytes). Outputs on one device are added up; the first that does not fit is
    named with all the others sharing its device."""
    devices: dict[int, list[tuple[str, str | Path, Path, int]]] = {}
    for option, shown, folder, size in needs:
        try:
            dev = os.stat(folder).st_dev
        except OSError:
            continue
        devices.setdefault(dev, []).append((option, shown, folder, size))
    for items in devices.values():
        total = sum(size for *_, size in items)
        free = free_bytes(items[0][2])
        if free is None or total <= free:
            continue
        names = " and ".join(f"{option} {shown}" if option else str(shown) for option, shown, *_ in items)
        raise OutputError(
            f"{names}: about {describe_bytes(total)} to write, but only {describe_bytes(free)} free on "
            f"the device holding {items[0][2]}; free some space or choose another path (nothing was run)"
        )


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
