"""A collector's day for the studio page: one traced replication per design, and the dial trace
of one collector on the first working day, as the page's animation reads it.

Each design is a lever setting of the grid (a sweep variant); its replication 0 is run again with
``World(trace=True)`` at the sweep's seed, so the day shown is the one behind the grid's first
replication of that setting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base.clock import DAY_S
from ..base.outcomes import ABANDONED, OUTCOME_NAMES, RPC, THIRD_PARTY
from ..world.build import World

__all__ = ["collector_day", "collector_days", "day_designs", "dialer_hour", "pacing_words"]

AWAY_S = 300.0
"""A gap between two calls of at least this many seconds is drawn as away (a break, lunch, a
meeting or training); a shorter one as idle, waiting for the next call."""


def day_designs(plan: Any) -> list[Any]:
    """The two designs shown side by side (sweep variants): the baseline setting (each lever at
    the scenario's own value, else its first value) and the same setting with the dialer mode
    changed (else with the first lever that has a second value changed)."""
    base_values = {p: _base_value(plan, p, vals) for p, vals in plan.parameters}
    by_values = {_key(v.values, plan): v for v in plan.variants}
    base = by_values.get(_key(base_values, plan)) or plan.variants[0]
    paths = [p for p, _ in plan.parameters]
    lever = "dialer.mode" if "dialer.mode" in paths else (paths[0] if paths else None)
    if lever is None:
        return [base]
    vals = dict(plan.parameters)[lever]
    other = next(x for x in vals if x != base.values[lever])
    alt = by_values.get(_key({**base.values, lever: other}, plan))
    return [base] + ([alt] if alt is not None else [])


def _base_value(plan: Any, path: str, values: list[Any]) -> Any:
    node: Any = plan.base.scenario
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    return node if node in values else values[0]


def _key(values: dict[str, Any], plan: Any) -> tuple:
    return tuple(repr(values[p]) for p, _ in plan.parameters)


def collector_days(plan: Any, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The collector's day of each design of :func:`day_designs` (variants whose replications
    all failed are left out)."""
    ok = {v["id"] for v in summary["variants"] if v["metrics"]}
    return [
        collector_day(v.loaded.scenario, plan.seed, v.id, v.values) for v in day_designs(plan) if v.id in ok
    ]


def collector_day(scenario: Any, seed: int, variant: str, values: dict[str, Any]) -> dict[str, Any]:
    """The first collector's first working day of replication 0 at ``seed``: every call as
    [start s, ring s, talk s, wrap s, outcome index] (seconds from midnight), the shift
    (login and logout, s), the promises made [made s, kept 0/1, paid $] and the away spells
    (gaps of at least :data:`AWAY_S` between calls). Promises are those made that day, with how
    they ended later in the run."""
    w = World(scenario, seed, 0, trace=True)
    w.run()
    tr = w.trace_arrays()
    roles = [scenario.teams[t].role for t in scenario.team_names]
    c = next((i for i, col in enumerate(w.collectors) if roles[col.team] != "inbound"), 0)
    day = w.calendar.work_days[0]
    lo, hi = day * DAY_S, (day + 1) * DAY_S
    mine = (tr["coll"] == c) & (tr["t"] >= lo) & (tr["t"] < hi)
    order = np.argsort(tr["t"][mine], kind="stable")
    cols = {k: tr[k][mine][order] for k in ("t", "ring", "talk", "wrap", "out")}
    calls = [
        [round(float(t - lo), 1), round(float(r), 1), round(float(k), 1), round(float(x), 1), int(o)]
        for t, r, k, x, o in zip(cols["t"], cols["ring"], cols["talk"], cols["wrap"], cols["out"])
    ]
    shift = next(((s[2] - lo, s[3] - lo) for s in w.recorder.shifts if s[0] == day and s[1] == c), None)
    if shift is None:
        shift = (calls[0][0], calls[-1][0] + sum(calls[-1][1:4])) if calls else (0.0, 0.0)
    promises = [
        [round(float(p.made_at_s - lo), 1), int(p.status == "kept"), round(float(p.paid_usd), 2)]
        for p in w.recorder.promises
        if p.collector == c and lo <= p.made_at_s < hi
    ]
    away = _away(calls, shift)
    camp = int(tr["camp"][mine][0]) if mine.any() else 0
    return {
        "variant": variant,
        "values": values,
        "collector": w.collectors[c].name,
        "mode": scenario.dialer.mode,
        "pacing": pacing_words(scenario.dialer),
        "shift": [round(float(shift[0]), 1), round(float(shift[1]), 1)],
        "calls": calls,
        "promises": promises,
        "away": away,
        "outcomes": list(OUTCOME_NAMES),
        "rpc_code": RPC,
        "hour": dialer_hour(w, tr, camp, day),
    }


def pacing_words(dialer: Any) -> str:
    """The pacing setting of a predictive dialer in words ("" for the other modes): the ratio of
    fixed pacing (lines per free collector), the abandon-rate target of adaptive pacing."""
    if dialer.mode != "predictive":
        return ""
    if dialer.pacing == "fixed":
        return f"fixed pacing, {dialer.ratio:g} lines per free collector"
    if dialer.pacing == "adaptive":
        return f"adaptive pacing, abandon target {100 * dialer.max_abandon_rate:g}%"
    return f"{dialer.pacing} pacing"


def _away(calls: list[list[float]], shift: tuple[float, float]) -> list[list[float]]:
    """The gaps of at least :data:`AWAY_S` between a collector's calls within the shift."""
    away, end = [], float(shift[0])
    for start, ring, talk, wrap, _ in calls:
        if start - end >= AWAY_S:
            away.append([round(end, 1), round(float(start), 1)])
        end = max(end, start + ring + talk + wrap)
    if shift[1] - end >= AWAY_S:
        away.append([round(end, 1), round(float(shift[1]), 1)])
    return away


def dialer_hour(
    w: World, tr: dict[str, np.ndarray], camp: int, day: int, bin_s: float = 15.0
) -> dict[str, Any]:
    """One hour of campaign ``camp``'s dialer on ``day`` (10:00 to 11:00), every ``bin_s``
    seconds: lines ringing, collectors on a call (talk and wrap; under progressive and preview
    dialing also the ring they wait through), collectors free (logged in, not on a call, not
    away: see :data:`AWAY_S`) and collectors away (logged in, on a break); and per minute the
    calls answered by a person (right or third party) and the calls abandoned (answered with no
    collector free)."""
    lo = day * DAY_S + 10 * 3600.0
    n = len(w.collectors)
    waits_ring = w.scenario.dialer.mode != "predictive"
    in_day = (tr["camp"] == camp) & (tr["t"] >= day * DAY_S) & (tr["t"] < (day + 1) * DAY_S)
    mid = lo + bin_s * (np.arange(int(3600 / bin_s)) + 0.5)
    t, ring, talk, wrap = (tr[k][in_day] for k in ("t", "ring", "talk", "wrap"))
    coll, out = tr["coll"][in_day], tr["out"][in_day]
    ringing = ((t[:, None] <= mid) & (mid < t[:, None] + ring[:, None])).sum(axis=0)
    staff = sorted({int(c) for c in coll if c < n})
    busy = np.zeros(len(mid), int)
    free = np.zeros(len(mid), int)
    away_n = np.zeros(len(mid), int)
    for c in staff:
        m = coll == c
        order = np.argsort(t[m], kind="stable")
        ct, cr, ck, cw = t[m][order], ring[m][order], talk[m][order], wrap[m][order]
        start = ct if waits_ring else ct + cr
        on = ((start[:, None] <= mid) & (mid < (ct + cr + ck + cw)[:, None])).any(axis=0)
        shift = next(((s[2], s[3]) for s in w.recorder.shifts if s[0] == day and s[1] == c), None)
        if shift is None:
            continue
        calls = [[a, b, k, x, 0] for a, b, k, x in zip(ct, cr, ck, cw)]
        away = np.zeros(len(mid), bool)
        for a, b in _away(calls, shift):
            away |= (a <= mid) & (mid < b)
        logged = (shift[0] <= mid) & (mid < shift[1])
        busy += on & logged
        free += logged & ~on & ~away
        away_n += logged & ~on & away
    minute = ((t + ring - lo) // 60).astype(int)
    inside = (minute >= 0) & (minute < 60)
    person = inside & np.isin(out, (RPC, THIRD_PARTY)) & (coll < n)
    dropped = inside & (out == ABANDONED)
    return {
        "start": lo - day * DAY_S,
        "bin_s": bin_s,
        "ringing": ringing.tolist(),
        "busy": busy.tolist(),
        "free": free.tolist(),
        "away": away_n.tolist(),
        "answered": np.bincount(minute[person], minlength=60)[:60].tolist(),
        "abandoned": np.bincount(minute[dropped], minlength=60)[:60].tolist(),
        "collectors": len(staff),
        "dials": int(((t >= lo) & (t < lo + 3600)).sum()),
    }
