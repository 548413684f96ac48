"""Outputs written by one process at a time: locked from their check to their write, never
replaced silently at the rename, and never lost to a write that fails after the work.

Two processes at once are in tests/e2e/test_output_races_e2e.py; here a second process is
stood in for by a lock taken in this one (flock locks conflict between two opens of the file,
in one process as in two)."""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from pathlib import Path

import pytest

from simulator.base import disk, fileio, locks
from simulator.cli import main
from simulator.experiment import replications as experiment


@pytest.fixture(autouse=True)
def _quick_locks(monkeypatch):
    """A held lock is refused after 0.2 s, not 3 s; and no lock outlives its test."""
    monkeypatch.setattr(locks.OutputLock, "wait_s", 0.2)
    yield
    locks.release_all()


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "bug" not in err, err
    return code, out, err


def other_process(path: Path, command: str = "collectsim run") -> locks.OutputLock:
    """A lock on ``path`` as another collectsim process would hold it."""
    return locks.OutputLock(path, lambda who, pid: f"busy: {who}{pid}", remove=True, command=command)


def saved_path(err: str) -> Path:
    return Path(err.split("the content is saved in ")[1].split(" instead")[0])


# ------------------------------------------------------------------ locked from check to write


def test_a_locked_json_file_is_refused_before_simulating_and_left_alone(
    scen, tmp_path, capsys, no_simulation
):
    target = tmp_path / "r.json"
    held = other_process(tmp_path / ".r.json.lock")
    try:
        for force in ([], ["--force"]):
            code, _, err = run_cli(capsys, "run", scen, "-r", "5", "-q", "--json", target, *force)
            assert code == 2, err
            assert (
                f"--json {target}: another collectsim run is writing this file (process {os.getpid()})" in err
            )
        assert not target.exists()
    finally:
        held.release()
    assert not (tmp_path / ".r.json.lock").exists()


def test_a_locked_out_folder_is_refused_before_simulating_and_left_alone(
    scen, tmp_path, capsys, no_simulation
):
    out = tmp_path / "race"
    out.mkdir()
    (out / "replications.jsonl").write_text("theirs\n")
    held = other_process(out / ".lock", "collectsim sweep")
    try:
        for argv in (
            ["run", scen, "--out", out, "--force"],
            ["run", scen, "--trace", out, "--force"],
            ["sweep", scen, "--set", "teams.t1.headcount=1,2", "--out", out],
        ):
            code, _, err = run_cli(capsys, *argv, "-q")
            assert code == 2, (argv, err)
            assert f"{out}: another collectsim sweep is writing to this folder (process" in err, err
        assert sorted(p.name for p in out.iterdir()) == [".lock", "replications.jsonl"]
        assert (out / "replications.jsonl").read_text() == "theirs\n"
    finally:
        held.release()


def test_run_holds_its_out_folder_and_json_until_written_then_frees_them(scen, tmp_path, capsys, monkeypatch):
    out, js = tmp_path / "o", tmp_path / "r.json"
    seen = []
    real = experiment.run_experiment

    def spy(*a, **k):
        for lock_file in (out / ".lock", tmp_path / ".r.json.lock"):
            with pytest.raises(locks.LockBusy):
                other_process(lock_file)
        seen.append(True)
        return real(*a, **k)

    monkeypatch.setattr(experiment, "run_experiment", spy)
    code, _, err = run_cli(capsys, "run", scen, "-r", "2", "-q", "--out", out, "--json", js)
    assert code == 0 and seen, err
    assert sorted(p.name for p in out.iterdir()) == ["replications.jsonl", "results.json", "summary.txt"]
    assert not (tmp_path / ".r.json.lock").exists()


def test_a_refused_run_leaves_no_folder_and_no_lock_behind(scen, tmp_path, capsys, no_simulation):
    (tmp_path / "r.json").write_text("mine")
    code, _, err = run_cli(
        capsys, "run", scen, "-q", "--out", tmp_path / "new", "--json", tmp_path / "r.json"
    )
    assert code == 2 and "exists; not overwritten" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "s.toml"]


def test_a_waiter_locks_the_new_file_when_the_holder_removes_its_lock(tmp_path, monkeypatch):
    monkeypatch.setattr(locks.OutputLock, "wait_s", 5.0)
    path = tmp_path / ".x.lock"
    first = other_process(path)
    got = []
    t = threading.Thread(target=lambda: got.append(other_process(path)))
    t.start()
    time.sleep(0.3)
    first.release()  # removes the file the waiter opened
    t.join(10)
    (second,) = got
    monkeypatch.setattr(locks.OutputLock, "wait_s", 0.2)
    try:
        assert os.fstat(second.fd).st_ino == os.stat(path).st_ino
        with pytest.raises(locks.LockBusy):
            locks.OutputLock(path, lambda who, pid: "busy", sign=False)
    finally:
        second.release()
    assert not path.exists()


