"""Counters -> per-replication KPIs at center, segment, team and collector level.

Pure functions: no simulation state, no I/O. Every METRIC of the contract is produced at every
level; a ratio whose denominator is 0 is ``None``.

Allocation rule for segment hours: a collector's paid, productive and idle time and cost are
split across the segments the collector dialed in proportion to the collector's handling time
(ring + talk + wrap seconds) on each segment; a collector who dialed nothing splits them equally
over the team's segments. With teams dedicated to one segment the split is exact.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .counters import ABANDONED, MACHINE, RPC, TALK, THIRD_PARTY, WRAP, Counters, Structure

METRICS = ("paid_hours", "productive_hours", "productive_rate", "dials", "connects", "rpc",
           "third_party", "abandoned", "abandon_rate", "rpc_per_productive_hour", "promises",
           "promise_rate", "kept", "kept_rate", "broken", "broken_rate", "collected", "avg_payment",
           "value_per_paid_hour", "cost", "cost_per_dollar", "occupancy")
"""Contract metric names, in the order they are reported."""

EXTRA_METRICS = ("dials_per_productive_hour", "machine", "idle_hours", "idle_s_per_call", "talk_hours",
                 "wrap_hours", "promised_usd", "net_value", "accounts_dialed_share", "self_cure_collected",
                 "incremental_collected")
"""Further metrics reported after the contract's (extensions, never replacements)."""

Metrics = dict[str, Optional[float]]


def _ratio(a: float, b: float) -> Optional[float]:
    """a / b, or None when b is 0 or the quotient is not finite (a denormal denominator)."""
    if not b:
        return None
    q = float(a) / float(b)
    return q if math.isfinite(q) else None


def kpis(t: dict[str, float]) -> Metrics:
    """The metrics of one unit (a collector, team, segment or the center) from its totals.

    ``t`` holds seconds (paid_s, productive_s, idle_s, talk_s, wrap_s), counts (dials, handled
    (calls a collector took), rpc, third_party, machine, abandoned, promises, kept, broken),
    dollars (collected, promised_usd, cost) and optionally accounts and accounts_dialed.
    """
    paid_h, prod_h = t["paid_s"] / 3600.0, t["productive_s"] / 3600.0
    connects = t["rpc"] + t["third_party"] + t["abandoned"]
    m: Metrics = {
        "paid_hours": paid_h,
        "productive_hours": prod_h,
        "productive_rate": _ratio(prod_h, paid_h),
        "dials": float(t["dials"]),
        "connects": float(connects),
        "rpc": float(t["rpc"]),
        "third_party": float(t["third_party"]),
        "abandoned": float(t["abandoned"]),
        "abandon_rate": _ratio(t["abandoned"], connects),
        "rpc_per_productive_hour": _ratio(t["rpc"], prod_h),
        "promises": float(t["promises"]),
        "promise_rate": _ratio(t["promises"], t["rpc"]),
        "kept": float(t["kept"]),
        "kept_rate": _ratio(t["kept"], t["promises"]),
        "broken": float(t["broken"]),
        "broken_rate": _ratio(t["broken"], t["promises"]),
        "collected": float(t["collected"]),
        "avg_payment": _ratio(t["collected"], t["kept"]),
        "value_per_paid_hour": _ratio(t["collected"], paid_h),
        "cost": float(t["cost"]),
        "cost_per_dollar": _ratio(t["cost"], t["collected"]),
        "occupancy": _ratio(t["talk_s"] + t["wrap_s"], t["productive_s"]),
        "dials_per_productive_hour": _ratio(t["dials"], prod_h),
        "machine": float(t["machine"]),
        "idle_hours": t["idle_s"] / 3600.0,
        "idle_s_per_call": _ratio(t["idle_s"], t["handled"]),
        "talk_hours": t["talk_s"] / 3600.0,
        "wrap_hours": t["wrap_s"] / 3600.0,
        "promised_usd": float(t["promised_usd"]),
        "net_value": float(t["collected"] - t["cost"]),
        "accounts_dialed_share": _ratio(t.get("accounts_dialed", 0.0), t.get("accounts", 0.0)),
    }
    return m


def _totals(cnt: Counters, st: Structure, cs_weight: np.ndarray, row_mask: np.ndarray,
            seg_mask: np.ndarray) -> dict[str, float]:
    """Sum counters over the (row, segment) cells selected by the masks.

    ``cs_weight`` (R, S) is each row's share of time per segment (rows sum to 1).
    """
    cells = np.outer(row_mask, seg_mask).astype(float)
    share = cells * cs_weight
    wage = np.concatenate([st.collector_wage_usd, np.zeros(len(st.campaigns))])
    is_coll = np.arange(len(row_mask)) < st.n_collectors
    paid = (cnt.paid_s[:, None] * share).sum()
    d = cnt.dials * cells[:, :, None]
    return {
        "paid_s": paid,
        "productive_s": (cnt.productive_s[:, None] * share).sum(),
        "idle_s": (cnt.idle_s[:, None] * share).sum(),
        "talk_s": (cnt.handle_s[:, :, TALK] * cells).sum(),
        "wrap_s": (cnt.handle_s[:, :, WRAP] * cells).sum(),
        "dials": d.sum(),
        "handled": d[is_coll].sum(),
        "rpc": d[:, :, RPC].sum(),
        "third_party": d[:, :, THIRD_PARTY].sum(),
        "machine": d[:, :, MACHINE].sum(),
        "abandoned": d[:, :, ABANDONED].sum(),
        "promises": (cnt.promises * cells).sum(),
        "promised_usd": (cnt.promised_usd * cells).sum(),
        "kept": (cnt.kept * cells).sum(),
        "broken": (cnt.broken * cells).sum(),
        "collected": (cnt.collected * cells).sum(),
        "cost": (cnt.paid_s[:, None] * share * wage[:, None]).sum() / 3600.0,
    }


