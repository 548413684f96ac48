"""Every result block a run produces is on the HTML page: those without a section of their own
in "Further result blocks", rates in percent (balance-weighted ones too), counts and dollars as
numbers, each with its 95% CI."""

from __future__ import annotations

from simulator.report.blocks import _cell, further_blocks_html


def _stat(m, lo, hi):
    return {"mean": m, "ci95_low": lo, "ci95_high": hi, "values": [m]}


def test_rates_in_percent_counts_as_numbers():
    s = _stat(0.381, 0.368, 0.394)
    assert _cell("forward_roll_rate_usd", s) == ("38.1%", "36.8% – 39.4%")
    assert _cell("flow_to_charge_off", s)[0] == "38.1%"
    assert _cell("roll_1_29_to_30_59", s)[0] == "38.1%"
    assert _cell("accounts_charged_off", _stat(12.0, 10.0, 14.0)) == ("12.00", "10.00 – 14.00")
    assert _cell("collected_usd", {"mean": 5.0, "ci95_low": None, "ci95_high": None})[1] == "n/a"


def test_blocks_shown_elsewhere_are_left_out():
    doc = {
        "metrics": {"center": {"center": {"collected": _stat(1.0, 1.0, 1.0)}}},
        "compliance": {"worst_daily_abandon_rate": _stat(0.01, 0.0, 0.02)},
        "lost_contacts": {"right_parties_abandoned": _stat(87.0, 57.0, 117.0)},
        "roll_rates": {"cure_rate": _stat(0.621, 0.612, 0.629)},
    }
    page = further_blocks_html(doc)
    assert "lost contacts" in page and "right parties abandoned" in page and "87.00" in page
    assert "roll rates" in page and "62.1%" in page and "61.2% – 62.9%" in page
    assert "worst daily abandon" not in page  # the compliance section shows it
    assert further_blocks_html({"metrics": {}}) == ""
