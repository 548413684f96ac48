"""Workforce shrinkage and shift patterns: absenteeism, unplanned aux time, several shifts per team
(scenario/workforce.py, world/shrinkage.py). Closed forms with binomial or sample-based CIs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.base.clock import DAY_S, HOUR_S
from simulator.base.rng import Streams
from simulator.scenario.load import load_scenario, parse_scenario
from simulator.scenario.schema import Calendar
from simulator.world.build import World
from simulator.world.calendar import WorkCalendar
from simulator.world.shrinkage import AuxTime, absence_matrix

from ..conftest import cli, small_scenario, tiny_scenario, write_toml

Z = 3.3  # two-sided 99.9%: a correct model fails one check in a thousand

# small_scenario's schedule: 8 h paid less two 15 min breaks, 30 min lunch, 6 min meeting and
# 6 min training = 72 min unproductive
SCHEDULED_BLOCKS_H = 72 / 60


def _world(tmp_path, raw: dict, seed: int = 3, trace: bool = False) -> World:
    return World(load_scenario(write_toml(tmp_path / "s.toml", raw)).scenario, seed, 0, trace=trace)


def test_absenteeism_cuts_paid_and_productive_hours_by_its_share(tmp_path):
    """p = 0.08 over 40 collectors x 10 measured days (2 warm-up days left out): absent days are
    Binomial(400, 0.08); every present collector-day is paid 8 h and productive 8 h - 72 min (the
    accounts run out, so no call runs past the shift), so both totals fall by the absent share,
    1 - p in expectation."""
    p, n, days, warm = 0.08, 40, 12, 2
    raw = tiny_scenario(days=days, collectors=n, accounts=60, teams__t1__absenteeism=p)
    raw["calendar"]["warmup_days"] = warm
    cnt = _world(tmp_path, raw).run()
    slots = n * (days - warm)
    absent = int(cnt.absent_days.sum())
    assert abs(absent - slots * p) <= Z * math.sqrt(slots * p * (1 - p))
    assert int(cnt.days_worked.sum()) == slots - absent  # warm-up absences are not counted
    paid_h, prod_h = cnt.paid_s.sum() / HOUR_S, cnt.productive_s.sum() / HOUR_S
    assert paid_h == pytest.approx((slots - absent) * 8.0, rel=1e-9)
    assert prod_h == pytest.approx((slots - absent) * (8.0 - SCHEDULED_BLOCKS_H), rel=1e-9)
    share = paid_h / (slots * 8.0)
    assert abs(share - (1 - p)) <= Z * math.sqrt(p * (1 - p) / slots)


def test_weekday_multipliers_shift_absences_to_their_days():
    """Monday x2 and Friday x1.5 on p = 0.05: each weekday's absence rate is p x its multiplier
    (binomial CI over 300 collectors x 20 weeks); a collector's days do not depend on the
    headcount (common random numbers for staff)."""
    raw = small_scenario(teams__t1__absenteeism=0.05)
    raw["teams"]["t1"]["absenteeism_weekday_multipliers"] = [2.0, 1.0, 1.0, 1.0, 1.5, 0.0, 0.0]
    team = parse_scenario(raw).teams["t1"]
    cal = WorkCalendar(Calendar(working_days=100))
    streams = Streams(7, 0)
    a = absence_matrix(team, "t1", 300, cal, streams)
    weekday = np.array([cal.weekday(d) for d in cal.work_days])
    for wd, mult in enumerate([2.0, 1.0, 1.0, 1.0, 1.5]):
        cells = a[:, weekday == wd]
        q = 0.05 * mult
        assert abs(cells.mean() - q) <= Z * math.sqrt(q * (1 - q) / cells.size), wd
    fewer = absence_matrix(team, "t1", 40, cal, Streams(7, 0))
    assert np.array_equal(fewer, a[:40])


def test_aux_blocks_take_their_share_of_scheduled_productive_time():
    """aux_share 0.1, mean 5 min: over 2000 collector-days the aux time per day averages 10% of the
    scheduled productive time (CI from the days' sample spread); aux blocks never overlap the
    scheduled ones nor leave the shift."""
    start, end = 9 * HOUR_S, 17 * HOUR_S
    sched = [(10.5 * HOUR_S, 900.0, "break"), (12.5 * HOUR_S, 1800.0, "lunch"), (15 * HOUR_S, 900.0, "break")]
    window = end - start - 3600.0
    aux = AuxTime(Streams(1, 0), "t1-01", 0.1, 5.0)
    totals = []
    for _ in range(2000):
        blocks = aux.day_blocks(sched, start, end)
        mine = [(s, n) for s, n, k in blocks if k == "aux"]
        for s, n in mine:
            assert start <= s and s + n <= end + 1e-6
            for b, m, _ in sched:
                assert s + n <= b + 1e-6 or s >= b + m - 1e-6
        totals.append(sum(n for _, n in mine) / window)
    t = np.array(totals)
    assert abs(t.mean() - 0.1) <= Z * t.std(ddof=1) / math.sqrt(len(t))
    assert t.std(ddof=1) > 0.01  # the blocks are random, not a fixed 10%


def test_aux_share_lowers_productive_time_in_the_world(tmp_path):
    """In a run, each collector-day's unproductive time is the 72 scheduled minutes plus its aux;
    the aux averages aux_share x the scheduled productive 6.8 h (CI from the collector-days), and
    paid time is the 8 h shift."""
    raw = tiny_scenario(days=10, collectors=20, accounts=60, teams__t1__aux_share=0.1)
    w = _world(tmp_path, raw, trace=True)
    w.run()
    shifts = np.array([s[4:6] for s in w.recorder.shifts])  # paid_s, productive_s per collector-day
    assert shifts[:, 0] == pytest.approx(8 * HOUR_S)
    aux = (shifts[:, 0] - shifts[:, 1]) / HOUR_S - SCHEDULED_BLOCKS_H
    expected = 0.1 * (8.0 - SCHEDULED_BLOCKS_H)
    assert abs(aux.mean() - expected) <= Z * aux.std(ddof=1) / math.sqrt(len(aux))


def _two_shift_raw(**team) -> dict:
    raw = tiny_scenario(days=3, collectors=8, accounts=6000)
    t1 = raw["teams"]["t1"]
    for k in ("shift_start_time", "shift_length_h", "breaks", "lunch"):
        t1.pop(k)
    t1["shifts"] = [
        {
            "start_time": "09:00",
            "length_h": 8.5,
            "share": 0.75,
            "lunch": {"start_time": "12:30", "length_min": 30.0},
        },
        {"start_time": "16:00", "length_h": 4.0, "share": 0.25},
    ]
    t1.update(team)
    return raw


def test_two_shifts_give_the_hourly_profile_of_their_collectors(tmp_path):
    """Six collectors 09:00-17:30 and two part-timers 16:00-20:00: no dial before 09:00 or after
    20:00; after 17:30 only the part-timers dial; per collector, the part-timers' dial rate in
    18:00-20:00 is the full-timers' in 10:00-12:00 (same progressive dialer, plenty of
    accounts; CI from the collectors' hourly counts); paid hours are 6 x 8.5 + 2 x 4 a day."""
    w = _world(tmp_path, _two_shift_raw(), trace=True)
    roster = [(c.name, c.shift) for c in w.collectors]
    assert roster == [(f"t1-{k:02d}", 0) for k in range(1, 7)] + [("t1-07", 1), ("t1-08", 1)]
    cnt = w.run()
    tr = w.trace_arrays()
    clock_h = (tr["t"] % DAY_S) / HOUR_S
    coll = tr["coll"]
    assert clock_h.min() >= 9.0 and clock_h.max() < 20.0
    assert set(np.unique(coll[clock_h >= 17.55])) <= {6, 7}
    assert set(np.unique(coll[clock_h < 16.0])) == set(range(6))
    days = 3

    def per_collector_hour(mask_c, lo, hi):
        m = mask_c & (clock_h >= lo) & (clock_h < hi)
        per = np.bincount(coll[m], minlength=8)
        return per[np.unique(coll[mask_c])] / (days * (hi - lo))

    full = per_collector_hour(coll < 6, 10.0, 12.0)
    part = per_collector_hour(coll >= 6, 18.0, 20.0)
    se = math.sqrt(full.var(ddof=1) / len(full) + max(part.var(ddof=1), full.var(ddof=1)) / len(part))
    assert abs(part.mean() - full.mean()) <= Z * se + 0.05 * full.mean()
    paid_h = cnt.paid_s.sum() / HOUR_S
    assert paid_h == pytest.approx(days * (6 * 8.5 + 2 * 4.0), rel=0.01)
    assert paid_h >= days * (6 * 8.5 + 2 * 4.0)  # a call past the end of a shift is overtime


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shift_start_time": "09:00"}, "not both"),
        ({"breaks": [{"start_time": "10:30", "length_min": 15.0}]}, "inside each shift"),
        ({"shifts": [{"start_time": "09:00", "length_h": 8.0, "share": 0.5}]}, "add up to 0.5, not 1"),
        (
            {
                "shifts": [
                    {"start_time": "09:00", "length_h": 8.0, "share": 0.5},
                    {"start_time": "12:00", "length_h": 8.0, "headcount": 4},
                ]
            },
            "not a mix",
        ),
        ({"shifts": [{"start_time": "09:00", "length_h": 8.0, "headcount": 3}]}, "add up to 3"),
        ({"shifts": [{"start_time": "09:00", "length_h": 8.0}]}, "exactly one of share and headcount"),
        (
            {"shifts": [{"start_time": "13:00", "length_h": 9.0, "headcount": 8}]},
            "outside the center's hours",
        ),
        ({"absenteeism": 0.4, "absenteeism_weekday_multipliers": [3.0, 1, 1, 1, 1, 1, 1]}, "above 1"),
        ({"absenteeism_weekday_multipliers": [1.0, 1.0]}, "needs 7 values"),
    ],
)
def test_bad_shifts_and_shrinkage_exit_2_with_a_message(tmp_path, capsys, change, message):
    raw = _two_shift_raw(**change)
    code, out, err = cli(capsys, "validate", str(write_toml(tmp_path / "bad.toml", raw)))
    assert code == 2
    assert message in err and "Traceback" not in err


