"""The long fuzz run of the command line's input and output sides.

``--kind scenarios`` (default) runs the strategies of ``tests/properties/test_fuzz.py``: scenario
files, valid, mutated or broken bytes, and --set arguments, through ``validate`` and
``run -r 1``. ``--kind outputs`` runs ``tests/properties/test_fuzz_outputs.py``: odd output
paths (missing folders, FIFOs, devices, sockets, folders, symbolic links, read-only and full
mounts, standard output, long and odd names) for every command that writes, and broken results
files for ``report``. N examples (default 10000) are split over worker processes; it prints how
many ran, the exit codes, and every failure (exit 1, a traceback, a hang, a node replaced, a
file changed without --force) grouped by cause. Exit 0 when nothing failed, 1 otherwise.

    python benchmarks/fuzz.py                 # 10000 scenario examples
    python benchmarks/fuzz.py --kind outputs -n 10000 -j 2
    python benchmarks/fuzz.py -n 2000 -j 4 --seed 7 --save fuzz-failures/
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # pragma: no cover - only on a hang
    raise _Timeout()


def _worker(args: tuple[int, int, int, str]) -> dict:
    """One chunk of examples: ``n`` cases of the chosen kind drawn with Hypothesis seed ``seed``."""
    n, seed, timeout_s, kind = args
    stats: dict = {
        "examples": 0,
        "origin": collections.Counter(),
        "validate": collections.Counter(),
        "run": collections.Counter(),
        "failures": [],
    }
    if kind == "outputs":
        from tests.properties.test_fuzz_outputs import (
            OutputResult,
            check_output_case,
            output_cases,
            release_mounts,
        )

        def tally(case, res) -> None:
            stats["origin"][case.command] += 1
            stats["run"][f"{case.target}: {res.code}"] += 1
            if res.error:
                stats["failures"].append(
                    {
                        "error": res.error,
                        "traceback": res.traceback,
                        "data": repr(case).encode(),
                        "sets": [],
                        "origin": case.origin,
                    }
                )

        try:
            _examples(n, seed, timeout_s, output_cases, check_output_case, OutputResult, tally, stats)
        finally:
            release_mounts()
        return stats

    from tests.properties.test_fuzz import Result, cases, check_case

    def tally(case, res) -> None:
        stats["origin"][case.origin] += 1
        stats["validate"][str(res.validate_code)] += 1
        if res.run_code is not None:
            stats["run"][str(res.run_code)] += 1
        if res.error:
            stats["failures"].append(
                {
                    "error": res.error,
                    "traceback": res.traceback,
                    "data": case.data,
                    "sets": case.sets,
                    "origin": case.origin,
                }
            )

    _examples(n, seed, timeout_s, cases, check_case, Result, tally, stats)
    return stats


def _examples(n: int, seed: int, timeout_s: int, strategy, check, result_type, tally, stats: dict) -> None:
    """Draw ``n`` examples of ``strategy``, ``check`` each under a ``timeout_s`` alarm (a hang is
    a failure) and ``tally`` it; a stop of the harness itself is recorded, never raised."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    signal.signal(signal.SIGALRM, _alarm)

    @hseed(seed)
    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def one(case):
        stats["examples"] += 1
        signal.alarm(timeout_s)
        try:
            res = check(case)
        except _Timeout:
            res = result_type(error=f"hang: no answer within {timeout_s} s")
        finally:
            signal.alarm(0)
        tally(case, res)

    try:
        one()
    except BaseException as e:  # noqa: BLE001 - report it; never lose the other workers' figures
        import traceback

        stats["failures"].append(
            {
                "error": f"fuzz worker (seed {seed}) stopped: {type(e).__name__}: {e}",
                "traceback": traceback.format_exc(),
                "data": b"",
                "sets": [],
                "origin": "harness",
            }
        )


