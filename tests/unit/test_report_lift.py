"""The HTML headline shows the calling's lift over the never-called control, in points, with
its 95% CI, and leaves out a lift that stayed 0 in both groups."""

from __future__ import annotations

from simulator.report.data import fmt
from simulator.report.sections import _lift_cards


def _stat(m: float, lo: float, hi: float) -> dict:
    return {"mean": m, "ci95_low": lo, "ci95_high": hi}


def test_lift_cards_show_points_rates_and_ci():
    c = {
        "cure_lift": _stat(0.12, 0.065, 0.175),
        "cure_rate_treated": _stat(0.634, 0.6, 0.66),
        "cure_rate_control": _stat(0.514, 0.45, 0.57),
        "roll_lift": _stat(0.121, 0.045, 0.196),
        "roll_rate_treated": _stat(0.338, 0.33, 0.34),
        "roll_rate_control": _stat(0.458, 0.4, 0.5),
        "roll_lift_usd": _stat(0.122, 0.028, 0.215),
        "charge_off_lift": _stat(0.0, 0.0, 0.0),
    }
    cards = _lift_cards(c)
    assert len(cards) == 3  # no charge-off in either group: no card
    assert "+12.0 pt" in cards[0] and "called 63.4%, control 51.4%" in cards[0]
    assert "95% CI +6.5 pt – +17.5 pt" in cards[0]
    assert "called 33.8%, control 45.8%" in cards[1] and "control - called" in cards[1]
    assert "+12.2 pt" in cards[2]


def test_no_lift_cards_without_a_control_group():
    assert _lift_cards({"cure_lift": {"mean": None}}) == []
    assert fmt("roll_lift", None) == "n/a" and fmt("roll_lift", -0.031) == "-3.1 pt"
