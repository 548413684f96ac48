"""Sweeps: every combination of scenario values, N replications each, resumable, on any executor.

A sweep is a grid of *variants* (the cartesian product of the ``--set PATH=V1,V2,...`` value
lists; a single value is a fixed override) times replications ``0..N-1``. Replication r of every
variant runs at ``(seed, r)``, so variants share common random numbers.

The output folder (``--out DIR``)::

    manifest.json        what the sweep is (scenario file hash, parameters, seed, replications)
    replications.jsonl   one JSON line per finished replication, appended, flushed and fsynced at
                         once: {"variant", "replication", "seed", "ok": true, "result": {...}} or
                         {"variant", "replication", "seed", "ok": false, "error", "traceback"}
    tidy.csv             variant, <one column per parameter>, replication, level, unit, metric, value
    summary.csv          variant, <parameters>, level, unit, metric, n, mean, ci95_low, ci95_high
    summary.json         schema collectsim.sweep/1 (see :func:`summary_document`)
    variants/vNNN.json   each variant's results document (schema collectsim.results/1)

Resuming: run the same sweep again with the same ``--out`` and it skips every replication already
in ``replications.jsonl`` (a half-written last line, e.g. after SIGKILL, is dropped). A replication
recorded as failed is tried again. The arguments must match ``manifest.json`` (else
:class:`SweepError`). The summary is computed from the records on disk in job order, so it is
byte-identical to that of an uninterrupted run, whatever the executor and the number of workers.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sys
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, TextIO

from . import __version__
from . import experiment
from .analysis import stat
from .experiment import ALL_METRICS, MetricRef, Results, iter_long, parse_metric_ref
from .scenario.load import LoadedScenario, ScenarioError, load_scenario, parse_set
from .fileio import atomic_write

__all__ = ["SweepError", "Variant", "SweepPlan", "plan_sweep", "run_sweep", "SweepOutcome",
           "split_values", "parse_sweep_set", "ProgressBar", "SWEEP_SCHEMA", "EXIT_FAILED_REPLICATIONS",
           "Constraint", "parse_constraint", "staffing_block", "STAFF_METRICS"]

SWEEP_SCHEMA = "collectsim.sweep/1"
MANIFEST_SCHEMA = "collectsim.sweep-manifest/1"
EXIT_FAILED_REPLICATIONS = 3
"""Exit code of `collectsim sweep` / `staff` when every replication ran but some raised: the
outputs are complete for the others and the failures are listed in summary.json["failed"]."""
SUMMARY_LEVELS = ("center", "segments", "teams")
STAFF_METRICS = ("value_per_paid_hour", "net_value", "rpc_per_productive_hour", "abandon_rate",
                 "accounts_dialed_share")


class SweepError(Exception):
    """Bad sweep input (values, output folder, mismatching manifest): exit code 2, no traceback."""


# ---------------------------------------------------------------------------------------------
# Parsing --set PATH=V1,V2,...

def split_values(text: str) -> list[str]:
    """Split a value list on top-level commas; commas inside quotes, [...] and {...} stay.
    ``'5,10,15'`` -> ['5', '10', '15']; ``'[1,2],[3]'`` -> ['[1,2]', '[3]']."""
    items, cur, depth, quote = [], [], 0, ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            cur.append(c)
            if c == "\\" and quote == '"' and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
            cur.append(c)
        elif c in "[{":
            depth += 1
            cur.append(c)
        elif c in "]}":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    items.append("".join(cur).strip())
    return items


def parse_sweep_set(text: str) -> tuple[str, list[tuple[str, Any]]]:
    """``PATH=V1,V2`` -> (PATH, [(raw text, parsed value), ...]). Values are TOML values; a bare
    word that is not valid TOML is a string (as for ``collectsim run --set``)."""
    if "=" not in text:
        raise SweepError(f"--set {text!r}: expected PATH=VALUE or PATH=V1,V2,..., for example "
                         "teams.low_risk_team.headcount=5,10,15")
    path, _, values = text.partition("=")
    path = path.strip()
    items = split_values(values)
    if any(not v for v in items):
        raise SweepError(f"--set {text!r}: empty value in the list {values!r}; expected values "
                         "separated by commas, e.g. 5,10,15")
    out = []
    for v in items:
        try:
            keys, parsed = parse_set(f"{path}={v}")
        except ValueError as e:
            raise SweepError(str(e)) from None
        out.append((v, parsed))
    seen = set()
    for raw, parsed in out:
        key = json.dumps(parsed, sort_keys=True, default=str)
        if key in seen:
            raise SweepError(f"--set {text!r}: value {raw} is listed twice")
        seen.add(key)
    return ".".join(keys), out


# ---------------------------------------------------------------------------------------------
# The plan: variants, validated up front

@dataclass(frozen=True)
class Variant:
    id: str
    values: dict[str, Any]
    loaded: LoadedScenario


@dataclass
class SweepPlan:
    scenario: Optional[str]
    base: LoadedScenario
    parameters: list[tuple[str, list[Any]]]
    fixed: dict[str, Any]
    variants: list[Variant]
    seed: int
    replications: int

    def manifest(self) -> dict[str, Any]:
        return {
            "schema": MANIFEST_SCHEMA,
            "collectsim_version": __version__,
            "scenario": {"name": self.base.scenario.scenario.name, "source": self.base.source,
                         "file_sha256": self.base.file_sha256},
            "parameters": [{"path": p, "values": v} for p, v in self.parameters],
            "fixed": self.fixed,
            "seed": self.seed,
            "replications": self.replications,
            "variants": [{"id": v.id, "values": v.values, "sha256": v.loaded.sha256} for v in self.variants],
        }


def plan_sweep(scenario: Optional[str], sets: Sequence[str], replications: int, seed: int) -> SweepPlan:
    """Parse the ``--set`` options, build every variant and validate its scenario. Raises
    SweepError naming each bad variant (or ScenarioError when the base scenario itself is bad)."""
    if replications < 1:
        raise SweepError(f"replications = {replications}: expected a whole number >= 1")
    parsed = [parse_sweep_set(s) for s in sets]
    paths = [p for p, _ in parsed]
    dup = sorted({p for p in paths if paths.count(p) > 1})
    if dup:
        raise SweepError(f"--set {dup[0]} is given more than once; expected each path once, with all "
                         "its values in one list (PATH=V1,V2,...)")
    fixed_items = [(p, vals[0]) for p, vals in parsed if len(vals) == 1]
    swept = [(p, vals) for p, vals in parsed if len(vals) > 1]
    fixed_over = [f"{p}={raw}" for p, (raw, _) in fixed_items]
    base = load_scenario(scenario, fixed_over)
    combos = list(itertools.product(*[vals for _, vals in swept])) if swept else [()]
    width = max(3, len(str(len(combos) - 1)))
    variants, problems = [], []
    for i, combo in enumerate(combos):
        vid = f"v{i:0{width}d}"
        over = fixed_over + [f"{p}={raw}" for (p, _), (raw, _) in zip(swept, combo)]
        values = {p: val for (p, _), (_, val) in zip(swept, combo)}
        try:
            variants.append(Variant(vid, values, load_scenario(scenario, over)))
        except ScenarioError as e:
            shown = ", ".join(f"{p}={raw}" for (p, _), (raw, _) in zip(swept, combo))
            problems.append(f"variant {vid} ({shown}):\n" + "\n".join(f"  {line}" for line in str(e).splitlines()))
    if problems:
        raise SweepError(f"{len(problems)} of {len(combos)} variant(s) are not valid scenarios:\n"
                         + "\n".join(problems))
    return SweepPlan(scenario, base, [(p, [v for _, v in vals]) for p, vals in swept],
                     {p: v for p, (_, v) in fixed_items}, variants, seed, replications)


# ---------------------------------------------------------------------------------------------
# The output folder

def _atomic_write(path: Path, text: str) -> None:
    atomic_write(path, text.encode("utf-8"), fsync=True)


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str)


def _manifest_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    labels = {"scenario": "scenario file (sha256)", "parameters": "--set value lists", "fixed": "fixed --set values",
              "seed": "--seed", "replications": "-r/--replications", "collectsim_version": "collectsim version",
              "variants": "resolved variant scenarios"}
    for key, label in labels.items():
        a, b = old.get(key), new.get(key)
        if key == "scenario":
            a, b = (a or {}).get("file_sha256"), (b or {}).get("file_sha256")
        if _canon(a) != _canon(b):
            if key in ("seed", "replications", "collectsim_version"):
                out.append(f"{label}: {a} there, {b} now")
            else:
                out.append(label)
    return out


class _Lock:
    """An exclusive advisory lock on DIR/.lock (released by the OS even after SIGKILL)."""

    wait_s = 3.0

    def __init__(self, folder: Path) -> None:
        self.f = open(folder / ".lock", "a+")
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(self.f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError:
                # Pool workers of a sweep just killed may hold it for a moment more (they end
                # within a second of their parent: executors._exit_with_parent).
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
            self.f.close()
            raise SweepError(f"{folder}: another collectsim sweep is writing to this folder; wait for it "
                             "or choose another --out") from None

    def close(self) -> None:
        self.f.close()


def prepare_folder(out: Path, manifest: dict[str, Any]) -> "_Lock":
    """Create the output folder, lock it, and write the manifest, or check that an existing folder
    holds this sweep. Returns the lock (close it when done)."""
    if out.exists() and not out.is_dir():
        raise SweepError(f"--out {out}: exists and is not a folder; expected a folder for the sweep outputs")
    mpath = out / "manifest.json"
    if out.is_dir() and not mpath.exists() and any(p.name != ".lock" for p in out.iterdir()):
        raise SweepError(f"--out {out}: folder exists, is not empty and holds no sweep manifest.json; "
                         "expected a new or empty folder (or a sweep to resume)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SweepError(f"--out {out}: cannot create the folder ({e.strerror})") from None
    lock = _Lock(out)
    try:
        _check_or_write_manifest(out, mpath, manifest)
    except BaseException:
        lock.close()
        raise
    return lock


def _check_or_write_manifest(out: Path, mpath: Path, manifest: dict[str, Any]) -> None:
    if mpath.exists():
        try:
            old = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise SweepError(f"{mpath}: unreadable sweep manifest ({e}); remove the folder or choose another --out") from None
        diff = _manifest_diff(old, manifest)
        if diff:
            raise SweepError(f"--out {out}: holds a different sweep (differs in: {'; '.join(diff)}); run it "
                             "with the same arguments to resume it, or choose another --out")
        return
    _atomic_write(mpath, json.dumps(manifest, indent=1, default=str) + "\n")


def read_records(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """Records of ``replications.jsonl`` by (variant, replication); a later record of the same job
    replaces an earlier one. Lines that are not complete JSON records (the half-written last line
    of a killed run) are dropped and the file is rewritten without them."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    if not path.exists():
        return out
    data = path.read_bytes()
    good: list[bytes] = []
    bad = 0
    for line in data.splitlines(keepends=True):
        try:
            if not line.endswith(b"\n"):
                raise ValueError("incomplete line")
            rec = json.loads(line)
            key = (str(rec["variant"]), int(rec["replication"]))
            if not isinstance(rec.get("ok"), bool):
                raise ValueError("no ok flag")
        except (ValueError, KeyError, TypeError):
            bad += 1
            continue
        good.append(line)
        out[key] = rec
    if bad:
        _atomic_write(path, b"".join(good).decode("utf-8"))
    return out


