"""Reading saved results for the report: checks, targets and the weakest-layer diagnosis.

Pure functions of the documents (the results JSON of ``Results.to_dict()`` and a sweep's
``summary.json``); nothing here runs the model or draws. Optional blocks (compliance, targets,
series, sweep staffing) may be absent: callers get ``None`` or an empty mapping and say so.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..base.documents import RESULTS_SCHEMA, SWEEP_SCHEMA
from ..base.formatting import NA, number
from ..measures.pyramid import LAYER_LABELS, LAYERS, TABLE_14_1

ALL_LAYERS = (*LAYERS, "value_per_paid_hour")
PERCENT = {
    "productive_rate",
    "promise_rate",
    "kept_rate",
    "abandon_rate",
    "broken_rate",
    "occupancy",
    "kept_rate_usd",
    "accounts_dialed_share",
    "incremental_share",
    "worst_daily_abandon_rate",
    "worst_30_day_abandon_rate",
    "cure_rate_treated",
    "cure_rate_control",
    "roll_rate_treated",
    "roll_rate_control",
    "service_level",
    "inbound_abandon_rate",
    "inbound_queued_share",
}
LIFT_POINTS = {"cure_lift", "roll_lift", "roll_lift_usd", "charge_off_lift"}
"""Differences of two rates, shown in percentage points."""
MAX_INPUT_BYTES = 1 << 30
"""Largest results file read (1 GiB): far above any real run, and it keeps a mistyped path such
as a disk image from being read whole."""
DOLLARS = {
    "avg_payment",
    "value_per_paid_hour",
    "collected",
    "cost",
    "net_value",
    "promised_usd",
    "collected_in_period",
    "collected_cash",
    "incremental_collected",
    "expected_loss_end",
    "loss_avoided",
    "net_economic_value",
    "self_cure_collected",
    "arrangement_collected",
    "avg_payment_ordinary",
    "agency_collected",
    "cost_wages",
    "cost_supervision",
    "cost_telecom",
    "cost_dialer",
    "cost_skip_trace",
    "cost_agency",
    "cost_abandon_penalty",
    "cost_channels",
    "channel_collected",
}

COMPLIANCE_LIMITS = {
    # name: (label, limit, kind) with kind "max" (worst replication must be <= limit)
    "calls_outside_window": ("calls outside the calling window (8am-9pm local)", 0.0, "count"),
    "max_attempts_in_7_days": ("most attempts on one account in 7 days (Reg F: 7)", 7.0, "count"),
    "accounts_over_7_day_limit": ("accounts called more often than the 7-day limit", 0.0, "count"),
    "calls_over_7_day_limit": ("calls beyond the 7-day limit", 0.0, "count"),
    "calls_in_waiting_period": ("calls within 7 days after a conversation", 0.0, "count"),
    "autodialed_cells_without_consent": ("autodialed calls to cells without consent (TCPA)", 0.0, "count"),
    "messages_to_cells_without_consent": ("texts, IVR calls to cells without consent (TCPA)", 0.0, "count"),
    "messages_without_usable_number": ("texts and IVR calls held: no number with consent", None, "count"),
    "worst_daily_abandon_rate": (
        "worst daily abandon rate (UK Ofcom: 3% per campaign per 24 h)",
        0.03,
        "rate",
    ),
    "worst_30_day_abandon_rate": (
        "worst 30-day abandon rate (US FCC/TCPA: 3% per campaign per 30 days)",
        0.03,
        "rate",
    ),
}


PACK_FIGURES = {
    # a rule pack's figure (compliance.rules): label after the pack's name, limit
    "_accounts_over_limit": ("accounts over a limit", 0.0),
    "_actions_over_limit": ("calls and messages beyond a limit", 0.0),
    "_largest_count": ("largest count in one window", None),
    "_consented_calls_in_waiting_period": ("promise reminders inside a wait, with consent", None),
    "_calls_in_waiting_period": ("calls inside a wait", 0.0),
    "_actions_blocked": ("dials and messages the rules blocked", None),
}
_REPLACED = (
    "max_attempts_in_7_days",
    "accounts_over_7_day_limit",
    "calls_over_7_day_limit",
    "calls_in_waiting_period",
)


def compliance_label(name: str, packs_on: bool = False) -> tuple[str, float | None, str]:
    """(label, limit or None, kind) of a compliance figure. With rule packs on (``packs_on``) the
    old 7-day and waiting-period figures are shown without a limit: the packs replace them."""
    if name in COMPLIANCE_LIMITS:
        lbl, limit, kind = COMPLIANCE_LIMITS[name]
        if packs_on and name in _REPLACED:
            return f"{lbl}, counted the old way (the rule packs replace it)", None, kind
        return lbl, limit, kind
    for suffix, (what, limit) in PACK_FIGURES.items():
        if name.endswith(suffix):
            return f"{name[: -len(suffix)]}: {what}", limit, "count"
    return name.replace("_", " "), None, "count"


ABANDON_LIMIT = 0.03
"""The 3% abandoned-call limit (US FCC/TCPA, UK Ofcom), as a fraction of live answers."""


class ReportInputError(ValueError):
    """The file or folder given to the report is not something it can draw."""


# ---------------------------------------------------------------------------------------- loading


def load_input(path: str | Path) -> tuple[str, dict[str, Any], Path]:
    """Read a results JSON file or a sweep output folder.

    Returns ``(kind, doc, file)`` with kind ``"results"`` or ``"sweep"``; raises
    :class:`ReportInputError` naming the file and what was expected.
    """
    p = Path(path)
    if p.is_dir():
        f = p / "summary.json"
        if not f.is_file():
            raise ReportInputError(
                f"{p}: folder has no summary.json; expected a results JSON file or a sweep output folder"
            )
    elif p.is_file():
        f = p
    elif p.exists():
        raise ReportInputError(
            f"{p}: not a regular file; expected a results JSON file or a sweep output folder"
        )
    else:
        raise ReportInputError(f"{p}: not found; expected a results JSON file or a sweep output folder")
    try:
        size = f.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ReportInputError(
                f"{f}: {size / 2**20:,.0f} MiB; results documents of collectsim are at most "
                f"{MAX_INPUT_BYTES // 2**20} MiB; expected a results JSON file"
            )
        doc = json.loads(f.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ReportInputError(f"{f}: not UTF-8 text; expected a results JSON file") from None
    except json.JSONDecodeError as e:
        raise ReportInputError(
            f"{f}: not valid JSON ({e.msg} at line {e.lineno} column {e.colno}); expected a results JSON file"
        ) from None
    except OSError as e:
        raise ReportInputError(f"{f}: cannot read: {e.strerror}") from None
    kind = check_document(doc, str(f))
    return kind, doc, f


def check_document(doc: Any, where: str = "document") -> str:
    """Check the shape the report relies on; return ``"results"`` or ``"sweep"``."""
    if not isinstance(doc, dict):
        raise ReportInputError(f"{where}: expected a JSON object, got {type(doc).__name__}")
    schema = doc.get("schema")
    if schema == RESULTS_SCHEMA:
        m = doc.get("metrics")
        if not isinstance(m, dict):
            raise ReportInputError(
                f"{where}: metrics: missing; expected an object with center, segments, teams and collectors"
            )
        if not isinstance(m.get("center"), dict) or not isinstance(
            m["center"].get("value_per_paid_hour"), dict
        ):
            raise ReportInputError(
                f"{where}: metrics.center.value_per_paid_hour: missing; expected a STAT "
                "object with mean, ci95_low, ci95_high and values"
            )
        for level in ("segments", "teams", "collectors"):
            if not isinstance(m.get(level), dict):
                raise ReportInputError(f"{where}: metrics.{level}: missing; expected an object of units")
        _check_stats(where, "metrics.center", m["center"])
        for level in ("segments", "teams", "collectors"):
            for name, unit in m[level].items():
                if isinstance(unit, dict):
                    _check_stats(where, f"metrics.{level}.{name}", unit)
            for name, unit in m[level].items():
                if not isinstance(unit, dict) or any(not isinstance(unit.get(k), dict) for k in ALL_LAYERS):
                    raise ReportInputError(
                        f"{where}: metrics.{level}.{name}: expected STATs for " + ", ".join(ALL_LAYERS)
                    )
        return "results"
    if schema == SWEEP_SCHEMA:
        if not isinstance(doc.get("variants"), list):
            raise ReportInputError(f"{where}: variants: missing; expected a list of variants")
        for i, v in enumerate(doc["variants"]):
            if (
                not isinstance(v, dict)
                or not isinstance(v.get("values"), dict)
                or not isinstance(v.get("metrics", {}).get("center"), dict)
            ):
                raise ReportInputError(f"{where}: variants[{i}]: expected id, values and metrics.center")
        return "sweep"
    raise ReportInputError(
        f"{where}: schema is {schema!r}; expected {RESULTS_SCHEMA!r} (a results file "
        f"from 'collectsim run --json') or {SWEEP_SCHEMA!r} (a sweep's summary.json)"
    )


def _is_number(v: Any) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _check_stats(where: str, path: str, stats: dict) -> None:
    """Every entry of ``{METRIC: STAT}`` is a STAT of numbers (or nulls)."""
    for metric, st in stats.items():
        if not isinstance(st, dict):
            raise ReportInputError(
                f"{where}: {path}.{metric}: expected a STAT object with mean, ci95_low, "
                f"ci95_high and values, got {type(st).__name__}"
            )
        for key in ("mean", "ci95_low", "ci95_high"):
            if not _is_number(st.get(key)):
                raise ReportInputError(
                    f"{where}: {path}.{metric}.{key} = {json.dumps(st.get(key))[:40]}: "
                    "expected a number or null"
                )
        values = st.get("values", [])
        if not isinstance(values, list) or not all(_is_number(v) for v in values):
            raise ReportInputError(f"{where}: {path}.{metric}.values: expected a list of numbers or nulls")


# ------------------------------------------------------------------------------------- formatting


def mean(s: dict | None) -> float | None:
    if not isinstance(s, dict):
        return None
    v = s.get("mean")
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def fmt(metric: str, v: float | None) -> str:
    """A number as a manager reads it: 85.0%, 9.98, $141.00, $662.2, 20,448."""
    if metric in LIFT_POINTS:
        return NA if v is None else f"{v * 100:+.1f} pt"
    text = number(v, percent=metric in PERCENT, money=metric in DOLLARS)
    if text == NA:
        return text
    return text + "%" if metric in PERCENT else ("$" + text if metric in DOLLARS else text)


def fmt_ci(metric: str, s: dict | None) -> str:
    """The 95% interval as ``low – high``, or ``n/a`` with a single replication."""
    if not isinstance(s, dict) or s.get("ci95_low") is None or s.get("ci95_high") is None:
        return "n/a"
    return f"{fmt(metric, s['ci95_low'])} – {fmt(metric, s['ci95_high'])}"


def label(metric: str) -> str:
    return LAYER_LABELS.get(metric, metric.replace("_", " "))


# ---------------------------------------------------------------------------------------- targets


def weakest_layer(actual: dict[str, float | None], targets: dict[str, float]) -> str | None:
    """The layer furthest below its target (lowest actual / target), or None if none is comparable."""
    from ..measures.pyramid import weakest_layer as _weakest

    return _weakest(actual, targets)


def _with_value(t: dict[str, float]) -> dict[str, float]:
    out = {k: float(v) for k, v in t.items() if v is not None}
    if "value_per_paid_hour" not in out and all(k in out for k in LAYERS):
        out["value_per_paid_hour"] = math.prod(out[k] for k in LAYERS)
    return out


def _mix_target(parts: list[tuple[float, dict[str, float]]]) -> dict[str, float] | None:
    """A target pyramid for a mix of segments weighted by their paid hours (the same volume rule
    as the simulator's planned center targets, :func:`simulator.measures.pyramid.planned_center_targets`)."""
    from ..measures.pyramid import Pyramid, planned_center_targets

    if not parts or not all(all(k in t for k in LAYERS) for _, t in parts):
        return None
    mix = planned_center_targets(
        {str(i): (h, Pyramid(*(t[k] for k in LAYERS))) for i, (h, t) in enumerate(parts)}
    )
    if not mix.avg_payment:  # no planned hours, contacts, promises or kept: nothing to mix
        return None
    return _with_value({k: getattr(mix, k) for k in LAYERS})


def _unit(
    targets: dict[str, float], actual: dict[str, Any], source: str, given: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One unit's targets and coaching: ``flagged_layers`` (significantly below target), the
    coaching text from them, and the weakest layer (information). ``given``: the unit of the
    results' targets block, whose flags and text are used as they are."""
    means = {k: mean(actual.get(k)) for k in ALL_LAYERS}
    g = given or {}
    w = g.get("weakest_layer") or weakest_layer(means, targets)
    out = {
        "targets": targets,
        "weakest_layer": w,
        "source": source,
        "stats": actual,
        "flagged_layers": list(g.get("flagged_layers") or []),
        "tested": g.get("tested"),
        "diagnosis": g.get("diagnosis"),
    }
    return out


def _flag(units: list[dict[str, Any]]) -> None:
    """Flags and coaching text for units that do not carry them (a results file without them, or
    targets taken from Table 14-1): the simulator's rule (:func:`simulator.measures.pyramid.flag_layers`),
    over these units together."""
    from ..measures.pyramid import flag_diagnosis, flag_layers

    todo = [u for u in units if u["tested"] is None]
    flags = flag_layers({i: (u["stats"], u["targets"]) for i, u in enumerate(todo)})
    for i, u in enumerate(todo):
        f = flags[i]
        attain = {
            k: (mean(u["stats"].get(k)) or 0.0) / u["targets"][k] for k in LAYERS if u["targets"].get(k)
        }
        u.update(flagged_layers=f["flagged_layers"], tested=f["tested"], diagnosis=flag_diagnosis(f, attain))


def resolve_targets(doc: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Targets per level and unit: ``{level: {name: {"targets", "flagged_layers", "tested",
    "diagnosis", "weakest_layer", "source", "stats"}}}`` for levels center, segments, teams,
    collectors. Units without targets are absent.

    The results' own ``targets`` block (when the simulator writes one) wins (source
    "scenario"). Otherwise the seed's Table 14-1 is used for segments named low_risk/high_risk;
    the center's target is the paid-hour mix of its segments' targets; a team whose name starts
    with a segment's name (low_risk_team) takes that segment's target and its collectors
    (``TEAM-NN``) take the team's. Units without flags get them here, by the same test.
    """
    m = doc["metrics"]
    out: dict[str, dict[str, dict[str, Any]]] = {"center": {}, "segments": {}, "teams": {}, "collectors": {}}
    given = doc.get("targets")
    if isinstance(given, dict) and given:
        for level in out:
            for name, u in (given.get(level) or {}).items():
                if not isinstance(u, dict) or not isinstance(u.get("targets"), dict):
                    continue
                units = m["center"] if level == "center" else m.get(level, {}).get(name)
                if units is None:
                    continue
                out[level][name] = _unit(_with_value(u["targets"]), units, "scenario", u)
        if any(out.values()):
            # segments are not in the block: use the table where the names match
            for seg, stats in m["segments"].items():
                if seg not in out["segments"] and seg in TABLE_14_1:
                    out["segments"][seg] = _unit(TABLE_14_1[seg].as_dict(), stats, f"Table 14-1 ({seg})")
            _flag([u for level in out.values() for u in level.values()])
            return out
    for seg, stats in m["segments"].items():
        if seg in TABLE_14_1:
            out["segments"][seg] = _unit(TABLE_14_1[seg].as_dict(), stats, f"Table 14-1 ({seg})")
    segs = out["segments"]
    if segs and len(segs) == len(m["segments"]):
        parts = [(mean(m["segments"][s].get("paid_hours")) or 0.0, segs[s]["targets"]) for s in segs]
        t = _mix_target(parts)
        if t:
            out["center"]["center"] = _unit(t, m["center"], "Table 14-1, paid-hour mix of the segments")
    for team, stats in m["teams"].items():
        seg = max((s for s in segs if team.startswith(s)), key=len, default=None)
        if seg:
            out["teams"][team] = _unit(segs[seg]["targets"], stats, f"Table 14-1 ({seg})")
    for cid, stats in m["collectors"].items():
        team = collector_team(cid, m["teams"])
        if team in out["teams"]:
            out["collectors"][cid] = _unit(out["teams"][team]["targets"], stats, out["teams"][team]["source"])
    _flag([u for level in out.values() for u in level.values()])
    return out


def collector_team(cid: str, teams: dict[str, Any]) -> str | None:
    """The team of a collector id ``TEAM-NN`` (the simulator's naming), or None."""
    cands = [t for t in teams if cid.startswith(t + "-")]
    return max(cands, key=len) if cands else None


# ------------------------------------------------------------------------------------------ sweeps


def sweep_points(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The successful variants of a sweep (or the single point of a results file) as
    ``{"id", "values", "metrics"}`` with metrics ``{"center": {...}, "teams": {...}}``."""
    if doc.get("schema") == RESULTS_SCHEMA:
        return [{"id": "results", "values": {}, "metrics": doc["metrics"]}]
    return [v for v in doc.get("variants", []) if isinstance(v, dict) and v.get("metrics")]


def headcount_params(doc: dict[str, Any]) -> list[str]:
    params = doc.get("parameters") or sorted({k for v in sweep_points(doc) for k in v["values"]})
    return [p for p in params if p.startswith("teams.") and p.endswith(".headcount")]


def pacing_params(doc: dict[str, Any]) -> list[str]:
    params = doc.get("parameters") or sorted({k for v in sweep_points(doc) for k in v["values"]})
    return [p for p in params if p in ("dialer.ratio", "dialer.mode")]


def stat_of(values: list[float | None]) -> dict[str, Any]:
    from ..base.statistics import stat

    return stat(values)


def net_value(center: dict[str, Any]) -> dict[str, Any] | None:
    """The center's net value (collected - cost) STAT: as reported, or from per-replication values."""
    if isinstance(center.get("net_value"), dict):
        return center["net_value"]
    c, k = center.get("collected"), center.get("cost")
    if not (isinstance(c, dict) and isinstance(k, dict)):
        return None
    cv, kv = c.get("values") or [], k.get("values") or []
    if cv and len(cv) == len(kv):
        return stat_of([None if a is None or b is None else a - b for a, b in zip(cv, kv)])
    if mean(c) is not None and mean(k) is not None:
        return {"mean": mean(c) - mean(k), "ci95_low": None, "ci95_high": None, "values": []}
    return None
