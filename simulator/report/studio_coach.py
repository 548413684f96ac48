"""The studio page's league table with coaching and its predict-then-reveal exercises, both
written from the grid's own numbers."""

from __future__ import annotations

from typing import Any

from ..base.statistics import paired_difference
from ..measures.pyramid import DIAGNOSIS, LAYER_LABELS, LAYERS
from .data import mean, resolve_targets
from .league import collector_peers

__all__ = ["league_block", "exercises"]


def league_block(doc: dict[str, Any], max_collectors: int = 60) -> dict[str, Any]:
    """Teams and collectors ranked by value per paid hour, each layer as a share of its reference
    (the team's target where the scenario sets one, else the collector's peers on the same
    segments), the layers flagged significantly below it and the coaching they call for (as in
    the HTML report, :mod:`.league` and :mod:`.coaching`)."""
    m = doc["metrics"]
    tg = resolve_targets(doc)
    peers = collector_peers(doc).get("collectors") or {}
    rows = []
    for level in ("teams", "collectors"):
        units = m.get(level) or {}
        names = sorted(units, key=lambda n: -(mean(units[n].get("value_per_paid_hour")) or 0.0))
        for name in names[: max_collectors if level == "collectors" else None]:
            u = units[name]
            row: dict[str, Any] = {
                "level": level[:-1],
                "name": name,
                "vph": _r(mean(u.get("value_per_paid_hour"))),
            }
            t = tg[level].get(name)
            if t is not None:
                ref, flagged = t["targets"], list(t["flagged_layers"])
                row.update(
                    basis="target",
                    coaching=t.get("diagnosis") or "",
                    target_vph=_r(ref.get("value_per_paid_hour")),
                )
            elif name in peers:
                p = peers[name]
                ref, flagged = p.get("reference") or {}, list(p.get("below") or [])
                above = list(p.get("above") or [])
                text = "; ".join(f"{LAYER_LABELS[x]} below peers: {DIAGNOSIS[x]}" for x in flagged)
                if above:
                    text += (
                        ("; " if text else "") + "above peers on " + ", ".join(LAYER_LABELS[x] for x in above)
                    )
                row.update(basis="peers", coaching=text or "no significant difference from peers")
            else:
                ref, flagged = {}, []
                row.update(basis="none", coaching="")
            row["ratio"] = {
                x: _r(mean(u.get(x)) / ref[x], 3) if mean(u.get(x)) is not None and ref.get(x) else None
                for x in LAYERS
            }
            row["flagged"] = flagged
            rows.append(row)
    return {"rows": rows, "more": max(0, len(m.get("collectors") or {}) - max_collectors)}


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(float(x), digits)


def exercises(data: dict[str, Any], summary: dict[str, Any], limit: int = 3) -> list[dict[str, Any]]:
    """Up to ``limit`` questions, one per lever with two values or more: at the baseline setting,
    what does moving this lever from its baseline value to another do to value per paid hour
    (net economic value, the decision figure, on a living portfolio with a control group)?
    The answer is the paired difference over the replications (common random numbers) with its
    95% CI, and whether it is significant (the CI excludes 0)."""
    by_id = {v["id"]: v for v in summary["variants"]}
    keys = {m["key"] for m in data["metrics"]}
    metric = "net_economic_value" if "net_economic_value" in keys else "value_per_paid_hour"
    words = "net economic value" if metric == "net_economic_value" else "value per paid hour"
    cells = data["cells"]
    base = [lv["base"] for lv in data["levers"]]
    out = []
    for i, lv in enumerate(data["levers"]):
        if len(out) >= limit:
            break
        j = next((k for k in range(len(lv["values"])) if k != base[i]), None)
        if j is None:
            continue
        if lv["path"].endswith(".headcount") and base[i] + 1 < len(lv["values"]):
            j = base[i] + 1
        a_key = ",".join(map(str, base))
        b_key = ",".join(map(str, base[:i] + [j] + base[i + 1 :]))
        if a_key not in cells or b_key not in cells:
            continue
        a = by_id[cells[a_key]["id"]]["metrics"]["center"][metric]["values"]
        b = by_id[cells[b_key]["id"]]["metrics"]["center"][metric]["values"]
        d = paired_difference(a, b)
        if d["diff_mean"] is None:
            continue
        lo, hi = d["diff_ci95_low"], d["diff_ci95_high"]
        answer = (
            "up" if lo is not None and lo > 0 else "down" if hi is not None and hi < 0 else "no clear change"
        )
        out.append(
            {
                "lever": i,
                "from": base[i],
                "to": j,
                "question": (
                    f"At the baseline setting, change {lv['label']} from {_show(lv['values'][base[i]])} to "
                    f"{_show(lv['values'][j])}. What happens to {words}?"
                ),
                "metric": metric,
                "words": words,
                "choices": ["up", "down", "no clear change"],
                "answer": answer,
                "a": _r(d["a_mean"]),
                "b": _r(d["b_mean"]),
                "diff": _r(d["diff_mean"]),
                "lo": _r(lo),
                "hi": _r(hi),
                "a_key": a_key,
                "b_key": b_key,
            }
        )
    return out


def _show(v: Any) -> str:
    return str(v) if not isinstance(v, bool) else str(v).lower()
