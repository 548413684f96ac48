"""``collectsim optimize`` on a tiny scenario, in process: its input checks (exit 2 before
anything runs), its outputs, and resuming (a run stopped by a small cap, then run again with a
larger one, equals an uninterrupted run). Interrupting it with Ctrl-C is in
tests/e2e/test_optimize_e2e.py."""

import json

import pytest

from simulator.cli import main
from simulator.experiment import replications as experiment

from ..conftest import tiny_scenario, write_toml


@pytest.fixture
def scen(tmp_path):
    # 400 accounts for 1 day: past 3 collectors the list runs dry, so headcounts 3 and 4 bring
    # net values about 150 apart and 5 less (more cost for the same list)
    return write_toml(tmp_path / "s.toml", tiny_scenario(accounts=400))


def optimize(scen, out, *extra, vary="teams.t1.headcount=3:5:1"):
    return main(
        [
            "optimize",
            str(scen),
            "--vary",
            vary,
            "--objective",
            "net_value",
            "--delta",
            "100",
            "--out",
            str(out),
            "-q",
            *extra,
        ]
    )


def test_bad_input_exits_2_before_anything_runs(scen, tmp_path, capsys):
    out = tmp_path / "o"
    assert optimize(scen, out, vary="teams.nope.headcount=2,3") == 2
    err = capsys.readouterr().err
    assert "2 of 2 variant(s) are not valid scenarios" in err and "nope" in err
    assert not out.exists()
    assert optimize(scen, out, vary="teams.t1.headcount=x:5:1") == 2
    assert "LO:HI:STEP with numbers" in capsys.readouterr().err
    assert optimize(scen, out, vary="teams.t1.headcount=3,x") == 2
    assert "1 of 2 variant(s) are not valid" in capsys.readouterr().err
    assert optimize(scen, out, vary="teams.t1.headcount=5:3:1") == 2
    assert "LO <= HI" in capsys.readouterr().err
    assert optimize(scen, out, vary="teams.t1.headcount=4") == 2
    assert "two or more" in capsys.readouterr().err
    assert optimize(scen, out, "--constraint", "net_value>=0") == 2
    assert "--tolerance net_value=EPS" in capsys.readouterr().err
    assert optimize(scen, out, "--tolerance", "abandon_rate=0.01") == 2
    assert "no --constraint on that metric" in capsys.readouterr().err
    assert main(["optimize", str(scen), "--vary", "teams.t1.headcount=3,4", "--objective", "net_valu",
                 "--delta", "1", "--out", str(out), "-q"]) == 2  # fmt: skip
    assert "did you mean 'net_value'" in capsys.readouterr().err
    assert optimize(scen, out, "--alpha", "0.7") == 2
    assert optimize(scen, out, "--n0", "1") == 2
    assert optimize(scen, out, "--n0", "10", "--max-replications", "5") == 2
    assert not out.exists()


def test_outputs_and_the_choice(scen, tmp_path, capsys):
    out = tmp_path / "o"
    assert (
        optimize(
            scen,
            out,
            "--vary",
            "teams.t1.hourly_wage_usd=20.0,26.0",
            "--constraint",
            "value_per_paid_hour>=300",
            "--tolerance",
            "value_per_paid_hour=20",
            vary="teams.t1.headcount=2:6:2",
        )
        == 0
    )
    text = capsys.readouterr().out
    doc = json.loads((out / "summary.json").read_text())
    assert doc["schema"] == "collectsim.optimize/1"
    assert doc["parameters"] == ["teams.t1.headcount", "teams.t1.hourly_wage_usd"]
    assert len(doc["designs"]) == 6
    assert doc["guarantee"] and doc["stopped"] == "one design left"
    # value per paid hour falls as headcount grows past the list (~485 at 2, ~345 at 4, ~230
    # at 6): headcount 6 fails the constraint; 4 brings the most net value, and the cheaper wage
    # wins since it differs by 6 x 4 collectors x 8 h = 192 dollars a day, more than delta
    by = {
        (d["values"]["teams.t1.headcount"], d["values"]["teams.t1.hourly_wage_usd"]): d
        for d in doc["designs"]
    }
    assert by[(6, 20.0)]["status"] == by[(6, 26.0)]["status"] == "infeasible"
    assert doc["chosen"]["values"] == {"teams.t1.headcount": 4, "teams.t1.hourly_wage_usd": 20.0}
    assert doc["chosen"]["feasibility_shown"]
    assert sorted(doc["eliminated"] + doc["infeasible"] + [doc["chosen"]["id"]]) == [
        d["id"] for d in doc["designs"]
    ]
    rep = doc["replications"]
    assert rep["spent"] == sum(d["simulated"] for d in doc["designs"])
    assert rep["exhaustive_grid"] == 6 * rep["grid_per_design"] and rep["grid_per_design"] >= 10
    assert rep["share_of_grid"] == pytest.approx(rep["spent"] / rep["exhaustive_grid"])
    lines = (out / "replications.jsonl").read_text().splitlines()
    assert len(lines) == rep["spent"]
    # the text names the chosen design, what was screened out, and the cost against the grid
    assert f"chosen: {doc['chosen']['id']} (teams.t1.headcount=4, teams.t1.hourly_wage_usd=20.0)" in text
    assert "infeasible: " in text and "eliminated: " in text
    assert f"replications: {rep['spent']} spent; an exhaustive grid at the same precision: 6 x" in text
    assert "guarantee: P(the chosen design is within delta = 100 of the best feasible one) >= 0.95" in text
    proc = doc["procedure"]
    assert proc["eta"] == pytest.approx(((2 * 0.025 / 5) ** (-2 / 9) - 1) / 2)
    assert proc["beta"] == pytest.approx(0.025 / 6)


