"""The studio page's data: default levers, one cell per simulated combination with the sweep's
own figures, exercises equal to the paired difference, the collector's day from the trace, and
the command's bad input."""

from __future__ import annotations

import json
import math

import pytest

from simulator.base.statistics import paired_difference
from simulator.report.studio import StudioInputs, default_levers, render_studio, studio_data
from simulator.report.studio_coach import verdict
from simulator.report.studio_day import collector_day
from simulator.scenario import load_scenario
from simulator.studies.sweep import plan_sweep, run_sweep
from tests.conftest import SCENARIOS, cli

SMALL = ["calendar.working_days=1", "segments.low_risk.accounts=800", "segments.high_risk.accounts=800"]
LEVERS = ["teams.low_risk_team.headcount=4,6", "dialer.mode=progressive,predictive"]


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    out = tmp_path_factory.mktemp("studio") / "sweep"
    sets = [f"{s}" for s in SMALL] + LEVERS + ["teams.high_risk_team.headcount=3"]
    plan = plan_sweep(None, sets, 3, 7)
    outcome = run_sweep(plan, out)
    return plan, outcome


def test_default_levers_follow_the_scenario():
    s = load_scenario(None).scenario
    assert default_levers(s) == [
        "teams.low_risk_team.headcount=8,12,16",
        "dialer.mode=progressive,predictive",
        "dialer.ratio=1.1,1.5",
        "dialer.list_strategy=least_recent,balance",
        "routing.policy=segment_teams,pooled",
    ]
    one = load_scenario(SCENARIOS / "dialer_modes.toml").scenario
    assert default_levers(one)[0] == "teams.collectors.headcount=27,40,53"
    assert not any(x.startswith("routing.") for x in default_levers(one))
    # adaptive pacing: the abandon-rate limit at 3% and the scenario's own; none when they agree
    assert not any(x.startswith("dialer.max_abandon_rate") for x in default_levers(one))
    strict = load_scenario(SCENARIOS / "dialer_modes.toml", ["dialer.max_abandon_rate=0.05"]).scenario
    assert "dialer.max_abandon_rate=0.03,0.05" in default_levers(strict)
    assert not any(x.startswith("dialer.ratio") for x in default_levers(strict))


def test_cells_carry_the_sweeps_figures(grid):
    plan, outcome = grid
    data = studio_data(StudioInputs(plan, outcome.summary, outcome.out))
    assert [lv["path"] for lv in data["levers"]] == ["teams.low_risk_team.headcount", "dialer.mode"]
    # the scenario's own mode (progressive) is the baseline; 12 is not in the grid: the first value
    assert [lv["base"] for lv in data["levers"]] == [0, 0]
    assert sorted(data["cells"]) == ["0,0", "0,1", "1,0", "1,1"]
    for v in outcome.summary["variants"]:
        key = f"{[4, 6].index(v['values']['teams.low_risk_team.headcount'])},"
        key += str(["progressive", "predictive"].index(v["values"]["dialer.mode"]))
        s = v["metrics"]["center"]["value_per_paid_hour"]
        got = data["cells"][key]["m"]["value_per_paid_hour"]
        assert got[0] == pytest.approx(s["mean"], rel=1e-5)
        assert got[1] == pytest.approx(s["ci95_low"], rel=1e-5) and got[3] == pytest.approx(
            s["values"], rel=1e-5
        )
        assert data["cells"][key]["id"] == v["id"] and data["cells"][key]["league"]["rows"]
    assert "net_economic_value" not in {m["key"] for m in data["metrics"]}  # no living portfolio
    assert len(data["tq"]) == 200 and data["tq"][1] == pytest.approx(4.3027, abs=1e-4)


def test_exercises_are_the_paired_differences(grid):
    plan, outcome = grid
    data = studio_data(StudioInputs(plan, outcome.summary, outcome.out))
    assert len(data["exercises"]) == 2
    by_id = {v["id"]: v for v in outcome.summary["variants"]}
    for ex in data["exercises"]:
        a = by_id[data["cells"][ex["a_key"]]["id"]]["metrics"]["center"]["value_per_paid_hour"]["values"]
        b = by_id[data["cells"][ex["b_key"]]["id"]]["metrics"]["center"]["value_per_paid_hour"]["values"]
        d = paired_difference(a, b)
        assert ex["diff"] == pytest.approx(d["diff_mean"], abs=0.006)
        lo, hi = d["diff_ci95_low"], d["diff_ci95_high"]
        if lo > 0 or hi < 0:
            assert ex["answer"] == ("up" if lo > 0 else "down") and ex["needed"] is None
        else:  # never "no clear change" from a CI wide against the baseline figure
            assert (hi - lo) / 2 > 0.01 * abs(d["a_mean"])
            assert ex["answer"] == "cannot tell from 3 replications"
            assert ex["needed"] == max(4, math.ceil(3 * ((hi - lo) / 2 / abs(d["diff_mean"])) ** 2))
        assert ex["answer"] in ex["choices"] and ex["why"]


def _diff(values_a, values_b):
    return paired_difference(values_a, values_b)