def test_team_with_neither_one_shift_nor_shifts_is_refused(tmp_path, capsys):
    raw = small_scenario()
    raw["teams"]["t1"].pop("shift_length_h")
    code, _, err = cli(capsys, "validate", str(write_toml(tmp_path / "bad.toml", raw)))
    assert code == 2 and "give shift_start_time and shift_length_h" in err


def test_shift_shares_split_the_headcount_by_largest_remainder():
    for n, split in ((8, [6, 2]), (9, [7, 2]), (10, [8, 2]), (1, [1, 0]), (3, [2, 1])):
        team = parse_scenario(_two_shift_raw(headcount=n)).teams["t1"]
        assert [p.headcount for p in team.shift_plans()] == split, n


def test_planned_productive_rate_counts_every_shift_and_the_expected_aux():
    """The pyramid's planned rate: six 8.5 h shifts with 30 min lunch + 6 min meeting + 6 min
    training, two 4 h shifts with 12 min; productive = paid less those, times 1 - aux_share."""
    from simulator.measures.pyramid import productive_rate

    team = parse_scenario(_two_shift_raw(aux_share=0.1)).teams["t1"]
    paid = 6 * 8.5 + 2 * 4.0
    productive = 6 * (8.5 - 42 / 60) + 2 * (4.0 - 12 / 60)
    assert productive_rate(team) == pytest.approx(0.9 * productive / paid, rel=1e-12)
    single = parse_scenario(small_scenario()).teams["t1"]
    assert productive_rate(single) == pytest.approx(1 - 72 / 480, rel=1e-12)