def record_outcome(variant: str, replication: int, seed: int, fut: Future) -> dict[str, Any]:
    """The record of one finished job: its result, or the error it raised (with traceback)."""
    exc = fut.exception()
    if exc is None:
        return {"variant": variant, "replication": replication, "seed": seed, "ok": True, "result": fut.result()}
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    cause = getattr(exc, "__cause__", None)
    if cause is not None and type(cause).__name__ == "_RemoteTraceback":  # process pool: worker's traceback
        tb = str(cause) + "\n" + tb
    return {"variant": variant, "replication": replication, "seed": seed, "ok": False,
            "error": f"{type(exc).__name__}: {exc}", "traceback": tb}


class _Appender:
    """Appends one record per line and makes it durable at once (flush + fsync)."""

    def __init__(self, path: Path) -> None:
        self.f = open(path, "a", encoding="utf-8")

    def write(self, rec: Mapping[str, Any]) -> dict[str, Any]:
        try:
            line = json.dumps(rec, allow_nan=False, separators=(",", ":")) + "\n"
        except (TypeError, ValueError) as e:  # e.g. a NaN in a result: record it as a failure
            rec = {k: rec[k] for k in ("variant", "replication", "seed")}
            rec.update(ok=False, error=f"result not storable as JSON: {type(e).__name__}: {e}", traceback="")
            line = json.dumps(rec, separators=(",", ":")) + "\n"
        self.f.write(line)
        self.f.flush()
        os.fsync(self.f.fileno())
        return json.loads(line)  # what a resumed run will read: identical summaries either way

    def close(self) -> None:
        self.f.close()


