"""Output paths: checked before simulating, regular files only, symbolic links followed, OS errors
in words, wrong-typed results refused; size notes and the scenario size cap."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from contextlib import contextmanager

import pytest

from simulator.cli import main
from simulator.experiment import replications as experiment

from ..conftest import ROOT, fill_device, small_scenario, write_toml


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "bug" not in err, err
    return code, out, err


# ------------------------------------------------------------------ refused before any simulation


def test_missing_folder_and_existing_file_are_refused_before_simulating(
    scen, tmp_path, capsys, no_simulation
):
    code, _, err = run_cli(capsys, "run", scen, "-r", "1000", "-q", "--json", "/nonexistent/x.json")
    assert code == 2 and "--json /nonexistent/x.json: folder /nonexistent does not exist" in err
    existing = tmp_path / "r.json"
    existing.write_text("mine")
    code, _, err = run_cli(capsys, "run", scen, "-r", "1000", "-q", "--json", existing)
    assert code == 2 and f"--json {existing}: exists; not overwritten. Use --force" in err
    assert existing.read_text() == "mine"
    for argv in (
        ["compare", scen, "--set-b", "teams.t1.headcount=3", "--json", existing],
        ["sensitivity", scen, "--json", existing],
        ["run", scen, "--out", tmp_path / "no" / "such"],
        ["sweep", scen, "--set", "teams.t1.headcount=2,3", "--out", tmp_path / "no" / "such"],
        ["run", scen, "--out", existing],
    ):
        code, _, err = run_cli(capsys, *argv, "-q")
        assert code == 2, (argv, err)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("kind", ["char device", "fifo", "folder"])
@pytest.mark.parametrize("force", [False, True])
def test_special_files_are_refused_with_or_without_force_and_left_alone(
    scen, tmp_path, capsys, no_simulation, kind, force
):
    node = tmp_path / "node"
    if kind == "char device":
        try:
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # like /dev/null
        except PermissionError:
            pytest.skip("creating a device node needs root")
    elif kind == "fifo":
        os.mkfifo(node)
    else:
        node.mkdir()
    before = os.lstat(node)
    code, _, err = run_cli(
        capsys, "run", scen, "-r", "1", "-q", "--json", node, *(["--force"] if force else [])
    )
    assert code == 2 and f"--json {node}: is a" in err and "regular files only" in err
    after = os.lstat(node)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)


def test_dev_null_is_refused_and_dash_is_standard_output(scen, capsys, no_simulation):
    code, _, err = run_cli(capsys, "run", scen, "-r", "1", "-q", "--json", "/dev/null", "--force")
    assert code == 2 and "is a character device" in err and "--json -" in err


def test_dash_is_no_folder(scen, tmp_path, capsys, monkeypatch, no_simulation):
    monkeypatch.chdir(tmp_path)
    for argv in (
        ["run", scen, "--out", "-"],
        ["sweep", scen, "--set", "teams.t1.headcount=2,3", "--out", "-"],
    ):
        code, _, err = run_cli(capsys, *argv, "-q")
        assert code == 2 and "--out -: standard output cannot hold a folder" in err
    assert not (tmp_path / "-").exists()


def test_json_to_standard_output_alone(scen, capsys):
    code, out, err = run_cli(capsys, "run", scen, "-r", "2", "-q", "--json", "-")
    assert code == 0
    assert json.loads(out)["schema"] == "collectsim.results/1"  # nothing else on stdout
    assert "pyramid" in err


def test_symbolic_links_are_followed_to_regular_files_and_kept(scen, tmp_path, capsys):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, err = run_cli(capsys, "run", scen, "-r", "1", "-q", "--json", link)
    assert code == 2 and "--force" in err and real.read_text() == "old"
    code, _, err = run_cli(capsys, "run", scen, "-r", "1", "-q", "--json", link, "--force")
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["schema"] == "collectsim.results/1"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "missing.json")
    code, _, err = run_cli(capsys, "run", scen, "-r", "1", "-q", "--json", dangling, "--force")
    assert code == 2 and "symbolic link" in err and "does not exist" in err
    assert dangling.is_symlink() and not (tmp_path / "missing.json").exists()


def test_identical_content_is_compared_in_chunks_never_read_whole(tmp_path, monkeypatch):
    from simulator.base import fileio

    target = tmp_path / "big.bin"
    data = os.urandom(3 * fileio._CHUNK + 5)
    target.write_bytes(data)
    monkeypatch.setattr(type(target), "read_bytes", lambda self: pytest.fail("read whole"))
    out = fileio.check_output_file(target, "--json", True)
    mtime = target.stat().st_mtime_ns
    assert fileio.write_output(out, data).endswith("unchanged (identical content already there)")
    assert target.stat().st_mtime_ns == mtime
    assert fileio.write_output(out, data[:-1] + b"x").endswith("written")
    monkeypatch.undo()
    assert target.read_bytes() == data[:-1] + b"x"


def test_report_outputs_are_checked_before_drawing(tmp_path, capsys, monkeypatch):
    res = tmp_path / "r.json"
    assert (
        main(
            [
                "run",
                str(write_toml(tmp_path / "s.toml", small_scenario(calendar__working_days=1))),
                "-r",
                "1",
                "-q",
                "--json",
                str(res),
            ]
        )
        == 0
    )
    capsys.readouterr()
    monkeypatch.setattr("simulator.report.html.png_images", lambda *a: pytest.fail("drew before checking"))
    for argv in (
        ["--html", "/nonexistent/r.html"],
        ["--html", "/dev/null", "--force"],
        ["--png", res],
        ["--html", str(tmp_path)],
    ):
        code, _, err = run_cli(capsys, "report", res, *argv)
        assert code == 2, (argv, err)


def test_wrong_typed_results_are_bad_input(tmp_path, capsys):
    res = tmp_path / "r.json"
    assert (
        main(
            [
                "run",
                str(write_toml(tmp_path / "s.toml", small_scenario(calendar__working_days=1))),
                "-r",
                "2",
                "-q",
                "--json",
                str(res),
            ]
        )
        == 0
    )
    good = json.loads(res.read_text())
    for path, value in (
        (("metrics", "center", "kept_rate", "mean"), "high"),
        (("metrics", "teams", "t1", "promise_rate", "values"), ["a", 1]),
        (("metrics", "segments", "s1", "collected"), 7),
        (("series",), "nope"),
    ):
        doc = json.loads(json.dumps(good))
        node = doc
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(doc))
        capsys.readouterr()
        code, _, err = run_cli(capsys, "report", bad, "--html", tmp_path / "o.html", "--force")
        assert code == 2 and str(bad) in err, (path, err)


# ------------------------------------------------------------------ OS errors in words


def test_memory_error_gets_words(scen, capsys, monkeypatch):
    def oom(*a, **k):
        raise MemoryError()

    monkeypatch.setattr(experiment, "run_replication", oom)
    code, _, err = run_cli(capsys, "run", scen, "-r", "1", "-q")
    assert code == 2 and "out of memory" in err and "collectsim validate" in err


@contextmanager
def tmpfs(tmp_path, *options: str):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    p = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(("size=256k", *options)), "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
    )
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({p.stderr.strip()})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_read_only_folder_is_refused_before_simulating(scen, tmp_path, capsys, monkeypatch, no_simulation):
    with tmpfs(tmp_path, "ro") as ro:
        monkeypatch.chdir(ro)
        code, _, err = run_cli(capsys, "run", scen, "-r", "1", "-q", "--json", "out.json")
        assert code == 2 and "--json out.json: cannot write in folder .: read-only file system" in err
        code, _, err = run_cli(capsys, "sweep", scen, "--set", "teams.t1.headcount=2,3", "-q", "--out", "sw")
        assert code == 2 and "--out sw: cannot write in folder .: read-only file system" in err


def test_a_full_device_is_refused_and_a_disk_filling_up_is_reported(scen, tmp_path, capsys, monkeypatch):
    with tmpfs(tmp_path) as mnt:
        filler = mnt / "filler"
        fill_device(filler)
        code, _, err = run_cli(capsys, "run", scen, "-r", "1", "-q", "--json", mnt / "x.json")
        assert code == 2 and f"--json {mnt / 'x.json'}" in err and "no space left on the device" in err
        # room for the check (8 KiB), not for the results: refused before the run, with the sizes
        os.truncate(filler, filler.stat().st_size - 8192)
        code, _, err = run_cli(capsys, "run", scen, "-r", "1", "-q", "--json", mnt / "x.json")
        assert code == 2 and f"--json {mnt / 'x.json'}: about " in err and "KB free on the device" in err
        # an estimate too low: the write fails after the run, in words, and the results are kept
        monkeypatch.setattr("simulator.experiment.output_size.results_bytes", lambda *a: 0)
        code, _, err = run_cli(capsys, "run", scen, "-r", "1", "-q", "--json", mnt / "x.json")
        assert code == 2 and f"--json {mnt / 'x.json'}: cannot write: no space left on the device" in err
        assert not [p for p in mnt.iterdir() if p.name.endswith(".tmp")]
        saved = err.split("the content is saved in ")[1].split(" instead")[0]
        assert json.loads(open(saved).read())["schema"] == "collectsim.results/1"
        os.unlink(saved)


# ------------------------------------------------------------------ sizes


def test_scenario_files_over_the_cap_are_refused_unread(tmp_path, capsys, monkeypatch):
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * (6 * 2**20) + b"\n")

    def parse(*a, **k):
        raise AssertionError("a scenario file over the cap was parsed")

    monkeypatch.setattr("simulator.scenario.load.tomllib.loads", parse)
    code, _, err = run_cli(capsys, "validate", big)
    assert code == 2 and "larger than 5 MB" in err


def test_a_long_run_is_announced_with_its_estimate_and_validate_shows_it(capsys, monkeypatch):
    def stop(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment, "run_experiment", stop)
    sets = ["--set", "teams.low_risk_team.headcount=100000"]
    code, _, err = run_cli(capsys, "run", ROOT / "scenarios" / "table_14_1.toml", *sets, "-r", "1", "-q")
    assert code == 130
    assert "note: this run is estimated at about" in err and "100,012 collector(s) x 5 working day(s)" in err
    code, _, err = run_cli(capsys, "run", ROOT / "scenarios" / "table_14_1.toml", "-r", "1", "-q")
    assert "note:" not in err  # a small run says nothing
    code, out, _ = run_cli(capsys, "validate", ROOT / "scenarios" / "table_14_1.toml", *sets)
    assert code == 0 and "size: one replication takes about" in out and "100,012 collector(s)" in out


def test_help_and_contract_document_exit_codes_and_the_symlink_policy(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    for doc in (text, contract):
        assert "Symbolic links" in doc and "regular file" in doc
        for code in ("0", "1", "2", "3", "130", "141"):
            assert f"\n  {code} " in doc or f"| {code} |" in doc, code


def test_two_outputs_of_one_run_writing_the_same_file_are_refused_before_running(tmp_path, capsys):
    from simulator.cli import main

    (tmp_path / "dd").mkdir()
    code = main(
        [
            "run",
            "-r",
            "1",
            "-q",
            "--json",
            str(tmp_path / "dd" / "results.json"),
            "--out",
            str(tmp_path / "dd"),
        ]
    )
    assert code == 2
    assert "would both write" in capsys.readouterr().err
    assert list((tmp_path / "dd").iterdir()) == []  # nothing ran, nothing written
