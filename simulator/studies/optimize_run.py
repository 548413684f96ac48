"""``collectsim optimize`` as a study: designs from ``--vary``, replications from the simulation
(stored as a sweep stores them, so a run resumes), the procedure of :mod:`.optimize`, and the
summary document.

The output folder (``--out DIR``)::

    manifest.json        the designs and the seed (checked when resuming); the procedure's
                         settings may change between runs: a replication's result does not
                         depend on them
    replications.jsonl   one JSON line per finished replication, as a sweep's
    summary.json         schema collectsim.optimize/1 (:func:`summary_document`)

Resuming: run it again with the same designs, seed and folder; every replication already in
``replications.jsonl`` is reused, so the procedure, a function of the values only, takes the
same decisions as an uninterrupted run (with a larger ``--max-replications`` it goes on from
where the cap stopped it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .._version import __version__
from ..base.documents import OPTIMIZE_SCHEMA
from ..base.statistics import stat
from ..experiment.replications import MetricRef, replication_job
from .optimize import Bound, Selection, select_best
from .sweep import Constraint
from .sweep.plan import SweepError, SweepPlan, plan_sweep, split_values
from .sweep.store import Appender, prepare_folder, read_records, record_outcome, write_text
from .sweep.summary import scenario_record

__all__ = [
    "OptimizeError",
    "ReplicationsFailed",
    "vary_to_set",
    "plan_designs",
    "OptimizeOutcome",
    "run_optimize",
    "summary_document",
    "MAX_DESIGNS",
]

MANIFEST_SCHEMA = "collectsim.optimize-manifest/1"
MAX_DESIGNS = 10_000
"""More designs than this is refused: ranking and selection compares every pair."""
GRID_BASIS = (
    "every design run N replications and the largest mean taken, with N from the same first "
    "stage so that the grid has the same guarantee (Bonferroni over the pairs, paired t with "
    "common random numbers: Clark and Yang's two-stage procedure): N >= t^2 S^2 / delta^2 for "
    "every pair of designs and N >= t_f^2 S^2 / epsilon^2 for every constraint"
)


class OptimizeError(SweepError):
    """Bad optimize input, or a metric undefined in a replication: exit code 2, no traceback."""


class ReplicationsFailed(Exception):
    """Replications raised; they are recorded (``failed``: their records) and a rerun tries them
    again."""

    def __init__(self, failed: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(failed)} replication(s) failed")
        self.failed = failed


def vary_to_set(text: str) -> str:
    """``PATH=V1,V2,...`` as it is, or ``PATH=LO:HI:STEP`` as the list LO, LO + STEP, ... <= HI
    (whole numbers when all three are, else decimals without binary rounding), in the sweep's
    ``--set PATH=V1,V2,...`` form."""
    path, sep, values = text.partition("=")
    parts = values.split(":")
    if not sep or len(parts) != 3 or any(c in values for c in "[]{}\"',"):
        return text
    try:
        lo, hi, step = (Decimal(p.strip()) for p in parts)
    except InvalidOperation:
        lo = hi = step = Decimal("nan")
    if not all(x.is_finite() for x in (lo, hi, step)) or step <= 0 or hi < lo:
        raise OptimizeError(
            f"--vary {text!r}: expected PATH=LO:HI:STEP with numbers, LO <= HI and STEP > 0, e.g. "
            "teams.t1.headcount=4:12:2"
        )
    count = int((hi - lo) / step) + 1
    if count > MAX_DESIGNS:
        raise OptimizeError(f"--vary {text!r}: {count:,} values; expected at most {MAX_DESIGNS:,}")
    whole = not any(c in values.lower() for c in ".e")
    vals = [lo + step * j for j in range(count)]
    shown = [str(int(v)) if whole else str(float(v)) for v in vals]
    return f"{path.strip()}={','.join(shown)}"


def plan_designs(scenario: str | None, vary: Sequence[str], fixed: Sequence[str], seed: int) -> SweepPlan:
    """The designs: the cartesian product of the ``--vary`` lists, with the ``--set`` values
    fixed, each validated as a sweep variant is (a bad path or value is OptimizeError, before
    anything runs)."""
    if not vary:
        raise OptimizeError("give at least one --vary PATH=V1,V2,... (the designs to choose among)")
    sets = [vary_to_set(v) for v in vary]
    for s, v in zip(sets, vary):
        if len(split_values(s.partition("=")[2])) < 2:
            raise OptimizeError(f"--vary {v!r}: a single value; expected two or more (fix it with --set)")
    for f in fixed:
        path = f.partition("=")[0].strip()
        if any(s.partition("=")[0].strip() == path for s in sets):
            raise OptimizeError(f"--set {path}: is also given to --vary; give it to one of them")
    n = math.prod(len(split_values(s.partition("=")[2])) for s in sets)
    if n > MAX_DESIGNS:
        raise OptimizeError(f"--vary: about {n:,} designs; expected at most {MAX_DESIGNS:,}")
    plan = plan_sweep(scenario, list(fixed) + sets, 1, seed)
    if len(plan.variants) < 2:
        raise OptimizeError("--vary: a single design; expected two or more to choose among")
    return plan


def _manifest(plan: SweepPlan) -> dict[str, Any]:
    m = plan.manifest()
    m["schema"] = MANIFEST_SCHEMA
    m["replications"] = None  # the procedure decides how many
    return m


def _value(result: dict[str, Any], ref: MetricRef) -> float | None:
    return result["metrics"][ref.level].get(ref.unit, {}).get(ref.metric)


@dataclass
class OptimizeOutcome:
    plan: SweepPlan
    out: Path
    selection: Selection
    summary: dict[str, Any]
    ran: int
    reused: int
    files: list[Path] = field(default_factory=list)


def run_optimize(
    plan: SweepPlan,
    out: Path,
    objective: MetricRef,
    constraints: Sequence[Constraint],
    tolerances: Sequence[float],
    *,
    delta: float,
    alpha: float = 0.05,
    n0: int = 10,
    maximize: bool = True,
    max_replications: int | None = None,
    batch: int = 1,
    executor: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> OptimizeOutcome:
    """Select the best design of ``plan`` (:func:`.optimize.select_best`), simulating the
    replications it asks for that are not yet in ``out``, and write summary.json. Each
    replication is appended to replications.jsonl as it ends. Raises
    :class:`ReplicationsFailed` when some raise (the others are kept)."""
    from ..experiment.executors import open_executor, run_ordered

    out = Path(out)
    refs = [objective, *(c.ref for c in constraints)]
    lock = prepare_folder(out, _manifest(plan))
    try:
        jpath = out / "replications.jsonl"
        records = read_records(jpath)
        counts = {"ran": 0, "reused": 0, "done": 0}
        app = Appender(jpath)
        try:
            with open_executor(executor, workers, scheduler, jobs=len(plan.variants) * n0) as ex:

                def sample(designs: Sequence[int], start: int, stop: int) -> dict[int, list[list[float]]]:
                    want = [(plan.variants[i], r) for r in range(start, stop) for i in designs]
                    todo = [(v, r) for v, r in want if not records.get((v.id, r), {}).get("ok")]
                    counts["reused"] += len(want) - len(todo)
                    counts["done"] += len(want) - len(todo)
                    failed = []
                    total = counts["done"] + len(todo)
                    if progress:
                        progress(counts["done"], total)

                    def on_done(j: int, fut: Any) -> None:
                        v, r = todo[j]
                        rec = app.write(record_outcome(v.id, r, plan.seed, fut))
                        records[(v.id, r)] = rec
                        counts["ran"] += 1
                        counts["done"] += 1
                        if not rec["ok"]:
                            failed.append(rec)
                        if progress:
                            progress(counts["done"], total)

                    jobs = ((v.loaded.scenario, plan.seed, r) for v, r in todo)
                    run_ordered(ex, replication_job, jobs, on_done)
                    if failed:
                        raise ReplicationsFailed(failed)
                    rows: dict[int, list[list[float]]] = {}
                    for i in designs:
                        v = plan.variants[i]
                        rows[i] = []
                        for r in range(start, stop):
                            result = records[(v.id, r)]["result"]
                            row = [_value(result, ref) for ref in refs]
                            if any(x is None for x in row):
                                bad = refs[row.index(None)]
                                raise OptimizeError(
                                    f"{bad} is undefined (null) in design {v.id} "
                                    f"({_values_text(v.values)}), replication {r}; choose a metric "
                                    "every design defines"
                                )
                            rows[i].append(row)
                    return rows

                bounds = [Bound(c.op, c.value, t) for c, t in zip(constraints, tolerances)]
                sel = select_best(
                    len(plan.variants),
                    sample,
                    delta=delta,
                    alpha=alpha,
                    n0=n0,
                    bounds=bounds,
                    maximize=maximize,
                    max_replications=max_replications,
                    batch=batch,
                )
        finally:
            app.close()
        settings = {
            "objective": objective,
            "maximize": maximize,
            "constraints": constraints,
            "tolerances": tolerances,
            "delta": delta,
            "max_replications": max_replications,
            "batch": batch,
        }
        summary = summary_document(plan, sel, settings)
        write_text(out / "summary.json", json.dumps(summary, indent=1, allow_nan=False, default=str) + "\n")
    finally:
        lock.close()
    return OptimizeOutcome(plan, out, sel, summary, counts["ran"], counts["reused"], [out / "summary.json"])


def _values_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in values.items())


def _stat(values: Sequence[float]) -> dict[str, Any]:
    s = stat(values)
    return {k: s[k] for k in ("mean", "ci95_low", "ci95_high")}


def summary_document(plan: SweepPlan, sel: Selection, settings: dict[str, Any]) -> dict[str, Any]:
    """summary.json, schema ``collectsim.optimize/1``::

        {"schema", "collectsim_version", "scenario": {"name", "sha256", "source", "file_sha256"},
         "seed", "parameters": [PATH, ...], "fixed": {PATH: VALUE},
         "procedure": {"name", "alpha", "alpha_selection", "alpha_feasibility", "delta", "n0",
                       "max_replications", "batch", "eta", "h2", "beta", "eta_f", "h2_f"},
         "objective": {"metric", "sense": "maximize" | "minimize"},
         "constraints": [{"text", "level", "unit", "metric", "op", "value", "tolerance"}],
         "designs": [{"id", "values", "status", "replications", "simulated",
                      "objective": {"mean", "ci95_low", "ci95_high"},
                      "constraints": [{"text", "mean", "ci95_low", "ci95_high", "decision",
                                       "decided_at"}],
                      "eliminated_by", "eliminated_at"}],
         "chosen": {"id", "values", "objective": {...}, "feasibility_shown": bool} | null,
         "not_separated": [ID, ...], "eliminated": [ID, ...], "infeasible": [ID, ...],
         "undecided": [ID, ...],
         "stopped": "one design left" | "no feasible design" | "cap reached",
         "guarantee": bool,
         "replications": {"spent", "exhaustive_grid", "grid_per_design", "share_of_grid",
                          "grid_basis"}}

    ``status``: chosen, alive (not separated from the chosen one), eliminated, infeasible or
    undecided. Statistics are over the replications the design's decisions used; the CI is
    the 95% t-interval of one design's mean (not adjusted for the selection)."""
    c = sel.constants
    ids = [v.id for v in plan.variants]
    designs = []
    for v, d in zip(plan.variants, sel.designs):
        designs.append(
            {
                "id": v.id,
                "values": v.values,
                "status": d.status,
                "replications": d.replications,
                "simulated": d.simulated,
                "objective": _stat(d.objective),
                "constraints": [
                    {
                        "text": con.text,
                        **_stat(d.constraints[j]),
                        "decision": d.feasibility[j],
                        "decided_at": d.feasibility_at[j],
                    }
                    for j, con in enumerate(settings["constraints"])
                ],
                "eliminated_by": None if d.eliminated_by is None else ids[d.eliminated_by],
                "eliminated_at": d.eliminated_at,
            }
        )
    chosen = None
    if sel.chosen is not None:
        d = designs[sel.chosen]
        chosen = {
            "id": d["id"],
            "values": d["values"],
            "objective": d["objective"],
            "feasibility_shown": all(x["decision"] == "feasible" for x in d["constraints"]),
        }

    def having(status: str) -> list[str]:
        return [d["id"] for d in designs if d["status"] == status]

    return {
        "schema": OPTIMIZE_SCHEMA,
        "collectsim_version": __version__,
        "scenario": scenario_record(plan.base),
        "seed": plan.seed,
        "parameters": [p for p, _ in plan.parameters],
        "fixed": plan.fixed,
        "procedure": {
            "name": "KN (Kim and Nelson 2001) with common random numbers"
            + (", feasibility check of Andradottir and Kim (2010)" if settings["constraints"] else ""),
            **c.as_dict(),
            "delta": settings["delta"],
            "max_replications": settings["max_replications"],
            "batch": settings["batch"],
        },
        "objective": {
            "metric": str(settings["objective"]),
            "sense": "maximize" if settings["maximize"] else "minimize",
        },
        "constraints": [
            {**con.as_dict(), "tolerance": t}
            for con, t in zip(settings["constraints"], settings["tolerances"])
        ],
        "designs": designs,
        "chosen": chosen,
        "not_separated": [ids[i] for i in sel.not_separated],
        "eliminated": having("eliminated"),
        "infeasible": having("infeasible"),
        "undecided": having("undecided"),
        "stopped": sel.stopped,
        "guarantee": sel.guarantee,
        "replications": {
            "spent": sel.spent,
            "exhaustive_grid": sel.grid,
            "grid_per_design": sel.grid_per_design,
            "share_of_grid": sel.spent / sel.grid,
            "grid_basis": GRID_BASIS,
        },
    }
