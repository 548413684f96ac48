"""Loud breaches: a compliance limit exceeded prints a ``warning:`` line on stderr naming the rule
and the figure (run, compare, sweep, staff), is listed in the results, and with --strict the
command exits 4 after writing its outputs."""

from __future__ import annotations

import json

import pytest

from simulator import load_scenario, run_experiment
from simulator.measures.breaches import RULES, breaches

from ..conftest import SCENARIOS, cli, small_scenario, write_toml


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


def test_no_warning_within_the_limits(capsys):
    code, out, err = cli(capsys, "run", str(SCENARIOS / "table_14_1.toml"), "-r", "2", "-q", "--strict")
    assert code == 0 and not warnings(err)


def test_rules_switched_off_breach(tmp_path, capsys):
    """The calling window and the 7-in-7 cap switched off: calls outside 08:00-21:00 local (accounts
    three hours behind the center) and more than 7 attempts in 7 days are warned about."""
    raw = small_scenario()
    raw["calendar"]["working_days"] = 4
    raw["segments"]["s1"]["accounts"] = 150
    raw["segments"]["s1"]["time_zones"] = {"offsets_h": [-3.0], "weights": [1.0]}
    raw["compliance"].update(
        enforce_calling_window=False, enforce_7_in_7=False, wait_after_conversation_days=0.0
    )
    raw["attempts"].update(max_per_day=4, retry_delay_min=20.0)
    path = write_toml(tmp_path / "s.toml", raw)
    code, out, err = cli(capsys, "run", str(path), "-r", "2", "-q", "--strict")
    assert code == 4
    text = "\n".join(warnings(err))
    assert "calls outside the calling window" in text and "enforce_calling_window: not enforced" in text
    assert "attempts on one account in 7 days" in text and "exceeds the limit of 7" in text
    doc = run_experiment(load_scenario(path), 2, seed=1).to_dict()
    got = {b["measure"]: b for b in doc["breaches"]}
    assert got["max_attempts_in_7_days"]["worst"] > 7
    assert (
        got["calls_outside_window"]["worst"] == max(doc["compliance"]["calls_outside_window"]["values"]) > 0
    )


@pytest.mark.slow
def test_compare_and_sweep_name_the_side_and_the_variant(tmp_path, capsys):
    path = str(SCENARIOS / "dialer_modes.toml")
    small = ["--set", "calendar.working_days=1"]
    code, out, err = cli(
        capsys,
        "compare",
        path,
        *small,
        "--set-b",
        "dialer.mode=predictive",
        "--set-b",
        "dialer.pacing=fixed",
        "--set-b",
        "dialer.ratio=8",
        "-r",
        "2",
        "-q",
        "--strict",
    )
    assert code == 4
    assert warnings(err) and all(w.startswith("warning: B: ") for w in warnings(err))
    out_dir = tmp_path / "sw"
    code, out, err = cli(
        capsys,
        "sweep",
        path,
        *small,
        "--set",
        "dialer.mode=predictive",
        "--set",
        "dialer.pacing=fixed",
        "--set",
        "dialer.ratio=1,8",
        "-r",
        "2",
        "-q",
        "--out",
        str(out_dir),
    )
    assert code == 0
    assert warnings(err) and all(w.startswith("warning: v001 (dialer.ratio=8): ") for w in warnings(err))
    summary = json.loads((out_dir / "summary.json").read_text())
    assert [bool(v["breaches"]) for v in summary["variants"]] == [False, True]


def test_every_rule_has_a_limit_and_a_measure():
    sc = load_scenario(SCENARIOS / "table_14_1.toml").scenario
    comp = {m: {"values": [0.0, 1e9]} for m in RULES}
    found = breaches(sc, comp)
    assert [b["measure"] for b in found] == list(RULES)
    assert all(b["replications_over"] == 1 and b["replications"] == 2 for b in found)
    assert breaches(sc, {m: {"values": [0.0, 0.0]} for m in RULES}) == []
