"""Counters -> per-replication KPIs at center, segment, team and collector level. Pure
functions: no simulation state, no I/O. Every METRIC of the contract is produced at every
level; a ratio whose denominator is 0 is ``None``.

Allocation rule for segment hours: a collector's paid, productive and idle time and the costs
that follow paid time (wages, supervision, dialer seats) are split across the segments the
collector dialed in proportion to the collector's handling time (ring + talk + wrap seconds) on
each segment (equally over the team's segments for a collector who dialed nothing). Costs of a
dial (telecom, abandon penalties) belong to the row and segment of the dial. Costs of an account
that no dial carries (skip-trace fees, agency commission, message sends) and agency recoveries
are split across the rows that dialed the account's segment in proportion to their dials on it
(equally over the collectors assigned to the segment when nobody dialed it). The cost
components therefore add up to ``cost`` at every level: collector, team, segment and center.
"""

from __future__ import annotations

import math

import numpy as np

from ..base.clock import HOUR_S
from ..base.outcomes import ABANDONED, MACHINE, RPC, THIRD_PARTY
from ..world.counters import TALK, WRAP, Counters, Structure
from .channels import CHANNEL_METRICS, NO_CHANNELS, channel_cost_by_segment, channel_metrics
from .inbound import INBOUND_METRICS, inbound_metrics, inbound_rpc
from .lift import LIFT_METRICS, NO_LIFT, control_lift
from .valuation import NOT_BY_COLLECTOR, portfolio_dollars, with_economic_value

METRICS = (
    "paid_hours",
    "productive_hours",
    "productive_rate",
    "dials",
    "connects",
    "rpc",
    "third_party",
    "abandoned",
    "abandon_rate",
    "rpc_per_productive_hour",
    "promises",
    "promise_rate",
    "kept",
    "kept_rate",
    "broken",
    "broken_rate",
    "collected",
    "avg_payment",
    "value_per_paid_hour",
    "cost",
    "cost_per_dollar",
    "occupancy",
)
"""Contract metric names, in the order they are reported."""

COST_COMPONENTS = (
    "cost_wages",
    "cost_supervision",
    "cost_telecom",
    "cost_dialer",
    "cost_skip_trace",
    "cost_agency",
    "cost_abandon_penalty",
    "cost_channels",
)
"""The parts of ``cost``, which they sum to at every level."""

EXTRA_METRICS = (
    "dials_per_productive_hour",
    "machine",
    "idle_hours",
    "idle_s_per_call",
    "talk_hours",
    "wrap_hours",
    "promised_usd",
    "net_value",
    "accounts_dialed_share",
    "self_cure_collected",
    "collected_cash",
    "incremental_collected",
    "incremental_share",
    "reminder_contacts",
    "arrangement_promises",
    "plan_installments_due",
    "plan_installments_kept",
    "plan_kept_rate",
    "arrangement_collected",
    "avg_payment_ordinary",
    "collected_in_period",
    "kept_rate_usd",
    *COST_COMPONENTS,
    "agency_collected",
    "attempted_7d_share",
    "contacted_7d_share",
    "attempts_per_account",
    "absent_days",
    "absence_rate",
    "expected_loss_end",
    "loss_avoided",
    "net_economic_value",
    *LIFT_METRICS,
    *INBOUND_METRICS,
    "outbound_rpc",
    *CHANNEL_METRICS,
)
"""Further metrics reported after the contract's (extensions, never replacements)."""

Metrics = dict[str, float | None]

_COUNTS = (
    "reminder_contacts",
    "arrangement_promises",
    "arrangement_kept",
    "plan_installments_due",
    "plan_installments_kept",
)
_DOLLARS = ("arrangement_collected", "collected_in_period")


def _ratio(a: float, b: float) -> float | None:
    """a / b, or None when b is 0 or the quotient is not finite (a denormal denominator)."""
    if not b:
        return None
    q = float(a) / float(b)
    return q if math.isfinite(q) else None


