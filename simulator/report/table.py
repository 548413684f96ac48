"""Plain-text tables of a results document (the dict of ``Results.to_dict()``)."""

from __future__ import annotations

from typing import Any

from ..base.formatting import NA, stat_of, table
from ..measures.lift import LIFT_METRICS
from ..measures.pyramid import LAYER_LABELS, LAYERS

_PERCENT = {"productive_rate", "promise_rate", "kept_rate", "abandon_rate", "broken_rate", "occupancy"}


def _fmt(metric: str, s: dict) -> str:
    return stat_of(s, percent=metric in _PERCENT)


def _columns(doc: dict[str, Any]) -> list[tuple[str, dict]]:
    m = doc["metrics"]
    return [*m["segments"].items(), ("center", m["center"])]


def _render(rows: list[tuple[str, list[str]]], header: list[str]) -> str:
    return table([header, *([label, *cells] for label, cells in rows)])


def pyramid_table(doc: dict[str, Any]) -> str:
    """The pyramid layers per segment and for the center, mean ± 95% CI half-width. Value per paid
    hour is the cohort view (the eventual dollars of the promises made in the period); with
    rearrangements a note says what the average payment holds."""
    cols = _columns(doc)
    metrics = [*LAYERS, "value_per_paid_hour"]
    rows = []
    for metric in metrics:
        label = LAYER_LABELS[metric] + (" %" if metric in _PERCENT else "")
        if metric == "value_per_paid_hour":
            label += " (cohort)"
        rows.append((label, [_fmt(metric, stats[metric]) for _, stats in cols]))
    text = _render(rows, ["pyramid", *(name for name, _ in cols)])
    center = cols[-1][1]
    if ((center.get("arrangement_collected") or {}).get("mean") or 0.0) > 0:
        text += (
            "\naverage payment = every dollar per kept promise: settlements' lump sums and payment plans' "
            "later installments included (ordinary promises alone: "
            f"{_fmt('avg_payment', center['avg_payment_ordinary'])})"
        )
    return text


VOLUME = (
    "paid_hours",
    "productive_hours",
    "dials",
    "connects",
    "rpc",
    "reminder_contacts",
    "third_party",
    "promises",
    "arrangement_promises",
    "kept",
    "broken",
    "plan_installments_due",
    "plan_installments_kept",
    "collected",
    "collected_in_period",
    "kept_rate_usd",
    "collected_cash",
    "channel_collected",
    "incremental_collected",
    "incremental_share",
    "expected_loss_end",
    "loss_avoided",
    *LIFT_METRICS,
    "arrangement_collected",
    "avg_payment_ordinary",
    "agency_collected",
    "cost_wages",
    "cost_supervision",
    "cost_telecom",
    "cost_dialer",
    "cost_skip_trace",
    "cost_agency",
    "cost_abandon_penalty",
    "cost_channels",
    "cost",
    "cost_per_dollar",
    "net_value",
    "net_economic_value",
    "occupancy",
    "idle_hours",
)
"""Rows of the volume table, in order; those after ``ALWAYS`` are shown only where some unit has
a value other than 0 (reminders, rearrangements, agencies and the costs beyond wages are off in
most scenarios)."""
ALWAYS = {
    "paid_hours",
    "productive_hours",
    "dials",
    "connects",
    "rpc",
    "third_party",
    "promises",
    "kept",
    "broken",
    "collected",
    "collected_in_period",
    "kept_rate_usd",
    "cost",
    "cost_per_dollar",
    "net_value",
    "occupancy",
    "idle_hours",
}
LABELS = {
    "rpc": "rpc (negotiations)",
    "reminder_contacts": "reminder contacts (not in rpc)",
    "arrangement_promises": "  of which accepted offers",
    "collected": "collected: cohort (promises of the period, paid whenever)",
    "collected_in_period": "collected: cash (paid by the last calling day)",
    "kept_rate_usd": "kept rate $ (collected / promised $) %",
    "collected_cash": "collected: cash from called accounts (every source, measured window)",
    "incremental_collected": "  over the uncalled control: incremental",
    "incremental_share": "  incremental share of that cash %",
    "expected_loss_end": "expected loss of the called accounts open at the end",
    "loss_avoided": "loss avoided over the uncalled control",
    "cure_rate_treated": "cure rate of called accounts (per roll period) %",
    "cure_rate_control": "cure rate of the uncalled control %",
    "cure_lift": "  lift in cure rate (called - control), points",
    "roll_rate_treated": "roll rate of called accounts (forward, by count) %",
    "roll_rate_control": "roll rate of the uncalled control %",
    "roll_lift": "  rolls prevented (control - called), points",
    "roll_lift_usd": "  rolls prevented by balance (control - called), points",
    "charge_off_lift": "  charge-offs prevented (control - called), points",
    "arrangement_collected": "  of which arrangements (settlements, plans, re-ages)",
    "avg_payment_ordinary": "average payment of ordinary promises",
    "agency_collected": "next stage's recoveries (placed; projected)",
    "cost_wages": "  wages (loaded)",
    "cost_supervision": "  supervision",
    "cost_telecom": "  telecom",
    "cost_dialer": "  dialer seats",
    "cost_skip_trace": "  skip-trace fees",
    "cost_agency": "  next stage's commission (placed)",
    "cost_abandon_penalty": "  abandon penalties",
    "cost_channels": "  messages (channels)",
    "channel_collected": "collected by messages (self-service and their promises)",
    "cost": "cost (the sum of the parts)",
    "net_value": "net value (collected + next stage's recoveries - cost)",
    "net_economic_value": "net economic value (loss avoided - cost): the decision figure",
}
CASH_NET_VALUE = "net value, collections (collected + next stage's recoveries - cost)"
"""The label of net_value where net economic value is shown beside it."""


