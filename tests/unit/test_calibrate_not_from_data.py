"""Values a fit did not take from the data are listed as such, in the fitted file, the summary
and the report, with the dollars of net value resting on them shown apart."""

from __future__ import annotations

import re

import pytest

from simulator.calibrate import calibrate
from simulator.calibrate.not_from_data import not_from_data, value_split
from simulator.cli import main
from simulator.report.calibration import render_calibration
from simulator.scenario import load_scenario
from tests.conftest import ROOT

SAMPLE = ROOT / "examples" / "sample_trace"
SCENARIO = ROOT / "examples" / "sample_center.toml"


@pytest.fixture(scope="module")
def fitted():
    return calibrate(SAMPLE)


def test_the_agency_curve_wages_and_unseen_portfolio_rates_are_not_from_data(fitted):
    items = {x.key: x for x in not_from_data(fitted)}
    # the sample places accounts, but no agency recovery is in it: the curve is the schema's
    assert items["placement.recovery_curve_share"].source == "schema default"
    assert items["placement.recovery_curve_share"].value == "[0, 0.04, 0.09, 0.12]"
    assert "agency_collected" in items["placement.commission_share"].dollars
    assert items["teams.low_team.hourly_wage_usd"].source == "placeholder"
    assert items["portfolio.cure_redefault_probability"].source == "schema default"
    # what the sample does show is fitted, not listed
    assert "segments.low_risk.self_cure_per_day" not in items
    assert "segments.low_risk.inflow.accounts_per_day" not in items
    assert not any(k.startswith("segments.") and "outcomes" in k for k in items)


def test_values_from_the_base_say_so(tmp_path):
    items = {x.key: x for x in not_from_data(calibrate(SAMPLE, base=SCENARIO))}
    assert items["placement.commission_share"].source == "base"  # sample_center sets it
    assert items["placement.recovery_curve_share"].source == "schema default"  # it does not
    assert items["teams.high_team.hourly_wage_usd"].source == "base"


def test_the_fitted_file_lists_them_in_a_comment_and_still_loads(fitted, tmp_path):
    text = fitted.toml()
    assert "# Not from data:" in text
    assert "#   placement.recovery_curve_share = [0, 0.04, 0.09, 0.12]  (schema default;" in text
    path = tmp_path / "fitted.toml"
    path.write_text(text)
    assert load_scenario(path).scenario.placement.recovery_curve_share == [0.0, 0.04, 0.09, 0.12]


def test_the_agency_dollars_are_shown_apart(fitted):
    items = not_from_data(fitted)
    split = value_split(fitted, items, replications=2, seed=1)
    # the agency's commission is its share of what it recovers (placement.commission_share)
    assert split.agency_collected > 0
    assert split.cost_agency == pytest.approx(0.3 * split.agency_collected, rel=1e-9)
    assert split.agency_net == pytest.approx(0.7 * split.agency_collected, rel=1e-9)
    text = "\n".join(split.lines())
    assert f"without them: ${split.net_value - split.agency_net:,.0f}" in text
    # most of the sample's fitted net value is projected agency recoveries (issue 23)
    assert split.agency_net > 0.5 * split.net_value
    html = render_calibration(fitted, None, items, split)
    assert "<h2>Not from data</h2>" in html and "placement.recovery_curve_share" in html
    assert "of which agency recoveries less commission" in html


def test_the_command_prints_them(tmp_path, capsys):
    code = main(["calibrate", str(SAMPLE), "--out", str(tmp_path / "f.toml")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "not from data (from --base, schema defaults or placeholders" in out
    assert re.search(r"of which agency recoveries less commission: \$[\d,]+ ", out)
    code = main(["calibrate", str(SAMPLE), "--out", str(tmp_path / "g.toml"), "--no-value-split"])
    out, _ = capsys.readouterr()
    assert code == 0 and "placement.recovery_curve_share" in out and "of which agency" not in out
