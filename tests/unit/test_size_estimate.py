"""The size estimate: a call that lasts days makes the run go on for them, and a run's memory does
not grow with its replications."""

from __future__ import annotations

from simulator.cli import main
from simulator.experiment.sizing import CONFIRM_RUN_S, describe_duration, estimate, run_estimate
from simulator.scenario.load import load_scenario

from ..conftest import ROOT

SAMPLE = ROOT / "examples" / "sample_center.toml"
TABLE = ROOT / "scenarios" / "table_14_1.toml"
ENDLESS_TALK = "segments.low_risk.outcomes.rpc.talk_time_s=1e12"


def test_validate_estimates_a_call_that_lasts_thousands_of_years(capsys):
    """A right-party talk time of 1e12 s: the run waits 11.6 million days for that call to end
    (about 12 minutes and 45 GB measured on 1e10 and 3e10 s, 8 s / 523 MB and 21 s / 1.4 GB);
    validate said 0.3 s and 78 MB."""
    assert main(["validate", str(TABLE), "--set", ENDLESS_TALK]) == 0
    out = capsys.readouterr().out
    assert "11,574,105 simulated days" in out and "talk_time_s mean 1e+12 s" in out
    assert " GB of memory" in out and "min of one core" in out


def test_the_estimate_grows_with_the_simulated_days():
    sc = load_scenario(TABLE).scenario
    long = load_scenario(TABLE, ["segments.low_risk.outcomes.rpc.talk_time_s=4e9"]).scenario
    e, f = estimate(sc), estimate(long)
    assert e.long_call_days == 0 and f.long_call_days == 46_296
    # measured: 3.7 s and 173 MB more than the plain scenario (see simulator/experiment/sizing.py)
    assert 1.5 < f.seconds - e.seconds < 8 and 80 < f.peak_mb - e.peak_mb < 400


def test_a_runs_memory_does_not_grow_with_its_replications():
    e = estimate(load_scenario(SAMPLE).scenario)
    small, huge = run_estimate([e], 10_000), run_estimate([e], 10**9)
    assert huge.memory_mb == small.memory_mb < 300
    assert huge.wall_s > CONFIRM_RUN_S > small.wall_s
    assert run_estimate([e], 10).over_confirmation() == []
    assert "it would take more than" in huge.over_confirmation()[0]


def test_short_durations_show_their_digits():
    assert describe_duration(0.042) == "0.042 s" and describe_duration(42) == "42.0 s"
