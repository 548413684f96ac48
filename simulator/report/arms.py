"""The champion/challenger test in the text output and the HTML report: each arm's figures, and
each challenger against the champion (paired by replication; docs/champion-challenger.md).
Empty when the results have no ``arms`` block."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from ..base.formatting import NA, number, stat_of, table

ARM_ROWS = (
    ("accounts", "accounts (called, in the measured window)", "count"),
    ("accounts_entered", "  of which entered during it", "count"),
    ("dials", "attempts (dials)", "count"),
    ("rpc", "right-party contacts", "count"),
    ("promises", "promises", "count"),
    ("kept", "kept", "count"),
    ("promise_rate", "promise rate %", "rate"),
    ("kept_rate", "kept rate %", "rate"),
    ("collected", "collected: cohort (promises of the period)", "usd"),
    ("collected_per_account", "  per account", "usd"),
    ("collected_cash", "collected: cash (every source)", "usd"),
    ("self_cure_collected", "  of which self-cure", "usd"),
    ("collected_cash_per_account", "  cash per account", "usd"),
    ("self_cure_per_account", "  self-cure per account", "usd"),
    ("incremental_collected", "incremental over the uncalled control", "usd"),
    ("cure_rate_treated", "cure rate (per roll period) %", "rate"),
    ("roll_rate_treated", "roll rate (forward, by count) %", "rate"),
    ("cure_lift", "  lift in cure rate over control, points", "rate"),
    ("roll_lift", "  rolls prevented over control, points", "rate"),
    ("loss_avoided", "loss avoided over the uncalled control", "usd"),
    ("cost", "cost (handling by arm, rest of the floor by accounts)", "usd"),
    ("cost_per_account", "  per account", "usd"),
    ("net_economic_value", "net economic value (loss avoided - cost)", "usd"),
    ("net_economic_value_per_account", "  per account", "usd"),
)
"""Rows of the per-arm table: metric, label, kind (count, rate: a fraction shown in percent, usd)."""

CHALLENGER_LABELS = {
    "collected_per_account": "collected per account $",
    "collected_cash_per_account": "cash per account $",
    "incremental_per_account": "incremental per account $",
    "loss_avoided_per_account": "loss avoided per account $",
    "net_economic_value_per_account": "net economic value per account $",
    "cost_per_account": "cost per account $",
    "attempts_per_account": "attempts per account",
    "rpc_per_account": "right-party contacts per account",
    "promises_per_account": "promises per account",
    "promise_rate": "promise rate, points",
    "kept_rate": "kept rate, points",
    "cure_rate_treated": "cure rate, points",
    "roll_rate_treated": "roll rate, points",
}
RATES = {"promise_rate", "kept_rate", "cure_rate_treated", "roll_rate_treated"}


def _defined(stats: dict[str, Any], metric: str) -> bool:
    return any((s.get(metric) or {}).get("mean") is not None for s in stats.values())


def _arm_cell(s: dict[str, Any] | None, kind: str) -> str:
    return stat_of(s, percent=kind == "rate", money=kind == "usd")


def _ci_decimals(lo: float | None, hi: float | None, scale: float) -> int | None:
    """Decimals that show a 95% CI to about three significant digits of its width, so the
    difference and its bounds read alike (None without a CI)."""
    if lo is None or hi is None:
        return None
    width = abs(hi - lo) * scale
    if not width > 0 or not math.isfinite(width):
        return None
    return min(4, max(0, 2 - math.floor(math.log10(width))))


def _diff_cells(p: dict[str, Any], rate: bool) -> list[str]:
    """Champion mean, challenger mean, difference [95% CI], relative lift [95% CI]; a
    difference and its bounds with the same decimals, fitted to the interval's width."""
    lo, hi = p.get("diff_ci95_low"), p.get("diff_ci95_high")
    d = _ci_decimals(lo, hi, 100.0 if rate else 1.0)

    def n(v: float | None, decimals: int | None = None) -> str:
        return number(v, percent=rate, decimals=decimals)

    diff = n(p.get("diff_mean"), d) + (
        f" [{n(lo, d)}, {n(hi, d)}]" if lo is not None and hi is not None else ""
    )
    rl, rlo, rhi = p.get("relative_lift"), p.get("relative_lift_ci95_low"), p.get("relative_lift_ci95_high")
    rel = NA if rl is None else number(rl, percent=True) + "%"
    if rl is not None and rlo is not None and rhi is not None:
        rel += f" [{number(rlo, percent=True)}, {number(rhi, percent=True)}]"
    return [n(p.get("a_mean")), n(p.get("b_mean")), diff, rel]


def _verdict(p: dict[str, Any]) -> str:
    lo, hi = p.get("diff_ci95_low"), p.get("diff_ci95_high")
    if lo is None or hi is None:
        return ""
    return "higher" if lo > 0 else "lower" if hi < 0 else "no difference shown"