def test_a_capped_run_resumes_to_the_uninterrupted_result(scen, tmp_path, capsys):
    """Headcounts 3 and 4 need about 20 replications to separate at delta 100. Capped at 15
    the run names the better mean and both designs, without the guarantee; run again in the
    same folder with the default cap it reuses those replications and ends where an
    uninterrupted run ends, to the byte."""
    out = tmp_path / "o"
    assert optimize(scen, out, "--max-replications", "15") == 0
    first = capsys.readouterr().out
    capped = json.loads((out / "summary.json").read_text())
    assert capped["stopped"] == "cap reached" and not capped["guarantee"]
    assert len(capped["not_separated"]) == 1
    assert "guarantee: not established" in first and "could not separate from it: v00" in first
    spent = capped["replications"]["spent"]
    assert optimize(scen, out) == 0
    again = capsys.readouterr().out
    assert "already done" in again and f", {spent} already done" in again
    assert optimize(scen, tmp_path / "fresh") == 0
    capsys.readouterr()
    assert (out / "summary.json").read_bytes() == (tmp_path / "fresh" / "summary.json").read_bytes()
    doc = json.loads((out / "summary.json").read_text())
    assert doc["guarantee"] and doc["chosen"]["values"] == {"teams.t1.headcount": 4}
    assert doc["designs"][1]["replications"] > 15
    # another study in the folder is refused
    assert optimize(scen, out, vary="teams.t1.headcount=3,4") == 2
    assert "holds a different sweep" in capsys.readouterr().err


def test_failed_replications_undefined_metrics_and_conflicts(scen, tmp_path, monkeypatch, capsys):
    """A replication that raises stops the run with exit 3, recorded, and a rerun retries it; an
    objective a design leaves undefined (null) is bad input; --set and --vary on one path too."""
    real = experiment.run_replication

    def flaky(scenario, seed, replication):
        if replication == 3 and scenario.teams["t1"].headcount == 4:
            raise RuntimeError("boom")
        return real(scenario, seed, replication)

    monkeypatch.setattr(experiment, "run_replication", flaky)
    out = tmp_path / "o"
    assert optimize(scen, out) == 3
    err = capsys.readouterr().err
    assert "1 replication(s) raised" in err and "v001 replication 3: RuntimeError: boom" in err
    assert not (out / "summary.json").exists()
    monkeypatch.setattr(experiment, "run_replication", real)
    assert optimize(scen, out) == 0
    assert ", 29 already done" in capsys.readouterr().out  # the first stage but the failed one
    # net economic value needs a living portfolio with a control group: null here
    code = main(["optimize", str(scen), "--vary", "teams.t1.headcount=3,4", "--objective",
                 "net_economic_value", "--delta", "1", "--out", str(tmp_path / "n"), "-q"])  # fmt: skip
    assert code == 2
    assert "center.net_economic_value is undefined (null) in design v000" in capsys.readouterr().err
    assert optimize(scen, tmp_path / "c", "--set", "teams.t1.headcount=3") == 2
    assert "is also given to --vary" in capsys.readouterr().err


def test_one_tolerance_serves_every_constraint_on_its_metric(scen, tmp_path, capsys):
    out = tmp_path / "o"
    extra = [
        "--constraint",
        "abandon_rate>=0",
        "--constraint",
        "abandon_rate<=0.05",
        "--tolerance",
        "abandon_rate=0.01",
    ]
    assert optimize(scen, out, *extra) == 0
    doc = json.loads((out / "summary.json").read_text())
    assert [c["tolerance"] for c in doc["constraints"]] == [0.01, 0.01]
    assert all(c["decision"] == "feasible" for d in doc["designs"] for c in d["constraints"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "executor", [["--workers", "2"], ["--executor", "dask", "--workers", "2"]], ids=["process", "dask"]
)
def test_the_process_pool_and_dask_decide_as_the_serial_run(scen, tmp_path, executor):
    if "dask" in executor:
        pytest.importorskip("distributed")
    assert optimize(scen, tmp_path / "a") == 0
    assert optimize(scen, tmp_path / "b", *executor, "--batch", "3") == 0
    a = json.loads((tmp_path / "a" / "summary.json").read_text())
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    for doc in (a, b):
        doc["procedure"].pop("batch")
        for d in doc["designs"]:
            d.pop("simulated")
        doc.pop("replications")
    assert a == b
