"""The calibrate subcommand (through its register() entry): outputs, exit codes, messages."""

from __future__ import annotations

import argparse
import copy
import shutil

import pytest

from simulator.calibrate.kpi import write_daily_kpis
from simulator.calibrate.read.trace import read_trace
from simulator.calibrate.synthetic import write_synthetic_trace
from simulator.cli.calibrate import register
from simulator.scenario import load_scenario
from simulator.scenario.load import parse_scenario
from tests.conftest import SCENARIOS


def run(argv, capsys):
    ap = argparse.ArgumentParser(prog="collectsim")
    register(ap.add_subparsers())
    args = ap.parse_args(["calibrate", *map(str, argv)])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trace_dir(tmp_path_factory):
    raw = copy.deepcopy(dict(load_scenario(SCENARIOS / "table_14_1.toml").raw))
    raw["calendar"]["working_days"] = 6
    for s in raw["segments"].values():
        s["accounts"] = 4000
    for t in raw["teams"].values():
        t["headcount"] = 4
    folder = tmp_path_factory.mktemp("cli")
    write_synthetic_trace(folder, parse_scenario(raw), seed=2)
    return folder


@pytest.mark.slow
def test_fit_writes_a_loadable_scenario_and_a_report(trace_dir, tmp_path, capsys):
    out, html = tmp_path / "fitted.toml", tmp_path / "cal.html"
    code, stdout, err = run([trace_dir, "--out", out, "--html", html], capsys)
    assert code == 0, err
    loaded = load_scenario(out)
    cal = loaded.scenario.calibration
    assert cal.data == "trace" and cal.first_date == "2024-01-01" and cal.last_date == "2024-01-08"
    assert [s.file for s in cal.sources] == [
        "dials.csv",
        "accounts.csv",
        "promises.csv",
        "payments.csv",
        "shifts.csv",
    ]
    assert loaded.scenario.calendar.working_days == 6
    assert "segments.low_risk.promise_probability" in stdout and "not identified by the data" in stdout
    assert f"{out}: written" in err
    page = html.read_text()
    assert (
        page.startswith("<!DOCTYPE html>") and "Segment low_risk" in page and "data:image/png;base64," in page
    )
    # an existing file is refused before any work without --force; with it, identical content
    # is left alone and different content replaced
    before = out.read_bytes()
    code, _, err = run([trace_dir, "--out", out, "--base", SCENARIOS / "table_14_1.toml"], capsys)
    assert code == 2 and f"--out {out}: exists; not overwritten" in err and out.read_bytes() == before
    code, _, err = run([trace_dir, "--out", out, "--force"], capsys)
    assert code == 0 and "unchanged" in err
    code, _, err = run([trace_dir, "--out", out, "--base", SCENARIOS / "table_14_1.toml", "--force"], capsys)
    assert code == 0 and load_scenario(out).scenario.calibration.base.startswith(
        str(SCENARIOS / "table_14_1.toml")
    )


def test_backtest_option_prints_the_verdicts(trace_dir, tmp_path, capsys):
    code, stdout, err = run([trace_dir, "--backtest", "--holdout-days", "2", "-r", "3"], capsys)
    assert code == 0, err
    assert "back-test: last 2 day(s) from 2024-01-05 held out, fit on 4 day(s); 3 replications" in stdout
    assert "value_per_paid_hour" in stdout
    assert any(f"back-test {v}" in stdout for v in ("PASSED", "FAILED", "INCONCLUSIVE"))
    if "INCONCLUSIVE" in stdout:  # 3 replications: some intervals too wide to fail, and said so
        assert "too little data to detect an error of 25%" in stdout and "hold out more days" in stdout
    code, _, err = run([trace_dir, "--backtest", "--holdout-days", "6"], capsys)
    assert code == 2 and "--holdout-days 6" in err and "expected 1 to 5" in err


def test_kpi_option(trace_dir, tmp_path, capsys):
    daily = tmp_path / "daily.csv"
    write_daily_kpis(read_trace(trace_dir), daily)
    out = tmp_path / "k.toml"
    code, stdout, err = run(["--kpi", daily, "--base", SCENARIOS / "table_14_1.toml", "--out", out], capsys)
    assert code == 0, err
    assert load_scenario(out).scenario.calibration.data == "kpi"
    assert "hour-of-day and weekday contact curves" in stdout