def test_verdict_says_cannot_tell_and_the_replications_needed():
    # differences 1, -3, 2, 4: mean 1, sd sqrt(26/3), half-width t(3) sd / 2 = 4.684
    d = _diff([100.0, 100.0, 100.0, 100.0], [101.0, 97.0, 102.0, 104.0])
    hw = 3.182446 * math.sqrt(26 / 3) / 2
    assert verdict(d, 100.0) == ("cannot tell", math.ceil(4 * hw**2))
    # the same differences on a figure of 10,000: the CI is within 1% of it, "no clear change"
    big = _diff([1e4] * 4, [1e4 + 1, 1e4 - 3, 1e4 + 2, 1e4 + 4])
    assert verdict(big, 1e4) == ("no clear change", None)
    assert verdict(_diff([1.0, 2.0, 3.0], [2.0, 3.1, 4.0]), 2.0) == ("up", None)
    assert verdict(_diff([1.0, 2.0, 3.0], [0.0, 0.9, 2.0]), 2.0) == ("down", None)
    assert verdict(_diff([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), 2.0) == ("no change", None)


def test_page_is_one_file_with_its_data(grid):
    plan, outcome = grid
    html = render_studio(StudioInputs(plan, outcome.summary, outcome.out))
    blob = html.split('type="application/json">')[1].split("</script>")[0]
    assert json.loads(blob.replace("<\\/", "</"))["replications"] == 3
    assert "<script src" not in html and "<link" not in html and "default-src 'none'" in html


def test_collector_day_is_the_trace(grid):
    plan, _ = grid
    v = plan.variants[0]
    day = collector_day(v.loaded.scenario, plan.seed, v.id, v.values)
    assert day["collector"] == "low_risk_team-01" and day["mode"] == "progressive"
    starts = [c[0] for c in day["calls"]]
    assert starts == sorted(starts) and len(starts) > 10
    # calls lie inside the shift and never overlap (one collector handles one call at a time; the
    # four times of a call are rounded to 0.1 s each)
    s0, s1 = day["shift"]
    assert s0 <= starts[0] and starts[-1] <= s1
    ends = [c[0] + c[1] + c[2] + c[3] for c in day["calls"]]
    assert all(e <= nxt + 0.2 for e, nxt in zip(ends, starts[1:]))
    # lunch (30 min) is an away spell
    assert any(b - a >= 1800 for a, b in day["away"])
    rpc = sum(1 for c in day["calls"] if c[4] == day["rpc_code"])
    assert 0 < len(day["promises"]) <= rpc
    # the dialer's hour: a progressive dialer abandons nothing; no more collectors on a call or
    # free than the campaign has; answers are persons reached, at most one per dial
    h = day["hour"]
    assert h["collectors"] == 4 and sum(h["abandoned"]) == 0 and h["start"] == 36000
    assert all(b + f <= 4 for b, f in zip(h["busy"], h["free"])) and max(h["busy"]) > 0
    # each logged-in collector is on a call, free or away (a break): never two of them
    assert all(b + f + a <= 4 for b, f, a in zip(h["busy"], h["free"], h["away"]))
    assert day["pacing"] == ""  # progressive: no pacing to say
    assert 0 < sum(h["answered"]) <= h["dials"]


def test_predictive_hour_abandons_and_waits(grid):
    plan, _ = grid
    (v,) = [
        x
        for x in plan.variants
        if x.values == {"teams.low_risk_team.headcount": 4, "dialer.mode": "predictive"}
    ]
    day = collector_day(v.loaded.scenario, plan.seed, v.id, v.values)
    assert day["pacing"] == "fixed pacing, 1.5 lines per free collector"  # the scenario's own
    h = day["hour"]
    assert max(h["ringing"]) > 0 and sum(h["answered"]) > 0
    # collectors wait, free, for the dialer's answers; a progressive collector is never free (it
    # dials its next account the moment it is done)
    assert sum(h["free"]) > 0
    (p,) = [x for x in plan.variants if x.values == {**v.values, "dialer.mode": "progressive"}]
    assert sum(collector_day(p.loaded.scenario, plan.seed, p.id, p.values)["hour"]["free"]) == 0


def test_studio_bad_input(capsys, tmp_path):
    code, _, err = cli(capsys, "studio", "--out", str(tmp_path / "page.txt"))
    assert code == 2 and "expected an .html file name" in err
    code, _, err = cli(
        capsys, "studio", "--lever", "dialer.mode=predictive", "--out", str(tmp_path / "p.html")
    )
    assert code == 2 and "at least one lever with two values" in err
    code, _, err = cli(
        capsys,
        "studio",
        "--lever",
        "dialer.mode=warp",
        "--lever",
        "dialer.list_strategy=balance,random",
        "--out",
        str(tmp_path / "p.html"),
        "-q",
    )
    assert code == 2 and "warp" in err


def test_studio_work_folder_of_another_sweep_is_named(capsys, tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    (work / "stray.txt").write_text("x")
    code, _, err = cli(capsys, "studio", "--out", str(tmp_path / "p.html"), "--work", str(work), "-q")
    assert code == 2 and f"--work {work}" in err and "--out" not in err
