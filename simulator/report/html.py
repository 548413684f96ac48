"""The HTML MIS report: one self-contained page (inline CSS and PNG images, no scripts, no network).

Order: compliance breaches (red, when any), headline, center, segments, teams, collectors (actual
against target with each layer's 95% CI, the layers significantly below target flagged),
compliance, day-by-day and hour-by-hour patterns, and the scenario's provenance. A sweep folder gets its own page with the staffing and pacing plots.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from html import escape
from typing import Any

from ..base.documents import SWEEP_SCHEMA
from .data import (
    ABANDON_LIMIT,
    ALL_LAYERS,
    COMPLIANCE_LIMITS,
    DOLLARS,
    collector_team,
    fmt,
    fmt_ci,
    headcount_params,
    label,
    mean,
    net_value,
    pacing_params,
    resolve_targets,
    sweep_points,
)
from .portfolio import portfolio_daily, portfolio_html
from .style import PAGE_CSS

SHORT = {
    "productive_rate": "productive",
    "rpc_per_productive_hour": "contacts / prod. hour",
    "promise_rate": "promise",
    "kept_rate": "kept",
    "avg_payment": "avg payment",
    "value_per_paid_hour": "value / paid hour",
}

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


def _img(images: dict[str, bytes], name: str, alt: str) -> str:
    data = images.get(name)
    if data is None:
        return f'<p class="note">No {escape(alt)} plot for these results.</p>'
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'


def _page(title: str, subtitle: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _card(k: str, v: str, s: str = "", alert: bool = False) -> str:
    return (
        f'<div class="card{" alert" if alert else ""}"><div class="k">{escape(k)}</div>'
        f'<div class="v">{escape(v)}</div><div class="s">{escape(s)}</div></div>'
    )


FLAG_NOTE = (
    "flagged: significantly below target (one-sided t-test over the replications, Holm "
    "correction across every unit and layer, 5%)"
)


def pyramid_table_html(stats: dict[str, Any], unit: dict[str, Any] | None) -> str:
    """One unit's pyramid: layer, actual, 95% CI, target, % of target; the layers significantly
    below target flagged in red, the coaching text from them."""
    targets = (unit or {}).get("targets") or {}
    flagged = set((unit or {}).get("flagged_layers") or [])
    rows = []
    for layer in ALL_LAYERS:
        s = stats.get(layer) or {}
        a, t = mean(s), targets.get(layer)
        pct = f"{a / t * 100:.0f}%" if a is not None and t else "–"
        cls = "flagged" if layer in flagged else ("value" if layer == "value_per_paid_hour" else "")
        pcls = ' class="low"' if layer in flagged else ""
        name = label(layer) + (" ▼ flagged" if layer in flagged else "")
        rows.append(
            f'<tr class="{cls}"><td>{escape(name)}</td><td>{escape(fmt(layer, a))}</td>'
            f"<td>{escape(fmt_ci(layer, s))}</td><td>{escape(fmt(layer, t) if t else '–')}</td>"
            f"<td{pcls}>{escape(pct)}</td></tr>"
        )
    head = (
        "<table><thead><tr><th>layer</th><th>actual</th><th>95% CI</th><th>target</th>"
        "<th>% of target</th></tr></thead><tbody>"
    )
    out = head + "".join(rows) + "</tbody></table>"
    if not unit:
        return out + '<p class="note">No targets for this unit.</p>'
    if unit.get("diagnosis"):
        cls = "breach" if flagged else "pass"
        out += f'<p class="note">Coaching: <span class="{cls}">{escape(unit["diagnosis"])}</span></p>'
    w = unit.get("weakest_layer")
    if w and w not in flagged:
        a, t = mean(stats.get(w)), targets.get(w)
        share = f" ({a / t * 100:.1f}% of target)" if a is not None and t else ""
        out += (
            f'<p class="note">Lowest share of target: {escape(label(w))}{escape(share)}, not significantly '
            "below it: no coaching on it.</p>"
        )
    if unit.get("source", "scenario") != "scenario":
        out += f'<p class="note">Targets from {escape(unit["source"])}: the scenario sets none.</p>'
    return out


def _unit_section(title: str, level: str, units: dict[str, Any], tg: dict[str, Any]) -> str:
    if not units:
        return f'<section><h2>{escape(title)}</h2><p class="note">None in these results.</p></section>'
    parts = [f"<section><h2>{escape(title)}</h2>"]
    for name, stats in units.items():
        parts.append(f"<h3>{escape(name)}</h3>" + pyramid_table_html(stats, tg[level].get(name)))
    parts.append("</section>")
    return "".join(parts)


def _collectors_table(doc: dict[str, Any], tg: dict[str, Any]) -> str:
    m = doc["metrics"]
    coll = m["collectors"]
    head = "".join(f"<th>{escape(SHORT.get(x, label(x)))}</th>" for x in ALL_LAYERS)
    rows = []
    for cid in sorted(coll, key=lambda c: -(mean(coll[c]["value_per_paid_hour"]) or 0.0)):
        u = tg["collectors"].get(cid)
        flagged = (u or {}).get("flagged_layers") or []
        cells = []
        for layer in ALL_LAYERS:
            s = coll[cid].get(layer) or {}
            a = mean(s)
            cls = ' class="low"' if layer in flagged else ""
            cells.append(f"<td{cls}>{escape(fmt(layer, a) + (' ▼' if layer in flagged else ''))}</td>")
        team = collector_team(cid, m["teams"]) or ""
        flags = ", ".join(label(x) for x in flagged) or ("none" if u and u.get("tested") else "–")
        fcls = ' class="low"' if flagged else ""
        rows.append(
            f"<tr><td>{escape(cid)}</td><td>{escape(team)}</td><td{fcls}>{escape(flags)}</td>"
            f"{''.join(cells)}</tr>"
        )
    return (
        f'<div class="scroll"><table class="compact"><thead><tr><th>collector</th><th>team</th>'
        f"<th>flagged layers</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<p class="note">▼ {escape(FLAG_NOTE)}; –: not tested (too few right-party contacts or '
        "replications).</p>"
    )


def dollars_html(doc: dict[str, Any]) -> str:
    """Dollars in both views, labelled, and cost by component, for each segment and the center."""
    from .table import LABELS, VOLUME, _shown

    m = doc["metrics"]
    cols = [*m["segments"].items(), ("center", m["center"])]
    money = DOLLARS | {"kept_rate_usd", "cost_per_dollar"}
    names = [k for k in VOLUME if k in m["center"] and k in money and _shown(k, cols)]
    head = "".join(f"<th>{escape(n)}</th>" for n, _ in cols)
    rows = []
    for k in names:
        cells = "".join(f"<td>{escape(fmt(k, mean(st.get(k))))}</td>" for _, st in cols)
        rows.append(f"<tr><td>{escape(LABELS.get(k, k.replace('_', ' ')).strip())}</td>{cells}</tr>")
    return (
        "<section><h2>Dollars and costs</h2><table><thead><tr><th>per replication</th>"
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        '<p class="note">Cohort view: the eventual dollars of the promises made in the calling period, '
        "whenever paid (the pyramid's value per paid hour). Cash view: the payments received by the last "
        "calling day. Cost is the sum of its parts (docs/contract.md says how each is attributed).</p>"
        "</section>"
    )


def compliance_html(doc: dict[str, Any]) -> str:
    block = doc.get("compliance")
    if not isinstance(block, dict) or not block:
        return (
            '<section><h2>Compliance</h2><p class="note">No compliance block in these results '
            "(this version of the simulator does not record calling-rule checks yet).</p></section>"
        )
    rows = []
    for name, s in block.items():
        lbl, limit, kind = COMPLIANCE_LIMITS.get(name, (name.replace("_", " "), None, "count"))
        vals = [v for v in (s.get("values") or []) if v is not None] if isinstance(s, dict) else []
        worst = max(vals) if vals else mean(s)
        show = (lambda v: fmt(name, v)) if kind == "rate" else (lambda v: "n/a" if v is None else f"{v:,.0f}")
        status = "–"
        if limit is not None and worst is not None:
            status = (
                '<span class="pass">within limit</span>'
                if worst <= limit + 1e-12
                else '<span class="breach">BREACH</span>'
            )
        rows.append(
            f"<tr><td>{escape(lbl)}</td><td>{escape(show(mean(s)))}</td>"
            f"<td>{escape(show(worst))}</td>"
            f"<td>{escape(show(limit) if limit is not None else '–')}</td><td>{status}</td></tr>"
        )
    return (
        "<section><h2>Compliance</h2><table><thead><tr><th>rule</th><th>mean per replication</th>"
        "<th>worst replication</th><th>limit</th><th>status</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


def breaches_html(doc: dict[str, Any]) -> str:
    """The compliance limits exceeded, in red, for the top of the page ("" when none). A results
    document lists them in ``breaches``; a sweep summary per variant."""
    items = []
    if doc.get("schema") == SWEEP_SCHEMA:
        for v in doc.get("variants") or []:
            vals = ", ".join(
                f"{k}={json.dumps(x) if not isinstance(x, str) else x}" for k, x in v["values"].items()
            )
            items += [f"{v['id']} ({vals}): {b['message']}" for b in v.get("breaches") or []]
    else:
        items = [b["message"] for b in doc.get("breaches") or [] if isinstance(b, dict) and "message" in b]
    if not items:
        return ""
    lis = "".join(f"<li>{escape(t)}</li>" for t in items)
    return (
        f'<section class="breaches"><h2>Compliance limits exceeded ({len(items)})</h2><ul>{lis}</ul>'
        '<p class="note">The calling rules are measured whether the dialer enforces them or not. '
        "Figures from a run that breaks them are not a plan a center may follow.</p></section>"
    )


def provenance_html(doc: dict[str, Any], source_file: str = "") -> str:
    sc = doc.get("scenario") or {}
    items = [
        ("scenario", sc.get("name")),
        ("scenario file", sc.get("source")),
        ("scenario file sha256", sc.get("file_sha256")),
        ("resolved scenario sha256", sc.get("sha256")),
        ("overrides (--set)", ", ".join(sc.get("overrides") or []) or "none"),
        ("fixed in the sweep", ", ".join(f"{k}={v}" for k, v in (doc.get("fixed") or {}).items()) or None),
        ("seed", doc.get("seed")),
        ("replications", doc.get("replications")),
        ("collectsim version", doc.get("collectsim_version")),
        ("schema", doc.get("schema")),
        ("results file", source_file or None),
    ]
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td><code>{escape(str(v))}</code></td></tr>"
        for k, v in items
        if v is not None
    )
    return (
        '<section><h2>Scenario and provenance</h2><table class="kv"><tbody>' + rows + "</tbody></table>"
        '<p class="note">Rerun with the same scenario file, overrides, seed and version to get the '
        "same numbers.</p></section>"
    )


def render_results(doc: dict[str, Any], source_file: str = "", images: dict[str, bytes] | None = None) -> str:
    """The HTML page of one results document (``images``: PNGs from :func:`png_images`, to reuse)."""
    images = png_images("results", doc) if images is None else images
    m = doc["metrics"]
    tg = resolve_targets(doc)
    c = m["center"]
    cu = tg["center"].get("center")
    name = (doc.get("scenario") or {}).get("name", "?")
    cards = [
        _card(
            "center: value per paid hour",
            fmt("value_per_paid_hour", mean(c["value_per_paid_hour"])),
            f"95% CI {fmt_ci('value_per_paid_hour', c['value_per_paid_hour'])}",
        )
    ]
    for seg, s in m["segments"].items():
        cards.append(
            _card(
                f"{seg}: value per paid hour",
                fmt("value_per_paid_hour", mean(s["value_per_paid_hour"])),
                f"95% CI {fmt_ci('value_per_paid_hour', s['value_per_paid_hour'])}",
            )
        )
    if cu and cu.get("diagnosis"):
        flagged = cu.get("flagged_layers") or []
        cards.append(
            _card(
                "center: flagged layers",
                ", ".join(label(x) for x in flagged) or "none",
                cu["diagnosis"],
                alert=bool(flagged),
            )
        )
    cards.append(
        _card(
            "collected: cohort view",
            fmt("collected", mean(c.get("collected"))),
            "the period's promises, paid whenever; per replication",
        )
    )
    if isinstance(c.get("collected_in_period"), dict):
        cards.append(
            _card(
                "collected: cash view",
                fmt("collected", mean(c["collected_in_period"])),
                "paid by the last calling day; per replication",
            )
        )
    nv = net_value(c)
    if nv:
        cards.append(
            _card("net value", fmt("net_value", mean(nv)), "collected + agency - full cost; per replication")
        )
    body = [
        breaches_html(doc),
        f'<section><h2>Headline</h2><div class="cards">{"".join(cards)}</div>'
        '<p class="note">Value per paid hour = productive rate × contacts per productive hour × promise '
        "rate × kept rate × average payment, on the cohort view of dollars. Each figure is the mean over "
        "replications with its 95% confidence interval.</p></section>",
    ]
    body.append(
        "<section><h2>Center</h2>"
        + pyramid_table_html(c, cu)
        + _img(images, "pyramid", "pyramid funnel per segment and center")
        + "</section>"
    )
    body.append(dollars_html(doc))
    body.append(_unit_section("Segments", "segments", m["segments"], tg))
    body.append(_unit_section("Teams", "teams", m["teams"], tg))
    coll = m["collectors"]
    if coll:
        body.append(
            "<section><h2>Collectors</h2>"
            + _img(images, "league_table", "collector league table against targets")
            + _collectors_table(doc, tg)
            + "</section>"
        )
    else:
        body.append('<section><h2>Collectors</h2><p class="note">None in these results.</p></section>')
    body.append(compliance_html(doc))
    if doc.get("portfolio"):
        body.append(portfolio_html(doc, _img(images, "portfolio_daily", "the living portfolio day by day")))
    series = doc.get("series") or {}
    if series.get("daily") or series.get("hourly"):
        part = ["<section><h2>Day by day and hour by hour</h2>"]
        if series.get("daily"):
            part.append(_img(images, "daily", "daily dials, contacts, promises, kept and dollars"))
        if series.get("hourly"):
            part.append(_img(images, "rpc_heatmap", "right-party rate by hour and weekday"))
        body.append("".join(part) + "</section>")
    else:
        body.append(
            '<section><h2>Day by day and hour by hour</h2><p class="note">No series in these '
            "results.</p></section>"
        )
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
    cols = [
        ("value_per_paid_hour", "value per paid hour"),
        ("net_value", "net value"),
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

    best = max(
        (p for p in pts if compliant(p)),
        key=lambda p: mean(net_value(p["metrics"]["center"]) or {}) or float("-inf"),
        default=None,
    )
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
        "Highlighted: the highest net value among variants within the 3% abandon limit; red: abandon "
        "rate over the limit.</p></section>",
    ]
    failed = doc.get("failed") or []
    if failed:
        body.append(
            "<section><h2>Failed variants</h2><pre>"
            + escape(json.dumps(failed, indent=1))
            + "</pre></section>"
        )
    if headcount_params(doc):
        body.append("<section><h2>Staffing</h2>" + _img(images, "staffing", "staffing curve") + "</section>")
    if pacing_params(doc):
        body.append(
            "<section><h2>Dialer pacing</h2>"
            + _img(images, "pacing_frontier", "pacing frontier")
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
    if doc.get("portfolio"):
        out["portfolio_daily"] = lambda: portfolio_daily(doc)
    return out
