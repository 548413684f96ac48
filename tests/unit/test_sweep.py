"""Sweeps: the grid, outputs, failures recorded, staffing conclusions (resuming after SIGKILL is
in tests/e2e/test_interrupts.py)."""

import csv
import json
from concurrent.futures import Future

import pytest

from simulator.cli import main
from simulator.experiment import replications as experiment
from simulator.studies.sweep import SweepError, parse_sweep_set, read_records, record_outcome, split_values

from ..conftest import tiny_scenario, write_toml


@pytest.fixture
def scen(tmp_path):
    return write_toml(tmp_path / "s.toml", tiny_scenario(accounts=1500))


def sweep(scen, out, *extra):
    return main(
        [
            "sweep",
            str(scen),
            "--set",
            "teams.t1.headcount=2,3",
            "-r",
            "3",
            "--seed",
            "4",
            "--out",
            str(out),
            "-q",
            *extra,
        ]
    )


def test_value_lists():
    assert split_values("5,10,15") == ["5", "10", "15"]
    assert split_values('[1,2],[3], "a,b"') == ["[1,2]", "[3]", '"a,b"']
    assert parse_sweep_set("dialer.mode=progressive,predictive") == (
        "dialer.mode",
        [("progressive", "progressive"), ("predictive", "predictive")],
    )
    assert parse_sweep_set("teams.t.headcount = 5, 10")[1] == [("5", 5), ("10", 10)]
    assert parse_sweep_set("a.b=[1,2]")[1] == [("[1,2]", [1, 2])]
    with pytest.raises(SweepError, match="listed twice"):
        parse_sweep_set("a=1,1")
    with pytest.raises(SweepError, match="empty value"):
        parse_sweep_set("a=1,,2")
    with pytest.raises(SweepError, match="PATH=VALUE"):
        parse_sweep_set("a")


def test_sweep_outputs(scen, tmp_path, capsys):
    out = tmp_path / "o"
    assert (
        main(
            [
                "sweep",
                str(scen),
                "--set",
                "teams.t1.headcount=2,3",
                "--set",
                "teams.t1.hourly_wage_usd=25.0",
                "-r",
                "2",
                "--out",
                str(out),
                "-q",
            ]
        )
        == 0
    )
    assert "v001" in capsys.readouterr().out
    doc = json.loads((out / "summary.json").read_text())
    assert doc["schema"] == "collectsim.sweep/1"
    assert set(doc["scenario"]) >= {"name", "sha256", "source"}
    assert doc["parameters"] == ["teams.t1.headcount"] and doc["fixed"] == {"teams.t1.hourly_wage_usd": 25.0}
    assert [v["id"] for v in doc["variants"]] == ["v000", "v001"]
    assert [v["values"] for v in doc["variants"]] == [{"teams.t1.headcount": 2}, {"teams.t1.headcount": 3}]
    v = doc["variants"][1]
    assert set(v["metrics"]) == {"center", "segments", "teams"}
    s = v["metrics"]["center"]["value_per_paid_hour"]
    assert set(s) >= {"mean", "ci95_low", "ci95_high", "values"} and len(s["values"]) == 2
    assert doc["failed"] == []
    with open(out / "tidy.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "variant",
        "teams.t1.headcount",
        "replication",
        "level",
        "unit",
        "metric",
        "value",
    ]
    n_metrics = len(experiment.ALL_METRICS)
    units = {"v000": 1 + 1 + 1 + 2, "v001": 1 + 1 + 1 + 3}  # center, segment, team, collectors
    assert len(rows) == 2 * n_metrics * sum(units.values())
    r = next(
        r
        for r in rows
        if r["variant"] == "v001"
        and r["replication"] == "1"
        and r["level"] == "center"
        and r["metric"] == "value_per_paid_hour"
    )
    assert float(r["value"]) == s["values"][1]
    with open(out / "summary.csv", newline="") as f:
        srows = list(csv.DictReader(f))
    c = next(
        r
        for r in srows
        if r["variant"] == "v001" and r["level"] == "center" and r["metric"] == "value_per_paid_hour"
    )
    assert float(c["mean"]) == s["mean"] and c["n"] == "2"
    res = json.loads((out / "variants" / "v001.json").read_text())
    assert res["schema"] == "collectsim.results/1" and res["metrics"]["center"]["value_per_paid_hour"] == s


