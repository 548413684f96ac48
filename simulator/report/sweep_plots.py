"""Plots of a sweep's summary: the staffing curve and the dialer pacing frontier (see plots.py
for how figures are built)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .data import ABANDON_LIMIT, headcount_params, mean, net_value, sweep_points
from .figure_note import BLUE, GREEN, GREY, RED, note_figure

__all__ = ["staffing_curve", "pacing_frontier"]


def _band(ax, x, stats, color, lbl, scale=1.0):
    order = np.argsort(x)
    xs = np.asarray(x, float)[order]
    ys = np.array([mean(stats[i]) if mean(stats[i]) is not None else np.nan for i in order]) * scale
    lo = (
        np.array(
            [stats[i].get("ci95_low") if stats[i].get("ci95_low") is not None else np.nan for i in order],
            float,
        )
        * scale
    )
    hi = (
        np.array(
            [stats[i].get("ci95_high") if stats[i].get("ci95_high") is not None else np.nan for i in order],
            float,
        )
        * scale
    )
    ax.plot(xs, ys, "o-", color=color, label=lbl)
    if np.isfinite(lo).any():
        ax.fill_between(xs, lo, hi, color=color, alpha=0.2, label=f"{lbl}: 95% CI" if lbl else "95% CI")


def _headcount(p: dict[str, Any], params: list[str]) -> float | None:
    if params:
        vals = [p["values"].get(k) for k in params]
        return float(sum(vals)) if all(isinstance(v, (int, float)) for v in vals) else None
    coll = p["metrics"].get("collectors")
    return float(len(coll)) if isinstance(coll, dict) else None


def staffing_curve(results: dict[str, Any]) -> Figure:
    """Value per paid hour and net value (collected - cost) against headcount, from a staffing sweep
    (a ``teams.<T>.headcount`` parameter), with 95% CI bands; with a living portfolio's control
    group, net economic value (the decision figure) between them. Several headcount parameters
    add up; other swept parameters give one line each."""
    params = headcount_params(results)
    fig = Figure(figsize=(10, 4), layout="constrained")
    pts = [p for p in sweep_points(results) if _headcount(p, params) is not None]
    if not pts:
        return note_figure(fig, "No staffing sweep: no teams.<team>.headcount parameter.")
    others = sorted({k for p in pts for k in p["values"] if k not in params})
    groups: dict[str, list] = {}
    for p in pts:
        key = ", ".join(f"{k}={p['values'].get(k)}" for k in others)
        groups.setdefault(key, []).append(p)
    economic = any(mean(p["metrics"]["center"].get("net_economic_value")) is not None for p in pts)
    if economic:
        fig.set_size_inches(14, 4)
        ax1, ax3, ax2 = fig.subplots(1, 3)
    else:
        ax1, ax2 = fig.subplots(1, 2)
    colors = [BLUE, GREEN, "#8e44ad", "#d35400", "#16a085", GREY]
    for i, (key, ps) in enumerate(groups.items()):
        x = [_headcount(p, params) for p in ps]
        c = colors[i % len(colors)]
        _band(ax1, x, [p["metrics"]["center"].get("value_per_paid_hour") or {} for p in ps], c, key or None)
        nv = [net_value(p["metrics"]["center"]) or {} for p in ps]
        _band(ax2, x, nv, c, key or None)
        if economic:
            nev = [p["metrics"]["center"].get("net_economic_value") or {} for p in ps]
            _band(ax3, x, nev, c, key or None)
    xl = "headcount" + (f" ({' + '.join(params)})" if params else "")
    ax1.set(xlabel=xl, ylabel="value per paid hour ($)", title="Value per paid hour")
    axes = [ax1, ax2]
    if economic:
        ax2.set(
            xlabel=xl,
            ylabel="net value = collected + next stage's recoveries - cost ($)",
            title="Net value (collections)",
        )
        ax3.set(
            xlabel=xl,
            ylabel="loss avoided - cost ($)",
            title="Net economic value (the decision figure)",
        )
        ax3.axhline(0, color=GREY, lw=0.8)
        axes.append(ax3)
    else:
        ax2.set(xlabel=xl, ylabel="net value = collected - cost ($)", title="Net value")
    ax2.axhline(0, color=GREY, lw=0.8)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle("Staffing: what another collector is worth", fontsize=11)
    return fig


def pacing_frontier(results: dict[str, Any]) -> Figure:
    """Abandon rate against RPC per productive hour across dialer ratios and modes (one line per
    mode, points labelled by ratio), with 95% CIs and the 3% abandon limit."""
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    pts = sweep_points(results)
    ax = fig.add_subplot(1, 1, 1)
    by_mode: dict[str, list] = {}
    fixed = results.get("fixed") if isinstance(results.get("fixed"), dict) else {}
    for p in pts:
        c = p["metrics"]["center"]
        if mean(c.get("rpc_per_productive_hour")) is None:
            continue
        mode = str(p["values"].get("dialer.mode", fixed.get("dialer.mode", "as in scenario")))
        by_mode.setdefault(mode, []).append(p)
    colors = [BLUE, "#d35400", GREEN, "#8e44ad", GREY]
    for i, (mode, ps) in enumerate(sorted(by_mode.items())):
        ps.sort(
            key=lambda p: (
                p["values"].get("dialer.ratio") or 0,
                mean(p["metrics"]["center"]["rpc_per_productive_hour"]),
            )
        )
        xs, ys, xe, ye = [], [], [[], []], [[], []]
        for p in ps:
            c = p["metrics"]["center"]
            x = mean(c["rpc_per_productive_hour"])
            y = (mean(c.get("abandon_rate")) or 0.0) * 100
            xs.append(x)
            ys.append(y)
            for arr, s, v, sc in (
                (xe, c["rpc_per_productive_hour"], x, 1),
                (ye, c.get("abandon_rate") or {}, y, 100),
            ):
                lo, hi = s.get("ci95_low"), s.get("ci95_high")
                arr[0].append(v - lo * sc if lo is not None else 0.0)
                arr[1].append(hi * sc - v if hi is not None else 0.0)
            r = p["values"].get("dialer.ratio")
            if r is not None:
                ax.annotate(f"ratio {r:g}", (x, y), textcoords="offset points", xytext=(5, 5), fontsize=8)
        c_ = colors[i % len(colors)]
        ax.errorbar(
            xs,
            ys,
            xerr=np.clip(xe, 0, None),
            yerr=np.clip(ye, 0, None),
            fmt="o-",
            color=c_,
            capsize=3,
            label=f"mode: {mode}",
        )
    ax.axhline(ABANDON_LIMIT * 100, color=RED, ls="--", lw=1.5, label="3% abandon limit")
    ax.set(
        xlabel="right-party contacts per productive hour",
        ylabel="abandon rate (% of live answers)",
        title="Pacing frontier: contacts bought with abandoned calls",
    )
    ax.set_ylim(bottom=0.0, top=max(ax.get_ylim()[1], ABANDON_LIMIT * 100 * 4 / 3))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if not by_mode:
        ax.text(0.5, 0.5, "no pacing data", transform=ax.transAxes, ha="center", color=GREY)
    return fig
