"""Absurd runs are refused before anything is simulated, with their estimate, unless --yes; a
sweep's grid is counted and sized without building it; the estimate knows a call can last days."""

from __future__ import annotations

import pytest

from simulator.cli import main
from simulator.experiment import replications as experiment
from simulator.studies.sweep import plan as sweep_plan

from ..conftest import ROOT, tiny_scenario, write_toml

SAMPLE = ROOT / "examples" / "sample_center.toml"
TABLE = ROOT / "scenarios" / "table_14_1.toml"
ENDLESS_TALK = "segments.low_risk.outcomes.rpc.talk_time_s=1e12"


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "bug" not in err, err
    return code, out, err


@pytest.fixture
def few_variants_loaded(monkeypatch):
    """Fails the test if sizing a sweep loads more than a handful of its variants."""
    real = sweep_plan.load_scenario
    calls = [0]

    def counting(*a, **k):
        calls[0] += 1
        if calls[0] > 50:
            raise AssertionError("the grid was built variant by variant before it was refused")
        return real(*a, **k)

    monkeypatch.setattr(sweep_plan, "load_scenario", counting)
    return calls


def test_a_billion_replications_are_refused_with_the_estimate(capsys, no_simulation):
    code, out, err = run_cli(capsys, "run", SAMPLE, "-r", "1000000000", "-q")
    assert code == 2 and out == ""
    assert "1,000,000,000 replication(s)" in err and "years" in err and "of memory" in err
    assert "more than 24.0 h" in err and "--yes" in err and "Nothing was run" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", TABLE, "--set-b", "teams.low_risk_team.headcount=11", "-r", "100000000"],
        ["sensitivity", TABLE, "-r", "100000000"],
        ["run", TABLE, "-r", "2", "--precision", "collected=0.0001", "--max-replications", "1000000000"],
    ],
    ids=["compare", "sensitivity", "precision-cap"],
)
def test_the_same_rule_for_every_command_that_simulates(capsys, no_simulation, argv):
    code, _, err = run_cli(capsys, *argv, "-q")
    assert code == 2 and "is estimated at about" in err and "--yes" in err


def test_a_run_within_the_bounds_is_not_refused(capsys, tmp_path):
    scen = write_toml(tmp_path / "s.toml", tiny_scenario())
    code, _, err = run_cli(capsys, "run", scen, "-r", "2", "-q")
    assert code == 0 and err == ""


def test_yes_runs_it_anyway(capsys, monkeypatch):
    seen = {}

    def stop(loaded, replications, *a, **k):
        seen["replications"] = replications
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment, "run_experiment", stop)
    code, _, err = run_cli(capsys, "run", SAMPLE, "-r", "1000000000", "-q", "--yes")
    assert code == 130 and seen["replications"] == 1_000_000_000
    assert "note: this run is estimated at about" in err and "years" in err


def test_a_sweep_of_a_million_variants_is_counted_and_refused_without_building_it(
    capsys, tmp_path, no_simulation, few_variants_loaded
):
    values = ",".join(str(v) for v in range(1, 1001))
    code, _, err = run_cli(
        capsys,
        "sweep",
        TABLE,
        "--set",
        f"teams.low_risk_team.headcount={values}",
        "--set",
        f"teams.high_risk_team.headcount={values}",
        "--out",
        tmp_path / "out",
    )
    assert code == 2
    assert "sweep of 1,000,000 variant(s) x 10 replication(s) = 10,000,000 is estimated at about" in err
    assert "--yes" in err and few_variants_loaded[0] <= 10
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("hi", [100_000, 10**15])
def test_staff_over_a_huge_range_is_refused_at_once(capsys, tmp_path, no_simulation, few_variants_loaded, hi):
    code, _, err = run_cli(
        capsys, "staff", TABLE, "--team", "low_risk_team", "--range", f"1:{hi}", "--out", tmp_path / "o"
    )
    assert code == 2 and f"staff of {hi:,} variant(s) x 10 replication(s)" in err, err
    assert "--yes" in err and few_variants_loaded[0] <= 10


def test_a_sweep_says_its_grid_and_estimate_before_the_first_replication(capsys, tmp_path, monkeypatch):
    said = []
    real = experiment.replication_job

    def first(*a, **k):
        said.append(capsys.readouterr().out)
        return real(*a, **k)

    monkeypatch.setattr(experiment, "replication_job", first)
    scen = write_toml(tmp_path / "s.toml", tiny_scenario())
    code, _, _ = run_cli(
        capsys, "sweep", scen, "--set", "teams.t1.headcount=1,2", "-r", "2", "-q", "--out", tmp_path / "o"
    )
    assert code == 0 and len(said) == 4
    head = "collectsim: sweep of 2 variant(s) x 2 replication(s) = 4 is estimated at about"
    assert said[0].startswith(head)


def test_validate_says_a_single_replication_is_over_the_bounds(capsys):
    code, out, _ = run_cli(capsys, "validate", TABLE, "--set", ENDLESS_TALK)
    assert code == 0 and "note: even one replication is over the bounds" in out and "--yes" in out
    code, out, _ = run_cli(capsys, "validate", TABLE)
    assert code == 0 and "note:" not in out


def test_run_refuses_a_call_that_lasts_thousands_of_years(capsys, no_simulation):
    code, _, err = run_cli(capsys, "run", TABLE, "--set", ENDLESS_TALK, "-r", "1", "-q")
    assert code == 2 and "available on this machine" in err and "--yes" in err


def test_help_documents_yes(capsys):
    for cmd in ("run", "compare", "sweep", "staff", "sensitivity", "optimize"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--yes run even when the estimate is over the bounds: more than 24.0 h" in text, cmd
