"""The sweep's output folder as a store of finished replications, safe to resume.

    manifest.json        what the sweep is (scenario file hash, parameters, seed, replications)
    replications.jsonl   one JSON line per finished replication, appended, flushed and fsynced at
                         once: {"variant", "replication", "seed", "ok": true, "result": {...}} or
                         {"variant", "replication", "seed", "ok": false, "error", "traceback"}
    .lock                while the sweep runs, an advisory lock: one collectsim command writes to
                         a folder at a time

Resuming: the same sweep run again with the same folder skips every replication already in
``replications.jsonl`` (a half-written last line, e.g. after SIGKILL, is dropped). A replication
recorded as failed is tried again. The arguments must match ``manifest.json`` (else
:class:`~simulator.studies.sweep.plan.SweepError`).
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from ...base.fileio import atomic_write, os_error_words
from ...base.locks import LOCK_NAME, LockBusy, OutputLock, folder_busy
from .plan import SweepError

__all__ = ["prepare_folder", "read_records", "record_outcome", "Appender", "write_text"]


def write_text(path: Path, text: str) -> None:
    """Atomic and fsynced: a sweep's files must survive a power cut or a SIGKILL mid-run."""
    try:
        atomic_write(path, text.encode("utf-8"), fsync=True)
    except OSError as e:
        raise SweepError(f"{path}: cannot write: {os_error_words(e)}") from None


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str)


def _manifest_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    labels = {
        "scenario": "scenario file (sha256)",
        "parameters": "--set value lists",
        "fixed": "fixed --set values",
        "seed": "--seed",
        "replications": "-r/--replications",
        "collectsim_version": "collectsim version",
        "variants": "resolved variant scenarios",
    }
    for key, label in labels.items():
        a, b = old.get(key), new.get(key)
        if key == "scenario":
            a, b = (a or {}).get("file_sha256"), (b or {}).get("file_sha256")
        if _canon(a) != _canon(b):
            if key in ("seed", "replications", "collectsim_version"):
                out.append(f"{label}: {a} there, {b} now")
            else:
                out.append(label)
    return out


class _Lock(OutputLock):
    """The sweep folder's lock, DIR/.lock: the lock of every output folder
    (:mod:`simulator.base.locks`), released by the OS even after SIGKILL."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            Path(folder) / LOCK_NAME, folder_busy(folder, "--out"), remove=True, command="collectsim sweep"
        )


def prepare_folder(out: Path, manifest: dict[str, Any]) -> _Lock:
    """Create the output folder, lock it, and write the manifest, or check that an existing folder
    holds this sweep. Returns the lock (close it when done)."""
    if out.exists() and not out.is_dir():
        raise SweepError(f"--out {out}: exists and is not a folder; expected a folder for the sweep outputs")
    mpath = out / "manifest.json"
    if out.is_dir() and not mpath.exists() and any(p.name != LOCK_NAME for p in out.iterdir()):
        raise SweepError(
            f"--out {out}: folder exists, is not empty and holds no sweep manifest.json; "
            "expected a new or empty folder (or a sweep to resume)"
        )
    try:
        out.mkdir(exist_ok=True)
        lock = _Lock(out)
    except LockBusy as e:
        raise SweepError(str(e)) from None
    except OSError as e:
        raise SweepError(f"--out {out}: cannot create the folder or its lock: {os_error_words(e)}") from None
    try:
        _check_or_write_manifest(out, mpath, manifest)
    except BaseException:
        lock.close()
        raise
    return lock


def _check_or_write_manifest(out: Path, mpath: Path, manifest: dict[str, Any]) -> None:
    if mpath.exists():
        try:
            old = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise SweepError(
                f"{mpath}: unreadable sweep manifest ({e}); remove the folder or choose another --out"
            ) from None
        diff = _manifest_diff(old, manifest)
        if diff:
            raise SweepError(
                f"--out {out}: holds a different sweep (differs in: {'; '.join(diff)}); run it "
                "with the same arguments to resume it, or choose another --out"
            )
        return
    write_text(mpath, json.dumps(manifest, indent=1, default=str) + "\n")


def read_records(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """Records of ``replications.jsonl`` by (variant, replication); a later record of the same job
    replaces an earlier one. Lines that are not complete JSON records (the half-written last line
    of a killed run) are dropped and the file is rewritten without them."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    if not path.exists():
        return out
    data = path.read_bytes()
    good: list[bytes] = []
    bad = 0
    for line in data.splitlines(keepends=True):
        try:
            if not line.endswith(b"\n"):
                raise ValueError("incomplete line")
            rec = json.loads(line)
            key = (str(rec["variant"]), int(rec["replication"]))
            if not isinstance(rec.get("ok"), bool):
                raise ValueError("no ok flag")
        except (ValueError, KeyError, TypeError):
            bad += 1
            continue
        good.append(line)
        out[key] = rec
    if bad:
        write_text(path, b"".join(good).decode("utf-8"))
    return out


def record_outcome(variant: str, replication: int, seed: int, fut: Future) -> dict[str, Any]:
    """The record of one finished job: its result, or the error it raised (with traceback)."""
    exc = fut.exception()
    if exc is None:
        return {
            "variant": variant,
            "replication": replication,
            "seed": seed,
            "ok": True,
            "result": fut.result(),
        }
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    cause = getattr(exc, "__cause__", None)
    if cause is not None and type(cause).__name__ == "_RemoteTraceback":  # process pool: worker's traceback
        tb = str(cause) + "\n" + tb
    return {
        "variant": variant,
        "replication": replication,
        "seed": seed,
        "ok": False,
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": tb,
    }


class Appender:
    """Appends one record per line and makes it durable at once (flush + fsync)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.f = open(path, "a", encoding="utf-8")
        except OSError as e:
            raise SweepError(f"{path}: cannot open for appending: {os_error_words(e)}") from None

    def write(self, rec: Mapping[str, Any]) -> dict[str, Any]:
        try:
            line = json.dumps(rec, allow_nan=False, separators=(",", ":")) + "\n"
        except (TypeError, ValueError) as e:  # e.g. a NaN in a result: record it as a failure
            rec = {k: rec[k] for k in ("variant", "replication", "seed")}
            rec.update(ok=False, error=f"result not storable as JSON: {type(e).__name__}: {e}", traceback="")
            line = json.dumps(rec, separators=(",", ":")) + "\n"
        try:
            self.f.write(line)
            self.f.flush()
            os.fsync(self.f.fileno())
        except OSError as e:  # a torn last line is dropped when the sweep resumes
            raise SweepError(
                f"{self.path}: cannot record a finished replication: {os_error_words(e)}; the "
                "replications recorded before are kept"
            ) from None
        return json.loads(line)  # what a resumed run will read: identical summaries either way

    def close(self) -> None:
        try:
            self.f.close()
        except OSError:
            pass  # reported by write(), which saw the same error first
