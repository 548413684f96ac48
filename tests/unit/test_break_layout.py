"""docs/data-formats.md: without a base, the fitted breaks are centred at 25% and 75% of the shift
and lunch at mid-shift; the file's start_time is the block's start (centre less half its length)."""

from __future__ import annotations

import pytest

from simulator.calibrate.fit.teams import block_layout
from simulator.scenario.schema import clock_minutes


@pytest.mark.parametrize(("start", "hours", "unproductive"), [(540.0, 8.0, 60.0), (480.0, 10.0, 100.0)])
def test_conventional_blocks_are_centred_and_start_time_is_the_start(start, hours, unproductive):
    out = block_layout(start, hours, unproductive)
    length = hours * 60
    blocks = [*out["breaks"], out["lunch"]]
    centres = [clock_minutes(b["start_time"]) + b["length_min"] / 2 for b in blocks]
    assert centres == pytest.approx(
        [start + 0.25 * length, start + 0.75 * length, start + 0.5 * length], abs=0.5
    )
    assert sum(b["length_min"] for b in blocks) == pytest.approx(unproductive)
