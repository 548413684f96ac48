"""Actual against target for center, teams and collectors, with the weakest layer (text)."""
from __future__ import annotations

from typing import Any

from ..pyramid import LAYER_LABELS, LAYERS

_PCT = {"productive_rate", "promise_rate", "kept_rate"}
SHORT = {"productive_rate": "prod%", "rpc_per_productive_hour": "rpc/h", "promise_rate": "prom%",
         "kept_rate": "kept%", "avg_payment": "avg$", "value_per_paid_hour": "$/paid h"}


def _v(layer: str, x) -> str:
    if x is None:
        return "n/a"
    return f"{x * 100:.1f}" if layer in _PCT else (f"{x:.2f}" if x < 100 else f"{x:.0f}")


def targets_table(doc: dict[str, Any], max_collectors: int = 200) -> str:
    """One row per unit: each layer as actual/target, the weakest layer and the seed's diagnosis;
    then, per unit, the first entry of the next-dollar ranking."""
    tb = doc.get("targets")
    if not tb:
        return "no targets in this scenario (add targets to [teams.<name>] or [targets])"
    layers = [*LAYERS, "value_per_paid_hour"]
    rows = [["unit", *(SHORT[x] for x in layers), "weakest layer", "coach on"]]
    units = [("center", "center", tb["center"]["center"])]
    units += [("team", n, u) for n, u in tb["teams"].items()]
    units += [("segment", n, u) for n, u in tb.get("segments", {}).items()]
    units += [("collector", n, u) for n, u in list(tb["collectors"].items())[:max_collectors]]
    for kind, name, u in units:
        cells = [f"{_v(x, u['actual'][x])}/{_v(x, u['targets'][x])}" for x in layers]
        weak = u["weakest_layer"]
        mark = "" if not weak else (LAYER_LABELS[weak] + ("" if not u.get("on_target") else " (on target)"))
        rows.append([f"{kind} {name}" if kind != "center" else "center", *cells, mark,
                     (u["diagnosis"] or "") if not u.get("on_target") else "-"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i in (0, len(widths) - 2, len(widths) - 1) else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    head = "actual/target per layer (rates in %); weakest layer = lowest actual/target"
    nd = tb["center"]["center"].get("next_dollar") or []
    tail = ""
    if nd:
        tail = "\nwhere the next dollar is (center, value per paid hour): " + "; ".join(
            f"{LAYER_LABELS[d['layer']]} +{d['gain_to_target']:.1f} to target" for d in nd if d["gain_to_target"] > 0
        ) + f" (each +1% of any layer: +{nd[0]['gain_per_1pct']:.2f})"
    return head + "\n" + "\n".join(lines) + tail
