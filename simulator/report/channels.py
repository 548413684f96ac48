"""The ``channels`` results block as people read it: per channel (and per channel and segment)
its sends, deliveries, responses, payments, dollars, opt-outs and cost, with each channel's
share of the money and of the cost (text for ``collectsim run``, a section of the HTML report).
Means per replication; the block's entries are ``CHANNEL/FIGURE`` and ``CHANNEL/SEGMENT/FIGURE``
(world/channels.py)."""

from __future__ import annotations

from html import escape
from typing import Any

from ..base.formatting import table
from ..world.channels import FIGURES

__all__ = ["channel_rows", "channels_text", "channels_html"]

COLUMNS = FIGURES
"""The columns: the world's figures of a channel, in its order."""
MONEY = {"collected", "cost"}


def _mean(s: Any) -> float | None:
    return s.get("mean") if isinstance(s, dict) else None


def channel_rows(body: dict[str, Any]) -> list[tuple[str, dict[str, float | None]]]:
    """(row name, {figure: mean}) per channel, then per channel and segment (``sms / early``)."""
    totals: dict[str, dict[str, float | None]] = {}
    by_seg: dict[str, dict[str, float | None]] = {}
    for key, s in body.items():
        parts = key.split("/")
        if len(parts) == 2:
            totals.setdefault(parts[0], {})[parts[1]] = _mean(s)
        elif len(parts) == 3:
            by_seg.setdefault(f"{parts[0]} / {parts[1]}", {})[parts[2]] = _mean(s)
    return [*totals.items(), *by_seg.items()]


def _cell(fig: str, v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"${v:,.2f}" if fig in MONEY else f"{v:,.1f}"


def _center_totals(metrics: dict[str, Any] | None) -> tuple[float | None, float | None]:
    """The center's mean cash collected (every source) and full cost, when the results have them."""
    center = (metrics or {}).get("center")
    if not isinstance(center, dict):
        return None, None
    return _mean(center.get("collected_cash")), _mean(center.get("cost"))


def _shares(
    rows: list[tuple[str, dict[str, float | None]]], metrics: dict[str, Any] | None = None
) -> dict[str, tuple[float | None, float | None]]:
    """Each channel's share of the center's cash (every source: calls, messages, self-cure) and
    of its full cost; without the center's figures, of the channels' own dollars and cost."""
    tot = [(n, r) for n, r in rows if "/" not in n]
    money, cost = _center_totals(metrics)
    if not money or not cost:
        money = sum(r.get("collected") or 0.0 for _, r in tot)
        cost = sum(r.get("cost") or 0.0 for _, r in tot)
    return {
        n: (
            (r.get("collected") or 0.0) / money if money else None,
            (r.get("cost") or 0.0) / cost if cost else None,
        )
        for n, r in tot
    }


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _share_heads(metrics: dict[str, Any] | None) -> tuple[str, str]:
    money, cost = _center_totals(metrics)
    if money and cost:
        return "share of all cash", "share of all cost"
    return "share of channels' $", "share of channels' cost"


def channels_text(body: dict[str, Any], metrics: dict[str, Any] | None = None) -> str:
    """The block as text tables: one row per channel, then per channel and segment; ``metrics``
    (the results' metrics) gives each channel's share of the center's cash and cost."""
    rows = channel_rows(body)
    shares = _shares(rows, metrics)
    head = ["channels (mean per replication)", *COLUMNS, *_share_heads(metrics)]
    lines = [head]
    for name, r in rows:
        sh = shares.get(name, (None, None))
        extra = [_pct(sh[0]), _pct(sh[1])] if name in shares else ["", ""]
        lines.append([name, *(_cell(f, r.get(f)) for f in COLUMNS), *extra])
    out = table(lines)
    dropped = _mean(body.get("responses_dropped"))
    if dropped:
        out += f"\nresponses that would have come after the last calling day (dropped): {dropped:,.1f}"
    return out


def channels_html(doc: dict[str, Any]) -> str:
    """The Channels section (empty without a ``channels`` block)."""
    body = doc.get("channels")
    if not isinstance(body, dict) or not body:
        return ""
    rows = channel_rows(body)
    metrics = doc.get("metrics") if isinstance(doc.get("metrics"), dict) else None
    shares = _shares(rows, metrics)
    money_head, cost_head = _share_heads(metrics)
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in COLUMNS)
    trs = []
    for name, r in rows:
        sh = shares.get(name)
        cells = "".join(f"<td>{escape(_cell(f, r.get(f)))}</td>" for f in COLUMNS)
        extra = f"<td>{_pct(sh[0])}</td><td>{_pct(sh[1])}</td>" if sh else "<td></td><td></td>"
        cls = "" if sh else ' class="sub"'
        trs.append(f"<tr{cls}><td>{escape(name)}</td>{cells}{extra}</tr>")
    return (
        "<section><h2>Channels</h2><table><thead><tr><th>channel</th>"
        + head
        + f"<th>{escape(money_head)}</th><th>{escape(cost_head)}</th></tr></thead><tbody>"
        + "".join(trs)
        + "</tbody></table>"
        '<p class="note">Messages sent by the contact paths, means per replication in the measured '
        "window. Payments are self-service payments and kept promises the channel brought; collected is "
        "their dollars (also in the portfolio's cash). Inbound calls the messages prompted go to the "
        "inbound queue, where the collectors' pyramid counts what they bring. The sends' cost is "
        "cost_channels among the costs. The shares are of the center's cash from every source (calls, "
        "messages, self-cure) and of its full cost.</p></section>"
    )