def shown(metric: str, cols: list[tuple[str, dict]]) -> bool:
    def nonzero(m: str) -> bool:
        return any(((st.get(m) or {}).get("mean") or 0.0) != 0.0 for _, st in cols)

    if metric in ALWAYS:
        return True
    if metric == "avg_payment_ordinary":
        return nonzero("arrangement_collected")
    if metric == "cost_wages":  # the parts of cost, once there is more than wages
        return any(nonzero(m) for m in VOLUME if m.startswith("cost_") and m != "cost_wages")
    return nonzero(metric)


def volume_table(doc: dict[str, Any]) -> str:
    """Volumes, dollars (the cohort and the cash view, labelled) and costs per segment and for the
    center, mean ± 95% CI half-width."""
    cols = _columns(doc)
    rows = []
    economic = shown("net_economic_value", cols)
    for m in VOLUME:
        if m in cols[-1][1] and shown(m, cols):
            pct = m in _PERCENT or m in ("kept_rate_usd", "incremental_share") or m in LIFT_METRICS
            label = CASH_NET_VALUE if economic and m == "net_value" else LABELS.get(m, m)
            name = label + (" %" if m in _PERCENT else "")
            rows.append((name, [stat_of(stats.get(m) or {"mean": None}, percent=pct) for _, stats in cols]))
    return _render(rows, ["volumes and dollars per replication", *(name for name, _ in cols)])


_NOT_BLOCKS = {"metrics", "series", "scenario", "targets", "peers", "inbound_by_hour"}
"""Top-level entries that are not blocks for :func:`blocks_table` (the queue by hour is in the
inbound tables, report/inbound.py)."""


def _is_stat(v: Any) -> bool:
    return isinstance(v, dict) and "mean" in v and "ci95_low" in v


def _fmt_block(name: str, s: dict) -> str:
    rate = name.endswith(("_rate", "_share")) or name.startswith("roll_")
    text = stat_of(s, percent=rate)
    return text + " %" if rate and text != NA else text


def blocks_table(doc: dict[str, Any]) -> str:
    """Every extra top-level result block ({name: STAT}, e.g. compliance, skip_trace, placement)
    as a small "name  mean ± 95% CI half-width" table, one section per block; rates in percent.
    Top-level entries that are not such blocks (metrics, series, scenario, targets, provenance)
    are skipped. Empty text when there is no block."""
    sections = []
    for block, body in doc.items():
        if block in _NOT_BLOCKS or not isinstance(body, dict) or not body:
            continue
        if not all(_is_stat(v) for v in body.values()):
            continue
        if block == "vintages":  # curves: one row per vintage, not per entry
            from .vintages import vintages_text

            sections.append(vintages_text(body))
            continue
        if block == "channels":  # a table per channel and segment
            from .channels import channels_text

            sections.append(channels_text(body, doc.get("metrics")))
            continue
        rows = [(name, [_fmt_block(name, s)]) for name, s in body.items()]
        sections.append(_render(rows, [block, "mean ± 95% CI"]) + _placement_staffing(block, body))
    return "\n\n".join(sections)


def placement_staffing_note(body: dict[str, Any]) -> str:
    """What a placement what-if did with in-house staff: held at the scenario's headcount (the
    model's rule), with the work per collector it left; empty without those entries."""
    n = (body.get("inhouse_collectors") or {}).get("mean")
    per = (body.get("inhouse_open_accounts_per_collector") or {}).get("mean")
    if n is None:
        return ""
    work = f", {per:,.0f} open accounts each" if per is not None else ""
    return (
        f"in-house staff held at {n:.0f} collector(s){work}: a placement rule moves work, not "
        "headcount (to move staff with the work, docs/portfolio.md)"
    )


def _placement_staffing(block: str, body: dict[str, Any]) -> str:
    note = placement_staffing_note(body) if block == "placement" else ""
    return "\nnote: " + note if note else ""
