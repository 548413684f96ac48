"""`compare` of scenarios/channels.toml's two contact paths through the real command (issue 25):
paired CIs on collected, cost, opt-outs and net_economic_value."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from ..conftest import ROOT, collectsim_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCENARIO = str(ROOT / "scenarios" / "channels.toml")


def test_compare_digital_first_against_call_first(tmp_path):
    """Digital first (B) sends about ten times the messages, draws opt-outs (call first sends only
    letters, which bring none), collects more by messages and less through the collectors, with
    fewer outbound right-party contacts; every figure has a paired CI."""
    out = tmp_path / "c.json"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "compare",
            SCENARIO,
            "-r",
            "4",
            "-q",
            "--set-a",
            "channels.path=call_first",
            "--set-b",
            "channels.path=digital_first",
            "--json",
            str(out),
        ],
        env=collectsim_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    c = json.loads(out.read_text())["metrics"]["center"]
    for k in (
        "collected",
        "cost",
        "channel_opt_outs",
        "net_economic_value",
        "channel_collected",
        "cost_channels",
    ):
        x = c[k]
        assert x["n"] == 4 and math.isfinite(x["diff_ci95_low"]) and math.isfinite(x["diff_ci95_high"]), k
        assert x["diff_ci95_low"] <= x["diff_mean"] <= x["diff_ci95_high"], k
    assert c["channel_opt_outs"]["a_mean"] == 0 and c["channel_opt_outs"]["diff_ci95_low"] > 0
    assert c["channel_sent"]["b_mean"] > 5 * c["channel_sent"]["a_mean"]
    assert c["channel_collected"]["diff_ci95_low"] > 0
    assert c["collected"]["diff_ci95_high"] < 0  # the collectors' own collections fall
    assert c["outbound_rpc"]["diff_ci95_high"] < 0
    assert c["cost_channels"]["diff_ci95_low"] > 0  # more messages cost more ...
    assert abs(c["cost"]["diff_mean"]) < 0.01 * c["cost"]["a_mean"]  # ... next to the same paid staff
    assert "net_economic_value" in p.stdout and "channel_opt_outs" in p.stdout
