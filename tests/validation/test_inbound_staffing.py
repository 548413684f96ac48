"""``collectsim staff`` with an inbound service-level constraint against Erlang C.

The center of test_inbound_erlang.py (one inbound desk working round the clock, Poisson arrivals,
exponential handling, no abandonment, the first day a warm-up) at 60 calls an hour of 300 s: an
offered load of 5 Erlangs. Erlang C needs 8 agents for 80% of calls answered within 20 s: 7
answer 71.6% in time and 8 answer 86.3% (measures/erlang.py). ``staff`` over 6-10 collectors with
``--constraint 'service_level>=0.8'`` must name 8, the Erlang C figure itself, not one off: with
4 replications of two measured days the 95% CI half-width of the service level at 7 and 8
collectors is 0.03-0.06, a standard error under 0.02 (half-width / t(3) = 3.18), while the two
Erlang figures are 0.084 and 0.063 from 0.8: more than 3 standard errors (asserted), so a mean
on the wrong side of 0.8 would be a model error, not noise. The simulated service level's 95% CI
holds the Erlang C figure at every headcount of the range.
"""

import json

import pytest

from simulator.measures.erlang import Traffic, agents_needed, figures

from ..conftest import cli, write_toml
from .test_inbound_erlang import inbound_center

CALLS_PER_HOUR, AHT_S = 60.0, 300.0
T_975_3DF = 3.182  # Student t quantile of a 95% CI from 4 replications


@pytest.mark.slow
def test_staff_names_the_erlang_c_headcount(tmp_path, capsys):
    traffic = Traffic(CALLS_PER_HOUR, AHT_S)
    needed = agents_needed("c", traffic, "service_level", 0.8, target_s=20.0)
    assert needed == 8
    path = write_toml(tmp_path / "desk.toml", inbound_center(8, CALLS_PER_HOUR, AHT_S, 1.0e9, days=3))
    out = tmp_path / "staff"
    code, text, err = cli(
        capsys,
        "staff",
        str(path),
        "--team",
        "desk",
        "--range",
        "6:10",
        "-r",
        "4",
        "--seed",
        "2",
        "--constraint",
        "service_level>=0.8",
        "--out",
        str(out),
        "-q",
    )
    assert code == 0, err
    st = json.loads((out / "summary.json").read_text())["staffing"]
    assert st["smallest_meeting_constraints"]["headcount"] == needed
    assert st["smallest_meeting_constraints_ci95"]["headcount"] in (needed, needed + 1)
    assert f"smallest headcount meeting service_level>=0.8: {needed} (on the means)" in text
    head = next(line for line in text.splitlines() if line.startswith("headcount"))
    assert "service level" in head and "inbound abandon" in head and "ASA s" in head
    for row in st["rows"]:
        sl, n = row["service_level"], row["headcount"]
        theory = figures("c", traffic, n, target_s=20.0).service_level
        assert sl["ci95_low"] <= theory <= sl["ci95_high"], (n, theory, sl)
        if n in (needed - 1, needed):  # the power of the test: 0.8 is 3+ standard errors away
            se = (sl["ci95_high"] - sl["mean"]) / T_975_3DF
            assert abs(theory - 0.8) > 3 * se, (n, theory, se)
        assert row["inbound_abandon_rate"]["mean"] == 0.0  # Erlang C: nobody hangs up


def test_team_level_queue_constraint_is_refused(tmp_path, capsys):
    """A queue measure is null for a team: a constraint on it would never hold, so it is refused."""
    path = write_toml(tmp_path / "desk.toml", inbound_center(8, CALLS_PER_HOUR, AHT_S, 1.0e9, days=2))
    args = ["staff", str(path), "--team", "desk", "--range", "6:7", "-r", "2", "--out", str(tmp_path / "o")]
    code, _, err = cli(capsys, *args, "--constraint", "teams.desk.service_level>=0.8")
    assert code == 2
    assert "service_level is a measure of the inbound queue" in err
    assert "use service_level or segments.SEGMENT.service_level" in err
    assert not (tmp_path / "o").exists()  # refused before any run


def test_inbound_metric_references_are_checked():
    """Every user-given metric reference (constraints, --precision) is checked the same way."""
    from simulator.experiment.replications import parse_metric_ref, parse_precision
    from simulator.scenario import parse_scenario
    from simulator.studies.sweep import SweepError, parse_constraint

    from ..conftest import small_scenario

    plain = parse_scenario(small_scenario())
    with pytest.raises(SweepError, match=r"service_level needs inbound calls.*no \[inbound\] block"):
        parse_constraint("service_level>=0.8", plain)
    with pytest.raises(ValueError, match="asa_s needs inbound calls"):
        parse_precision("asa_s=0.05", plain)
    with pytest.raises(ValueError, match="inbound_abandon_rate is a measure of the inbound queue"):
        parse_metric_ref("collectors.desk_1.inbound_abandon_rate")
    desk = parse_scenario(inbound_center(8, CALLS_PER_HOUR, AHT_S, 1.0e9))
    assert str(parse_metric_ref("segments.s1.service_level", desk)) == "segments.s1.service_level"
    assert parse_constraint("teams.desk.asa_s<=30", desk).ref.level == "teams"  # answers: every level
