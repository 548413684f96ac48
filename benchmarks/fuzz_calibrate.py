"""The long fuzz run of ``collectsim calibrate``: damaged, inconsistent and degenerate records.

Runs the strategy of ``tests/properties/test_calibrate_fuzz.py`` (a cut of examples/sample_trace,
or its daily KPIs, with rows, columns, cells, files and bytes damaged; with and without
--lenient) through ``collectsim calibrate`` in-process. N examples (default 10000) are split
into chunks of their own seeds over worker processes; it prints how many ran, the exit codes
(with and without --lenient, trace and --kpi), the warnings raised (numpy's floating-point
warnings, scipy's), the time, and every failure (exit 1, a traceback, a hang, exit 2 without a
message, a fitted scenario that does not validate, a lenient fit that does not count what it
left out) grouped by cause. Exit 0 when nothing failed.

    python benchmarks/fuzz_calibrate.py                  # 10000 examples, 2 workers
    python benchmarks/fuzz_calibrate.py -n 500 -j 1 --seed 7 --save fuzz-calibrate-failures/
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def _worker(args: tuple[int, int, int]) -> dict:
    """One chunk: ``n`` examples drawn with Hypothesis seed ``seed``."""
    n, seed, timeout_s = args
    from fuzz import _examples

    from tests.properties.test_calibrate_fuzz import Result, calibration_cases, check_calibration_case

    stats: dict = {
        "examples": 0,
        "exits": collections.Counter(),
        "warned": 0,
        "warnings": collections.Counter(),
        "failures": [],
    }

    def tally(case, res) -> None:
        kind = ("kpi" if case.kpi else "trace") + (" --lenient" if "--lenient" in case.options else "")
        stats["exits"][f"{kind}: {res.code}"] += 1
        stats["warned"] += bool(res.warnings)
        stats["warnings"].update(set(res.warnings))
        if res.error:
            stats["failures"].append(
                {
                    "error": res.error,
                    "traceback": res.traceback,
                    "origin": case.origin,
                    "options": case.options,
                    "files": case.files,
                }
            )

    _examples(n, seed, timeout_s, calibration_cases(), check_calibration_case, Result, tally, stats)
    return stats


def main(argv: list[str] | None = None) -> int:
    from fuzz import _cause

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--examples", type=int, default=10000, help="examples in all (default 10000)")
    ap.add_argument("-j", "--workers", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--seed", type=int, default=0, help="base seed (chunk k uses seed + k)")
    ap.add_argument("--chunk", type=int, default=250, help="examples per chunk (default 250)")
    ap.add_argument("--timeout", type=int, default=120, help="seconds before one example counts as a hang")
    ap.add_argument("--save", metavar="DIR", help="write each failing input folder and its traceback here")
    args = ap.parse_args(argv)

    sizes = [min(args.chunk, args.examples - i) for i in range(0, args.examples, args.chunk)]
    jobs = [(n, args.seed + k, args.timeout) for k, n in enumerate(sizes)]
    t0 = time.time()
    results = []
    pool = None
    if args.workers == 1:
        it = map(_worker, jobs)
    else:
        pool = mp.get_context("fork").Pool(args.workers, maxtasksperchild=1)
        it = pool.imap_unordered(_worker, jobs)
    for r in it:
        results.append(r)
        done = sum(x["examples"] for x in results)
        bad = sum(len(x["failures"]) for x in results)
        print(
            f"  ... {done} examples, {bad} failure(s), {time.time() - t0:.0f} s", file=sys.stderr, flush=True
        )
    if pool is not None:
        pool.close()
        pool.join()
    exits: collections.Counter = collections.Counter()
    for r in results:
        exits.update(r["exits"])
    fails = [f for r in results for f in r["failures"]]
    examples = sum(r["examples"] for r in results)
    exit1 = sum(1 for f in fails if "exited 1" in f["error"] or "raised" in f["error"])
    tracebacks = sum(1 for f in fails if f["traceback"])
    hangs = sum(1 for f in fails if f["error"].startswith("hang"))
    elapsed = time.time() - t0
    print(
        f"examples: {examples} in {elapsed:.0f} s ({elapsed / max(examples, 1):.2f} s each; {len(jobs)} "
        f"chunk(s), {args.workers} worker(s), seeds {args.seed}..{args.seed + len(jobs) - 1})"
    )
    print("  exit codes: " + ", ".join(f"{k} -> {v}" for k, v in sorted(exits.items())))
    warned: collections.Counter = collections.Counter()
    for r in results:
        warned.update(r["warnings"])
    print(f"  examples that raised a warning: {sum(r['warned'] for r in results)}")
    for w, k in warned.most_common(12):
        print(f"    {k:6d}  {w}")
    print(
        f"failures: {len(fails)} (internal errors/exit 1: {exit1}, tracebacks: {tracebacks}, hangs: {hangs})"
    )
    groups = collections.defaultdict(list)
    for f in fails:
        groups[_cause(f)].append(f)
    for cause, fs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"\n[{len(fs)}x] {cause}")
        print(f"  first: damage {fs[0]['origin']}, options {fs[0]['options']}")
    if args.save and fails:
        out = Path(args.save)
        for i, f in enumerate(fails):
            folder = out / f"fail-{i:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in f["files"].items():
                if data is not None:
                    (folder / name).write_bytes(data)
            (folder / "failure.txt").write_text(
                f"{f['error']}\ndamage: {f['origin']}\noptions: {f['options']}\n\n{f['traceback']}",
                encoding="utf-8",
            )
        print(f"\nsaved {len(fails)} failing input(s) to {out}")
    return 0 if not fails else 1


if __name__ == "__main__":
    sys.exit(main())
