"""A sweep's results in tidy form: tidy.csv, summary.csv, summary.json and variants/*.json.

Computed from the records on disk in job order, so the files of an interrupted and resumed sweep
are byte-identical to those of an uninterrupted one, whatever the executor and the number of
workers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..._version import __version__
from ...base.csvcells import safe_cell
from ...base.documents import SWEEP_SCHEMA
from ...base.statistics import stat
from ...experiment.replications import ALL_METRICS, Results, iter_long
from ...scenario import LoadedScenario
from .plan import SweepPlan
from .store import write_text

__all__ = ["SWEEP_SCHEMA", "SUMMARY_LEVELS", "summary_document", "write_outputs"]

SUMMARY_LEVELS = ("center", "segments", "teams")


def _param_cell(v: Any) -> str:
    """A parameter value as a CSV cell: text as it is (made safe for spreadsheets,
    base.csvcells), any other value as JSON."""
    return safe_cell(v) if isinstance(v, str) else json.dumps(v, default=str)


def _num_cell(v: float | None) -> str:
    return "" if v is None else repr(float(v))


def scenario_record(b: LoadedScenario) -> dict[str, str]:
    """The ``scenario`` entry of a sweep's or an optimiser's summary: the base scenario's name,
    the SHA-256 of its resolved text and of its file, and where it came from."""
    return {
        "name": b.scenario.scenario.name,
        "sha256": b.sha256,
        "source": b.source,
        "file_sha256": b.file_sha256,
    }


def summary_document(plan: SweepPlan, records: Mapping[tuple[str, int], Mapping[str, Any]]) -> dict[str, Any]:
    """summary.json, schema ``collectsim.sweep/1``::

        {"schema": "collectsim.sweep/1",
         "scenario": {"name", "sha256", "source", "file_sha256"},
         "seed", "replications", "collectsim_version",
         "parameters": [PATH, ...], "fixed": {PATH: VALUE},
         "variants": [{"id": "v000", "values": {PATH: VALUE}, "sha256", "replications_ok",
                       "failed_replications": [r, ...],
                       "metrics": {"center": {METRIC: STAT}, "segments": {NAME: {METRIC: STAT}},
                                   "teams": {NAME: {METRIC: STAT}}},
                       "blocks": {BLOCK: {NAME: STAT}},    (extra groups, e.g. compliance; may be {})
                       "breaches": [BREACH]}],             (compliance limits exceeded: measures.breaches)
         "failed": [{"variant", "values", "replication", "error"}]}

    STAT is the contract's {"mean", "ci95_low", "ci95_high", "values"} over the variant's successful
    replications (a variant with none has "metrics": null)."""
    variants, failed = [], []
    for v in plan.variants:
        ok, bad = [], []
        for r in range(plan.replications):
            rec = records.get((v.id, r))
            if rec is None:
                continue
            if rec["ok"]:
                ok.append(rec["result"])
            else:
                bad.append(r)
                failed.append({"variant": v.id, "values": v.values, "replication": r, "error": rec["error"]})
        metrics, blocks, breaches = None, {}, []
        if ok:
            res = Results(v.loaded, plan.seed, ok)
            breaches = res.breaches()
            metrics = {"center": res.metric_stats("center", "center")}
            for level in SUMMARY_LEVELS[1:]:
                metrics[level] = {u: res.metric_stats(level, u) for u in ok[0]["metrics"][level]}
            blocks = {
                b: {k: stat([rep["blocks"][b][k] for rep in ok]) for k in names}
                for b, names in ok[0].get("blocks", {}).items()
            }
        variants.append(
            {
                "id": v.id,
                "values": v.values,
                "sha256": v.loaded.sha256,
                "replications_ok": len(ok),
                "failed_replications": bad,
                "metrics": metrics,
                "blocks": blocks,
                "breaches": breaches,
            }
        )
    return {
        "schema": SWEEP_SCHEMA,
        "scenario": scenario_record(plan.base),
        "seed": plan.seed,
        "replications": plan.replications,
        "collectsim_version": __version__,
        "parameters": [p for p, _ in plan.parameters],
        "fixed": plan.fixed,
        "variants": variants,
        "failed": failed,
    }


def write_outputs(
    plan: SweepPlan,
    out: Path,
    records: Mapping[tuple[str, int], Mapping[str, Any]],
    extra: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[Path]]:
    """tidy.csv, summary.csv, summary.json and variants/*.json from the records, in job order.
    The CSV files' text from the user (parameter values, unit names) that opens like a formula
    gets a leading apostrophe (base.csvcells)."""
    params = [p for p, _ in plan.parameters]
    summary = summary_document(plan, records)
    if extra:
        summary.update(extra(summary))

    tidy = io.StringIO()
    w = csv.writer(tidy, lineterminator="\n")
    w.writerow(["variant", *params, "replication", "level", "unit", "metric", "value"])
    for v in plan.variants:
        pv = [_param_cell(v.values[p]) for p in params]
        reps = [r for r in range(plan.replications) if records.get((v.id, r), {}).get("ok")]
        per_rep = [records[(v.id, r)]["result"] for r in reps]
        for r, level, unit, metric, value in iter_long(per_rep, reps):
            w.writerow([v.id, *pv, r, level, safe_cell(unit), metric, _num_cell(value)])

    summ = io.StringIO()
    w = csv.writer(summ, lineterminator="\n")
    w.writerow(["variant", *params, "level", "unit", "metric", "n", "mean", "ci95_low", "ci95_high"])
    for v, sv in zip(plan.variants, summary["variants"]):
        if not sv["metrics"]:
            continue
        pv = [_param_cell(v.values[p]) for p in params]
        units = [("center", "center", sv["metrics"]["center"])]
        units += [(lv, u, ms) for lv in SUMMARY_LEVELS[1:] for u, ms in sv["metrics"][lv].items()]
        for level, unit, ms in units:
            for metric in ALL_METRICS:
                s = ms[metric]
                n = sum(1 for x in s["values"] if x is not None)
                w.writerow(
                    [
                        v.id,
                        *pv,
                        level,
                        safe_cell(unit),
                        metric,
                        n,
                        _num_cell(s["mean"]),
                        _num_cell(s["ci95_low"]),
                        _num_cell(s["ci95_high"]),
                    ]
                )

    files = []
    vdir = out / "variants"
    vdir.mkdir(exist_ok=True)
    for v in plan.variants:
        reps = [r for r in range(plan.replications) if records.get((v.id, r), {}).get("ok")]
        if not reps:
            continue
        doc = Results(v.loaded, plan.seed, [records[(v.id, r)]["result"] for r in reps]).to_dict()
        doc["sweep_variant"] = {"id": v.id, "values": v.values}
        if len(reps) < plan.replications:
            doc["failed_replications"] = [r for r in range(plan.replications) if r not in reps]
        p = vdir / f"{v.id}.json"
        write_text(p, json.dumps(doc, indent=1, allow_nan=False, default=str) + "\n")
        files.append(p)
    for name, text in (
        ("tidy.csv", tidy.getvalue()),
        ("summary.csv", summ.getvalue()),
        ("summary.json", json.dumps(summary, indent=1, allow_nan=False, default=str) + "\n"),
    ):
        write_text(out / name, text)
        files.append(out / name)
    return summary, files