def kpis(t: dict[str, float]) -> Metrics:
    """The metrics of one unit (a collector, team, segment or the center) from its totals.

    ``t`` holds seconds (paid_s, productive_s, idle_s, talk_s, wrap_s), counts (dials, handled
    (calls a collector took), rpc (negotiations: right-party contacts less reminder contacts),
    reminder_contacts, third_party, machine, abandoned, promises, kept, broken), dollars
    (collected, promised_usd, cost) and optionally the other totals of :func:`_totals` and
    accounts, accounts_dialed, open_accounts, attempted_7d, contacted_7d.
    """
    g = t.get
    paid_h, prod_h = t["paid_s"] / HOUR_S, t["productive_s"] / HOUR_S
    # rpc counts the negotiations of outbound dials and of inbound calls; connects only dials
    connects = (
        t["rpc"] - g("inbound_rpc", 0.0) + g("reminder_contacts", 0.0) + t["third_party"] + t["abandoned"]
    )
    agency = g("agency_collected", 0.0)
    ordinary_kept = t["kept"] - g("arrangement_kept", 0.0)
    m: Metrics = {
        "paid_hours": paid_h,
        "productive_hours": prod_h,
        "productive_rate": _ratio(prod_h, paid_h),
        "dials": float(t["dials"]),
        "connects": float(connects),
        "rpc": float(t["rpc"]),
        "outbound_rpc": float(t["rpc"] - g("inbound_rpc", 0.0)),
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
        "cost_per_dollar": _ratio(t["cost"], t["collected"] + agency),
        "occupancy": _ratio(t["talk_s"] + t["wrap_s"], t["productive_s"]),
        "dials_per_productive_hour": _ratio(t["dials"], prod_h),
        "machine": float(t["machine"]),
        "idle_hours": t["idle_s"] / HOUR_S,
        "idle_s_per_call": _ratio(t["idle_s"], t["handled"]),
        "talk_hours": t["talk_s"] / HOUR_S,
        "wrap_hours": t["wrap_s"] / HOUR_S,
        "promised_usd": float(t["promised_usd"]),
        "net_value": float(t["collected"] + agency - t["cost"]),
        "accounts_dialed_share": _ratio(g("accounts_dialed", 0.0), g("accounts", 0.0)),
        "reminder_contacts": float(g("reminder_contacts", 0.0)),
        "arrangement_promises": float(g("arrangement_promises", 0.0)),
        "plan_installments_due": float(g("plan_installments_due", 0.0)),
        "plan_installments_kept": float(g("plan_installments_kept", 0.0)),
        "plan_kept_rate": _ratio(g("plan_installments_kept", 0.0), g("plan_installments_due", 0.0)),
        "arrangement_collected": float(g("arrangement_collected", 0.0)),
        "avg_payment_ordinary": _ratio(t["collected"] - g("arrangement_collected", 0.0), ordinary_kept),
        "collected_in_period": float(g("collected_in_period", 0.0)),
        "kept_rate_usd": _ratio(t["collected"], t["promised_usd"]),
    }
    for k in COST_COMPONENTS:
        m[k] = float(g(k, 0.0))
    m["agency_collected"] = float(agency)
    m["attempted_7d_share"] = _ratio(g("attempted_7d", 0.0), g("open_accounts", 0.0))
    m["contacted_7d_share"] = _ratio(g("contacted_7d", 0.0), g("open_accounts", 0.0))
    m["attempts_per_account"] = _ratio(t["dials"], g("accounts", 0.0))
    m["absent_days"] = float(g("absent_days", 0.0))
    m["absence_rate"] = _ratio(g("absent_days", 0.0), g("absent_days", 0.0) + g("days_worked", 0.0))
    return m


