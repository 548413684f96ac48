"""Room on the disk for the outputs, checked before the run against their estimated size; a write
that still fails after it keeps the results elsewhere (on a real small tmpfs where mounting is
allowed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from simulator.base import disk, fileio, locks
from simulator.cli import main
from simulator.experiment import output_size
from simulator.scenario import load_scenario

from ..conftest import fill_device


@pytest.fixture(autouse=True)
def _no_lock_left():
    yield
    locks.release_all()


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "bug" not in err, err
    return code, out, err


def saved_path(err: str) -> Path:
    return Path(err.split("the content is saved in ")[1].split(" instead")[0])


def test_outputs_on_one_device_are_added_up_against_its_free_space(tmp_path, monkeypatch):
    monkeypatch.setattr(disk, "free_bytes", lambda folder: 100_000)
    disk.check_free_space([("--json", "a.json", tmp_path, 60_000), ("--out", "o", tmp_path, 30_000)])
    with pytest.raises(fileio.OutputError) as e:
        disk.check_free_space([("--json", "a.json", tmp_path, 60_000), ("--out", "o", tmp_path, 50_000)])
    assert str(e.value).startswith("--json a.json and --out o: about 107 KB to write, but only 98 KB free")
    monkeypatch.setattr(disk, "free_bytes", lambda folder: None)  # unknown: not refused
    disk.check_free_space([("--json", "a.json", tmp_path, 10**15)])


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "{scen}", "-r", "50", "--json", "{tmp}/r.json"],
        ["run", "{scen}", "-r", "50", "--out", "{tmp}/o"],
        ["run", "{scen}", "--trace", "{tmp}/t"],
        ["compare", "{scen}", "--set-b", "teams.t1.headcount=3", "--json", "{tmp}/c.json"],
        ["sweep", "{scen}", "--set", "teams.t1.headcount=1,2,3", "-r", "20", "--out", "{tmp}/sw"],
        ["staff", "{scen}", "--team", "t1", "--range", "1:4", "-r", "10", "--out", "{tmp}/st"],
    ],
)
def test_a_nearly_full_disk_is_refused_before_simulating(
    argv, scen, tmp_path, capsys, monkeypatch, no_simulation
):
    monkeypatch.setattr(disk, "free_bytes", lambda folder: 20_000)
    code, _, err = run_cli(capsys, *[a.format(scen=scen, tmp=tmp_path) for a in argv], "-q")
    assert code == 2 and "to write, but only 20 KB free on the device" in err, err
    assert "nothing was run" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_the_estimates_aim_a_little_low(scen, tmp_path, capsys):
    """Measured on the tiny scenario (the bundled ones are in output_size's docstring)."""
    sc = load_scenario(scen).scenario
    out = tmp_path / "o"
    assert run_cli(capsys, "run", scen, "-r", "4", "-q", "--out", out, "--json", tmp_path / "r.json")[0] == 0
    for est, path in (
        (output_size.results_bytes(sc, 4), tmp_path / "r.json"),
        (4 * output_size.record_bytes(sc), out / "replications.jsonl"),
        (output_size.summary_text_bytes(sc), out / "summary.txt"),
    ):
        assert 0.5 <= est / path.stat().st_size <= 1.05, (path.name, est, path.stat().st_size)
    sw = tmp_path / "sw"
    assert (
        run_cli(capsys, "sweep", scen, "--set", "teams.t1.headcount=1,2", "-r", "2", "-q", "--out", sw)[0]
        == 0
    )
    total = sum(p.stat().st_size for p in sw.rglob("*") if p.is_file())
    variants = [load_scenario(scen, [f"teams.t1.headcount={h}"]).scenario for h in (1, 2)]
    assert 0.5 <= output_size.sweep_bytes(variants, 2, 1) / total <= 1.05


@pytest.fixture
def tmpfs(tmp_path):
    import subprocess

    mnt = tmp_path / "mnt"
    mnt.mkdir()
    p = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], capture_output=True, text=True
    )
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({p.stderr.strip()})")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_real_small_disk(scen, tmp_path, tmpfs, capsys, monkeypatch):
    """A 512 KB tmpfs with 24 KB left: room for the check, not for the outputs (refused before the
    run); then an estimate too low: the write fails after the run and the results are kept."""
    filler = tmpfs / "filler"
    fill_device(filler)
    os.truncate(filler, filler.stat().st_size - 24 * 1024)
    before = sorted(p.name for p in tmpfs.iterdir())
    for argv in (["--json", tmpfs / "r.json"], ["--out", tmpfs / "o"], ["--trace", tmpfs / "t"]):
        code, _, err = run_cli(capsys, "run", scen, "-r", "3", "-q", *argv)
        assert code == 2 and "KB free on the device" in err, err
    assert sorted(p.name for p in tmpfs.iterdir()) == before
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spare))
    monkeypatch.setattr(output_size, "results_bytes", lambda *a: 0)
    code, _, err = run_cli(capsys, "run", scen, "-r", "3", "-q", "--json", tmpfs / "r.json")
    assert code == 2 and "cannot write: no space left on the device; the content is saved in" in err
    assert json.loads(saved_path(err).read_text())["replications"] == 3
    assert sorted(p.name for p in tmpfs.iterdir()) == before  # no half file, no temporary file
