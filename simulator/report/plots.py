"""Plots of saved results, for managers and training. Each function takes a results document
(or a sweep summary) and returns a :class:`matplotlib.figure.Figure`.

Figures are built with ``Figure()`` directly (the Agg canvas), never through pyplot, so nothing
leaks into global state and no display is needed. Save one with ``fig.savefig("x.png")`` or
``fig.savefig("x.svg")``, or use :func:`figure_bytes`.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .data import (
    ABANDON_LIMIT,
    ALL_LAYERS,
    fmt,
    label,
    mean,
    resolve_targets,
)
from .figure_note import BLUE, GREEN, GREY, RED, note_figure
from .heatmap import rpc_departures, rpc_heatmap, rpc_rate_grid
from .league import league_table
from .sweep_plots import pacing_frontier, staffing_curve

__all__ = [
    "pyramid_funnel",
    "staffing_curve",
    "pacing_frontier",
    "rpc_heatmap",
    "league_table",
    "daily_series",
    "figure_bytes",
    "ABANDON_LIMIT",
    "rpc_rate_grid",
    "rpc_departures",
]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def figure_bytes(fig: Figure, fmt_: str = "png", dpi: int = 100) -> bytes:
    """The figure encoded as PNG or SVG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt_, dpi=dpi, metadata={"Software": None} if fmt_ == "png" else {"Date": None})
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ funnel


