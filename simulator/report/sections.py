"""The sections of the HTML report, each a function of a results or sweep document that returns
its HTML: headline cards, a unit's pyramid against target, the collectors' table, dollars and
costs, compliance, the breaches banner and the provenance. :mod:`.html` puts them on a page."""

from __future__ import annotations

import base64
import json
from html import escape
from typing import Any

from ..base.documents import SWEEP_SCHEMA
from .data import (
    ALL_LAYERS,
    DOLLARS,
    collector_team,
    compliance_label,
    fmt,
    fmt_ci,
    label,
    mean,
    net_value,
)

__all__ = [
    "img",
    "card",
    "headline_html",
    "pyramid_table_html",
    "unit_section",
    "collectors_table",
    "dollars_html",
    "compliance_html",
    "breaches_html",
    "provenance_html",
]

# The layers' names as column heads of the collectors table.
SHORT = {
    "productive_rate": "productive",
    "rpc_per_productive_hour": "contacts / prod. hour",
    "promise_rate": "promise",
    "kept_rate": "kept",
    "avg_payment": "avg payment",
    "value_per_paid_hour": "value / paid hour",
}


def img(images: dict[str, bytes], name: str, alt: str) -> str:
    """The plot ``name`` inlined as a PNG, or a note that these results have none."""
    data = images.get(name)
    if data is None:
        return f'<p class="note">No {escape(alt)} plot for these results.</p>'
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'


def card(k: str, v: str, s: str = "", alert: bool = False) -> str:
    """One headline figure: its name ``k``, value ``v`` and a small print ``s``."""
    return (
        f'<div class="card{" alert" if alert else ""}"><div class="k">{escape(k)}</div>'
        f'<div class="v">{escape(v)}</div><div class="s">{escape(s)}</div></div>'
    )


def headline_html(doc: dict[str, Any], tg: dict[str, Any]) -> str:
    """Cards for the figures a manager looks at first: value per paid hour of the center and of each
    segment, the center's flagged layers, dollars collected in both views and the net value."""
    m = doc["metrics"]
    c = m["center"]
    cu = tg["center"].get("center")
    cards = [
        card(
            "center: value per paid hour",
            fmt("value_per_paid_hour", mean(c["value_per_paid_hour"])),
            f"95% CI {fmt_ci('value_per_paid_hour', c['value_per_paid_hour'])}",
        )
    ]
    for seg, s in m["segments"].items():
        cards.append(
            card(
                f"{seg}: value per paid hour",
                fmt("value_per_paid_hour", mean(s["value_per_paid_hour"])),
                f"95% CI {fmt_ci('value_per_paid_hour', s['value_per_paid_hour'])}",
            )
        )
    if cu and cu.get("diagnosis"):
        flagged = cu.get("flagged_layers") or []
        cards.append(
            card(
                "center: flagged layers",
                ", ".join(label(x) for x in flagged) or "none",
                cu["diagnosis"],
                alert=bool(flagged),
            )
        )
    cards.append(
        card(
            "collected: cohort view",
            fmt("collected", mean(c.get("collected"))),
            "the period's promises, paid whenever; per replication",
        )
    )
    if isinstance(c.get("collected_in_period"), dict):
        cards.append(
            card(
                "collected: cash view",
                fmt("collected", mean(c["collected_in_period"])),
                "paid by the last calling day; per replication",
            )
        )
    if mean(c.get("incremental_collected")) is not None:
        cards.append(
            card(
                "incremental over the uncalled control",
                fmt("incremental_collected", mean(c["incremental_collected"])),
                f"{fmt('incremental_share', mean(c.get('incremental_share')))} of the called accounts' cash "
                f"({fmt('collected_cash', mean(c.get('collected_cash')))}); 95% CI "
                f"{fmt_ci('incremental_collected', c['incremental_collected'])}",
            )
        )
    cards += _lift_cards(c)
    economic = mean(c.get("net_economic_value")) is not None
    if economic:
        cards.append(
            card(
                "loss avoided over the uncalled control",
                fmt("loss_avoided", mean(c["loss_avoided"])),
                "expected loss the calling prevents, on the balance left and on the dollars paid "
                "early; 95% CI "
                f"{fmt_ci('loss_avoided', c['loss_avoided'])}",
            )
        )
        cards.append(
            card(
                "net economic value: the decision figure",
                fmt("net_economic_value", mean(c["net_economic_value"])),
                f"loss avoided - full cost; 95% CI {fmt_ci('net_economic_value', c['net_economic_value'])}",
            )
        )
    nv = net_value(c)
    if nv:
        cards.append(
            card(
                "net value (collections)" if economic else "net value",
                fmt("net_value", mean(nv)),
                "collected + next stage's recoveries - full cost; per replication",
            )
        )
    return (
        f'<section><h2>Headline</h2><div class="cards">{"".join(cards)}</div>'
        '<p class="note">Value per paid hour = productive rate × contacts per productive hour × promise '
        "rate × kept rate × average payment, on the cohort view of dollars. Each figure is the mean over "
        "replications with its 95% confidence interval.</p></section>"
    )


LIFT_CARDS = (
    ("cure_lift", "cure rate", "cure_rate", "called - control"),
    ("roll_lift", "rolls prevented", "roll_rate", "control - called"),
    ("roll_lift_usd", "rolls prevented, by balance", None, "control - called"),
    ("charge_off_lift", "charge-offs prevented", None, "control - called"),
)