def test_a_long_name_gets_a_lock_and_a_temporary_file_that_fit(tmp_path):
    target = tmp_path / ("n" * 250)
    out = fileio.check_output_file(target, "--json", False)
    assert out.lock is not None and len(out.lock.path.name) <= 255
    assert fileio.write_output(out, "x").endswith("written") and target.read_text() == "x"


# ------------------------------------------------------------------ checked again at the rename


def test_a_file_appearing_before_the_rename_is_not_replaced_and_the_content_is_kept(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    out = fileio.check_output_file(target, "--json", False)
    real = fileio._write_temp

    def and_meanwhile(path, data, fsync):
        tmp = real(path, data, fsync)
        target.write_text("theirs")  # another program, between the last check and the rename
        return tmp

    monkeypatch.setattr(fileio, "_write_temp", and_meanwhile)
    with pytest.raises(
        fileio.OutputError, match="appeared while collectsim was running; not overwritten"
    ) as e:
        fileio.write_output(out, "mine")
    assert target.read_text() == "theirs"
    saved = saved_path(str(e.value))
    assert saved.parent == tmp_path and saved.name.startswith("r.unsaved-") and saved.suffix == ".json"
    assert saved.read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".lock"))]


def test_without_hard_links_the_name_is_checked_a_last_time(tmp_path, monkeypatch):
    def no_links(*a):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(fileio.os, "link", no_links)
    target = tmp_path / "r.json"
    fileio.atomic_write(target, b"one", replace=False)
    assert target.read_bytes() == b"one"
    with pytest.raises(FileExistsError):
        fileio.atomic_write(target, b"two", replace=False)
    assert target.read_bytes() == b"one"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


# ------------------------------------------------------------------ results never lost


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EDQUOT])
def test_a_write_failing_after_the_run_keeps_the_results_elsewhere(scen, tmp_path, capsys, monkeypatch, code):
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spare))

    def fails(path, data, fsync):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(fileio, "_write_temp", fails)
    target = tmp_path / "r.json"
    code_, _, err = run_cli(capsys, "run", scen, "-r", "2", "-q", "--json", target)
    assert code_ == 2
    assert f"--json {target}: cannot write: {fileio.os_error_words(OSError(code, ''))}" in err
    saved = saved_path(err)
    assert saved.parent == spare and oct(saved.stat().st_mode & 0o777) == "0o600"
    doc = json.loads(saved.read_text())
    assert doc["schema"] == "collectsim.results/1" and doc["replications"] == 2
    assert not target.exists()


def test_one_output_failing_does_not_keep_the_others_from_being_written(scen, tmp_path, capsys, monkeypatch):
    real = fileio.atomic_write

    def json_fails(path, data, fsync=False, replace=True):
        if Path(path).name == "r.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, fsync, replace)

    monkeypatch.setattr(fileio, "atomic_write", json_fails)
    out = tmp_path / "o"
    code, _, err = run_cli(capsys, "run", scen, "-r", "2", "-q", "--json", tmp_path / "r.json", "--out", out)
    assert code == 2 and "no space left on the device; the content is saved in" in err
    assert json.loads((out / "results.json").read_text())["replications"] == 2
    assert json.loads(saved_path(err).read_text()) == json.loads((out / "results.json").read_text())
    saved_path(err).unlink()


def test_nowhere_to_save_is_said_too(tmp_path, monkeypatch):
    monkeypatch.setattr(
        disk.tempfile, "mkstemp", lambda **k: (_ for _ in ()).throw(OSError(errno.ENOSPC, ""))
    )
    note = disk.saved_note(b"data", tmp_path / "r.json")
    assert note.startswith("; it could not be saved elsewhere either")


def test_records_that_cannot_be_written_do_not_stop_the_run(scen, tmp_path, capsys, monkeypatch):
    from simulator.studies.sweep import SweepError
    from simulator.studies.sweep.store import Appender

    real, calls = Appender.write, []

    def full_after_one(self, rec):
        calls.append(rec["replication"])
        if len(calls) > 1:
            raise SweepError(
                f"{self.path}: cannot record a finished replication: no space left on the device"
            )
        return real(self, rec)

    monkeypatch.setattr(Appender, "write", full_after_one)
    out = tmp_path / "o"
    code, _, err = run_cli(capsys, "run", scen, "-r", "3", "-q", "--out", out)
    assert code == 2 and "cannot record a finished replication" in err and "the run went on" in err
    assert json.loads((out / "results.json").read_text())["replications"] == 3
    assert len((out / "replications.jsonl").read_text().splitlines()) == 1
