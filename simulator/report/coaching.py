"""Actual against target for center, teams, segments and collectors: the layers significantly below
target first, the coaching they call for, then the lowest layer as information (text)."""

from __future__ import annotations

from typing import Any

from ..base.formatting import number, table
from ..measures.pyramid import LAYER_LABELS, LAYERS

_PCT = {"productive_rate", "promise_rate", "kept_rate"}
SHORT = {
    "productive_rate": "prod%",
    "rpc_per_productive_hour": "rpc/h",
    "promise_rate": "prom%",
    "kept_rate": "kept%",
    "avg_payment": "avg$",
    "value_per_paid_hour": "$/paid h",
}


def _v(layer: str, x) -> str:
    return number(x, percent=layer in _PCT)


def targets_table(doc: dict[str, Any], max_collectors: int = 200) -> str:
    """One row per unit: each layer as actual/target (▼: significantly below target), the flagged
    layers and the coaching they call for, and the lowest layer (information only); then, for the
    center, where the next dollar is."""
    tb = doc.get("targets")
    if not tb:
        return (
            "no targets in this scenario (add targets to [teams.<name>] or [targets]): each collector "
            "against its peers instead\n" + peers_table(doc, max_collectors)
        )
    layers = [*LAYERS, "value_per_paid_hour"]
    rows = [["unit", *(SHORT[x] for x in layers), "flagged", "coaching", "lowest (info)"]]
    units = [("center", "center", tb["center"]["center"])]
    units += [("team", n, u) for n, u in tb["teams"].items()]
    units += [("segment", n, u) for n, u in tb.get("segments", {}).items()]
    units += [("collector", n, u) for n, u in list(tb["collectors"].items())[:max_collectors]]
    n_flagged = {"team": 0, "segment": 0, "collector": 0, "center": 0}
    for kind, name, u in units:
        flagged = u.get("flagged_layers") or []
        n_flagged[kind] += bool(flagged)
        cells = [
            f"{_v(x, u['actual'][x])}/{_v(x, u['targets'][x])}" + (" ▼" if x in flagged else "")
            for x in layers
        ]
        weak = u.get("weakest_layer")
        rows.append(
            [
                f"{kind} {name}" if kind != "center" else "center",
                *cells,
                ", ".join(LAYER_LABELS[x] for x in flagged)
                or ("-" if u.get("tested", True) else "not tested"),
                u.get("diagnosis") or "",
                LAYER_LABELS[weak] if weak else "",
            ]
        )
    rule = tb.get("flag_rule") or {}
    head = (
        "actual/target per layer (rates in %). Flagged ▼: significantly below target, a one-sided t-test "
        "over the replications with the Holm correction across all "
        f"{sum(len(u.get('flag_p_values') or {}) for _, _, u in units)} "
        "unit x layer tests (family-wise 5%), for units with at least "
        f"{rule.get('min_rpc_per_replication', 50):.0f} "
        "right-party contacts per replication; coaching follows the flags only. Lowest: the layer with the "
        "lowest actual/target, significant or not.\n"
        f"flagged units: {n_flagged['team']} team(s), {n_flagged['segment']} segment(s), "
        f"{n_flagged['collector']} collector(s)"
    )
    nd = tb["center"]["center"].get("next_dollar") or []
    tail = ""
    if nd:
        gains = [
            f"{LAYER_LABELS[d['layer']]} +{number(d['gain_to_target'], money=True)} to target"
            for d in nd
            if d["gain_to_target"] > 0
        ]
        tail = (
            "\nwhere the next dollar is (center, value per paid hour): "
            + ("; ".join(gains) or "every layer at target")
            + f" (each +1% of any layer: +{number(nd[0]['gain_per_1pct'], money=True)})"
        )
    return head + "\n" + table(rows, left=(0, len(rows[0]) - 3, len(rows[0]) - 2, len(rows[0]) - 1)) + tail


def peers_table(doc: dict[str, Any], max_collectors: int = 200) -> str:
    """One row per collector: each layer as actual/peers (the median of the other collectors working
    the same segments; ▼ / ▲: significantly below / above them), and the layers below and above.
    A collector on a harder segment is compared with the others on that segment, not with the
    center."""
    from .league import collector_peers

    block = collector_peers(doc)
    coll = block.get("collectors") or {}
    if not coll:
        return "no collectors in these results"
    who = "the other collectors of its team" if block.get("basis") == "team" else "its peers"
    rows = [["collector", "peer group", *(SHORT[x] for x in LAYERS), "below peers", "above peers"]]
    for cid, u in list(coll.items())[:max_collectors]:
        below, above = u.get("below") or [], u.get("above") or []
        cells = [
            f"{_v(x, u['actual'].get(x))}/{_v(x, (u.get('reference') or {}).get(x))}"
            + (" ▼" if x in below else " ▲" if x in above else "")
            for x in LAYERS
        ]
        rows.append(
            [
                cid,
                f"{u.get('peer_group') or '-'} ({u.get('peers', 0)} peers)",
                *cells,
                ", ".join(LAYER_LABELS[x] for x in below) or ("-" if u.get("tested") else "not tested"),
                ", ".join(LAYER_LABELS[x] for x in above) or ("-" if u.get("tested") else ""),
            ]
        )
    n_tests = sum(len(u.get("p_values") or {}) for u in coll.values())
    head = (
        f"each collector against {who} (the median of the other collectors working the same segments, "
        "replication by replication; rates in %): actual/peers per layer. ▼ / ▲: significantly below / "
        "above the peers, a paired two-sided t-test over the replications with the Holm correction "
        f"across all {n_tests} collector x layer tests (family-wise 5%)\n"
        f"below peers: {sum(bool(u.get('below')) for u in coll.values())} collector(s); "
        f"above peers: {sum(bool(u.get('above')) for u in coll.values())} collector(s)"
    )
    return head + "\n" + table(rows, left=(0, 1, len(rows[0]) - 2, len(rows[0]) - 1))
