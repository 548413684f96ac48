"""The holiday calendar (calendar.holidays): no call is made and nobody works on a holiday, and
the run keeps its number of calling days."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.base.clock import DAY_S
from simulator.scenario import parse_scenario
from simulator.scenario.problems import ScenarioError
from simulator.world.build import World
from tests.conftest import tiny_scenario


def _world(**over) -> World:
    w = World(parse_scenario(tiny_scenario(days=4, accounts=400, **over)), 5, 0, trace=True)
    w.run()
    return w


def test_no_dial_and_no_shift_on_a_holiday():
    """Days 1 and 2 (Tuesday, Wednesday) are holidays: the four calling days are Monday,
    Thursday, Friday and the next Monday (day 7); every dial and every shift falls on one of
    them, and each of them has dials."""
    w = _world(calendar__holidays=[1, 2])
    assert w.calendar.work_days == [0, 3, 4, 7]
    days = np.floor(w.trace_arrays()["t"] / DAY_S).astype(int)
    assert set(days.tolist()) == {0, 3, 4, 7}
    assert {day for day, *_ in w.recorder.shifts} == {0, 3, 4, 7}


def test_without_holidays_the_same_days_are_worked():
    w = _world()
    assert w.calendar.work_days == [0, 1, 2, 3]
    days = np.floor(w.trace_arrays()["t"] / DAY_S).astype(int)
    assert set(days.tolist()) == {0, 1, 2, 3}


def test_a_holiday_listed_twice_is_refused():
    with pytest.raises(ScenarioError, match="holidays lists a day twice"):
        parse_scenario(tiny_scenario(calendar__holidays=[3, 3]))
