"""Plots of the inbound side of a results document (see plots.py for how figures are built): the
queue by hour of arrival and the occupancy of each collector group."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .data import mean
from .figure_note import BLUE, GREEN, GREY, RED, note_figure
from .inbound import collector_groups, hour_stats

__all__ = ["inbound_hours", "inbound_groups"]


def _series(hours: dict[int, dict[str, dict]], figure: str, scale: float = 1.0):
    """(means, lower errors, upper errors) of one figure over the hours, NaN where undefined."""
    m, lo, hi = [], [], []
    for f in hours.values():
        s = f.get(figure) or {}
        v, a, b = mean(s), s.get("ci95_low"), s.get("ci95_high")
        m.append(np.nan if v is None else v * scale)
        lo.append(np.nan if v is None or a is None else (v - a) * scale)
        hi.append(np.nan if v is None or b is None else (b - v) * scale)
    return np.array(m), np.array(lo), np.array(hi)


def _errors(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.nan_to_num(np.vstack([lo, hi]), nan=0.0).clip(min=0.0)


def inbound_hours(results: dict[str, Any]) -> Figure:
    """The queue by hour of arrival (mean over replications, 95% CI error bars): calls arrived,
    split into answered and abandoned; service level with the center's as a dashed line;
    abandon rate; average speed of answer."""
    fig = Figure(figsize=(11, 6.4), layout="constrained")
    hours = {h: f for h, f in hour_stats(results).items() if (mean(f.get("calls")) or 0.0) > 0}
    if not hours:
        return note_figure(fig, "No inbound calls by hour in these results.")
    x = np.array(list(hours))
    (ax1, ax2), (ax3, ax4) = fig.subplots(2, 2, sharex=True)
    calls, clo, chi = _series(hours, "calls")
    answered = _series(hours, "answered")[0]
    abandoned = _series(hours, "abandoned")[0]
    ax1.bar(x, np.nan_to_num(answered), color=BLUE, label="answered")
    ax1.bar(x, np.nan_to_num(abandoned), bottom=np.nan_to_num(answered), color=RED, label="abandoned")
    ax1.errorbar(x, calls, yerr=_errors(clo, chi), fmt="none", ecolor="black", capsize=3, lw=1)
    ax1.set_ylabel("calls per replication")
    ax1.set_title("Arrivals (answered + abandoned = calls)", fontsize=10)
    ax1.legend(fontsize=8, loc="upper right")
    center = results["metrics"]["center"]
    for ax, figure, title, color, scale, line in (
        (ax2, "service_level", "Service level %", GREEN, 100.0, "service_level"),
        (ax3, "abandon_rate", "Abandon rate %", RED, 100.0, "inbound_abandon_rate"),
        (ax4, "asa_s", "Average speed of answer, s", BLUE, 1.0, "asa_s"),
    ):
        m, lo, hi = _series(hours, figure, scale)
        ax.bar(x, np.nan_to_num(m), color=color, alpha=0.85)
        ax.errorbar(x, m, yerr=_errors(lo, hi), fmt="none", ecolor="black", capsize=3, lw=1)
        c = mean(center.get(line))
        if c is not None:
            ax.axhline(c * scale, color=GREY, ls="--", lw=1.2, label=f"center {c * scale:.1f}")
            ax.legend(fontsize=8, loc="best")
        ax.set_title(title, fontsize=10)
        if scale == 100.0:
            ax.set_ylim(0, 105)
    for ax in (ax1, ax2, ax3, ax4):
        ax.grid(axis="y", alpha=0.3)
        ax.set_xticks(x, [f"{h:02d}" for h in x])
    for ax in (ax3, ax4):
        ax.set_xlabel("hour of arrival (center clock)")
    fig.suptitle(
        "Inbound queue by hour of arrival (mean per replication, 95% CI; each call counts in the "
        "hour it arrived)",
        fontsize=11,
    )
    return fig


def inbound_groups(results: dict[str, Any]) -> Figure:
    """Occupancy of each collector group (inbound, blend, outbound) of ``metrics["groups"]``, with
    its 95% CI."""
    fig = Figure(figsize=(7, 2.8), layout="constrained")
    groups = collector_groups(results)
    if not groups:
        return note_figure(fig, "No collector groups in these results.")
    names = list(groups)
    y = np.arange(len(names))
    occ = [groups[g].get("occupancy") or {} for g in names]
    m = np.array([np.nan if mean(s) is None else mean(s) * 100 for s in occ])
    colors = {"inbound": GREEN, "blend": "#8e44ad", "outbound": BLUE}
    ax = fig.add_subplot(1, 1, 1)
    ax.barh(y, np.nan_to_num(m), color=[colors.get(g, GREY) for g in names], height=0.6)
    lo = [np.nan if mean(s) is None or s.get("ci95_low") is None else mean(s) - s["ci95_low"] for s in occ]
    hi = [np.nan if mean(s) is None or s.get("ci95_high") is None else s["ci95_high"] - mean(s) for s in occ]
    ax.errorbar(
        m, y, xerr=_errors(np.array(lo) * 100, np.array(hi) * 100), fmt="none", ecolor="black", capsize=3
    )
    for i, v in enumerate(m):
        if np.isfinite(v):
            ax.text(v + 1.5, i, f"{v:.1f}%", va="center", fontsize=9)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("occupancy % (talk and wrap-up time / productive time)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Occupancy per collector group (95% CI)", fontsize=10)
    return fig
