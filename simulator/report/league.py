"""The league table: collectors (or teams) ranked by value per paid hour, each layer against a fair
reference. A collector is compared with its team's targets when the scenario sets them, else with
the peers who work the same segments (the results' ``peers`` block), never with the center average:
a collector on a harder segment is not a weak collector."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..measures.peers import compare_with_peers
from .data import LAYERS, collector_team, mean, resolve_targets
from .figure_note import BLUE, GREEN, GREY, RED, note_figure

__all__ = ["league_table", "collector_peers", "SHORT"]

SHORT = {
    "productive_rate": "productive\nrate",
    "rpc_per_productive_hour": "contacts per\nprod. hour",
    "promise_rate": "promise\nrate",
    "kept_rate": "kept\nrate",
    "avg_payment": "average\npayment $",
}


def collector_peers(results: dict[str, Any]) -> dict[str, Any]:
    """The results' ``peers`` block; for a results file without one, each collector against the
    other collectors of its team (``basis`` "team"), by the same test."""
    block = results.get("peers")
    if isinstance(block, dict) and isinstance(block.get("collectors"), dict):
        return block
    m = results["metrics"]
    teams = m.get("teams") or {}
    group_of = {cid: (collector_team(cid, teams),) * 2 for cid in m.get("collectors") or {}}
    return compare_with_peers(m.get("collectors") or {}, group_of, basis="team")


def _title(kinds: set[str]) -> tuple[str, str]:
    """The heat map's title and colour-bar label for the references drawn."""
    peer = "peers on the same segments"
    sig = "coloured and boxed only where significantly different (paired t-test, Holm, 5%)"
    if kinds == {"target"}:
        return "Each layer as % of team target (boxed: significantly below target)", "% of target"
    if kinds == {"peers"}:
        return f"Each layer as % of {peer}\n({sig})", "% of peers"
    if kinds == {"target", "peers"}:
        return (
            f"Each layer as % of team target (boxed: significantly below) where set,\nelse of {peer} "
            "(significant differences only)",
            "% of target or peers",
        )
    return (
        "Each layer as % of the center average\n(not coloured: units work different segments)",
        "% of center",
    )


def league_table(results: dict[str, Any], level: str = "collectors") -> Figure:
    """Collectors (or teams) ranked by value per paid hour, with their target marked, and beside
    each bar, on the same row, each layer as a share of its reference: the team's target (the
    layers significantly below it boxed), else, for a collector, its peers of the same segments
    (only layers significantly below or above them coloured and boxed), else (a team without
    targets) the center average, not coloured."""
    m = results["metrics"]
    units = m.get(level) or {}
    fig = Figure(figsize=(11, max(2.5, 0.32 * len(units) + 1.6)), layout="constrained")
    if not units:
        return note_figure(fig, f"No {level} in these results.")
    tg = resolve_targets(results)[level]
    peers = collector_peers(results)["collectors"] if level == "collectors" else {}
    center = {k: mean(m["center"].get(k)) for k in LAYERS}
    names = sorted(units, key=lambda n: -(mean(units[n]["value_per_paid_hour"]) or 0.0))
    # One y axis for both panels, row i at y = i: each heat-map row sits beside its bar.
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.1, 1.0], sharey=True)
    y = np.arange(len(names))
    teams = m.get("teams") or {}
    team_of = [collector_team(n, teams) if level == "collectors" else n for n in names]
    palette = [BLUE, "#d35400", GREEN, "#8e44ad", "#16a085", GREY]
    tcolor = {t: palette[i % len(palette)] for i, t in enumerate(dict.fromkeys(team_of))}
    v = [mean(units[n]["value_per_paid_hour"]) or 0.0 for n in names]
    lo = [units[n]["value_per_paid_hour"].get("ci95_low") for n in names]
    hi = [units[n]["value_per_paid_hour"].get("ci95_high") for n in names]
    xerr = np.array(
        [
            [a - (low if low is not None else a) for a, low in zip(v, lo)],
            [(high if high is not None else a) - a for a, high in zip(v, hi)],
        ]
    )
    ax1.barh(
        y, v, color=[tcolor[t] for t in team_of], xerr=np.clip(xerr, 0, None), capsize=2, error_kw={"lw": 0.8}
    )
    tx = [
        (i, tg[n]["targets"]["value_per_paid_hour"])
        for i, n in enumerate(names)
        if n in tg and tg[n]["targets"].get("value_per_paid_hour")
    ]
    if tx:
        ax1.plot([t for _, t in tx], [i for i, _ in tx], "kD", ms=5, label="target")
        ax1.legend(fontsize=8, loc="lower right")
    ax1.set(xlabel="value per paid hour ($)", title="League table: value per paid hour")
    ax1.grid(axis="x", alpha=0.3)

    grid = np.full((len(names), len(LAYERS)), np.nan)
    shown = np.zeros(grid.shape, bool)  # cells coloured
    boxes: list[tuple[int, int, str]] = []  # (row, layer, gid)
    kinds: set[str] = set()
    for i, n in enumerate(names):
        if n in tg:
            kinds.add("target")
            bench, shown[i] = tg[n]["targets"], True
            boxes += [(i, LAYERS.index(x), "flagged") for x in tg[n].get("flagged_layers") or []]
        elif n in peers:
            kinds.add("peers")
            p = peers[n]
            bench = p.get("reference") or {}
            for side in ("below", "above"):
                for x in p.get(side) or []:
                    shown[i, LAYERS.index(x)] = True
                    boxes.append((i, LAYERS.index(x), f"{side}_peers"))
        else:
            kinds.add("center")
            bench = center
        for j, layer in enumerate(LAYERS):
            a, b = mean(units[n].get(layer)), bench.get(layer)
            if a is not None and b:
                grid[i, j] = a / b * 100
    ax2.set_facecolor("#f2f2f2")
    im = ax2.imshow(
        np.ma.masked_where(~(np.isfinite(grid) & shown), grid),
        aspect="auto",
        cmap="RdYlGn",
        vmin=70,
        vmax=130,
        extent=(-0.5, len(LAYERS) - 0.5, len(names) - 0.5, -0.5),
    )
    for i in range(len(names)):
        for j in range(grid.shape[1]):
            if np.isfinite(grid[i, j]):
                ax2.text(j, i, f"{grid[i, j]:.0f}", ha="center", va="center", fontsize=7)
    for i, j, gid in boxes:
        ec = GREEN if gid == "above_peers" else ("black" if gid == "flagged" else RED)
        ax2.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec=ec, lw=2, gid=gid))
    ax1.set_yticks(y, names, fontsize=8)
    ax1.set_ylim(len(names) - 0.5, -0.5)  # the first (best) on top, in both panels
    ax2.tick_params(axis="y", labelleft=False, left=False)
    ax2.set_xticks(range(len(LAYERS)), [SHORT[x] for x in LAYERS], fontsize=8)
    title, bar_label = _title(kinds)
    ax2.set_title(title, fontsize=9)
    if shown.any():
        fig.colorbar(im, ax=ax2, label=bar_label, fraction=0.06, aspect=30)
    return fig
