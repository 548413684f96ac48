"""The hour-by-weekday heat map of the right-party rate, which shades only the departures from the
average that its confidence supports (a flat contact curve shows no pattern)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .figure_note import GREY, note_figure

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def rpc_rate_grid(results: dict[str, Any], segment: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(rate, dials) arrays [7 weekdays][24 hours]: right-party contacts / dials, NaN with no dials."""
    hourly = (results.get("series") or {}).get("hourly") or {}
    segs = [segment] if segment else list(hourly)
    dials = np.zeros((7, 24))
    rpc = np.zeros((7, 24))
    for s in segs:
        dials += np.asarray(hourly[s]["dials"], float)
        rpc += np.asarray(hourly[s]["rpc"], float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(dials > 0, rpc / np.where(dials > 0, dials, 1), np.nan)
    return rate, dials


def rpc_departures(
    results: dict[str, Any], segment: str | None = None, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """(departure, significant) arrays [7][24]: each cell's right-party rate minus the rate its
    dials would have at their segments' average rates (so a different mix of segments is no
    pattern), in points, and whether that departure is significant: a two-sided z-test on the
    cell's contacts over all replications (binomial per segment), Holm-corrected over the cells
    with dials (the chance that any cell is shaded by noise is at most ``alpha``)."""
    from scipy.special import ndtr

    from ..measures.pyramid import holm

    hourly = (results.get("series") or {}).get("hourly") or {}
    reps = float(results.get("replications") or 1)
    segs = [segment] if segment else list(hourly)
    n_tot = np.zeros((7, 24))
    x_tot = np.zeros((7, 24))
    expect = np.zeros((7, 24))
    var = np.zeros((7, 24))
    for s in segs:
        n = np.asarray(hourly[s]["dials"], float) * reps  # means over replications -> totals
        x = np.asarray(hourly[s]["rpc"], float) * reps
        p0 = x.sum() / n.sum() if n.sum() > 0 else 0.0
        n_tot += n
        x_tot += x
        expect += n * p0
        var += n * p0 * (1.0 - p0)
    cells = [(d, h) for d in range(7) for h in range(24) if n_tot[d, h] > 0]
    pv = {}
    for d, h in cells:
        if var[d, h] > 0:
            z = abs(x_tot[d, h] - expect[d, h]) / np.sqrt(var[d, h])
            pv[(d, h)] = float(2.0 * ndtr(-z))
        else:
            pv[(d, h)] = 1.0 if x_tot[d, h] == expect[d, h] else 0.0
    adj = holm(pv)
    dep = np.full((7, 24), np.nan)
    sig = np.zeros((7, 24), dtype=bool)
    for d, h in cells:
        dep[d, h] = (x_tot[d, h] - expect[d, h]) / n_tot[d, h] * 100.0
        sig[d, h] = adj[(d, h)] < alpha
    return dep, sig


def rpc_heatmap(results: dict[str, Any], segment: str | None = None) -> Figure:
    """Right-party rate (RPC / dials) by hour (center clock) and weekday, over all segments or
    one. Every cell shows its rate; only cells whose departure from the average is significant
    (:func:`rpc_departures`) are coloured, on a scale set by those departures alone, so noise on a
    flat contact curve stays grey."""
    fig = Figure(figsize=(9, 4.0), layout="constrained")
    hourly = (results.get("series") or {}).get("hourly")
    if not hourly:
        return note_figure(fig, "No hourly series in these results.")
    rate, dials = rpc_rate_grid(results, segment)
    dep, sig = rpc_departures(results, segment)
    rows = [d for d in range(7) if dials[d].sum() > 0] or list(range(7))
    cols = [h for h in range(24) if dials[:, h].sum() > 0] or list(range(24))
    h0, h1 = min(cols), max(cols)
    span = list(range(h0, h1 + 1))
    sub = rate[np.ix_(rows, span)] * 100
    sub_dep = dep[np.ix_(rows, span)]
    sub_sig = sig[np.ix_(rows, span)]
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(
        np.ma.masked_invalid(np.where(np.isfinite(sub), 1.0, np.nan)),
        aspect="auto",
        cmap="Greys",
        vmin=0,
        vmax=10,
    )  # a light grey ground for every cell with dials
    shaded = np.where(sub_sig, sub_dep, np.nan)
    reach = float(np.nanmax(np.abs(shaded))) if sub_sig.any() else 0.0
    im = ax.imshow(
        np.ma.masked_invalid(shaded),
        aspect="auto",
        cmap="RdBu",
        vmin=-max(reach, 1e-9),
        vmax=max(reach, 1e-9),
    )
    ax.set_xticks(range(len(span)), [f"{h:02d}" for h in span])
    ax.set_yticks(range(len(rows)), [WEEKDAYS[d] for d in rows])
    ax.set(xlabel="hour of the day (dial start, center clock)", ylabel="weekday")
    for i in range(sub.shape[0]):
        for j in range(sub.shape[1]):
            if np.isfinite(sub[i, j]):
                strong = sub_sig[i, j] and abs(sub_dep[i, j]) > 0.6 * reach
                ax.text(
                    j,
                    i,
                    f"{sub[i, j]:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if strong else ("black" if sub_sig[i, j] else GREY),
                )
    if sub_sig.any():
        fig.colorbar(im, ax=ax, label="points above (blue) or below (red)\nthe segments' average rate")
        note = f"{int(sub_sig.sum())} of {int(np.isfinite(sub).sum())} cells differ significantly"
    else:
        note = "no hour differs significantly from the average: no best time to call in these data"
    ax.set_title(
        "Right-party rate by hour and weekday, % of dials"
        + (f" — {segment}" if segment else "")
        + f"\n{note}\n(grey: within noise; a two-sided test per cell, Holm-corrected, 5%)",
        fontsize=9.5,
    )
    return fig
