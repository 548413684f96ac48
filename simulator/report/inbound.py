"""The inbound side of a results document: the queue's service by hour (block
``inbound_by_hour``), the inbound metrics of the center and of the teams that answer calls, and
the collector groups (``metrics["groups"]``). Plain-text tables for the
terminal (:func:`inbound_table`) and the report's "Inbound" section (:func:`inbound_html`; its
plots are :mod:`.inbound_plots`). Nothing here when the results have no ``[inbound]`` block.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..base.formatting import NA, stat_of, table
from .data import fmt, mean

__all__ = [
    "HOUR_BLOCK",
    "has_inbound",
    "hour_stats",
    "inbound_units",
    "collector_groups",
    "inbound_table",
    "inbound_html",
]

HOUR_BLOCK = "inbound_by_hour"
"""The results block of the queue by hour of arrival (measures/inbound.py)."""

ROWS = (
    ("inbound_calls", "calls arrived (retrials included)"),
    ("inbound_answered", "answered"),
    ("inbound_abandoned", "abandoned"),
    ("inbound_abandon_rate", "abandon rate %"),
    ("asa_s", "average speed of answer, s"),
    ("service_level", "service level (answered within the threshold / calls) %"),
    ("inbound_queued_share", "found no free collector %"),
    ("inbound_rpc", "inbound rpc (negotiations)"),
    ("inbound_promises", "inbound promises"),
    ("inbound_kept", "inbound kept"),
    ("inbound_collected", "inbound collected $"),
    ("inbound_work_share", "inbound share of talk and wrap-up %"),
    ("occupancy", "occupancy %"),
    ("callbacks_due", "call-backs due"),
    ("callbacks_on_time_rate", "call-backs made on time / due %"),
    ("callbacks_rpc", "call-backs that reached the debtor"),
    ("outbound_mismatches", "outbound mismatches (predictive answers left without a collector)"),
)
"""The rows of the inbound table: metric and label."""
PERCENT = {
    "inbound_abandon_rate",
    "service_level",
    "inbound_queued_share",
    "occupancy",
    "abandon_rate",
    "inbound_work_share",
    "callbacks_on_time_rate",
}
MONEY = {"inbound_collected", "collected"}

GROUP_ORDER = ("inbound", "blend", "outbound")
GROUP_COLUMNS = (
    ("occupancy", "occupancy %"),
    ("productive_hours", "productive hours"),
    ("inbound_answered", "calls answered"),
    ("inbound_work_share", "inbound share %"),
    ("asa_s", "ASA s"),
    ("dials", "dials"),
    ("outbound_rpc", "outbound rpc"),
    ("promises", "promises"),
    ("collected", "collected $"),
)


def has_inbound(doc: dict[str, Any]) -> bool:
    """Whether the results come from a scenario with an ``[inbound]`` block."""
    if isinstance(doc.get(HOUR_BLOCK), dict):
        return True
    return (mean((doc.get("metrics") or {}).get("center", {}).get("inbound_calls")) or 0.0) > 0


def hour_stats(doc: dict[str, Any]) -> dict[int, dict[str, dict]]:
    """Hour of the day -> {figure: STAT} from the ``inbound_by_hour`` block (entries
    ``hHH_<figure>``), hours in order; empty without the block."""
    out: dict[int, dict[str, dict]] = {}
    for key, s in (doc.get(HOUR_BLOCK) or {}).items():
        head, _, figure = key.partition("_")
        if len(head) == 3 and head[0] == "h" and head[1:].isdigit() and isinstance(s, dict):
            out.setdefault(int(head[1:]), {})[figure] = s
    return dict(sorted(out.items()))


def inbound_units(doc: dict[str, Any]) -> list[tuple[str, dict]]:
    """The center, then each team that answered inbound calls, as (name, {metric: STAT})."""
    m = doc["metrics"]
    teams = [
        (f"team {t}", st)
        for t, st in m.get("teams", {}).items()
        if (mean(st.get("inbound_answered")) or 0.0) > 0
    ]
    return [("center", m["center"]), *teams]


def collector_groups(doc: dict[str, Any]) -> dict[str, dict[str, dict]]:
    """Group -> {metric: STAT}: the results' ``metrics["groups"]`` (present with an [inbound]
    block) in GROUP_ORDER; empty without groups."""
    m = doc.get("metrics") or {}
    given = m.get("groups")
    if not isinstance(given, dict):
        return {}
    order = [g for g in GROUP_ORDER if g in given] + [g for g in given if g not in GROUP_ORDER]
    return {g: given[g] for g in order}


def _cell(metric: str, s: dict | None) -> str:
    return stat_of(s, percent=metric in PERCENT, money=metric in MONEY)


# ------------------------------------------------------------------------------------ terminal


def inbound_table(doc: dict[str, Any]) -> str:
    """The inbound tables for the terminal ('' without ``[inbound]``): the queue and the inbound
    pyramid for the center and each team that answered calls, the queue by hour of arrival, and
    the collector groups; mean ± 95% CI half-width."""
    if not has_inbound(doc):
        return ""
    units = inbound_units(doc)
    rows = [["inbound", *(n for n, _ in units)]]
    for metric, text in ROWS:
        if metric == "occupancy" and len(units) == 1:
            continue
        rows.append([text, *(_cell(metric, st.get(metric)) for _, st in units)])
    parts = [
        table(rows)
        + "\nqueue figures (calls, abandoned, abandon rate, service level, no free collector) are the "
        "center's: a caller waits for the queue, not for a team"
    ]
    hours = [(h, f) for h, f in hour_stats(doc).items() if (mean(f.get("calls")) or 0.0) > 0]
    if hours:
        head = ["hour of arrival", "calls", "answered", "abandon rate %", "ASA s", "service level %"]
        hrows = [head]
        for h, f in hours:
            hrows.append(
                [
                    f"{h:02d}:00-{h + 1:02d}:00",
                    _cell("calls", f.get("calls")),
                    _cell("answered", f.get("answered")),
                    _cell("abandon_rate", f.get("abandon_rate")),
                    _cell("asa_s", f.get("asa_s")),
                    _cell("service_level", f.get("service_level")),
                ]
            )
        parts.append(table(hrows))
    groups = collector_groups(doc)
    if groups:
        grows = [["collector group", *(t for _, t in GROUP_COLUMNS)]]
        for g, st in groups.items():
            grows.append([g, *(_cell(k, st.get(k)) for k, _ in GROUP_COLUMNS)])
        parts.append(table(grows))
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------------------- HTML


def _html_table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return (
        f"<table{c}><thead><tr>"
        + "".join(f"<th>{escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join("<tr>" + "".join(f"<td>{escape(x)}</td>" for x in r) + "</tr>" for r in rows)
        + "</tbody></table>"
    )


def _plain(text: str) -> str:
    """A label without its unit sign (the HTML figures carry theirs)."""
    return text.removesuffix(" %").removesuffix(" $")


def _fmt(metric: str, v: float | None) -> str:
    if metric in PERCENT:
        return NA if v is None else f"{v * 100:.1f}%"
    if metric in MONEY:
        return fmt("collected", v)
    if metric == "asa_s":
        return NA if v is None else f"{v:.1f} s"
    return fmt(metric, v)


def _fmt_ci(metric: str, s: dict | None) -> str:
    if not isinstance(s, dict) or s.get("ci95_low") is None or s.get("ci95_high") is None:
        return NA
    return f"{_fmt(metric, s['ci95_low'])} – {_fmt(metric, s['ci95_high'])}"


def inbound_html(doc: dict[str, Any], img) -> str:
    """The report's "Inbound" section ('' without ``[inbound]``). ``img(name, alt)`` inlines a plot
    of :mod:`.inbound_plots` (``inbound_hours``, ``inbound_groups``)."""
    from .sections import card

    if not has_inbound(doc):
        return ""
    c = doc["metrics"]["center"]
    cards = [
        card("inbound calls", _fmt("inbound_calls", mean(c.get("inbound_calls"))), "per replication"),
        card(
            "service level",
            _fmt("service_level", mean(c.get("service_level"))),
            "answered within the threshold / calls; 95% CI "
            + _fmt_ci("service_level", c.get("service_level")),
        ),
        card(
            "inbound abandon rate",
            _fmt("inbound_abandon_rate", mean(c.get("inbound_abandon_rate"))),
            "hung up before an answer; 95% CI "
            + _fmt_ci("inbound_abandon_rate", c.get("inbound_abandon_rate")),
        ),
        card(
            "average speed of answer",
            _fmt("asa_s", mean(c.get("asa_s"))),
            f"answered calls; 95% CI {_fmt_ci('asa_s', c.get('asa_s'))}",
        ),
        card(
            "inbound collected",
            _fmt("inbound_collected", mean(c.get("inbound_collected"))),
            f"{fmt('promises', mean(c.get('inbound_promises')))} promises from "
            f"{fmt('rpc', mean(c.get('inbound_rpc')))} negotiations",
        ),
    ]
    units = inbound_units(doc)
    rows = []
    for metric, text in ROWS:
        if metric == "occupancy" and len(units) == 1:
            continue
        cells = [_plain(text)]
        for _, st in units:
            s = st.get(metric)
            ci = _fmt_ci(metric, s)
            cells.append(_fmt(metric, mean(s)) + ("" if ci == NA else f" ({ci})"))
        rows.append(cells)
    parts = [
        '<section><h2>Inbound</h2><div class="cards">' + "".join(cards) + "</div>",
        _html_table(["per replication, mean (95% CI)", *(n for n, _ in units)], rows, "compact"),
        '<p class="note">The queue\'s figures (calls, abandoned, abandon rate, service level) are the '
        "center's: a caller waits for the queue, not for a team. Service level counts every arriving "
        "call, those who hung up included, as Erlang's does.</p>",
        "<h3>By hour of arrival</h3>",
        img("inbound_hours", "inbound arrivals, service level, abandonment and ASA by hour"),
        '<p class="note">Each call counts in the hour it arrived, its answer or hang-up with it; '
        "bars and error bars are the mean over replications and its 95% CI.</p>",
    ]
    groups = collector_groups(doc)
    if groups:
        grows = []
        for g, st in groups.items():
            grows.append([g, *(_fmt(k, mean(st.get(k))) for k, _ in GROUP_COLUMNS)])
        parts += [
            "<h3>Collector groups</h3>",
            img("inbound_groups", "occupancy per collector group"),
            _html_table(["group", *(_plain(t) for _, t in GROUP_COLUMNS)], grows, "compact"),
            '<p class="note">Groups are the teams by role (inbound, blend, outbound). Occupancy = '
            "talk and wrap-up time (inbound and outbound) / productive time; inbound work share = "
            "the inbound part of that time.</p>",
        ]
    return "".join(parts) + "</section>"