def _lift_cards(c: dict[str, Any]) -> list[str]:
    """The calling's lift over the never-called control (measures/lift.py), one card each, in
    percentage points with the 95% CI over replications (paired: both groups come from each
    replication); none without a control group and roll periods, nor for a rate that stayed 0 in
    both groups in every replication."""
    out = []
    for metric, title, rate, how in LIFT_CARDS:
        s = c.get(metric)
        if mean(s) is None or (s.get("ci95_low") == s.get("ci95_high") == mean(s) == 0):
            continue  # none in either group (e.g. no charge-off within the window)
        rates = ""
        if rate:
            treated, control = f"{rate}_treated", f"{rate}_control"
            called, uncalled = fmt(treated, mean(c.get(treated))), fmt(control, mean(c.get(control)))
            rates = f"called {called}, control {uncalled}; "
        out.append(
            card(
                f"lift over the control: {title}",
                fmt(metric, mean(s)),
                f"{rates}{how}, percentage points; 95% CI {fmt_ci(metric, s)}",
            )
        )
    return out


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


def unit_section(title: str, level: str, units: dict[str, Any], tg: dict[str, Any]) -> str:
    if not units:
        return f'<section><h2>{escape(title)}</h2><p class="note">None in these results.</p></section>'
    parts = [f"<section><h2>{escape(title)}</h2>"]
    for name, stats in units.items():
        parts.append(f"<h3>{escape(name)}</h3>" + pyramid_table_html(stats, tg[level].get(name)))
    parts.append("</section>")
    return "".join(parts)


def collectors_table(doc: dict[str, Any], tg: dict[str, Any]) -> str:
    from .league import collector_peers

    m = doc["metrics"]
    coll = m["collectors"]
    head = "".join(f"<th>{escape(SHORT.get(x, label(x)))}</th>" for x in ALL_LAYERS)
    rows = []
    peers = collector_peers(doc)["collectors"]
    for cid in sorted(coll, key=lambda c: -(mean(coll[c]["value_per_paid_hour"]) or 0.0)):
        u = tg["collectors"].get(cid)
        if u is None and cid in peers:  # no targets: significantly below its peers of the same segments
            u = {"flagged_layers": peers[cid]["below"], "tested": peers[cid]["tested"]}
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
        f'<p class="note">▼ {escape(FLAG_NOTE)}; without targets, significantly below the peers who work '
        "the same segments (paired t-test, Holm, 5%), never the center average; –: not tested (too few "
        "right-party contacts, replications or peers).</p>"
    )


def dollars_html(doc: dict[str, Any]) -> str:
    """Dollars in both views, labelled, and cost by component, for each segment and the center."""
    from .table import CASH_NET_VALUE, LABELS, VOLUME, shown

    m = doc["metrics"]
    cols = [*m["segments"].items(), ("center", m["center"])]
    money = DOLLARS | {"kept_rate_usd", "cost_per_dollar"}
    names = [k for k in VOLUME if k in m["center"] and k in money and shown(k, cols)]
    head = "".join(f"<th>{escape(n)}</th>" for n, _ in cols)
    rows = []
    economic = "net_economic_value" in names
    for k in names:
        cells = "".join(f"<td>{escape(fmt(k, mean(st.get(k))))}</td>" for _, st in cols)
        text = CASH_NET_VALUE if economic and k == "net_value" else LABELS.get(k, k.replace("_", " "))
        cls = ' class="value"' if k == "net_economic_value" else ""
        rows.append(f"<tr{cls}><td>{escape(text.strip())}</td>{cells}</tr>")
    return (
        "<section><h2>Dollars and costs</h2><table><thead><tr><th>per replication</th>"
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        '<p class="note">Cohort view: the eventual dollars of the promises made in the calling period, '
        "whenever paid (the pyramid's value per paid hour). Cash view: the payments received by the last "
        "calling day. Cost is the sum of its parts (docs/contract.md says how each is attributed)."
        + (
            " Expected loss: balance x P(charge-off | bucket) x (1 - recovery), at the end of the run; "
            "loss avoided: the never-called control's loss per dollar owed on what the called accounts "
            "still owe, less their loss (docs/portfolio.md). Net economic value = incremental cash + "
            "loss avoided - cost is the decision figure; net value is cash."
            if economic
            else ""
        )
        + "</p></section>"
    )


def _rule_figure(name: str, kind: str, v: float | None) -> str:
    """A compliance figure: a rate as the metric is shown, a count as a whole number."""
    if kind == "rate":
        return fmt(name, v)
    return "n/a" if v is None else f"{v:,.0f}"


def compliance_html(doc: dict[str, Any]) -> str:
    """Each calling rule: mean and worst replication against its limit, within it or BREACH."""
    block = doc.get("compliance")
    if not isinstance(block, dict) or not block:
        return (
            '<section><h2>Compliance</h2><p class="note">No compliance block in these results '
            "(this version of the simulator does not record calling-rule checks yet).</p></section>"
        )
    rows = []
    packs_on = any(k.endswith("_actions_blocked") for k in block)
    for name, s in block.items():
        lbl, limit, kind = compliance_label(name, packs_on)
        vals = [v for v in (s.get("values") or []) if v is not None] if isinstance(s, dict) else []
        worst = max(vals) if vals else mean(s)
        status = "–"
        if limit is not None and worst is not None:
            status = (
                '<span class="pass">within limit</span>'
                if worst <= limit + 1e-12
                else '<span class="breach">BREACH</span>'
            )
        rows.append(
            f"<tr><td>{escape(lbl)}</td><td>{escape(_rule_figure(name, kind, mean(s)))}</td>"
            f"<td>{escape(_rule_figure(name, kind, worst))}</td>"
            f"<td>{escape(_rule_figure(name, kind, limit) if limit is not None else '–')}</td>"
            f"<td>{status}</td></tr>"
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
    """Where the figures come from: the scenario file and its hashes, the overrides, seed and version."""
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
