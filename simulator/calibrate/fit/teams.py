"""Teams from shifts.csv: headcount, shift start and length, unproductive time, productive rate,
and the segments each team dials (from dials.csv).

shifts.csv gives each collector-day's login, logout, paid and productive seconds. That
identifies the shift's start and length, the unproductive minutes per day and the productive
rate; it does not say when in the shift the breaks fell. Their placement is taken from the base
scenario's team (lengths scaled to the fitted total) or, without one, a conventional layout:
two breaks at a quarter and three quarters of the shift, each a quarter of the total, and a
lunch of half the total centred on the middle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ...base.clock import DAY_S
from ...scenario.schema import Team, clock_minutes
from ..read.trace import Trace
from .regression import Z95, Estimate

__all__ = [
    "TeamFit",
    "fit_teams",
    "ratio_estimate",
    "block_layout",
    "layout_within_shift",
    "SEGMENT_SHARE_MIN",
]

SEGMENT_SHARE_MIN = 0.01
"""A team works a segment when at least this share of its collectors' dials went to it."""
ROUND_MIN = 5.0
"""Shift start and length are rounded to this many minutes (scheduling granularity)."""


@dataclass
class TeamFit:
    name: str
    headcount: int
    collectors: list[str]
    shift_start_min: float
    shift_length_h: float
    unproductive_min: Estimate
    productive_rate: Estimate
    segments: list[str] = field(default_factory=list)
    collector_days: int = 0


def ratio_estimate(num: np.ndarray, den: np.ndarray) -> Estimate:
    """sum(num) / sum(den) over units (collector-days), with the ratio estimator's SE
    sqrt(sum (num_i - R den_i)^2 / (n (n-1))) / mean(den) and a normal 95% interval."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    n = len(num)
    if n == 0 or den.sum() <= 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, n)
    r = num.sum() / den.sum()
    if n < 2:
        return Estimate(float(r), math.nan, math.nan, math.nan, n)
    e = num - r * den
    se = math.sqrt(float(e @ e) / (n * (n - 1))) / den.mean()
    return Estimate(float(r), se, float(r - Z95 * se), float(r + Z95 * se), n)


def _mean_estimate(x: np.ndarray) -> Estimate:
    n = len(x)
    m = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return Estimate(m, se, m - Z95 * se, m + Z95 * se, n)


def _round(x: float) -> float:
    return ROUND_MIN * round(x / ROUND_MIN)


def fit_teams(tr: Trace) -> dict[str, TeamFit]:
    """One TeamFit per team of shifts.csv (requires it)."""
    sh = tr.shifts
    assert sh is not None
    d = tr.dials
    teams = tr.teams
    coll_names = tr.collectors
    # each collector's team: the one most of their shifts were on
    pairs = np.unique(np.column_stack([sh["collector_id"], sh["team"]]), axis=0, return_counts=True)
    best: dict[int, tuple[int, int]] = {}
    for (c, t), k in zip(*pairs):
        if c not in best or k > best[c][1]:
            best[int(c)] = (int(t), int(k))
    coll_team = np.full(len(coll_names), -1, dtype=np.int64)
    for c, (t, _) in best.items():
        coll_team[c] = t
    segs = tr.segments
    out: dict[str, TeamFit] = {}
    for ti, tname in enumerate(teams):
        m = sh["team"] == ti
        if not m.any():
            continue
        login = sh["login_s"][m]
        logout = sh["logout_s"][m]
        start_min = float(np.median(np.mod(login, DAY_S))) / 60.0
        length_min = float(np.median(logout - login)) / 60.0
        paid, prod = sh["paid_s"][m], sh["productive_s"][m]
        days, per_day = np.unique(sh["day"][m], return_counts=True)
        members = sorted({coll_names[c] for c in sh["collector_id"][m]})
        fit = TeamFit(
            tname,
            int(round(float(np.median(per_day)))),
            members,
            _round(start_min),
            max(_round(length_min), ROUND_MIN) / 60.0,
            _mean_estimate((paid - prod) / 60.0),
            ratio_estimate(prod, paid),
            collector_days=int(m.sum()),
        )
        has_coll = d["coll"] >= 0
        dm = has_coll & (coll_team[np.where(has_coll, d["coll"], 0)] == ti)
        if dm.any():
            share = np.bincount(d["seg"][dm], minlength=len(segs)) / dm.sum()
            fit.segments = [segs[s] for s in np.flatnonzero(share >= SEGMENT_SHARE_MIN)]
        out[tname] = fit
    return out


def _hhmm(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def block_layout(
    start_min: float, length_h: float, unproductive_min: float, base_team: dict | None = None
) -> dict:
    """Team keys (breaks, lunch, meeting_min_per_day, training_min_per_day) placing
    ``unproductive_min`` minutes inside the shift: the base team's blocks scaled to that total
    and moved with the shift start, or the conventional layout (see the module doc)."""
    U = max(0.0, unproductive_min)
    if base_team is not None:
        breaks = base_team.get("breaks", [])
        lunch = base_team.get("lunch")
        meet = float(base_team.get("meeting_min_per_day", 0.0))
        train = float(base_team.get("training_min_per_day", 0.0))
        total = meet + train + sum(b["length_min"] for b in breaks) + (lunch["length_min"] if lunch else 0.0)
        if total > 0:
            f = U / total
            base_start = float(clock_minutes(base_team.get("shift_start_time", _hhmm(start_min))))
            shift = start_min - base_start

            def move(b):
                return {
                    "start_time": _hhmm(clock_minutes(b["start_time"]) + shift),
                    "length_min": b["length_min"] * f,
                }

            out = {
                "breaks": [move(b) for b in breaks],
                "meeting_min_per_day": meet * f,
                "training_min_per_day": train * f,
            }
            out["lunch"] = move(lunch) if lunch else None
            return out
    if U <= 0:
        return {"breaks": [], "lunch": None, "meeting_min_per_day": 0.0, "training_min_per_day": 0.0}
    L = length_h * 60.0
    q = U / 4
    return {
        "breaks": [
            {"start_time": _hhmm(start_min + 0.25 * L - q / 2), "length_min": q},
            {"start_time": _hhmm(start_min + 0.75 * L - q / 2), "length_min": q},
        ],
        "lunch": {"start_time": _hhmm(start_min + 0.5 * L - q), "length_min": 2 * q},
        "meeting_min_per_day": 0.0,
        "training_min_per_day": 0.0,
    }


def layout_within_shift(
    team: dict, start_min: float, length_h: float, unproductive_min: float, base_team: dict | None
) -> tuple[dict, float]:
    """Team keys placing ``unproductive_min`` in the shift (see :func:`block_layout`) that
    ``team`` (its other keys) validates with: the base team's layout, else the conventional
    one, else the conventional one of the most unproductive minutes that fits (a day nearly all
    unproductive leaves no room for the breaks between the shift's ends). Returns the keys and
    the minutes placed."""

    def fits(layout: dict) -> bool:
        try:
            Team.model_validate({k: v for k, v in {**team, **layout}.items() if v is not None})
        except ValueError:
            return False
        return True

    for base in (base_team, None):
        layout = block_layout(start_min, length_h, unproductive_min, base)
        if fits(layout):
            return layout, unproductive_min
    lo, hi = 0.0, max(unproductive_min, 0.0)
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fits(block_layout(start_min, length_h, mid, None)) else (lo, mid)
    return block_layout(start_min, length_h, lo, None), lo
