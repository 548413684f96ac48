"""The calibration report: one self-contained HTML page (inline CSS and PNG images, no scripts),
in the look of the MIS report (simulator/report/html.py), built from a :class:`Calibrated`
and, when run, its :class:`Backtest`.

Sections: provenance, fitted contact curves with their 95% bands and the raw hourly ratios,
outcome probabilities, handling times, conversion, account-level links, teams, inflow and
self-cure, the back-test, and what the data could not identify.
"""

from __future__ import annotations

import base64
import io
import math
from html import escape
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..base.outcomes import RPC, THIRD_PARTY
from ..calibrate.api import Calibrated
from ..calibrate.backtest import MDE_LIMIT, POWER, Backtest
from ..calibrate.not_from_data import NotFromData, ValueSplit
from ..scenario.schema import OUTCOMES
from .style import PAGE_CSS

__all__ = ["render_calibration"]

CSS = (
    PAGE_CSS
    + """
tr.fail td{background:#fde2df;color:#8e1b10;font-weight:bold}
tr.weak td{background:#fff4d6}
span.weak{color:#8a5a00;font-weight:bold}
ul.plain{font-size:13px;margin:4px 0 4px 18px;padding:0}
"""
)
BLUE, GREY = "#3b6ea8", "#555555"


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode("ascii")}">'