# ---------------------------------------------------------------------------------------------
# Progress bar

class ProgressBar:
    """``[#####-----] done/total  rate/s  ETA h:mm:ss`` redrawn in place on a terminal."""

    def __init__(self, total: int, done: int = 0, stream: Optional[TextIO] = None,
                 enabled: bool = True, label: str = "replications") -> None:
        self.total, self.done, self.start_done = total, done, done
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.label = label
        self.t0 = time.monotonic()
        self._last = 0.0
        self.failed = 0

    def update(self, n: int = 1, failed: bool = False) -> None:
        self.done += n
        self.failed += int(failed)
        now = time.monotonic()
        if self.enabled and (now - self._last >= 0.1 or self.done >= self.total):
            self._last = now
            self.stream.write("\r" + self.render(now) + "\x1b[K")
            self.stream.flush()

    def render(self, now: Optional[float] = None) -> str:
        now = time.monotonic() if now is None else now
        width = 24
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        new, dt = self.done - self.start_done, max(now - self.t0, 1e-9)
        rate = new / dt
        if new and self.done < self.total:
            eta = _hms((self.total - self.done) / rate)
        else:
            eta = "--:--" if self.done < self.total else _hms(0)
        fail = f"  {self.failed} failed" if self.failed else ""
        return f"[{bar}] {self.done}/{self.total} {self.label}  {rate:.2f}/s  ETA {eta}{fail}"

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _hms(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


# ---------------------------------------------------------------------------------------------
# Running

@dataclass
class SweepOutcome:
    plan: SweepPlan
    out: Path
    summary: dict[str, Any]
    ran: int
    skipped: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def run_sweep(plan: SweepPlan, out: Path, executor: Any = None, workers: Optional[int] = None,
              scheduler: Optional[str] = None, progress: bool = False,
              extra: Optional[Callable[[dict[str, Any]], dict[str, Any]]] = None,
              stream: Optional[TextIO] = None) -> SweepOutcome:
    """Run every replication of ``plan`` not yet in ``out``, then write the outputs.

    ``extra(summary)`` may return further top-level blocks for summary.json (e.g. "staffing").
    """
    from .executors import open_executor, run_ordered

    out = Path(out)
    manifest = plan.manifest()
    lock = prepare_folder(out, manifest)
    try:
        jpath = out / "replications.jsonl"
        records = read_records(jpath)
        valid = {v.id for v in plan.variants}
        jobs_meta = [(v, r) for v in plan.variants for r in range(plan.replications)
                     if not records.get((v.id, r), {}).get("ok")]
        skipped = sum(1 for v in plan.variants for r in range(plan.replications)
                      if records.get((v.id, r), {}).get("ok"))
        bar = ProgressBar(len(valid) * plan.replications, skipped, stream=stream, enabled=progress)
        app = _Appender(jpath)
        try:
            def on_done(i: int, fut: Future) -> None:
                v, r = jobs_meta[i]
                rec = app.write(record_outcome(v.id, r, plan.seed, fut))
                records[(v.id, r)] = rec
                bar.update(failed=not rec["ok"])

            if jobs_meta:
                with open_executor(executor, workers, scheduler) as ex:
                    run_ordered(ex, experiment._replication_job,
                                [(v.loaded.scenario, plan.seed, r) for v, r in jobs_meta], on_done)
        finally:
            app.close()
            if jobs_meta:
                bar.close()
        summary, files = write_outputs(plan, out, records, extra)
    finally:
        lock.close()
    return SweepOutcome(plan, out, summary, len(jobs_meta), skipped, summary["failed"], files)


def _param_cell(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, default=str)


def _num_cell(v: Optional[float]) -> str:
    return "" if v is None else repr(float(v))


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
                       "blocks": {BLOCK: {NAME: STAT}}}],   (extra groups, e.g. compliance; may be {})
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
        metrics, blocks = None, {}
        if ok:
            res = Results(v.loaded, plan.seed, ok)
            metrics = {"center": res.metric_stats("center", "center")}
            for level in SUMMARY_LEVELS[1:]:
                metrics[level] = {u: res.metric_stats(level, u) for u in ok[0]["metrics"][level]}
            blocks = {b: {k: stat([rep["blocks"][b][k] for rep in ok]) for k in names}
                      for b, names in ok[0].get("blocks", {}).items()}
        variants.append({"id": v.id, "values": v.values, "sha256": v.loaded.sha256, "replications_ok": len(ok),
                         "failed_replications": bad, "metrics": metrics, "blocks": blocks})
    b = plan.base
    return {"schema": SWEEP_SCHEMA,
            "scenario": {"name": b.scenario.scenario.name, "sha256": b.sha256, "source": b.source,
                         "file_sha256": b.file_sha256},
            "seed": plan.seed, "replications": plan.replications, "collectsim_version": __version__,
            "parameters": [p for p, _ in plan.parameters], "fixed": plan.fixed,
            "variants": variants, "failed": failed}


