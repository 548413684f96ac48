"""A figure that says why there is nothing to draw, in the plots' grey."""

from __future__ import annotations

from matplotlib.figure import Figure

GREY = "#555555"
BLUE, RED, GREEN = "#3b6ea8", "#c0392b", "#2e8b57"


def note_figure(fig: Figure, text: str) -> Figure:
    """``fig`` with ``text`` centred on it and no axes (for results that lack what a plot needs)."""
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, color=GREY)
    return fig