def _cause(f: dict) -> str:
    """Group failures: the error's first line (numbers blanked) and the innermost frame inside
    simulator/ of the first traceback in the chain (where the fault was raised)."""
    import re

    first_tb = f["traceback"].split("The above exception was the direct cause")[0]
    frames = [ln.strip() for ln in first_tb.splitlines() if ln.strip().startswith("File ")]
    inner = [ln for ln in frames if "/simulator/" in ln] or frames
    where = inner[-1] if inner else ""
    first = re.sub(r"\d+(\.\d+)?(e-?\d+)?", "N", f["error"].splitlines()[0])[:160]
    return f"{first} @ {where}" if where else first


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--examples", type=int, default=10000, help="examples in all (default 10000)")
    ap.add_argument(
        "-j",
        "--workers",
        type=int,
        default=max(1, min(8, (os.cpu_count() or 2) - 1)),
        help="worker processes",
    )
    ap.add_argument("--seed", type=int, default=0, help="base seed (worker k uses seed + k)")
    ap.add_argument("--chunk", type=int, default=250, help="examples per job (default 250)")
    ap.add_argument("--timeout", type=int, default=120, help="seconds before one example counts as a hang")
    ap.add_argument("--save", metavar="DIR", help="write each failing input and its traceback here")
    ap.add_argument(
        "--kind",
        choices=("scenarios", "outputs"),
        default="scenarios",
        help="scenario files through validate and run (default), or output paths and results "
        "files through every command that writes",
    )
    args = ap.parse_args(argv)

    # Chunks of at most --chunk examples, each with its own seed, so progress shows and a
    # chunk that stops early costs only its own examples.
    sizes = [min(args.chunk, args.examples - i) for i in range(0, args.examples, args.chunk)]
    jobs = [(n, args.seed + k, args.timeout, args.kind) for k, n in enumerate(sizes)]
    t0 = time.time()
    results = []
    if args.workers == 1:
        it = map(_worker, jobs)
        pool = None
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
    total = {
        "examples": 0,
        "origin": collections.Counter(),
        "validate": collections.Counter(),
        "run": collections.Counter(),
        "failures": [],
    }
    for r in results:
        total["examples"] += r["examples"]
        for k in ("origin", "validate", "run"):
            total[k].update(r[k])
        total["failures"] += r["failures"]
    fails = total["failures"]
    exits1 = sum(1 for f in fails if "exited 1" in f["error"] or "raised" in f["error"])
    tracebacks = sum(1 for f in fails if f["traceback"])
    hangs = sum(1 for f in fails if f["error"].startswith("hang"))

    print(
        f"examples: {total['examples']} in {time.time() - t0:.0f} s ({len(jobs)} job(s), "
        f"{args.workers} worker(s), seeds {args.seed}..{args.seed + len(jobs) - 1})"
    )
    print("  by kind:        " + ", ".join(f"{k} {v}" for k, v in sorted(total["origin"].items())))
    if args.kind == "outputs":
        print("  exits by target: " + ", ".join(f"{k} -> {v}" for k, v in sorted(total["run"].items())))
    else:
        print("  validate exits: " + ", ".join(f"{k}: {v}" for k, v in sorted(total["validate"].items())))
        print(
            "  run -r 1 exits: " + (", ".join(f"{k}: {v}" for k, v in sorted(total["run"].items())) or "none")
        )
    print(
        f"failures: {len(fails)} (internal errors/exit 1: {exits1}, tracebacks: {tracebacks}, hangs: {hangs})"
    )
    groups = collections.defaultdict(list)
    for f in fails:
        groups[_cause(f)].append(f)
    for cause, fs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"\n[{len(fs)}x] {cause}")
        ex = min(fs, key=lambda f: len(f["data"]))
        print(f"  smallest input ({ex['origin']}, --set {ex['sets']}): {ex['data'][:600]!r}")
    if args.save and fails:
        out = Path(args.save)
        out.mkdir(parents=True, exist_ok=True)
        for i, f in enumerate(fails):
            (out / f"fail-{i:04d}.toml").write_bytes(f["data"])
            (out / f"fail-{i:04d}.txt").write_text(
                f"{f['error']}\n--set {f['sets']}\n\n{f['traceback']}", encoding="utf-8"
            )
        print(f"\nsaved {len(fails)} failing input(s) to {out}")
    return 0 if not fails else 1


if __name__ == "__main__":
    sys.exit(main())
