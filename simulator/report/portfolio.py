"""The living portfolio in the report: the daily open accounts, dials, right-party contacts and
dollars, with the warm-up shaded so stationarity can be seen, and the ledger of the measured
window (docs/portfolio.md)."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .data import mean
from .figure_note import GREY, note_figure
from .plots import BLUE, GREEN, calling_days

LEDGER_BALANCE = (
    ("balance_start", "balance at the start"),
    ("balance_inflow", "+ balance entering"),
    ("collected_total", "- collected (cash, all sources)"),
    ("settlement_discount", "- forgiven in settlements"),
    ("balance_cured", "- owed by cured accounts"),
    ("balance_charged_off", "- charged off"),
    ("balance_placed", "- handed to the next stage (placed)"),
    ("balance_end", "= balance at the end"),
)
LEDGER_ACCOUNTS = (
    ("accounts_start", "accounts at the start"),
    ("accounts_inflow", "+ entering"),
    ("accounts_paid", "- paid in full"),
    ("accounts_cured", "- cured"),
    ("accounts_settled", "- settled"),
    ("accounts_charged_off", "- charged off"),
    ("accounts_placed", "- handed to the next stage (placed)"),
    ("accounts_end", "= open at the end"),
)


def first_measured_day(results: dict[str, Any]) -> int:
    """The first calendar day the metrics count (after the warm-up)."""
    cal = (results.get("series") or {}).get("calendar") or {}
    return int(round(float(cal.get("first_measured_day") or 0)))


def _on_days(series: dict[str, Any], key: str, days: np.ndarray) -> np.ndarray:
    """One segment's daily series ``key`` on ``days`` (zeros when the results lack it)."""
    return np.asarray(series.get(key) or [0.0] * (days.max() + 1), float)[days]


def portfolio_daily(results: dict[str, Any]) -> Figure:
    """Per segment, mean over replications, on the calling days: open accounts (worked, and the
    control group dashed), dials, right-party contacts and dollars received (kept promises by due
    day, and self-cure); the warm-up shaded."""
    daily = (results.get("series") or {}).get("daily") or {}
    fig = Figure(figsize=(10, 8.5), layout="constrained")
    if not any("open_accounts" in s for s in daily.values()):
        return note_figure(fig, "No living portfolio in these results.")
    work = calling_days(results)
    warm = first_measured_day(results)
    axes = fig.subplots(4, 1, sharex=True)
    colors = [BLUE, "#d35400", GREEN, "#8e44ad", GREY]
    for i, (seg, s) in enumerate(daily.items()):
        color = colors[i % len(colors)]
        days = np.asarray([d for d in work if d < len(s.get("open_accounts") or [])])
        if not len(days):
            continue
        x = days + 1
        axes[0].plot(x, _on_days(s, "open_accounts", days), "-", color=color, label=seg)
        axes[0].plot(x, _on_days(s, "control_open_accounts", days), "--", color=color, lw=1)
        axes[1].plot(x, _on_days(s, "dials", days), "-", color=color)
        axes[2].plot(x, _on_days(s, "rpc", days), "-", color=color)
        axes[3].plot(x, _on_days(s, "collected", days), "-", color=color)
        axes[3].plot(x, _on_days(s, "self_cure_collected", days), ":", color=color, lw=1.2)
    titles = (
        ("open accounts", "at the end of the day; dashed: the never-called control group"),
        ("dials", ""),
        ("right-party contacts", ""),
        ("dollars received", "solid: kept promises, by due day; dotted: self-cure"),
    )
    for ax, (ylabel, title) in zip(axes, titles):
        ax.set_ylabel(ylabel, fontsize=8)
        if title:
            ax.set_title(title, fontsize=8, loc="left", color=GREY)
        ax.grid(alpha=0.3)
        if warm:
            ax.axvspan(0.5, warm + 0.5, color="#eeeeee", alpha=0.9, lw=0, gid="warmup")
    axes[3].yaxis.set_major_formatter("${x:,.0f}")
    if warm:
        axes[1].annotate(
            "warm-up: left out of the metrics",
            xy=(1, 0.92),
            xycoords=("data", "axes fraction"),
            va="top",
            fontsize=8,
            color=GREY,
        )
    axes[0].legend(fontsize=8, ncol=len(daily), loc="upper right")
    axes[-1].set_xlabel("calendar day of the run (calling days)")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(
        "The living portfolio day by day: flat after the warm-up when the run is stationary", fontsize=11
    )
    return fig


def _row(label: str, stat: Any, money: bool) -> str:
    v = mean(stat)
    if v is None:
        shown = "n/a"
    else:
        shown = f"${v:,.0f}" if money else f"{v:,.0f}"
        lo, hi = (stat or {}).get("ci95_low"), (stat or {}).get("ci95_high")
        if lo is not None and hi is not None:
            shown += f" ± {(hi - lo) / 2:,.0f}"
    return f'<tr><td>{html.escape(label)}</td><td class="num">{html.escape(shown)}</td></tr>'


def portfolio_html(results: dict[str, Any], figure_html: str) -> str:
    """The report's section on the living portfolio ('' when the results have none)."""
    block = results.get("portfolio")
    if not block:
        return ""
    balance = "".join(_row(text, block.get(key), True) for key, text in LEDGER_BALANCE)
    accounts = "".join(_row(text, block.get(key), False) for key, text in LEDGER_ACCOUNTS)
    mser = mean(block.get("warmup_days_mser5"))
    warm = first_measured_day(results)
    note = ""
    if mser is not None:
        work = calling_days(results)
        used = sum(1 for d in work if d < warm)
        note = (
            f'<p class="note">Warm-up: the scenario leaves out {used} calling day(s); MSER-5 on the daily '
            f"open accounts suggests {mser:.0f} on average over the replications"
            + (" (more than the scenario's: consider a longer warm-up)." if mser > used else ".")
            + "</p>"
        )
    return (
        "<section><h2>Portfolio</h2>"
        + figure_html
        + '<div class="cards"><table><tr><th>balance ledger (measured window)</th><th>mean ± 95% CI</th></tr>'
        + balance
        + "</table><table><tr><th>accounts</th><th>mean ± 95% CI</th></tr>"
        + accounts
        + '</table></div><p class="note">Start + inflow = what left + what is still open, to the cent in '
        "every replication. Cured accounts leave current, still owing the rest of their balance.</p>"
        + note
        + "</section>"
    )