def _totals(
    cnt: Counters,
    st: Structure,
    cs_weight: np.ndarray,
    row_mask: np.ndarray,
    seg_mask: np.ndarray,
    money: dict[str, np.ndarray] | None = None,
) -> dict[str, float]:
    """Sum counters over the (row, segment) cells selected by the masks. ``cs_weight`` (R, S) is
    each row's share of time per segment (rows sum to 1); ``money`` holds the (R, S) cost
    components and agency recoveries of :func:`money_cells` (computed when not given)."""
    if money is None:
        money = money_cells(cnt, st)
    cells = np.outer(row_mask, seg_mask).astype(float)
    share = cells * cs_weight
    is_coll = np.arange(len(row_mask)) < st.n_collectors
    paid = (cnt.paid_s[:, None] * share).sum()
    d = cnt.dials * cells[:, :, None]
    reminders = (cnt.reminder_contacts * cells).sum()
    out = {
        "paid_s": paid,
        "productive_s": (cnt.productive_s[:, None] * share).sum(),
        "idle_s": (cnt.idle_s[:, None] * share).sum(),
        "talk_s": (cnt.handle_s[:, :, TALK] * cells).sum(),
        "wrap_s": (cnt.handle_s[:, :, WRAP] * cells).sum(),
        "dials": d.sum(),
        "handled": d[is_coll].sum(),
        "rpc": d[:, :, RPC].sum() - reminders + inbound_rpc(cnt, cells),
        "inbound_rpc": inbound_rpc(cnt, cells),
        "third_party": d[:, :, THIRD_PARTY].sum(),
        "machine": d[:, :, MACHINE].sum(),
        "abandoned": d[:, :, ABANDONED].sum(),
        "promises": (cnt.promises * cells).sum(),
        "promised_usd": (cnt.promised_usd * cells).sum(),
        "kept": (cnt.kept * cells).sum(),
        "broken": (cnt.broken * cells).sum(),
        "collected": (cnt.collected * cells).sum(),
    }
    for name in _COUNTS + _DOLLARS:
        out[name] = (getattr(cnt, name) * cells).sum()
    # costs that follow paid time, split over segments like the hours
    rates = st.cost_rates
    n_camp = len(row_mask) - st.n_collectors
    wage = np.concatenate([st.collector_wage_usd, np.zeros(n_camp)])
    out["cost_wages"] = (cnt.paid_s[:, None] * share * wage[:, None]).sum() / HOUR_S
    if rates.wage_loading_share:
        out["cost_wages"] *= 1.0 + rates.wage_loading_share
    sup = np.zeros(len(row_mask))
    if st.collector_supervision_usd_per_h:
        sup[: st.n_collectors] = st.collector_supervision_usd_per_h
    out["cost_supervision"] = (cnt.paid_s[:, None] * share * sup[:, None]).sum() / HOUR_S
    out["days_worked"] = (cnt.days_worked[:, None] * share).sum()
    out["absent_days"] = (cnt.absent_days[:, None] * share).sum()
    out["cost_dialer"] = out["days_worked"] * rates.dialer_seat_usd_per_day
    for name, a in money.items():  # costs of dials and of accounts
        out[name] = (a * cells).sum()
    out["cost"] = math.fsum(out[k] for k in COST_COMPONENTS)
    return out


def money_cells(cnt: Counters, st: Structure) -> dict[str, np.ndarray]:
    """(R, S) arrays of the costs of dials (telecom, abandon penalties) and of accounts
    (skip-trace fees, agency commission) and of ``agency_collected``, attributed to counter rows
    and segments by the allocation rule of the module docstring. (The costs that follow paid
    time are split in :func:`_totals`.)"""
    rates = st.cost_rates
    dials = cnt.dials.sum(axis=2).astype(float)
    by_dials = _dial_shares(dials, st)
    return {
        "cost_telecom": cnt.handle_s[:, :, TALK] / 60.0 * rates.telecom_usd_per_min
        + dials * rates.telecom_usd_per_dial,
        "cost_skip_trace": by_dials * cnt.skip_trace_fees_usd[None, :],
        "cost_agency": by_dials * cnt.agency_commission_usd[None, :],
        "cost_abandon_penalty": cnt.dials[:, :, ABANDONED] * rates.abandon_penalty_usd,
        "cost_channels": by_dials * channel_cost_by_segment(cnt)[None, :],
        "agency_collected": by_dials * cnt.agency_collected_usd[None, :],
    }


def _dial_shares(dials: np.ndarray, st: Structure) -> np.ndarray:
    """(R, S): each row's share of the dials on each segment (columns sum to 1); a segment nobody
    dialed is shared equally by the collectors assigned to it (or by every collector)."""
    R, S = dials.shape
    tot = dials.sum(axis=0)
    out = np.zeros((R, S))
    for s in range(S):
        if tot[s] > 0:
            out[:, s] = dials[:, s] / tot[s]
            continue
        rows = [c for c, segs in enumerate(st.collector_segments) if s in segs] or list(
            range(st.n_collectors)
        )
        if rows:
            out[rows, s] = 1.0 / len(rows)
    return out


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


ROLES = ("inbound", "blend", "outbound")
"""Collector groups of the ``groups`` level (with an [inbound] block): teams by their role."""


