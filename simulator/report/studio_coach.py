"""The studio page's league table with coaching and its predict-then-reveal exercises, both
written from the grid's own numbers."""

from __future__ import annotations

import math
from typing import Any

from ..base.statistics import paired_difference
from ..measures.pyramid import DIAGNOSIS, LAYER_LABELS, LAYERS
from .data import mean, resolve_targets
from .league import collector_peers

__all__ = ["league_block", "exercises", "verdict"]


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
                row.update(
                    basis="none",
                    coaching=(
                        "no team target: see collectors vs peers"
                        if level == "teams"
                        else "no peers on the same segments to compare with"
                    ),
                )
            row["ratio"] = {
                x: _r(mean(u.get(x)) / ref[x], 3) if mean(u.get(x)) is not None and ref.get(x) else None
                for x in LAYERS
            }
            row["flagged"] = flagged
            rows.append(row)
    return {"rows": rows, "more": max(0, len(m.get("collectors") or {}) - max_collectors)}


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(float(x), digits)


NO_CHANGE_SHARE = 0.01
"""A paired CI that covers 0 and lies within this share of the baseline figure says "no clear
change": any change is too small to matter. A wider CI that covers 0 says "cannot tell"."""


def verdict(d: dict[str, Any], level: float | None) -> tuple[str, int | None]:
    """What a paired difference ``d`` (:func:`paired_difference`) says, and the replications
    needed. ``up`` or ``down`` when the 95% CI excludes 0; ``no change`` when every replication
    gives the same value; ``no clear change`` when the CI covers 0 but lies within
    :data:`NO_CHANGE_SHARE` of ``level`` (the baseline figure); else ``cannot tell``, with the
    replications for the CI half-width to fall under the observed change (normal approximation,
    n (half-width / |change|)^2; None when the observed change is 0)."""
    m, lo, hi, n = d["diff_mean"], d["diff_ci95_low"], d["diff_ci95_high"], d["n"]
    if lo is None or hi is None:
        return ("no change" if d.get("var_diff") == 0 else "cannot tell"), None
    if lo > 0:
        return "up", None
    if hi < 0:
        return "down", None
    hw = (hi - lo) / 2
    if hw == 0:
        return "no change", None
    if level and max(abs(lo), abs(hi)) <= NO_CHANGE_SHARE * abs(level):
        return "no clear change", None
    return "cannot tell", (max(n + 1, math.ceil(n * (hw / abs(m)) ** 2)) if m else None)


def exercises(data: dict[str, Any], limit: int = 3) -> list[dict[str, Any]]:
    """Up to ``limit`` questions, one per lever with two values or more: at the baseline setting,
    what does moving this lever from its baseline value to another do to the decision figure
    (net economic value on a living portfolio with a control group, else value per paid hour)?
    The answer is the paired difference over the replications (common random numbers) of the
    cells' own values (so the page's pyramid shows the same figures) with its 95% CI, read by
    :func:`verdict`; a lever that leaves every replication unchanged at the baseline (a
    predictive pacing ratio under a progressive dialer) gets no question. When the decision
    figure cannot be told from the grid's replications and value per paid hour can, the
    question asks about value per paid hour and ``note`` says why."""
    keys = [m["key"] for m in data["metrics"]]
    figures = [k for k in ("net_economic_value", "value_per_paid_hour") if k in keys]
    cells, n_rep = data["cells"], data["replications"]
    base = [lv["base"] for lv in data["levers"]]
    out: list[dict[str, Any]] = []
    for i, lv in enumerate(data["levers"]):
        if len(out) >= limit or not figures:
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
        reads = []
        for metric in figures:
            a, b = cells[a_key]["m"][metric], cells[b_key]["m"][metric]
            d = paired_difference(a[3], b[3])
            if d["diff_mean"] is not None:
                reads.append((metric, d, *verdict(d, d["a_mean"])))
        if not reads or all(r[2] == "no change" for r in reads):
            continue  # a lever that does nothing at the baseline (a pacing ratio under progressive)
        metric, d, answer, needed = next((r for r in reads if r[2] != "cannot tell"), reads[0])
        words = _WORDS[metric]
        note = ""
        if metric != reads[0][0]:
            note = (
                f"{_WORDS[reads[0][0]].capitalize()} (the decision figure) cannot be told apart from "
                f"{n_rep} replications here, so this asks about {words}, which the grid resolves."
            )
        cannot = f"cannot tell from {n_rep} replications"
        why = {
            "up": "significant: the CI excludes 0",
            "down": "significant: the CI excludes 0",
            "no change": "every replication gives the same value",
            "no clear change": (
                f"the CI includes 0 and lies within {NO_CHANGE_SHARE:.0%} of the baseline figure: "
                "any change is too small to matter"
            ),
            "cannot tell": (
                f"the CI includes 0 but is wide against the change: about {needed} replications per "
                "setting would resolve a change of this size"
                if needed
                else "the CI includes 0 and the observed change is 0"
            ),
        }[answer]
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
                "note": note,
                "choices": ["up", "down", "no clear change", cannot],
                "answer": {"cannot tell": cannot, "no change": "no clear change"}.get(answer, answer),
                "why": why,
                "needed": needed,
                "a": _r(d["a_mean"]),
                "b": _r(d["b_mean"]),
                "diff": _r(d["diff_mean"]),
                "lo": _r(d["diff_ci95_low"]),
                "hi": _r(d["diff_ci95_high"]),
                "a_key": a_key,
                "b_key": b_key,
            }
        )
    return out


_WORDS = {"net_economic_value": "net economic value", "value_per_paid_hour": "value per paid hour"}


def _show(v: Any) -> str:
    return str(v) if not isinstance(v, bool) else str(v).lower()
