"""Actual against target for center, teams and collectors, with the weakest layer (text)."""
from __future__ import annotations

from typing import Any

from ..formatting import number, table
from ..pyramid import LAYER_LABELS, LAYERS

_PCT = {"productive_rate", "promise_rate", "kept_rate"}
SHORT = {"productive_rate": "prod%", "rpc_per_productive_hour": "rpc/h", "promise_rate": "prom%",
         "kept_rate": "kept%", "avg_payment": "avg$", "value_per_paid_hour": "$/paid h"}


def _v(layer: str, x) -> str:
    return number(x, percent=layer in _PCT)


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
    head = "actual/target per layer (rates in %); weakest layer = lowest actual/target"
    nd = tb["center"]["center"].get("next_dollar") or []
    tail = ""
    if nd:
        tail = "\nwhere the next dollar is (center, value per paid hour): " + "; ".join(
            f"{LAYER_LABELS[d['layer']]} +{number(d['gain_to_target'], money=True)} to target" for d in nd if d["gain_to_target"] > 0
        ) + f" (each +1% of any layer: +{number(nd[0]['gain_per_1pct'], money=True)})"
    return head + "\n" + table(rows, left=(0, len(rows[0]) - 2, len(rows[0]) - 1)) + tail
