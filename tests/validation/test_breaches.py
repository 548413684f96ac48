"""A predictive dialer at ratio 8 on the bundled dialer scenario abandons about 42% of live
answers: collectsim run warns about both abandon-rate limits, lists them in the results, and with
--strict exits 4 after writing its outputs. Each run simulates the whole scenario."""

from __future__ import annotations

import json

import pytest

from simulator.base.errors import EXIT_BREACH

from ..conftest import SCENARIOS, cli
from ..unit.test_breaches import warnings

RATIO_8 = ["--set", "dialer.mode=predictive", "--set", "dialer.pacing=fixed", "--set", "dialer.ratio=8"]


@pytest.mark.slow
def test_ratio_8_warns_about_the_abandon_rate_and_strict_exits_4(tmp_path, capsys):
    """collectsim run scenarios/dialer_modes.toml -r 2 --set dialer.mode=predictive --set
    dialer.pacing=fixed --set dialer.ratio=8: 26.8% of live answers abandoned over 30 days in the
    worst replication, 42.5% on the worst day (the first: the scenario's spam label then holds
    the numbers from the second day on, people answer less, and fewer live answers are there to
    abandon; its lost contacts lower the right parties' answers too)."""
    path = str(SCENARIOS / "dialer_modes.toml")
    code, out, err = cli(capsys, "run", path, "-r", "2", "-q", *RATIO_8, "--json", str(tmp_path / "r.json"))
    assert code == 0
    lines = warnings(err)
    assert lines[0].startswith("warning: 30-day abandon rate 26.8% in the worst replication")
    assert "exceeds the limit of 3.0%" in lines[0] and "FCC" in lines[0]
    assert lines[1].startswith("warning: daily abandon rate 42.5%")
    doc = json.loads((tmp_path / "r.json").read_text())
    assert [b["measure"] for b in doc["breaches"]] == [
        "worst_30_day_abandon_rate",
        "worst_daily_abandon_rate",
    ]
    code, out, err = cli(
        capsys, "run", path, "-r", "2", "-q", *RATIO_8, "--strict", "--json", str(tmp_path / "s.json")
    )
    assert code == EXIT_BREACH == 4
    assert len(warnings(err)) == 2 and (tmp_path / "s.json").is_file()  # outputs are written all the same
