"""The report's section for every further result block (roll rates, valuation, placement,
lost contacts, skip tracing, re-ages, ...): each a small table of its figures, mean and 95% CI,
so that every figure a run produces is on the page even without a section of its own."""

from __future__ import annotations

from html import escape
from typing import Any

from ..base.formatting import number
from .data import mean
from .table import placement_staffing_note

__all__ = ["further_blocks_html", "SHOWN_ELSEWHERE"]

SHOWN_ELSEWHERE = {
    "metrics",
    "series",
    "scenario",
    "targets",
    "peers",
    "arms",
    "challengers",
    "portfolio",
    "compliance",
    "breaches",
    "vintages",
    "channels",
    "charge_off_forecast",
    "inbound_by_hour",
}
"""Top-level entries the page shows in sections of their own, or that are not result blocks."""


RATE_PREFIXES = ("roll_", "flow_to_", "charge_off_probability")
"""Block entries that are rates (shares of 1) without ending in _rate or _share."""


def _is_stat(v: Any) -> bool:
    return isinstance(v, dict) and "mean" in v and "ci95_low" in v


def _cell(name: str, s: dict[str, Any]) -> tuple[str, str]:
    base = name.removesuffix("_usd")  # a rate weighted by balance is still a rate
    rate = base.endswith(("_rate", "_share")) or base.startswith(
        ("roll_", "flow_to_", "charge_off_probability")
    )
    m, lo, hi = mean(s), s.get("ci95_low"), s.get("ci95_high")

    def show(v: float | None) -> str:
        text = number(v, percent=rate)
        return text + "%" if rate and v is not None else text

    ci = f"{show(lo)} – {show(hi)}" if lo is not None and hi is not None else "n/a"
    return show(m), ci


def further_blocks_html(doc: dict[str, Any]) -> str:
    """One card per result block not shown elsewhere on the page ('' when there is none)."""
    tables = []
    for block, body in doc.items():
        if block in SHOWN_ELSEWHERE or not isinstance(body, dict) or not body:
            continue
        stats = {k: v for k, v in body.items() if _is_stat(v)}
        if not stats:
            continue
        rows = "".join(
            f"<tr><td>{escape(name.replace('_', ' '))}</td><td>{m}</td><td>{ci}</td></tr>"
            for name, (m, ci) in ((k, _cell(k, s)) for k, s in stats.items())
        )
        note = placement_staffing_note(body) if block == "placement" else ""
        tables.append(
            f'<div><table class="compact"><tr><th>{escape(block.replace("_", " "))}</th><th>mean</th>'
            f"<th>95% CI</th></tr>{rows}</table>"
            + (f'<p class="note">{escape(note)}</p>' if note else "")
            + "</div>"
        )
    if not tables:
        return ""
    return (
        '<section><h2>Further result blocks</h2><div class="cards">'
        + "".join(tables)
        + '</div><p class="note">Each figure is the mean over replications with its 95% confidence '
        "interval; docs/contract.md defines every block.</p></section>"
    )