def arm_shares(doc: dict[str, Any]) -> dict[str, float]:
    """Each arm's share of the called accounts, from the ``challengers`` block ({} when unknown)."""
    out: dict[str, float] = {}
    for name, body in (doc.get("challengers") or {}).items():
        if body.get("champion_share") is not None:
            out[body["champion"]] = body["champion_share"]
        if body.get("share") is not None:
            out[name] = body["share"]
    return out


def _head(name: str, shares: dict[str, float]) -> str:
    share = shares.get(name)
    return name if share is None else f"{name} ({number(share, percent=True, decimals=0)}%)"


def arm_rows(doc: dict[str, Any]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The per-arm table: its column heads and (label, cells) rows (rows no arm defines left out)."""
    arms = doc.get("arms") or {}
    rows = [
        (label, [_arm_cell(arms[a].get(m), kind) for a in arms])
        for m, label, kind in ARM_ROWS
        if _defined(arms, m)
    ]
    return list(arms), rows


def challenger_rows(doc: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(challenger, label, [champion, challenger, difference, relative lift, verdict]) rows."""
    out = []
    for name, body in (doc.get("challengers") or {}).items():
        for m, p in body["metrics"].items():
            if p.get("diff_mean") is None:
                continue
            out.append((name, CHALLENGER_LABELS.get(m, m), [*_diff_cells(p, m in RATES), _verdict(p)]))
    return out


def arms_table(doc: dict[str, Any]) -> str:
    """The champion/challenger tables for the terminal ('' without arms)."""
    if not doc.get("arms"):
        return ""
    heads, rows = arm_rows(doc)
    champ = heads[0]
    shares = arm_shares(doc)
    text = table(
        [
            [f"arms (champion: {champ}); mean ± 95% CI half-width", *(_head(h, shares) for h in heads)],
            *([r[0], *r[1]] for r in rows),
        ]
    )
    ch = challenger_rows(doc)
    if ch:
        body = [[f"{name}: {label}", *cells] for name, label, cells in ch]
        text += "\n\n" + table(
            [
                [
                    "challenger - champion, paired by replication",
                    champ,
                    "challenger",
                    "difference [95% CI]",
                    "relative lift [95% CI]",
                    "verdict",
                ],
                *body,
            ]
        )
    return text


def _verdict_html(verdict: str) -> str:
    """A verdict in the report: a difference shown in bold, none shown in grey."""
    if verdict in ("higher", "lower"):
        return f"<b>{escape(verdict)}</b>"
    return f'<span style="color:#777">{escape(verdict)}</span>'


def _indented(label: str) -> str:
    """A row label in HTML, a sub-row (two leading spaces) indented."""
    sub = label.startswith("  ")
    return ('<span style="padding-left:1.5em">' if sub else "<span>") + escape(label.strip()) + "</span>"


def arms_html(doc: dict[str, Any]) -> str:
    """The report's section on the champion/challenger test ('' without arms)."""
    if not doc.get("arms"):
        return ""
    heads, rows = arm_rows(doc)
    shares = arm_shares(doc)
    head = "".join(
        f"<th>{escape(_head(h, shares))}{' (champion)' if i == 0 and h != 'champion' else ''}</th>"
        for i, h in enumerate(heads)
    )
    arm_table = (
        f'<div class="scroll"><table class="compact"><tr><th>per arm, mean ± 95% CI</th>{head}</tr>'
        + "".join(
            f"<tr><td>{_indented(label)}</td>"
            + "".join(f'<td class="num">{escape(c)}</td>' for c in cells)
            + "</tr>"
            for label, cells in rows
        )
        + "</table></div>"
    )
    ch = challenger_rows(doc)
    names = list(dict.fromkeys(name for name, _, _ in ch))
    # one challenger: its name heads the column; several: each row names its challenger
    one = len(names) == 1
    diff_table = ""
    if ch:
        diff_table = (
            '<div class="scroll"><table class="compact"><tr><th>'
            + (f"{escape(names[0])} against {escape(heads[0])}" if one else "challenger against the champion")
            + f"</th><th>{escape(heads[0])}</th><th>{escape(names[0]) if one else 'challenger'}</th>"
            "<th>difference [95% CI]</th><th>relative lift [95% CI]</th>"
            '<th style="text-align:left">verdict</th></tr>'
            + "".join(
                f"<tr><td>{'' if one else escape(name) + ': '}{escape(label)}</td>"
                + "".join(f'<td class="num">{escape(c)}</td>' for c in cells[:-1])
                + f'<td style="text-align:left">{_verdict_html(cells[-1])}</td>'
                + "</tr>"
                for name, label, cells in ch
            )
            + "</table></div>"
        )
    return (
        "<section><h2>Champion/challenger</h2>"
        + arm_table
        + diff_table
        + '<p class="note">Each arm is a random share of the accounts, assigned when they enter; the '
        "arms share the floor, so each replication measures every arm in the same world and the "
        "differences are paired by replication (Student-t 95% intervals). The collectors' handling "
        "time on an arm's accounts is the arm's; the rest of the floor's paid time (idle included) is "
        "split by the arms' shares of the accounts. The uncalled control group is "
        "the baseline of every arm's incremental dollars, lifts and loss avoided.</p></section>"
    )
