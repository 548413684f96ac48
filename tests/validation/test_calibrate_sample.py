"""The sample data set of examples/ (simulated by collectsim from examples/sample_center.toml):
small, as documented, fitted and back-tested through the command line; and bad data in it
refused with exit 2, naming the file, the row and the column."""

from __future__ import annotations

import copy
import csv
import re
import shutil

import pytest
import tomli_w

from simulator.cli import main
from simulator.scenario import load_scenario
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
SAMPLE = EXAMPLES / "sample_trace"
SCENARIO = EXAMPLES / "sample_center.toml"


def test_the_sample_is_small_and_as_documented():
    files = sorted(SAMPLE.glob("*.csv"))
    assert {f.name for f in files} == {
        "dials.csv",
        "promises.csv",
        "payments.csv",
        "accounts.csv",
        "shifts.csv",
        "account_events.csv",
    }
    assert sum(f.stat().st_size for f in files) < 700_000
    readme = (EXAMPLES / "README.md").read_text()
    for f in files:
        with open(f, newline="") as fh:
            rows = sum(1 for _ in csv.reader(fh)) - 1
        assert re.search(rf"`{f.name}` \| {rows:,} \|", readme), (f.name, rows)
    assert "collectsim run examples/sample_center.toml -r 1 --seed 1 --trace examples/sample_trace" in readme
    sc = load_scenario(SCENARIO).scenario
    with open(SAMPLE / "shifts.csv", newline="") as fh:
        shifts = list(csv.DictReader(fh))
    assert len({r["date"] for r in shifts}) == sc.calendar.working_days
    assert len({r["collector_id"] for r in shifts}) == sum(t.headcount for t in sc.teams.values())


def run(argv, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def wrong_scenario(path):
    """sample_center made wrong where the data can tell: promise, keep and amount, talk time,
    breaks."""
    raw = copy.deepcopy(dict(load_scenario(SCENARIO).raw))
    for s in raw["segments"].values():
        s["promise_probability"], s["keep_probability"] = 0.5, 0.3
        s["payment_usd"] = {"dist": "lognormal", "mean": 80.0, "sd": 60.0}
        s["outcomes"]["rpc"]["talk_time_s"] = {"dist": "lognormal", "mean": 90.0, "sd": 45.0}
    for t in raw["teams"].values():
        t["breaks"] = [{"start_time": "10:30", "length_min": 5.0}]
        t["lunch"] = {"start_time": "12:30", "length_min": 20.0}
        t["meeting_min_per_day"] = t["training_min_per_day"] = 0.0
    path.write_text(tomli_w.dumps(raw))
    return path


def verdicts(out: str) -> dict[tuple[str, str], str]:
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[-1] in ("pass", "FAIL", "(<1%)", "inconclusive"):
            rows[(parts[0], parts[1])] = parts[-1] if parts[-1] in ("FAIL", "inconclusive") else "pass"
    return rows


@pytest.mark.slow
def test_the_back_test_of_the_sample_is_inconclusive_on_one_day(capsys):
    """One held-out day of three collectors fails nothing and cannot judge the kept rate or the
    value per hour: INCONCLUSIVE (tests/validation/test_backtest_power.py: all four days pass)."""
    code, out, err = run(["calibrate", SAMPLE, "--base", SCENARIO, "--backtest", "-r", "10"], capsys)
    assert code == 0, err
    assert "back-test: last 1 day(s) from 2024-01-04 held out, fit on 3 day(s); 10 replications" in out
    assert "back-test INCONCLUSIVE: 0 of 30 checks failed" in out
    assert len(verdicts(out)) == 30


@pytest.mark.slow
def test_a_wrong_scenario_fails_the_back_test(capsys, tmp_path):
    wrong = wrong_scenario(tmp_path / "wrong.toml")
    code, out, err = run(["calibrate", SAMPLE, "--base", wrong, "--backtest", "--no-fit", "-r", "10"], capsys)
    assert code == 0, err
    assert "back-test FAILED" in out
    v = verdicts(out)
    for layer in ("productive_rate", "promise_rate", "value_per_paid_hour"):
        assert v[("center", layer)] == "FAIL", layer
    # fitted from the same wrong base, the wrong values are replaced by what the data say. (The
    # kept rate is left out: the held-out day kept 71% of its promises against 59% in the three
    # fitted days, at the edge of the check whatever the base.)
    code, out, err = run(["calibrate", SAMPLE, "--base", wrong, "--backtest", "-r", "10"], capsys)
    v = verdicts(out)
    assert code == 0
    for layer in ("productive_rate", "promise_rate", "avg_payment", "value_per_paid_hour"):
        assert v[("center", layer)] != "FAIL", out


def _edit(folder, file, fn):
    lines = (folder / file).read_text().splitlines()
    fn(lines)
    (folder / file).write_text("\n".join(lines) + ("\n" if lines else ""))


def _field(col, value, row=5):
    def fn(lines):
        header = lines[0].split(",")
        parts = lines[row - 1].split(",")
        parts[header.index(col)] = value
        lines[row - 1] = ",".join(parts)

    return fn


@pytest.mark.parametrize(
    "what,file,edit,row,column",
    [
        (
            "missing column",
            "dials.csv",
            lambda ls: ls.__setitem__(0, ls[0].replace("outcome,", "result,")),
            1,
            "outcome",
        ),
        ("unknown outcome code", "dials.csv", _field("outcome", "hung_up"), 5, "outcome"),
        ("negative duration", "dials.csv", _field("talk_s", "-12.5"), 5, "talk_s"),
        ("dates out of order", "dials.csv", _field("call_start", "2023-12-31T09:00:00"), 5, "call_start"),
        ("empty file", "promises.csv", lambda ls: ls.clear(), 1, "promise_id"),
    ],
)
def test_bad_data_exits_2_through_the_command_line(capsys, tmp_path, what, file, edit, row, column):
    folder = tmp_path / "bad"
    shutil.copytree(SAMPLE, folder)
    _edit(folder, file, edit)
    out = tmp_path / "fitted.toml"
    code, _, err = run(["calibrate", folder, "--out", out], capsys)
    assert code == 2, (what, err)
    assert f"{folder / file}, row {row}, column {column}:" in err, (what, err)
    assert "Traceback" not in err and not out.exists()


def test_the_sample_is_what_its_documented_command_writes(tmp_path, capsys):
    """examples/README.md gives the command that made sample_trace/: it must still write exactly
    those files (a change to the world's random streams or trace format shows up here)."""
    code, _, err = run(
        [
            "run",
            str(SAMPLE.parent / "sample_center.toml"),
            "-r",
            "1",
            "--seed",
            "1",
            "-q",
            "--trace",
            str(tmp_path / "t"),
        ],
        capsys,
    )
    assert code == 0, err
    for f in sorted(SAMPLE.iterdir()):
        assert (tmp_path / "t" / f.name).read_bytes() == f.read_bytes(), f.name