@pytest.mark.parametrize(
    "argv,words",
    [
        ([], "give either DIR"),
        (["DIR", "--kpi", "x.csv", "--out", "o.toml"], "not both"),
        (["DIR"], "nothing to do"),
        (["DIR", "--out", "o.toml", "--holdout-days", "3"], "--holdout-days needs --backtest"),
        (["DIR", "--backtest", "-r", "1"], "at least 2 replications"),
        (["DIR", "--out", "NOFOLDER/o.toml"], "does not exist"),
        (["DIR", "--out", "DIR"], "is a folder"),
        (["DIR", "--out", "same.html", "--html", "same.html"], "the same file"),
    ],
)
def test_bad_options_exit_2(trace_dir, tmp_path, capsys, argv, words):
    argv = [
        str(trace_dir) if a == "DIR" else str(tmp_path / a) if a.endswith((".toml", ".html", ".csv")) else a
        for a in argv
    ]
    code, _, err = run(argv, capsys)
    assert code == 2 and words in err and "Traceback" not in err


def _corrupt(trace_dir, tmp_path, file, edit):
    folder = tmp_path / "bad"
    shutil.copytree(trace_dir, folder)
    lines = (folder / file).read_text().splitlines()
    edit(lines)
    (folder / file).write_text("\n".join(lines) + ("\n" if lines else ""))
    return folder


def _swap_rows(lines):
    lines[3], lines[4] = lines[4], lines[3]


def _replace_field(k, value, row=5):
    def edit(lines):
        parts = lines[row - 1].split(",")
        parts[k] = value
        lines[row - 1] = ",".join(parts)

    return edit


@pytest.mark.parametrize(
    "file,edit,row,column",
    [
        (
            "dials.csv",
            lambda lines: lines.__setitem__(0, lines[0].replace("outcome,", "result,")),
            1,
            "outcome",
        ),
        ("dials.csv", _replace_field(7, "hung_up"), 5, "outcome"),
        ("dials.csv", _replace_field(9, "-12.5"), 5, "talk_s"),
        ("dials.csv", _replace_field(0, "2023-12-31T09:00:00"), 5, "call_start"),
        ("dials.csv", lambda lines: lines.clear(), 1, "call_start"),
        ("promises.csv", lambda lines: del_after(lines, 1), 2, "promise_id"),
        ("shifts.csv", _replace_field(6, "abc", row=3), 3, "productive_s"),
        ("payments.csv", _replace_field(4, "gift", row=2), 2, "source"),
        ("accounts.csv", _replace_field(6, "x", row=9), 9, "risk_score"),
    ],
)
def test_bad_data_exit_2_naming_file_row_and_column(trace_dir, tmp_path, capsys, file, edit, row, column):
    folder = _corrupt(trace_dir, tmp_path, file, edit)
    code, _, err = run([folder, "--out", tmp_path / "o.toml"], capsys)
    assert code == 2, err
    assert f"{folder / file}, row {row}, column {column}:" in err
    assert "Traceback" not in err and not (tmp_path / "o.toml").exists()


def del_after(lines, k):
    del lines[k:]


def test_a_check_that_cannot_fail_is_inconclusive_not_passed():
    """Two replications far apart and no SE from the data: the check could not detect an error
    of 25%, so it is 'inconclusive', and a back-test with one at the center says so instead of
    PASSED."""
    from simulator.calibrate.backtest import Backtest
    from simulator.calibrate.backtest import check_metric as _check

    c = _check("center", "collected", 15_000.0, [10_000.0, 30_000.0], 0.995, 0.2)
    assert c.verdict == "inconclusive" and c.sim_low < 0 < 2 * 15_000 < c.sim_high and c.mde > 1
    assert (
        _check("center", "collected", 15_000.0, [14_600.0, 15_200.0, 14_700.0, 14_900.0], 0.995, 0.2).verdict
        == "pass"
    )
    assert (
        _check("center", "collected", 15_000.0, [20_000.0, 20_100.0, 19_900.0], 0.995, 0.2).verdict == "fail"
    )
    bt = Backtest(1, 4, "2024-01-05", 2, 0.995, checks=[c])
    assert not bt.passed and bt.inconclusive == 1 and "back-test INCONCLUSIVE" in bt.table()


def test_bad_numbers_on_the_command_line_exit_2_before_any_work(capsys):
    from simulator.cli import main

    for args in (["--seed", "-1"], ["-r", "0"], ["--holdout-days", "x"]):
        try:
            code = main(["calibrate", "nowhere", "--backtest", *args])
        except SystemExit as e:
            code = e.code
        assert code == 2, args
        assert "expected a whole number" in capsys.readouterr().err


def test_strict_judges_the_back_test_only(trace_dir, tmp_path, capsys):
    code, _, err = run([trace_dir, "--out", tmp_path / "o.toml", "--strict"], capsys)
    assert code == 2 and "--strict judges the back-test: it needs --backtest" in err
    assert not (tmp_path / "o.toml").exists()
