"""Vintages and the charge-off forecast in the report (results blocks ``vintages`` and
``charge_off_forecast``; docs/portfolio.md, "Vintages and the charge-off forecast"): the
liquidation curves by inflow month, the called accounts beside the never-called control group,
a compact text table for ``run``, and the forecast as a small table."""

from __future__ import annotations

import html
import re
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..base.formatting import table
from .data import mean
from .figure_note import BLUE, GREEN, GREY, RED, note_figure

_AGE = re.compile(
    r"^(?P<cohort>.+)_age_(?P<age>\d+)_(?P<fig>collected|cured|charged_off|placed)_(?P<unit>usd|share)$"
)
_COLORS = (BLUE, "#d35400", GREEN, "#8e44ad", RED, "#16a085", "#7f8c8d", "#c71585")


def vintage_curves(block: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``vintages`` block as {vintage: {"accounts", "entry_balance_usd", "months_complete",
    "<figure>_share": [mean by age], "<figure>_usd": [...]}} (means over replications; the
    control group's vintages named ``control_<vintage>``)."""
    out: dict[str, dict[str, Any]] = {}
    for key, stat in block.items():
        m = _AGE.match(key)
        if m is None:
            for tail in ("accounts", "entry_balance_usd", "months_complete"):
                if key.endswith("_" + tail):
                    out.setdefault(key[: -len(tail) - 1], {})[tail] = mean(stat)
            continue
        c = out.setdefault(m["cohort"], {})
        series = c.setdefault(f"{m['fig']}_{m['unit']}", [])
        age = int(m["age"])
        series.extend([None] * (age + 1 - len(series)))
        series[age] = mean(stat)
    return out


def last_age_keys(keys: list[str]) -> list[str]:
    """Of the ``vintages`` block's keys, the shares at each vintage's last age (the whole curve
    in one number per figure): what ``compare`` pairs."""
    last: dict[str, int] = {}
    for k in keys:
        m = _AGE.match(k)
        if m is not None:
            last[m["cohort"]] = max(last.get(m["cohort"], 0), int(m["age"]))
    return [
        k
        for k in keys
        if (m := _AGE.match(k)) is not None and m["unit"] == "share" and int(m["age"]) == last[m["cohort"]]
    ]


def _treated(curves: dict[str, dict[str, Any]]) -> list[str]:
    return [n for n in curves if not n.startswith("control_") and curves[n].get("accounts")]


def vintage_figure(results: dict[str, Any]) -> Figure:
    """Liquidation curves: per vintage, cumulative cash collected (left) and balance charged off
    or handed to the next stage (right) as a share of the balance it entered with, against months
    since entry; called accounts solid, the never-called control group dashed; ages not yet lived
    in full by every account of the vintage drawn thin."""
    fig = Figure(figsize=(10, 4.8), layout="constrained")
    curves = vintage_curves(results.get("vintages") or {})
    names = _treated(curves)
    if not names:
        return note_figure(fig, "No vintages in these results.")
    left, right = fig.subplots(1, 2)
    for i, name in enumerate(names):
        color = _COLORS[i % len(_COLORS)]
        for prefix, style in (("", "-"), ("control_", "--")):
            c = curves.get(prefix + name) or {}
            if not c.get("accounts"):
                continue
            done = int(c.get("months_complete") or 0)
            lost = [
                (a or 0.0) + (b or 0.0)
                for a, b in zip(c.get("charged_off_share") or [], c.get("placed_share") or [])
            ]
            for ax, ys in ((left, c.get("collected_share") or []), (right, lost)):
                pts = [(0, 0.0)] + [(a + 1, 100 * y) for a, y in enumerate(ys) if y is not None]
                full, rest = pts[: done + 1], pts[done:]
                lw = 2.0 if not prefix else 1.3
                label = _label(name, c) if not prefix and ax is left else None
                if len(full) > 1:
                    ax.plot(*zip(*full), style, marker="o", ms=3, color=color, lw=lw, label=label)
                    label = None
                if len(rest) > 1:
                    thin = {"marker": "o", "ms": 3, "mfc": "white", "lw": 0.8}
                    ax.plot(*zip(*rest), style, color=color, label=label, **thin)
    for ax, title in (
        (left, "cumulative cash collected, % of the entry balance"),
        (right, "cumulative balance charged off or handed to the next stage, %"),
    ):
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_xlabel("months (30 days) since entry", fontsize=8)
        ax.grid(alpha=0.3)
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter("{x:g}%")  # 0.5%, 1%, ... on a curve of a few percent
        ax.xaxis.get_major_locator().set_params(integer=True)
    handles, labels = left.get_legend_handles_labels()
    handles += [Line2D([], [], color=GREY, ls="-"), Line2D([], [], color=GREY, ls="--")]
    labels += ["called accounts", "never-called control group"]
    fig.legend(handles, labels, loc="outside lower center", ncol=min(4, len(labels)), fontsize=8)
    fig.suptitle(
        "Vintages: solid the called accounts, dashed the never-called control group; "
        "thin with open dots: months not yet lived in full",
        fontsize=9,
        color=GREY,
    )
    return fig


def _label(name: str, c: dict[str, Any]) -> str:
    text = "in the book at the start" if name == "start" else f"inflow {name.replace('_', ' ')}"
    return f"{text} ({c.get('accounts') or 0:,.0f} accounts)"


_FORECAST_TEXT = {
    "total": "total charged off",
    "recovery": "- recovered after charge-off",
    "net": "= net loss",
}


def _last(c: dict[str, Any], key: str) -> float | None:
    """The last defined value of one of a vintage's curves."""
    return next((v for v in reversed(c.get(key) or []) if v is not None), None)


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _money(stat: Any) -> str:
    v = mean(stat)
    if v is None:
        return "n/a"
    lo, hi = (stat or {}).get("ci95_low"), (stat or {}).get("ci95_high")
    ci = f" ± {(hi - lo) / 2:,.0f}" if lo is not None and hi is not None else ""
    return f"${v:,.0f}{ci}"


def vintages_table_html(results: dict[str, Any]) -> str:
    """Each vintage's accounts, entry balance and its curves' last values, called and control."""
    curves = vintage_curves(results.get("vintages") or {})
    rows = []
    for name in _treated(curves):
        for prefix, who in (("", "called"), ("control_", "control")):
            c = curves.get(prefix + name) or {}
            if not c.get("accounts"):
                continue
            cells = [
                html.escape(_label(name, c).split(" (")[0]),
                who,
                f"{c.get('accounts') or 0:,.0f}",
                f"${c.get('entry_balance_usd') or 0:,.0f}",
                str(len(c.get("collected_share") or [])),
                f"{c.get('months_complete') or 0:.0f}",
                _pct(_last(c, "collected_share")),
                _pct(_last(c, "cured_share")),
                _pct(_last(c, "charged_off_share")),
                _pct(_last(c, "placed_share")),
            ]
            rows.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    head = (
        "<tr><th>vintage</th><th>group</th><th>accounts</th><th>entry balance</th><th>months followed</th>"
        "<th>of them complete</th><th>collected</th><th>owed when cured</th><th>charged off</th>"
        "<th>handed on</th></tr>"
    )
    return '<div class="scroll"><table class="compact">' + head + "".join(rows) + "</table></div>"


def forecast_table_html(results: dict[str, Any]) -> str:
    """The charge-off forecast: the book by bucket at the end, the charge-offs month by month,
    the total, the recovery and the net loss (mean ± 95% CI half-width)."""
    block = results.get("charge_off_forecast") or {}
    if not block:
        return ""
    rows = []
    for key, stat in block.items():
        if key.startswith("balance_"):
            text = f"open at the end, {key[8:].replace('_', '-')} days past due"
        elif key.startswith("month_"):
            text = f"charged off in month {key[6:]}"
        else:
            text = _FORECAST_TEXT[key]
        rows.append(f"<tr><td>{html.escape(text)}</td><td class='num'>{_money(stat)}</td></tr>")
    return (
        '<table class="compact"><tr><th>charge-off forecast of the book at the end</th>'
        "<th>mean ± 95% CI</th></tr>" + "".join(rows) + "</table>"
    )


def vintages_html(results: dict[str, Any], figure_html: str) -> str:
    """The report's section on vintages and the charge-off forecast ('' without them)."""
    if not results.get("vintages"):
        return ""
    return (
        "<section><h2>Vintages and the charge-off forecast</h2>"
        + figure_html
        + vintages_table_html(results)
        + '<p class="note">A vintage: the accounts that entered in the same 30-day inflow month of the '
        "measured window (a re-default enters again); the book at the start is followed from the "
        "window's first day. Shares are of the balance the vintage entered with; the last month "
        "followed holds everything after it.</p>"
        + '<div class="cards">'
        + forecast_table_html(results)
        + "</div>"
        + '<p class="note">Forecast: the book open at the end, projected month by month with the '
        "valuation's roll rates (P(charge-off) of a bucket is their product), no new inflow and no "
        "cure coming back; its total is the book's balance x P(charge-off | bucket).</p>" + "</section>"
    )


def vintages_text(block: dict[str, Any]) -> str:
    """The ``vintages`` block for the ``run`` table: per vintage (called, then the control
    group), its accounts and, by month since entry, cumulative collected / charged off + handed
    on, in % of the entry balance (means)."""
    curves = vintage_curves(block)
    names = [n for n in curves if curves[n].get("accounts")]
    width = max((len(curves[n].get("collected_share") or []) for n in names), default=0)
    header = ["vintages", "accounts", *(f"month {a + 1}" for a in range(width))]
    rows = [header]
    for n in names:
        c = curves[n]
        col, co, pl = (c.get(f"{f}_share") or [] for f in ("collected", "charged_off", "placed"))
        cells = [
            f"{_pct(x)} / {_pct((y or 0.0) + (z or 0.0))}" if x is not None else "n/a"
            for x, y, z in zip(col, co, pl)
        ]
        rows.append([n, f"{c['accounts']:,.0f}", *cells, *([""] * (width - len(cells)))])
    return (
        table(rows) + "\ncollected / charged off + handed to the next stage, cumulative, "
        "% of the entry balance (means)"
    )
