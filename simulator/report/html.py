"""The HTML MIS report: one self-contained page (inline CSS and PNG images, no scripts, no network).

Order: compliance breaches (red, when any), headline, center, segments, teams, collectors (actual
against target with each layer's 95% CI, the layers significantly below target flagged),
compliance, the inbound side (with an ``[inbound]`` block, :mod:`.inbound`), day-by-day and
hour-by-hour patterns, and the scenario's provenance. A sweep folder gets its own page with the
staffing and pacing plots. The sections are :mod:`.sections`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any

from ..measures.valuation import LOSS_AVOIDED_WORDS
from .arms import arms_html
from .blocks import further_blocks_html
from .channels import channels_html
from .data import (
    ABANDON_LIMIT,
    fmt,
    headcount_params,
    mean,
    net_value,
    pacing_params,
    resolve_targets,
    sweep_points,
)
from .inbound import has_inbound, inbound_html
from .portfolio import portfolio_daily, portfolio_html
from .sections import (
    breaches_html,
    collectors_table,
    compliance_html,
    dollars_html,
    headline_html,
    img,
    provenance_html,
    pyramid_table_html,
    unit_section,
)
from .style import PAGE_CSS
from .vintages import vintage_figure, vintages_html

__all__ = ["render_results", "render_sweep", "render", "figures_for", "png_images"]

CSS = (
    PAGE_CSS
    + """