def replication_metrics(st: Structure, cnt: Counters) -> dict[str, dict[str, Metrics]]:
    """All levels' metrics for one replication: {"center": {"center": M}, "segments": {...}, ...}."""
    R, S = cnt.promises.shape
    w = segment_shares(cnt, st)
    money = money_cells(cnt, st)
    all_c, all_s = np.ones(R, bool), np.ones(S, bool)
    accounts = ("accounts", "accounts_dialed", "open_accounts", "attempted_7d", "contacted_7d")

    def coverage(sel) -> dict[str, float]:
        return {k: float(getattr(cnt, k)[sel].sum()) for k in accounts}

    out: dict[str, dict[str, Metrics]] = {
        "center": {
            "center": {
                **with_economic_value(
                    {
                        **kpis({**_totals(cnt, st, w, all_c, all_s, money), **coverage(all_s)}),
                        **portfolio_dollars(cnt, list(range(S))),
                    }
                ),
                **control_lift(cnt, list(range(S))),
                **inbound_metrics(cnt, st, all_c, all_s, queue=True),
                **channel_metrics(cnt, list(range(S))),
            }
        },
        "segments": {},
        "teams": {},
        "collectors": {},
    }
    for si, sname in enumerate(st.segments):
        mask = np.zeros(S, bool)
        mask[si] = True
        out["segments"][sname] = {
            **with_economic_value(
                {
                    **kpis({**_totals(cnt, st, w, all_c, mask, money), **coverage(mask)}),
                    **portfolio_dollars(cnt, [si]),
                }
            ),
            **control_lift(cnt, [si]),
            **inbound_metrics(cnt, st, all_c, mask, queue=True),
            **channel_metrics(cnt, [si]),
        }
    team = st.row_team
    for ti, tname in enumerate(st.teams):
        out["teams"][tname] = {
            **kpis(_totals(cnt, st, w, team == ti, all_s, money)),
            **NOT_BY_COLLECTOR,
            "net_economic_value": None,
            **NO_LIFT,
            **inbound_metrics(cnt, st, team == ti, all_s, queue=False),
            **NO_CHANNELS,
        }
    if cnt.inbound_answers is not None:  # collector groups, by their teams' role
        roles = np.array([st.team_roles[t] for t in st.collector_team] + [""] * (R - len(st.collectors)))
        groups = {}
        for role in ROLES:
            mask = roles == role
            if mask.any():
                groups[role] = {
                    **kpis(_totals(cnt, st, w, mask, all_s, money)),
                    **NOT_BY_COLLECTOR,
                    "net_economic_value": None,
                    **NO_LIFT,
                    **inbound_metrics(cnt, st, mask, all_s, queue=False),
                    **NO_CHANNELS,
                }
        out["groups"] = groups
    for ci, cname in enumerate(st.collectors):
        mask = np.zeros(R, bool)
        mask[ci] = True
        out["collectors"][cname] = {
            **kpis(_totals(cnt, st, w, mask, all_s, money)),
            **NOT_BY_COLLECTOR,
            "net_economic_value": None,
            **NO_LIFT,
            **inbound_metrics(cnt, st, mask, all_s, queue=False),
            **NO_CHANNELS,
        }
    return out


def replication_series(st: Structure, cnt: Counters) -> dict:
    """Per-segment daily and weekday-by-hour counts of one replication (plain lists, for JSON).

    daily: calendar day -> dials, rpc (every right-party answer, reminder calls included),
    promises (by day made), kept (payments kept, plan installments included) and collected (by
    due day), and with a living portfolio the open accounts at the day's end (those worked, and
    the control group's) and the self-cure dollars; calendar: first_measured_day (after the
    warm-up) and calling_day, 1 on the days the
    center calls and 0 on the others (weekends, and the days after the calling period while
    promises fall due);
    hourly: [weekday 0=Mon][hour 0-23] -> dials and rpc, by the hour the dial started (center clock);
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
            daily[s]["open_accounts"] = cnt.daily_open_accounts[0, si].tolist()
            daily[s]["control_open_accounts"] = cnt.daily_open_accounts[1, si].tolist()
            daily[s]["self_cure_collected"] = cnt.daily_self_cure_usd[si].tolist()
        hourly[s] = {
            "dials": cnt.hourly_dials[si].sum(axis=2).tolist(),
            "rpc": cnt.hourly_dials[si, :, :, RPC].tolist(),
        }
    campaigns = {
        name: {"live": cnt.campaign_live[k].tolist(), "abandoned": cnt.campaign_abandoned[k].tolist()}
        for k, name in enumerate(st.campaigns)
    }
    n_days = cnt.daily_promises.shape[1]
    work = set(st.work_days)
    calendar = {
        "calling_day": [1 if d in work else 0 for d in range(n_days)],
        "first_measured_day": st.first_measured_day,
    }
    if cnt.daily_open_counted is not None:  # 0 on the days after the run stopped: not counted
        calendar["open_accounts_counted"] = cnt.daily_open_counted.tolist()
    out = {"daily": daily, "hourly": hourly, "campaigns": campaigns, "calendar": calendar}
    out.update(special_series(cnt))
    return out


def special_series(cnt: Counters) -> dict:
    """The special tasks' per-day series of one replication (empty when their blocks are off):
    ``tracking`` = {"daily": {open_promises, due_today, broken_awaiting, plans_in_force: [per
    calendar day]}, "collectors": {COLLECTOR: {dials, rpc, promises, kept, collected: [per day]}}}."""
    return dict(cnt.series)
