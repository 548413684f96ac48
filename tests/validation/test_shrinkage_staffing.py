"""Issue 26's done-when for shrinkage: with absenteeism at 8%, productive hours fall by the
expected share (closed form, binomial CI) and ``staff`` recommends more collectors."""

from __future__ import annotations

import json
import math

import pytest

from simulator.cli import main

from ..conftest import tiny_scenario, write_toml

P, DAYS, REPS = 0.08, 10, 3
Z = 3.3  # two-sided 99.9%


def _staff(tmp_path, absenteeism: float) -> dict:
    scen = write_toml(tmp_path / "s.toml", tiny_scenario(days=DAYS, collectors=4, accounts=20000))
    out = tmp_path / f"staff-{absenteeism}"
    args = ["staff", str(scen), "--team", "t1", "--range", "5:7", "-r", str(REPS), "-q"]
    args += ["--set", f"teams.t1.absenteeism={absenteeism}", "--constraint", "rpc>=4000", "--out", str(out)]
    assert main(args) == 0
    return json.loads((out / "summary.json").read_text())


@pytest.mark.slow
def test_absenteeism_at_8_percent_cuts_productive_hours_and_staff_adds_a_collector(tmp_path, capsys):
    """rpc >= 4000 over 10 days: about 68 RPC per collector-day (6.8 productive hours at ~10 an
    hour), so 6 collectors (~4090) are the smallest feasible headcount with everyone present. At
    8% absent, 6 give ~0.92 x 4090 = ~3760 and the answer rises to 7 (~4370). Productive hours at
    each headcount fall by the absent share, which is p within a binomial CI (collectors x days x
    replications draws; a collector's days are the same at every headcount)."""
    full, short = _staff(tmp_path, 0.0), _staff(tmp_path, P)
    capsys.readouterr()
    assert full["staffing"]["smallest_meeting_constraints"]["headcount"] == 6
    assert short["staffing"]["smallest_meeting_constraints"]["headcount"] == 7
    for v0, v1 in zip(full["variants"], short["variants"]):
        n = v0["values"]["teams.t1.headcount"]
        c0, c1 = v0["metrics"]["center"], v1["metrics"]["center"]
        slots = n * DAYS * REPS
        absent = c1["absent_days"]["mean"] * REPS
        assert c0["absent_days"]["mean"] == 0.0
        assert abs(absent / slots - P) <= Z * math.sqrt(P * (1 - P) / slots)
        assert c1["absence_rate"]["mean"] == pytest.approx(absent / slots)
        # present collector-days keep their schedule: productive hours fall by the absent share
        ratio = c1["productive_hours"]["mean"] / c0["productive_hours"]["mean"]
        assert ratio == pytest.approx(1 - absent / slots, abs=0.01)
        assert abs(ratio - (1 - P)) <= Z * math.sqrt(P * (1 - P) / slots) + 0.01
