"""Plain-text tables of a results document (the dict of ``Results.to_dict()``)."""
from __future__ import annotations

from typing import Any

from ..formatting import NA, stat_of, table
from ..pyramid import LAYER_LABELS, LAYERS

_PERCENT = {"productive_rate", "promise_rate", "kept_rate", "abandon_rate", "broken_rate", "occupancy"}


def _fmt(metric: str, s: dict) -> str:
    return stat_of(s, percent=metric in _PERCENT)


def _columns(doc: dict[str, Any]) -> list[tuple[str, dict]]:
    m = doc["metrics"]
    return [*m["segments"].items(), ("center", m["center"])]


def _render(rows: list[tuple[str, list[str]]], header: list[str]) -> str:
    return table([header, *([label, *cells] for label, cells in rows)])


def pyramid_table(doc: dict[str, Any]) -> str:
    """The pyramid layers per segment and for the center, mean ± 95% CI half-width."""
    cols = _columns(doc)
    metrics = [*LAYERS, "value_per_paid_hour"]
    rows = []
    for metric in metrics:
        label = LAYER_LABELS[metric] + (" %" if metric in _PERCENT else "")
        rows.append((label, [_fmt(metric, stats[metric]) for _, stats in cols]))
    return _render(rows, ["pyramid", *(name for name, _ in cols)])


VOLUME = ("paid_hours", "productive_hours", "dials", "connects", "rpc", "third_party", "promises",
          "kept", "broken", "collected", "cost", "cost_per_dollar", "occupancy", "idle_hours")


def volume_table(doc: dict[str, Any]) -> str:
    """Volumes and costs per segment and for the center, mean ± 95% CI half-width."""
    cols = _columns(doc)
    rows = [(m + (" %" if m in _PERCENT else ""), [_fmt(m, stats[m]) for _, stats in cols]) for m in VOLUME]
    return _render(rows, ["volumes per replication", *(name for name, _ in cols)])


_NOT_BLOCKS = {"metrics", "series", "scenario", "targets"}


def _is_stat(v: Any) -> bool:
    return isinstance(v, dict) and "mean" in v and "ci95_low" in v


def _fmt_block(name: str, s: dict) -> str:
    rate = name.endswith(("_rate", "_share")) or name.startswith("roll_")
    text = stat_of(s, percent=rate)
    return text + " %" if rate and text != NA else text


def blocks_table(doc: dict[str, Any]) -> str:
    """Every extra top-level result block ({name: STAT}, e.g. compliance, skip_trace, placement)
    as a small "name  mean ± 95% CI half-width" table, one section per block; rates in percent.
    Top-level entries that are not such blocks (metrics, series, scenario, targets, provenance)
    are skipped. Empty text when there is no block."""
    sections = []
    for block, body in doc.items():
        if block in _NOT_BLOCKS or not isinstance(body, dict) or not body:
            continue
        if not all(_is_stat(v) for v in body.values()):
            continue
        rows = [(name, [_fmt_block(name, s)]) for name, s in body.items()]
        sections.append(_render(rows, [block, "mean ± 95% CI"]))
    return "\n\n".join(sections)
