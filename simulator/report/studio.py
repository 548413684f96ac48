"""The training studio: one self-contained HTML page (inline CSS, JS and data; no network) on
which a trainee moves the levers of a simulated grid and watches the pyramid answer.

The grid is a sweep (simulator/studies/sweep): every combination of the levers' values, N
replications each with common random numbers. The page shows, for the combination chosen, the
five layers, value per paid hour (and net economic value for a living portfolio) with their 95%
CIs, and the paired change against a pinned baseline; a combination not in the grid is said to
be not simulated, never interpolated. It also animates a collector's day (:mod:`.studio_day`)
and carries exercises and the league table with coaching (:mod:`.studio_coach`). The page's
script and style are package data files beside this module (studio_assets/).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from scipy import stats as sps

from .._version import __version__
from ..measures.pyramid import LAYER_LABELS, LAYERS
from .studio_coach import exercises, league_block

__all__ = ["StudioInputs", "default_levers", "studio_data", "render_studio", "STUDIO_METRICS"]

STUDIO_METRICS = (
    *LAYERS,
    "value_per_paid_hour",
    "net_economic_value",
    "net_value",
    "abandon_rate",
)
"""The center metrics the page shows, top of the pyramid first (net_economic_value only when the
grid has it: a living portfolio with a control group)."""

_KIND = {
    "productive_rate": "pct",
    "promise_rate": "pct",
    "kept_rate": "pct",
    "abandon_rate": "pct",
    "rpc_per_productive_hour": "num",
    "avg_payment": "money",
    "value_per_paid_hour": "money",
    "net_economic_value": "money",
    "net_value": "money",
}
_LABEL = {
    **LAYER_LABELS,
    "avg_payment": "average payment",
    "value_per_paid_hour": "value per paid hour",
    "net_economic_value": "net economic value (whole run)",
    "net_value": "net value, collections (whole run)",
    "abandon_rate": "abandon rate",
}
LEVER_LABELS = {
    "dialer.mode": "dialer mode",
    "dialer.list_strategy": "list order",
    "dialer.ratio": "pacing ratio (lines per free collector)",
    "dialer.max_abandon_rate": "pacing target (abandon rate)",
    "routing.policy": "case matching",
}


@dataclass
class StudioInputs:
    """What the page is built from: the sweep plan, its summary (summary.json), its output folder
    (whose variants/*.json carry the league tables) and the collector's days."""

    plan: Any
    summary: dict[str, Any]
    out: Path
    days: list[dict[str, Any]] = field(default_factory=list)


def default_levers(scenario: Any) -> list[str]:
    """The default grid as ``PATH=V1,V2,...`` texts: the first outbound team's headcount at 2/3,
    1 and 4/3 of its value, the dialer mode (progressive, predictive), the predictive pacing
    target, so that an abandon breach can be fixed on the page (adaptive pacing: the abandon-rate
    limit at 3% and the scenario's own if different; fixed pacing: the ratio at the scenario's own
    and at 3/4 of it, not under 1), the list order
    (least_recent, balance) and, with two teams or more, case matching (segment_teams, pooled)."""
    out = []
    team = next((n for n, t in scenario.teams.items() if t.role != "inbound"), None)
    if team is not None:
        h = scenario.teams[team].headcount
        hs = sorted({max(1, round(h * 2 / 3)), h, max(2, round(h * 4 / 3))})
        out.append(f"teams.{team}.headcount=" + ",".join(map(str, hs)))
    out.append("dialer.mode=progressive,predictive")
    d = scenario.dialer
    if d.pacing == "adaptive":
        targets = sorted({0.03, d.max_abandon_rate})
        if len(targets) > 1:
            out.append("dialer.max_abandon_rate=" + ",".join(f"{x:g}" for x in targets))
    elif d.pacing == "fixed":
        ratios = sorted({round(max(1.0, 0.75 * d.ratio), 1), d.ratio})
        if len(ratios) > 1:
            out.append("dialer.ratio=" + ",".join(f"{x:g}" for x in ratios))
    out.append("dialer.list_strategy=least_recent,balance")
    if len(scenario.teams) > 1 and len(scenario.segments) > 1:
        out.append("routing.policy=segment_teams,pooled")
    return out


def _lever_label(path: str) -> str:
    if path in LEVER_LABELS:
        return LEVER_LABELS[path]
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "teams" and parts[2] == "headcount":
        return f"headcount of {parts[1]}"
    return path


def _scenario_value(base: Any, path: str) -> Any:
    node: Any = base
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    return node


def studio_data(inp: StudioInputs) -> dict[str, Any]:
    """The page's data: levers (values, baseline index), one cell per simulated combination
    (key: the value indices joined by commas) with [mean, ci95_low, ci95_high, values per
    replication] per metric, breaches and league table, the collector's days, the exercises and
    Student-t quantiles (97.5%, 1..200 degrees of freedom) for the paired CIs the page computes."""
    plan, summary = inp.plan, inp.summary
    levers = []
    for path, values in plan.parameters:
        own = _scenario_value(plan.base.scenario, path)
        levers.append(
            {
                "path": path,
                "label": _lever_label(path),
                "values": values,
                "base": values.index(own) if own in values else 0,
            }
        )
    shown = [
        m
        for m in STUDIO_METRICS
        if any(v["metrics"] and v["metrics"]["center"][m]["mean"] is not None for v in summary["variants"])
    ]
    cells: dict[str, Any] = {}
    for v in summary["variants"]:
        if not v["metrics"]:
            continue
        key = ",".join(str(values.index(v["values"][p])) for p, values in plan.parameters)
        c = v["metrics"]["center"]
        cell: dict[str, Any] = {
            "id": v["id"],
            "m": {
                m: [_r(c[m]["mean"]), _r(c[m]["ci95_low"]), _r(c[m]["ci95_high"]), _rs(c[m]["values"])]
                for m in shown
            },
            "breaches": [b["message"] for b in v.get("breaches") or []],
        }
        doc_path = Path(inp.out) / "variants" / f"{v['id']}.json"
        if doc_path.is_file():
            cell["league"] = league_block(json.loads(doc_path.read_text(encoding="utf-8")))
        cells[key] = cell
    data = {
        "title": f"collectsim studio: {plan.base.scenario.scenario.name}",
        "scenario": plan.base.scenario.scenario.name,
        "description": plan.base.scenario.scenario.description,
        "source": plan.base.source,
        "seed": plan.seed,
        "replications": plan.replications,
        "version": __version__,
        "levers": levers,
        "fixed": plan.fixed,
        "metrics": [{"key": m, "label": _LABEL[m], "kind": _KIND[m], "layer": m in LAYERS} for m in shown],
        "cells": cells,
        "days": inp.days,
        "tq": [round(float(sps.t.ppf(0.975, df)), 4) for df in range(1, 201)],
    }
    data["exercises"] = exercises(data)
    return data


def _r(x: float | None) -> float | None:
    return None if x is None else float(f"{x:.6g}")


def _rs(xs: list[float | None]) -> list[float | None]:
    return [_r(x) for x in xs]


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("studio_assets", name).read_text(encoding="utf-8")


def render_studio(inp: StudioInputs) -> str:
    """The whole page as one HTML string (the data as inline JSON, ``</`` escaped)."""
    data = studio_data(inp)
    blob = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    title = escape(data["title"])
    body = _asset("studio_body.html").replace("{{TITLE}}", title)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{title}</title><style>{_asset('studio.css')}</style></head><body>"
        f'{body}<script id="studio-data" type="application/json">{blob}</script>'
        f"<script>{_asset('studio.js')}</script></body></html>\n"
    )