def _f(x: Any, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if isinstance(x, (int, np.integer)):
        return f"{x:,}"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _table(
    head: list[str], rows: list[list[Any]], classes: list[str] | None = None, short: tuple[int, ...] = ()
) -> str:
    """An HTML table; text cells wrap and are left-aligned, except in the ``short`` columns
    (a percentage, a one-word verdict)."""
    out = ["<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for i, r in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        out.append(
            f"<tr{cls}>"
            + "".join(
                f'<td class="text">{escape(c)}</td>'
                if isinstance(c, str) and j and j not in short
                else f"<td>{escape(c) if isinstance(c, str) else _f(c)}</td>"
                for j, c in enumerate(r)
            )
            + "</tr>"
        )
    return "\n".join(out) + "</tbody></table>"


def _curve_figure(name: str, of) -> Figure:
    """Answer and right-party multipliers by local hour: the fit, its 95% band and raw ratios."""
    fig = Figure(figsize=(10.5, 3.2), layout="constrained")
    axes = fig.subplots(1, 2)
    c = of.counts  # (7 weekdays, 24 hours, 7 outcomes)
    n_dh = c.sum(axis=2)
    n = n_dh.sum(axis=0)
    seen = np.flatnonzero(n > 0)
    tp, rpc = c[:, :, THIRD_PARTY].sum(axis=0), c[:, :, RPC].sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        # the weekday multipliers each hour's dials met, on average
        wa = (n_dh * of.answer_by_weekday[:, None]).sum(axis=0) / n
        wr = (n_dh * of.rpc_by_weekday[:, None]).sum(axis=0) / n
        # raw multipliers: third-party share over its base, rpc-to-third-party odds over theirs
        raw_answer = tp / n / of.base[4] / wa
        raw_rpc = (rpc / tp) / (of.base[5] / of.base[4]) / wr
    for ax, curve, raw, title in (
        (axes[0], "answer_by_hour", raw_answer, "answer_by_hour (live answer)"),
        (axes[1], "rpc_by_hour", raw_rpc, "rpc_by_hour (debtor, given a live answer)"),
    ):
        v, ci = getattr(of, curve), getattr(of, curve + "_ci")
        ax.fill_between(seen, ci[0, seen], ci[1, seen], color=BLUE, alpha=0.2, label="95% band")
        ax.plot(seen, v[seen], color=BLUE, marker="o", ms=3, label="fitted multiplier")
        ax.scatter(seen, raw[seen], color=GREY, s=12, marker="x", label="raw estimate of the hour alone")
        ax.axhline(1.0, color="#999", lw=0.8)
        ax.set_xlim(-0.5, 23.5)
        ax.set_xticks(range(0, 24, 2))
        ax.set_xlabel("account's local hour")
        ax.set_title(f"{name}: {title}", fontsize=10)
        ax.legend(fontsize=7, loc="best")
    return fig


def _params(cal, prefix: str) -> list[list[Any]]:
    rows = []
    for p in cal.parameters:
        if p.key.startswith(prefix):
            rows.append([p.key[len(prefix) :], p.value, p.se, p.ci95_low, p.ci95_high, p.n or None, p.method])
    return rows


HEAD = ["parameter", "value", "SE", "95% low", "95% high", "n", "method"]


def _segment_sections(c: Calibrated) -> list[str]:
    cal = c.calibration
    out = []
    fit = c.fit
    for name, sf in getattr(fit, "segments", {}).items():
        of = sf.outcomes
        body = [
            f"<section><h2>Segment {escape(name)}</h2>",
            f'<p class="note">{of.n_dials:,} dials. Smoothing weights (larger = smoother): '
            + ", ".join(f"{k} {v:.3g}" for k, v in of.lambdas.items())
            + "</p>",
            _png(_curve_figure(name, of)),
        ]
        rows = [
            [
                o,
                of.base[i],
                of.base_se[i],
                max(0.0, of.base[i] - 1.96 * of.base_se[i]),
                min(1.0, of.base[i] + 1.96 * of.base_se[i]),
            ]
            for i, o in enumerate(OUTCOMES)
        ]
        body.append("<h3>Base outcome probabilities (at the data's typical hour and weekday)</h3>")
        body.append(_table(["outcome", "probability", "SE", "95% low", "95% high"], rows))
        dur = [r for r in _params(cal, f"segments.{name}.outcomes.") if "_time_s" in r[0]]
        if dur:
            body.append("<h3>Handling times (seconds)</h3>" + _table(HEAD, dur))
        conv = [
            r
            for r in _params(cal, f"segments.{name}.")
            if r[0].split(".")[0]
            in (
                "promise_probability",
                "keep_probability",
                "payment_usd",
                "promise_due_days",
                "accounts",
                "balance_usd",
                "risk_score",
                "days_past_due",
            )
        ]
        if conv:
            body.append("<h3>Conversion and accounts</h3>" + _table(HEAD, conv))
        links = [ln for ln in cal.links if ln.segment == name]
        if links:
            rows = []
            for ln in links:
                for j, term in enumerate(["intercept", *ln.terms]):
                    rows.append(
                        [
                            f"{ln.response} ({ln.link})",
                            term,
                            ln.coef[j],
                            ln.se[j],
                            ln.coef[j] - 1.96 * ln.se[j],
                            ln.coef[j] + 1.96 * ln.se[j],
                            ln.n,
                        ]
                    )
            head = (
                "Account-level links, per unit of each attribute (converted into [portfolio.behaviour])"
                if sf.answer is not None
                else "Account-level links (provenance only: without a living portfolio "
                "in the data the scenario does not use them)"
            )
            body.append(
                f"<h3>{head}</h3>"
                + _table(["response", "term", "coefficient", "SE", "95% low", "95% high", "n"], rows)
            )
        port = _params(cal, f"portfolio.{name}.") + [
            r
            for r in _params(cal, f"segments.{name}.")
            if r[0].split(".")[0].split("[")[0]
            in ("inflow", "self_cure_per_day", "phones", "wrong_number_share")
        ]
        if port:
            body.append("<h3>Inflow, self-cure and phones</h3>" + _table(HEAD, port))
        out.append("\n".join(body) + "</section>")
    return out


def _backtest_section(bt: Backtest) -> str:
    rows, classes = [], []
    for ch in bt.checks:
        rows.append(
            [
                ch.unit,
                ch.metric,
                ch.observed,
                ch.observed_se,
                ch.sim_mean,
                ch.sim_low,
                ch.sim_high,
                "-" if ch.mde is None else f"{ch.mde:.0%}",
                ch.verdict,
            ]
        )
        classes.append("fail" if ch.verdict == "fail" else "weak" if ch.verdict == "inconclusive" else "")
    verdict = {
        "passed": '<span class="pass">PASSED</span>',
        "failed": '<span class="breach">FAILED</span>',
        "inconclusive": '<span class="weak">INCONCLUSIVE</span>',
    }[bt.verdict]
    what = (
        f"The last {bt.holdout_days} calling day(s) from {escape(bt.first_holdout_date)} were held out and "
        f"the model fitted on the {bt.fit_days} before them"
        if bt.fit_days
        else f"The {bt.holdout_days} calling day(s) from {escape(bt.first_holdout_date)} were checked "
        "against the scenario as it is (nothing fitted)"
    )
    return (
        f'<section><h2>Back-test: {verdict}</h2><p class="note">{what}; {bt.replications} replications of '
        "the data's span, the days before as warm-up, measured on the checked days. Each figure's SE is "
        "that of its own sampling in the checked days (binomial, renewal or compound Poisson; or the "
        "simulated spread where that is significantly larger). A check fails when observed - simulated "
        "lies outside "
        f"the pass interval, {bt.level:.2%} of their combined SE (which adds the simulated mean's and the "
        "fit's error; 95% for each unit's checks together, Bonferroni). The text table adds the 95% CI of "
        "the simulated mean. <b>Detectable</b> is the smallest "
        f"error, as a share of the simulated value, the check finds with {POWER:.0%} power; over "
        f"{MDE_LIMIT:.0%} the check is inconclusive, and the back-test is when one of the center's is "
        f"({bt.failed} failed, {bt.inconclusive} inconclusive).</p>"
        + _table(
            [
                "unit",
                "metric",
                "observed",
                "observed SE",
                "simulated mean",
                "pass low",
                "pass high",
                "detectable",
                "verdict",
            ],
            rows,
            classes,
            short=(7, 8),
        )
        + "</section>"
    )


def _not_from_data_section(items: list[NotFromData], split: ValueSplit | None) -> str:
    if not items:
        return ""
    body = (
        '<section><h2>Not from data</h2><p class="note">These values were not fitted: the data never '
        "showed them. They come from the base scenario, the schema's defaults or a placeholder, and "
        "the results rest on them as on any fitted value.</p>"
        + _table(
            ["key", "value", "source", "dollars resting on it"],
            [[x.key, x.value, x.source, x.dollars] for x in items],
        )
    )
    if split is not None:
        body += '<ul class="plain">' + "".join(f"<li>{escape(x.strip())}</li>" for x in split.lines())
        body += "</ul>"
    return body + "</section>"


def render_calibration(
    c: Calibrated,
    bt: Backtest | None = None,
    not_from_data: list[NotFromData] | None = None,
    split: ValueSplit | None = None,
) -> str:
    """The calibration report as HTML text; ``not_from_data`` and ``split``: the values the
    data never showed and the dollars resting on them (:mod:`simulator.calibrate.not_from_data`;
    None: listed from ``c``, no split)."""
    from ..calibrate.not_from_data import not_from_data as _unfitted

    items = _unfitted(c) if not_from_data is None else not_from_data
    cal = c.calibration
    title = f"Calibration: {c.scenario.scenario.name}"
    sub = f"{cal.data} data from {cal.first_date} to {cal.last_date}; collectsim {cal.collectsim_version}"
    body = [
        "<section><h2>Provenance</h2>",
        f"<p>{escape(cal.method)}</p>",
        _table(["file", "rows", "sha256"], [[s.file, s.rows, s.sha256] for s in cal.sources]),
    ]
    if cal.base:
        body.append(f'<p class="note">Base scenario: <code>{escape(cal.base)}</code></p>')
    body.append("</section>")
    body += _segment_sections(c)
    segs = tuple(getattr(c.fit, "segments", {}))
    portfolio = [
        r
        for r in _params(cal, "portfolio.")
        if r[0].split(".")[0] not in segs
        and not (r[0].startswith("behaviour.") and r[0].split(".")[1] in segs)
    ]
    if portfolio:
        body.append(
            '<section><h2>Portfolio and account-level behaviour</h2><p class="note">Behaviour '
            "coefficients in the simulator's units (docs/data-formats.md): the segments' values weighted by "
            "their precision.</p>" + _table(HEAD, portfolio) + "</section>"
        )
    teams = [r for r in _params(cal, "teams.")]
    if teams:
        body.append("<section><h2>Teams</h2>" + _table(HEAD, teams) + "</section>")
    kpi = _params(cal, "kpi.")
    if kpi:
        body.append("<section><h2>Daily KPI ratios</h2>" + _table(HEAD, kpi) + "</section>")
    body.append(_not_from_data_section(items, split))
    if bt is not None:
        body.append(_backtest_section(bt))
    body.append(
        '<section><h2>Not identified by the data</h2><ul class="plain">'
        + "".join(f"<li>{escape(x)}</li>" for x in cal.not_identified)
        + "</ul></section>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(sub)}</p></header>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