def segment_shares(cnt: Counters, st: Structure) -> np.ndarray:
    """(C, S) share of each collector's time attributed to each segment (the allocation rule)."""
    R, S = cnt.promises.shape
    handle = cnt.handle_s.sum(axis=2)
    tot = handle.sum(axis=1, keepdims=True)
    equal = np.zeros((R, S))
    for c, segs in enumerate(st.collector_segments + st.campaign_segments):
        equal[c, list(segs)] = 1.0 / len(segs)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(tot > 0, handle / np.where(tot > 0, tot, 1.0), equal)
    return w


def portfolio_dollars(cnt: Counters, segments: list[int]) -> Metrics:
    """Self-cure and incremental dollars of a group of segments (None where not defined).

    ``self_cure_collected``: dollars accounts paid with no promise (self-cure), in the measured
    window. ``incremental_collected``: dollars over what the same accounts would have paid
    uncalled, estimated segment by segment from the never-called control group: dollars from
    the called accounts - control dollars x (called accounts / control accounts). Needs a
    living portfolio with ``control_share`` > 0 (docs/portfolio.md)."""
    if cnt.received_usd is None:
        return {"self_cure_collected": 0.0, "incremental_collected": None}
    incremental = 0.0
    for s in segments:
        (treated_usd, control_usd), (n_treated, n_control) = cnt.received_usd[s], cnt.present_accounts[s]
        if not n_control:
            incremental = None
            break
        incremental += float(treated_usd - control_usd * n_treated / n_control)
    return {"self_cure_collected": float(cnt.self_cure_usd[segments].sum()), "incremental_collected": incremental}


NOT_BY_COLLECTOR: Metrics = {"self_cure_collected": None, "incremental_collected": None}
"""Portfolio dollars belong to segments, not to the collectors or teams who called them."""


def replication_metrics(st: Structure, cnt: Counters) -> dict[str, dict[str, Metrics]]:
    """All levels' metrics for one replication: {"center": {"center": M}, "segments": {...}, ...}."""
    R, S = cnt.promises.shape
    w = segment_shares(cnt, st)
    all_c, all_s = np.ones(R, bool), np.ones(S, bool)
    coverage = {"accounts": float(cnt.accounts.sum()), "accounts_dialed": float(cnt.accounts_dialed.sum())}
    out: dict[str, dict[str, Metrics]] = {
        "center": {"center": {**kpis({**_totals(cnt, st, w, all_c, all_s), **coverage}),
                              **portfolio_dollars(cnt, list(range(S)))}},
        "segments": {}, "teams": {}, "collectors": {}}
    for si, sname in enumerate(st.segments):
        mask = np.zeros(S, bool)
        mask[si] = True
        cov = {"accounts": float(cnt.accounts[si]), "accounts_dialed": float(cnt.accounts_dialed[si])}
        out["segments"][sname] = {**kpis({**_totals(cnt, st, w, all_c, mask), **cov}), **portfolio_dollars(cnt, [si])}
    team = st.row_team
    for ti, tname in enumerate(st.teams):
        out["teams"][tname] = {**kpis(_totals(cnt, st, w, team == ti, all_s)), **NOT_BY_COLLECTOR}
    for ci, cname in enumerate(st.collectors):
        mask = np.zeros(R, bool)
        mask[ci] = True
        out["collectors"][cname] = {**kpis(_totals(cnt, st, w, mask, all_s)), **NOT_BY_COLLECTOR}
    return out


def replication_series(st: Structure, cnt: Counters) -> dict:
    """Per-segment daily and weekday-by-hour counts of one replication (plain lists, for JSON).

    daily: calendar day -> dials, rpc, promises (by day made), kept and collected (by due day),
    and with a living portfolio the open accounts at the day's end and the self-cure dollars;
    hourly: [weekday 0=Mon][hour 0-23] -> dials and rpc, by the hour the dial started;
    campaigns: per dialer campaign and calendar day, live answers and abandoned calls (the daily
    abandon rate is their ratio). Special-task series (e.g. ``tracking``) follow when their blocks
    are on (``Counters.series``).
    """
    daily, hourly = {}, {}
    for si, s in enumerate(st.segments):
        daily[s] = {
            "dials": cnt.daily_dials[si].sum(axis=1).tolist(),
            "rpc": cnt.daily_dials[si, :, RPC].tolist(),
            "promises": cnt.daily_promises[si].tolist(),
            "kept": cnt.daily_kept[si].tolist(),
            "collected": cnt.daily_collected[si].tolist(),
        }
        if cnt.daily_open_accounts is not None:
            daily[s]["open_accounts"] = cnt.daily_open_accounts[si].tolist()
            daily[s]["self_cure_collected"] = cnt.daily_self_cure_usd[si].tolist()
        hourly[s] = {"dials": cnt.hourly_dials[si].sum(axis=2).tolist(),
                     "rpc": cnt.hourly_dials[si, :, :, RPC].tolist()}
    campaigns = {name: {"live": cnt.campaign_live[k].tolist(), "abandoned": cnt.campaign_abandoned[k].tolist()}
                 for k, name in enumerate(st.campaigns)}
    out = {"daily": daily, "hourly": hourly, "campaigns": campaigns}
    out.update(special_series(cnt))
    return out


def special_series(cnt: Counters) -> dict:
    """The special tasks' per-day series of one replication (empty when their blocks are off):
    ``tracking`` = {"daily": {open_promises, due_today, broken_awaiting, plans_in_force: [per
    calendar day]}, "collectors": {COLLECTOR: {dials, rpc, promises, kept, collected: [per day]}}}."""
    return dict(cnt.series)