tr.flagged td{background:#fde2df;color:#8e1b10;font-weight:bold}
tr.value td{font-weight:bold;background:#e9f5ee}
td.low{color:#b03a2e} td.ok{color:#1e7a46}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:6px 0}
.card{background:#f7f9fc;border:1px solid #dbe2ec;border-radius:6px;padding:10px 14px;min-width:170px}
.card .k{font-size:12px;color:#5a6b80}
.card .v{font-size:24px;font-weight:bold;color:#1f3a5f}
.card .s{font-size:12px;color:#5a6b80}
.card.alert{border-color:#e6a59d;background:#fdf1ef}
.card.alert .v{color:#b03a2e}
.scroll{overflow-x:auto}
table.compact th,table.compact td{padding:3px 6px;font-size:12px}
table.kv td{text-align:left;white-space:normal}
section.breaches{background:#fdecea;border:2px solid #c0392b}
section.breaches h2{color:#b03a2e;border-bottom-color:#f2b8b0}
section.breaches li{color:#b03a2e;font-weight:bold;font-size:14px;margin:4px 0}
"""
)


DPI = 90


def png_images(kind: str, doc: dict[str, Any]) -> dict[str, bytes]:
    """Every plot that applies to the document, as PNG bytes by name (see :func:`figures_for`)."""
    from .plots import figure_bytes

    return {name: figure_bytes(make(), "png", dpi=DPI) for name, make in figures_for(kind, doc).items()}


def _page(title: str, subtitle: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def render_results(doc: dict[str, Any], source_file: str = "", images: dict[str, bytes] | None = None) -> str:
    """The HTML page of one results document (``images``: PNGs from :func:`png_images`, to reuse)."""
    images = png_images("results", doc) if images is None else images
    m = doc["metrics"]
    tg = resolve_targets(doc)
    c = m["center"]
    cu = tg["center"].get("center")
    name = (doc.get("scenario") or {}).get("name", "?")
    body = [breaches_html(doc), headline_html(doc, tg)]
    body.append(
        "<section><h2>Center</h2>"
        + pyramid_table_html(c, cu)
        + img(images, "pyramid", "pyramid funnel per segment and center")
        + "</section>"
    )
    body.append(dollars_html(doc))
    body.append(arms_html(doc))
    body.append(unit_section("Segments", "segments", m["segments"], tg))
    body.append(unit_section("Teams", "teams", m["teams"], tg))
    coll = m["collectors"]
    if coll:
        body.append(
            "<section><h2>Collectors</h2>"
            + img(images, "league_table", "collector league table against targets or peers")
            + collectors_table(doc, tg)
            + "</section>"
        )
    else:
        body.append('<section><h2>Collectors</h2><p class="note">None in these results.</p></section>')
    body.append(compliance_html(doc))
    body.append(channels_html(doc))
    body.append(inbound_html(doc, lambda name, alt: img(images, name, alt)))
    if doc.get("portfolio"):
        body.append(portfolio_html(doc, img(images, "portfolio_daily", "the living portfolio day by day")))
    if doc.get("vintages"):
        body.append(vintages_html(doc, img(images, "vintages", "liquidation curves by inflow month")))
    series = doc.get("series") or {}
    if series.get("daily") or series.get("hourly"):
        part = ["<section><h2>Day by day and hour by hour</h2>"]
        if series.get("daily"):
            part.append(img(images, "daily", "daily dials, contacts, promises, kept and dollars"))
        if series.get("hourly"):
            part.append(img(images, "rpc_heatmap", "right-party rate by hour and weekday"))
        body.append("".join(part) + "</section>")
    else:
        body.append(
            '<section><h2>Day by day and hour by hour</h2><p class="note">No series in these '
            "results.</p></section>"
        )
    body.append(further_blocks_html(doc))
    body.append(provenance_html(doc, source_file))
    return _page(
        f"collectsim report: {name}",
        f"{doc.get('replications')} replication(s), seed {doc.get('seed')}, "
        f"collectsim {doc.get('collectsim_version', '?')}",
        body,
    )


def render_sweep(doc: dict[str, Any], source_file: str = "", images: dict[str, bytes] | None = None) -> str:
    """The HTML page of a sweep's summary.json: the variants table and the sweep plots."""
    images = png_images("sweep", doc) if images is None else images
    params = list(doc.get("parameters") or sorted({k for v in sweep_points(doc) for k in v["values"]}))
    pts = sweep_points(doc)
    economic = any(mean(p["metrics"]["center"].get("net_economic_value")) is not None for p in pts)
    cols = [
        ("value_per_paid_hour", "value per paid hour"),
        *([("net_economic_value", "net economic value (decision)")] if economic else []),
        ("net_value", "net value (collections)" if economic else "net value"),
        ("rpc_per_productive_hour", "contacts per productive hour"),
        ("abandon_rate", "abandon rate"),
        ("collected", "collected"),
        ("cost", "cost"),
    ]
    head = "".join(f"<th>{escape(p)}</th>" for p in params) + "".join(
        f"<th>{escape(t)}</th>" for _, t in cols
    )
    rows = []

    def compliant(p: dict) -> bool:
        ab = mean(p["metrics"]["center"].get("abandon_rate"))
        return ab is None or ab <= ABANDON_LIMIT

    def decision(p: dict) -> float:
        c = p["metrics"]["center"]
        s = c.get("net_economic_value") if economic else net_value(c)
        v = mean(s or {})
        return float("-inf") if v is None else v

    best = max((p for p in pts if compliant(p)), key=decision, default=None)
    for p in pts:
        c = p["metrics"]["center"]
        cells = "".join(f"<td>{escape(str(p['values'].get(k, '')))}</td>" for k in params)
        for key, _ in cols:
            s = net_value(c) if key == "net_value" else c.get(key)
            over = key == "abandon_rate" and not compliant(p)
            cls = ' class="low"' if over else ""
            cells += f"<td{cls}>{escape(fmt(key, mean(s)))}</td>"
        cls = ' class="value"' if p is best else ""
        rows.append(f"<tr{cls}><td>{escape(str(p.get('id', '')))}</td>{cells}</tr>")
    body = [
        breaches_html(doc),
        "<section><h2>Variants</h2><table><thead><tr><th>variant</th>"
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + '</tbody></table><p class="note">Center figures, mean per replication. '
        + (
            f"Net economic value = loss avoided ({LOSS_AVOIDED_WORDS}) - cost "
            "(the decision figure); net value = collected + next stage's recoveries - cost (collections). "
            if economic
            else ""
        )
        + "Highlighted: the highest "
        + ("net economic value" if economic else "net value")
        + " among variants within the 3% abandon limit; red: abandon rate over the limit.</p></section>",
    ]
    failed = doc.get("failed") or []
    if failed:
        body.append(
            "<section><h2>Failed variants</h2><pre>"
            + escape(json.dumps(failed, indent=1))
            + "</pre></section>"
        )
    if headcount_params(doc):
        body.append("<section><h2>Staffing</h2>" + img(images, "staffing", "staffing curve") + "</section>")
    if pacing_params(doc):
        body.append(
            "<section><h2>Dialer pacing</h2>"
            + img(images, "pacing_frontier", "pacing frontier")
            + "</section>"
        )
    if not headcount_params(doc) and not pacing_params(doc):
        body.append(
            '<section><h2>Sweep plots</h2><p class="note">Staffing plots need a '
            "teams.&lt;team&gt;.headcount parameter and pacing plots a dialer.ratio or dialer.mode "
            "parameter; this sweep has neither.</p></section>"
        )
    if isinstance(doc.get("staffing"), dict):
        body.append(
            "<section><h2>Staffing recommendation</h2><pre>"
            + escape(json.dumps(doc["staffing"], indent=1))
            + "</pre></section>"
        )
    body.append(provenance_html(doc, source_file))
    name = (doc.get("scenario") or {}).get("name", "?")
    return _page(
        f"collectsim sweep report: {name}",
        f"{len(pts)} variant(s) over {', '.join(params) or 'no parameters'}; "
        f"{doc.get('replications')} replication(s) each, seed {doc.get('seed')}",
        body,
    )


def render(
    kind: str, doc: dict[str, Any], source_file: str = "", images: dict[str, bytes] | None = None
) -> str:
    fn = render_sweep if kind == "sweep" else render_results
    return fn(doc, source_file, images)


def figures_for(kind: str, doc: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """Name -> figure factory for the plots that apply to this document (for ``--png``)."""
    from . import plots

    if kind == "sweep":
        out = {}
        if headcount_params(doc):
            out["staffing"] = lambda: plots.staffing_curve(doc)
        if pacing_params(doc):
            out["pacing_frontier"] = lambda: plots.pacing_frontier(doc)
        return out
    out = {"pyramid": lambda: plots.pyramid_funnel(doc)}
    if doc["metrics"].get("collectors"):
        out["league_table"] = lambda: plots.league_table(doc)
    series = doc.get("series") or {}
    if series.get("daily"):
        out["daily"] = lambda: plots.daily_series(doc)
    if series.get("hourly"):
        out["rpc_heatmap"] = lambda: plots.rpc_heatmap(doc)
    if has_inbound(doc):
        from . import inbound_plots

        out["inbound_hours"] = lambda: inbound_plots.inbound_hours(doc)
        out["inbound_groups"] = lambda: inbound_plots.inbound_groups(doc)
    if doc.get("portfolio"):
        out["portfolio_daily"] = lambda: portfolio_daily(doc)
    if doc.get("vintages"):
        out["vintages"] = lambda: vintage_figure(doc)
    return out