def test_bad_variant_and_bad_folders(scen, tmp_path, capsys):
    assert (
        main(
            [
                "sweep",
                str(scen),
                "--set",
                "teams.t1.headcount=2,-1",
                "-r",
                "1",
                "--out",
                str(tmp_path / "a"),
                "-q",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "variant v001 (teams.t1.headcount=-1)" in err and "teams.t1.headcount = -1" in err
    assert not (tmp_path / "a").exists()  # validated before anything is written
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    assert sweep(scen, busy) == 2
    assert "holds no sweep manifest.json" in capsys.readouterr().err
    out = tmp_path / "o"
    assert (
        main(["sweep", str(scen), "--set", "teams.t1.headcount=2,3", "-r", "1", "--out", str(out), "-q"]) == 0
    )
    assert (
        main(["sweep", str(scen), "--set", "teams.t1.headcount=2,3", "-r", "2", "--out", str(out), "-q"]) == 2
    )
    assert "-r/--replications: 1 there, 2 now" in capsys.readouterr().err


def test_serial_and_process_pool_sweeps_are_identical(scen, tmp_path):
    assert sweep(scen, tmp_path / "a") == 0
    assert sweep(scen, tmp_path / "b", "--workers", "2") == 0
    for name in ("summary.json", "summary.csv", "tidy.csv", "variants/v000.json", "variants/v001.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_failing_replication_is_recorded_and_the_rest_go_on(scen, tmp_path, monkeypatch, capsys):
    real = experiment.run_replication

    def flaky(scenario, seed, replication):
        if scenario.teams["t1"].headcount == 3 and replication == 1:
            raise RuntimeError("injected failure")
        return real(scenario, seed, replication)

    monkeypatch.setattr(experiment, "run_replication", flaky)
    out = tmp_path / "o"
    assert sweep(scen, out) == 3
    err = capsys.readouterr().err
    assert "1 replication(s) failed" in err and "injected failure" in err
    doc = json.loads((out / "summary.json").read_text())
    assert doc["failed"] == [
        {
            "variant": "v001",
            "values": {"teams.t1.headcount": 3},
            "replication": 1,
            "error": "RuntimeError: injected failure",
        }
    ]
    v0, v1 = doc["variants"]
    assert v0["replications_ok"] == 3 and v1["replications_ok"] == 2 and v1["failed_replications"] == [1]
    assert len(v1["metrics"]["center"]["collected"]["values"]) == 2
    recs = [json.loads(line) for line in (out / "replications.jsonl").read_text().splitlines()]
    bad = [r for r in recs if not r["ok"]]
    assert len(bad) == 1 and "injected failure" in bad[0]["traceback"]
    # a rerun tries the failed replication again and ends like a clean run
    monkeypatch.setattr(experiment, "run_replication", real)
    assert sweep(scen, out) == 0
    assert sweep(scen, tmp_path / "clean") == 0
    assert (out / "summary.json").read_bytes() == (tmp_path / "clean" / "summary.json").read_bytes()


def test_record_outcome_and_torn_lines(tmp_path):
    fut = Future()
    fut.set_exception(ValueError("boom"))
    rec = record_outcome("v003", 2, 9, fut)
    assert rec["ok"] is False and rec["error"] == "ValueError: boom" and rec["variant"] == "v003"
    fut = Future()
    fut.set_result({"x": 1})
    assert record_outcome("v000", 0, 9, fut) == {
        "variant": "v000",
        "replication": 0,
        "seed": 9,
        "ok": True,
        "result": {"x": 1},
    }
    p = tmp_path / "r.jsonl"
    p.write_text(
        '{"variant": "v000", "replication": 0, "ok": true, "result": 1}\n'
        '{"variant": "v000", "replication": 1, "ok": false, "error": "E"}\n'
        '{"variant": "v000", "replication": 1, "ok": true, "result": 2}\n{"variant": "v0'
    )
    recs = read_records(p)
    assert recs[("v000", 1)]["result"] == 2 and len(recs) == 2  # the later record of a job wins
    assert p.read_text().endswith('"result": 2}\n')  # the torn line is gone


def test_staff(scen, tmp_path, capsys):
    out = tmp_path / "st"
    rc = main(
        [
            "staff",
            str(scen),
            "--team",
            "t1",
            "--range",
            "1:3",
            "-r",
            "3",
            "--out",
            str(out),
            "-q",
            "--constraint",
            "accounts_dialed_share>=0.25",
            "--constraint",
            "abandon_rate<=0.03",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "largest mean net value: headcount" in text and "smallest headcount meeting" in text
    doc = json.loads((out / "summary.json").read_text())
    st = doc["staffing"]
    assert doc["parameters"] == ["teams.t1.headcount"]
    assert [r["headcount"] for r in st["rows"]] == [1, 2, 3]
    cov = [r["accounts_dialed_share"]["mean"] for r in st["rows"]]
    assert cov == sorted(cov)  # more collectors reach more of the list
    nets = {r["headcount"]: r["net_value"]["mean"] for r in st["rows"]}
    assert st["best_net_value"]["headcount"] == max(nets, key=nets.get)
    ok = [r["headcount"] for r in st["rows"] if r["accounts_dialed_share"]["mean"] >= 0.25]
    assert st["smallest_meeting_constraints"] == (
        {"headcount": ok[0], "variant": f"v{ok[0] - 1:03d}"} if ok else None
    )
    assert main(["staff", str(scen), "--team", "nope", "--range", "1:3", "--out", str(tmp_path / "x")]) == 2
    assert "expected one of: t1" in capsys.readouterr().err
    assert main(["staff", str(scen), "--team", "t1", "--range", "3:1", "--out", str(tmp_path / "x")]) == 2


def test_a_folder_in_use_is_refused(scen, tmp_path, capsys, monkeypatch):
    from simulator.studies.sweep.store import _Lock

    monkeypatch.setattr(_Lock, "wait_s", 0.2)

    out = tmp_path / "o"
    out.mkdir()
    lock = _Lock(out)  # as if another sweep were writing there
    try:
        assert sweep(scen, out) == 2
        assert "another collectsim sweep is writing to this folder" in capsys.readouterr().err
    finally:
        lock.close()
    assert sweep(scen, out) == 0


def test_staff_marginal_net_value_is_paired_by_replication(scen, tmp_path, capsys):
    """+1 collector = (net(h) - net(h_prev)) / step, replication by replication (common random
    numbers), with its t-interval; service measures per headcount."""
    from simulator.base.statistics import t_interval

    out = tmp_path / "st"
    assert (
        main(
            [
                "staff",
                str(scen),
                "--team",
                "t1",
                "--range",
                "1:5",
                "--step",
                "2",
                "-r",
                "4",
                "--out",
                str(out),
                "-q",
                "--set",
                "costs.dialer_seat_usd_per_day=40",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert (
        "+1 collector" in text and "attempted 7d" in text and "each added collector brings net value" in text
    )
    doc = json.loads((out / "summary.json").read_text())
    st = doc["staffing"]
    rows = st["rows"]
    assert rows[0]["marginal_net_value"] is None

    def nv(row):
        """The net value of each replication of the row's variant."""
        variant = next(v for v in doc["variants"] if v["id"] == row["variant"])
        return variant["metrics"]["center"]["net_value"]["values"]

    for prev, row in zip(rows, rows[1:]):
        diffs = [(b - a) / 2 for a, b in zip(nv(prev), nv(row))]
        mean, lo, hi = t_interval(diffs)
        mv = row["marginal_net_value"]
        assert mv["from_headcount"] == prev["headcount"] and mv["n"] == 4
        assert mv["mean"] == pytest.approx(mean) and mv["ci95_low"] == pytest.approx(lo)
        for m in ("attempted_7d_share", "contacted_7d_share", "attempts_per_account"):
            assert row[m]["mean"] is not None
        assert 0 < row["contacted_7d_share"]["mean"] < row["attempted_7d_share"]["mean"] <= 1
    # more collectors dial more of the list in the last week; paying steps end where the CI reaches 0
    att = [r["attempted_7d_share"]["mean"] for r in rows]
    assert att == sorted(att)
    paying = st["last_paying_headcount"]
    ok = [r["headcount"] for r in rows[1:] if r["marginal_net_value"]["ci95_low"] > 0]
    assert paying == (ok[-1] if ok and ok == [r["headcount"] for r in rows[1 : len(ok) + 1]] else None)


def test_marginal_skips_failed_replications():
    from simulator.studies.staffing import _marginal

    def variant(vid, values, failed=()):
        return {
            "id": vid,
            "failed_replications": list(failed),
            "metrics": {"center": {"net_value": {"values": values}}},
        }

    by_id = {"a": variant("a", [10.0, 20.0, 30.0]), "b": variant("b", [14.0, 38.0], failed=[1])}
    rows = [{"headcount": 1, "variant": "a"}, {"headcount": 3, "variant": "b"}]
    _marginal(rows, by_id, 3)
    mv = rows[1]["marginal_net_value"]
    assert mv["n"] == 2 and mv["mean"] == pytest.approx(((14 - 10) / 2 + (38 - 30) / 2) / 2)
