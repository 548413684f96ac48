"""What `dialer.ratio` counts (docs/dialer.md): fixed pacing keeps floor(ratio x available + 0.5)
lines ringing, rounded half up (not Python's round half to even), and tops up only the lines not
already ringing; connected calls do not count."""

import math

import pytest

from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario


def _dialer(ratio: float):
    raw = small_scenario()
    raw["dialer"] = {"mode": "predictive", "pacing": "fixed", "ratio": ratio}
    w = World(parse_scenario(raw), 1, 0)
    pc = w.dialer.campaigns[0]
    pc.free_from, pc.free_to = -math.inf, math.inf  # hold the available count the test sets
    return w.dialer, pc


@pytest.mark.parametrize(
    ("ratio", "available", "lines"),
    [(1.5, 1, 2), (1.5, 3, 5), (2.5, 1, 3), (1.25, 2, 3), (1.2, 2, 2), (8.0, 3, 24), (1.5, 0, 0)],
)
def test_lines_wanted_round_half_up(ratio, available, lines):
    dialer, pc = _dialer(ratio)
    pc.free_ready = available
    assert dialer.lines_wanted(pc, 0.0) == lines


def test_the_dialer_tops_up_the_ringing_lines_only(monkeypatch):
    """Ratio 2.5 with 2 available collectors wants 5 ringing lines: with 2 ringing and 3
    connected it places 3 calls; with 6 ringing it places none (and hangs none up)."""
    dialer, pc = _dialer(2.5)
    pc.free_ready = 2
    placed = []
    monkeypatch.setattr(type(dialer), "place", lambda self, pc, now: placed.append(now) or True)
    pc.ringing, pc.connected = 2, 3
    dialer.pace(pc, 0.0)
    assert len(placed) == 3
    placed.clear()
    pc.ringing = 6
    dialer.pace(pc, 0.0)
    assert placed == []