def pyramid_funnel(results: dict[str, Any]) -> Figure:
    """The pyramid per segment and for the center: one centered bar per layer, its width the actual
    as a share of the target (the target is the outline at 100%), 95% CI as error bars and the
    layers significantly below target in red. Without targets the widths are relative to the
    largest unit."""
    m = results["metrics"]
    units = [(s, "segments", stats) for s, stats in m["segments"].items()] + [
        ("center", "center", m["center"])
    ]
    tg = resolve_targets(results)
    n = len(units)
    fig = Figure(figsize=(max(4.6 * n, 6.0), 4.4), layout="constrained")
    axes = fig.subplots(1, n, sharey=True, squeeze=False)[0]
    layers = list(ALL_LAYERS)
    for j, (ax, (name, level, stats)) in enumerate(zip(axes, units)):
        u = tg[level].get(name)
        targets = u["targets"] if u else {}
        flagged = set(u.get("flagged_layers") or []) if u else set()
        ratios, lo_hi, texts, colors = [], [], [], []
        for layer in layers:
            s = stats.get(layer) or {}
            a = mean(s)
            if targets.get(layer):
                base = targets[layer]
            else:  # no target: relative to the largest unit on this layer
                base = max((mean(st.get(layer)) or 0.0) for _, _, st in units) or 1.0
            r = (a / base) if a is not None else 0.0
            ratios.append(r)
            lo, hi = s.get("ci95_low"), s.get("ci95_high")
            lo_hi.append((r - lo / base, hi / base - r) if lo is not None and hi is not None else (0.0, 0.0))
            t = fmt(layer, a)
            if targets.get(layer):
                t += f"  ({r * 100:.0f}% of {fmt(layer, targets[layer])})"
            texts.append(t)
            colors.append(RED if layer in flagged else (GREEN if layer == "value_per_paid_hour" else BLUE))
        y = np.arange(len(layers))
        ax.barh(y, ratios, left=[-r / 2 for r in ratios], color=colors, height=0.62, alpha=0.9)
        err = np.array(lo_hi).T / 2
        ax.errorbar([r / 2 for r in ratios], y, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
        if targets:
            ty = [i for i, layer in enumerate(layers) if targets.get(layer)]
            ax.plot([-0.5] * len(ty), ty, "k|", ms=18, mew=2, label="target", gid="target")
            ax.plot([0.5] * len(ty), ty, "k|", ms=18, mew=2, gid="target")
        right = max(0.5, max(ratios) / 2)
        for i, t in enumerate(texts):
            ax.text(
                right + 0.05,
                i,
                t,
                va="center",
                fontsize=8.5,
                parse_math=False,
                color=RED if layers[i] in flagged else "black",
                fontweight="bold" if layers[i] in flagged or layers[i] == "value_per_paid_hour" else "normal",
            )
        ax.set_xlim(-right - 0.05, right + 1.25)
        ax.set_yticks(y, [label(x) for x in layers])
        ax.invert_yaxis() if j == 0 else None
        ax.set_xticks([])
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        if not targets:
            note = "\n(no targets: widths relative to the largest)"
        elif flagged:
            note = "\nflagged: " + ", ".join(label(x) for x in layers if x in flagged)
        else:
            note = "\n" + ("on target: no significant weakness" if u.get("tested") else "not tested")
        ax.set_title(name + note, fontsize=10, color=RED if flagged else "black")
    fig.suptitle(
        "The pyramid: actual against target (bar width = share of target; | marks 100%; red: "
        "significantly below target)",
        fontsize=11,
    )
    return fig


# ----------------------------------------------------------------------------------------- daily

DAILY = (
    ("dials", "dials"),
    ("rpc", "right-party contacts"),
    ("promises", "promises made"),
    ("kept", "payments kept (by due day)"),
    ("collected", "dollars collected (by due day)"),
)
CALLING = ("dials", "rpc", "promises")
"""Series that happen only on calling days (drawn on those days only)."""


def calling_days(results: dict[str, Any]) -> list[int]:
    """Calendar days (0-based) on which the center called: from the results' calendar series, or
    (older files) the days with dials."""
    series = results.get("series") or {}
    flags = (series.get("calendar") or {}).get("calling_day")
    if flags:
        return [d for d, on in enumerate(flags) if on]
    daily = series.get("daily") or {}
    dials = np.sum([np.asarray(s.get("dials") or [], float) for s in daily.values()], axis=0) if daily else []
    return [d for d, v in enumerate(dials) if v > 0]


def daily_series(results: dict[str, Any]) -> Figure:
    """Daily dials, right-party contacts and promises on the calling days, and payments kept and
    dollars collected per segment by calendar day of the run (mean over replications), the calling
    period shaded apart from the tail of payments that follows it. Kept and dollars count on the
    due day."""
    daily = (results.get("series") or {}).get("daily")
    fig = Figure(figsize=(10, 8.5), layout="constrained")
    if not daily:
        return note_figure(fig, "No daily series in these results.")
    work = calling_days(results)
    last = max(work) + 1 if work else 0  # 1-based x of the last calling day
    n_days = max(len(s.get("collected") or []) for s in daily.values())
    axes = fig.subplots(len(DAILY), 1, sharex=True)
    colors = [BLUE, "#d35400", GREEN, "#8e44ad", GREY]
    for ax, (key, title) in zip(axes, DAILY):
        for i, (seg, s) in enumerate(daily.items()):
            ys = np.asarray(s.get(key) or [], float)
            days = [d for d in work if d < len(ys)] if key in CALLING and work else list(range(len(ys)))
            ax.plot(np.asarray(days) + 1, ys[days], "o-", ms=3, color=colors[i % len(colors)], label=seg)
        ax.set_ylabel(title, fontsize=8)
        ax.grid(alpha=0.3)
        if last:
            ax.axvspan(0.5, last + 0.5, color="#dfe9f5", alpha=0.6, lw=0, gid="calling")
            if n_days > last:
                ax.axvspan(last + 0.5, n_days + 0.5, color="#eeeeee", alpha=0.8, lw=0, gid="tail")
            ax.axvline(last + 0.5, color=GREY, ls="--", lw=1)
        if key == "collected":
            ax.yaxis.set_major_formatter("${x:,.0f}")
    axes[0].legend(fontsize=8, ncol=len(daily), loc="upper right")
    box = {"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1.5}
    if last and n_days > last:
        axes[0].annotate(
            "payment tail: no calls; the promises made fall due (below)",
            xy=(last + 0.8, 0.5),
            xycoords=("data", "axes fraction"),
            va="center",
            fontsize=9,
            color=GREY,
        )
    if last:
        axes[0].annotate(
            "calling days",
            xy=(0.8, 0.96),
            xycoords=("data", "axes fraction"),
            va="top",
            fontsize=8,
            color=BLUE,
            bbox=box,
        )
    axes[-1].set_xlabel("calendar day of the run")
    axes[-1].set_xlim(0.5, max(n_days, 1) + 0.5)
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(
        f"Day by day (mean over replications): {len(work)} calling days to day {last}, then the "
        f"payment tail to day {n_days}",
        fontsize=11,
    )
    return fig