def write_outputs(plan: SweepPlan, out: Path, records: Mapping[tuple[str, int], Mapping[str, Any]],
                  extra: Optional[Callable[[dict[str, Any]], dict[str, Any]]] = None
                  ) -> tuple[dict[str, Any], list[Path]]:
    """tidy.csv, summary.csv, summary.json and variants/*.json from the records, in job order."""
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
            w.writerow([v.id, *pv, r, level, unit, metric, _num_cell(value)])

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
                w.writerow([v.id, *pv, level, unit, metric, n, _num_cell(s["mean"]),
                            _num_cell(s["ci95_low"]), _num_cell(s["ci95_high"])])

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
        _atomic_write(p, json.dumps(doc, indent=1, allow_nan=False, default=str) + "\n")
        files.append(p)
    for name, text in (("tidy.csv", tidy.getvalue()), ("summary.csv", summ.getvalue()),
                       ("summary.json", json.dumps(summary, indent=1, allow_nan=False, default=str) + "\n")):
        _atomic_write(out / name, text)
        files.append(out / name)
    return summary, files


# ---------------------------------------------------------------------------------------------
# Staffing what-if

@dataclass(frozen=True)
class Constraint:
    ref: MetricRef
    op: str  # "<=" or ">="
    value: float
    text: str

    def holds(self, stat_: Mapping[str, Any], use_ci: bool = False) -> bool:
        """On the mean, or (``use_ci``) on the whole 95% CI: its upper bound for <=, lower for >=."""
        if stat_["mean"] is None:
            return False
        if use_ci:
            x = stat_["ci95_high"] if self.op == "<=" else stat_["ci95_low"]
            if x is None:
                return False
        else:
            x = stat_["mean"]
        return x <= self.value if self.op == "<=" else x >= self.value

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "level": self.ref.level, "unit": self.ref.unit, "metric": self.ref.metric,
                "op": self.op, "value": self.value}


