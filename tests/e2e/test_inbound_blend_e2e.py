"""The blended floor of scenarios/inbound_blend.toml through the real commands: its results carry
the inbound metrics and the collector groups, `compare` of two reservation thresholds shows the
trade-off between inbound service and outbound contacts with paired CIs, and `staff` with a
service-level constraint names a smallest headcount."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import ROOT, collectsim_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ENV = collectsim_env()
SCENARIO = str(ROOT / "scenarios" / "inbound_blend.toml")
SHORT = ["--set", "calendar.working_days=5", "-q"]


def collectsim(*argv: str) -> subprocess.CompletedProcess:
    p = subprocess.run(
        [sys.executable, "-m", "simulator", *argv], env=ENV, capture_output=True, text=True, timeout=300
    )
    assert p.returncode == 0, p.stderr
    return p


def test_results_carry_inbound_metrics_and_groups(tmp_path):
    out = tmp_path / "r.json"
    collectsim("run", SCENARIO, "-r", "2", *SHORT, "--json", str(out))
    m = json.loads(out.read_text())["metrics"]
    c = m["center"]
    for k in ("inbound_calls", "inbound_answered", "inbound_abandoned", "inbound_abandon_rate", "asa_s"):
        assert c[k]["mean"] > 0, k
    assert 0.5 < c["service_level"]["mean"] < 1.0
    assert c["callbacks_due"]["mean"] > 0 and c["callbacks_made"]["mean"] > 0
    assert c["inbound_promises"]["mean"] <= c["promises"]["mean"]
    assert set(m["groups"]) == {"inbound", "blend", "outbound"}
    for g in m["groups"].values():
        assert 0.3 < g["occupancy"]["mean"] < 1.0
    assert m["groups"]["outbound"]["inbound_answered"]["mean"] == 0.0
    # the groups add up to the center
    assert sum(g["inbound_answered"]["mean"] for g in m["groups"].values()) == pytest.approx(
        c["inbound_answered"]["mean"]
    )


def test_compare_reservation_thresholds_trades_service_for_contacts(tmp_path):
    out = tmp_path / "c.json"
    collectsim(
        "compare",
        SCENARIO,
        *SHORT,
        "-r",
        "4",
        "--set-a",
        "inbound.reservation_threshold=0",
        "--set-b",
        "inbound.reservation_threshold=4",
        "--json",
        str(out),
    )
    c = json.loads(out.read_text())["metrics"]["center"]
    sl, rpc = c["service_level"], c["outbound_rpc"]
    assert sl["diff_ci95_low"] > 0.05  # more blend collectors kept free: a better service level
    assert rpc["diff_ci95_high"] < 0  # and fewer outbound right-party contacts
    assert c["inbound_abandon_rate"]["diff_ci95_high"] < 0


def test_staff_names_the_smallest_desk_meeting_a_service_level(tmp_path):
    p = collectsim(
        "staff",
        SCENARIO,
        *SHORT,
        "--team",
        "inbound_desk",
        "--range",
        "2:7",
        "-r",
        "3",
        "--constraint",
        "service_level>=0.8",
        "--out",
        str(tmp_path / "staff"),
    )
    summary = json.loads((tmp_path / "staff" / "summary.json").read_text())
    found = summary["staffing"]["smallest_meeting_constraints"]
    assert found is not None and 2 < found["headcount"] <= 7
    assert "smallest headcount meeting service_level>=0.8" in p.stdout


def test_sweep_over_thresholds_shows_the_inbound_side(tmp_path):
    p = collectsim(
        "sweep",
        SCENARIO,
        *SHORT,
        "-r",
        "2",
        "--set",
        "inbound.reservation_threshold=0,4",
        "--out",
        str(tmp_path / "s"),
    )
    head = next(line for line in p.stdout.splitlines() if line.startswith("variant"))
    assert "service_level" in head and "outbound_rpc" in head