def parse_constraint(text: str, scenario=None) -> Constraint:
    """``METRIC<=V`` or ``METRIC>=V`` (METRIC as in --precision: ``abandon_rate``,
    ``segments.low_risk.accounts_dialed_share``)."""
    for op in ("<=", ">="):
        if op in text:
            left, _, right = text.partition(op)
            try:
                value = float(right)
            except ValueError:
                raise SweepError(f"--constraint {text!r}: {right.strip()!r} is not a number; expected "
                                 f"METRIC{op}NUMBER, e.g. abandon_rate<=0.03") from None
            try:
                ref = parse_metric_ref(left, scenario)
            except ValueError as e:
                raise SweepError(f"--constraint {text!r}: {e}") from None
            return Constraint(ref, op, value, text.strip())
    raise SweepError(f"--constraint {text!r}: expected METRIC<=V or METRIC>=V, e.g. abandon_rate<=0.03 "
                     "or accounts_dialed_share>=0.9")


def _unit_stat(variant: Mapping[str, Any], ref: MetricRef) -> Optional[Mapping[str, Any]]:
    m = variant["metrics"]
    if m is None:
        return None
    if ref.level == "center":
        return m["center"][ref.metric]
    return m.get(ref.level, {}).get(ref.unit, {}).get(ref.metric)


def staffing_block(summary: Mapping[str, Any], team: str, path: str,
                   constraints: Sequence[Constraint]) -> dict[str, Any]:
    """Conclusions of a headcount sweep from summary.json's variants (center-level metrics)::

        {"team", "parameter", "level": "center", "metrics": [...],
         "rows": [{"headcount", "variant", METRIC: {"mean", "ci95_low", "ci95_high"}}],
         "best_net_value": {"headcount", "variant", "mean", "ci95_low", "ci95_high"} | null,
         "constraints": [...],
         "smallest_meeting_constraints": {"headcount", "variant"} | null      (on the means)
         "smallest_meeting_constraints_ci95": {"headcount", "variant"} | null (whole 95% CI inside)}
    """
    rows = []
    for v in summary["variants"]:
        hc = v["values"].get(path)
        row: dict[str, Any] = {"headcount": hc, "variant": v["id"]}
        for m in STAFF_METRICS:
            s = v["metrics"]["center"][m] if v["metrics"] else None
            row[m] = None if s is None else {k: s[k] for k in ("mean", "ci95_low", "ci95_high")}
        rows.append(row)
    rows.sort(key=lambda r: r["headcount"])
    best = None
    for r in rows:
        s = r["net_value"]
        if s and s["mean"] is not None and (best is None or s["mean"] > best["mean"]):
            best = {"headcount": r["headcount"], "variant": r["variant"], **s}
    by_id = {v["id"]: v for v in summary["variants"]}

    def smallest(use_ci: bool):
        if not constraints:
            return None
        for r in rows:
            v = by_id[r["variant"]]
            stats_ = [_unit_stat(v, c.ref) for c in constraints]
            if all(s is not None and c.holds(s, use_ci) for c, s in zip(constraints, stats_)):
                return {"headcount": r["headcount"], "variant": r["variant"]}
        return None

    return {"team": team, "parameter": path, "level": "center", "metrics": list(STAFF_METRICS), "rows": rows,
            "best_net_value": best, "constraints": [c.as_dict() for c in constraints],
            "smallest_meeting_constraints": smallest(False),
            "smallest_meeting_constraints_ci95": smallest(True)}


def headcount_values(text: str, step: int) -> list[int]:
    """``A:B`` with ``step`` -> [A, A+step, ..., <= B] (B included when on the grid)."""
    a, sep, b = text.partition(":")
    try:
        lo, hi = int(a), int(b)
    except ValueError:
        raise SweepError(f"--range {text!r}: expected A:B with whole numbers, e.g. 8:16") from None
    if not sep or lo < 0 or hi < lo:
        raise SweepError(f"--range {text!r}: expected A:B with 0 <= A <= B, e.g. 8:16")
    if step < 1:
        raise SweepError(f"--step {step}: expected a whole number >= 1")
    return list(range(lo, hi + 1, step))
