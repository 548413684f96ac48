"""Speed of `collectsim calibrate` on a month of a 100-seat center (about 750,000 dials).

    python benchmarks/bench_calibrate.py                    # bench_100.toml: 100 collectors, 22 days
    python benchmarks/bench_calibrate.py --scenario benchmarks/scenarios/bench_100_living.toml
    python benchmarks/bench_calibrate.py --keep /tmp/month  # keep the trace folder (reused next time)

The trace folder (dials, promises, payments, accounts, shifts and account events CSVs) is what
``collectsim run SCENARIO -r 1 --trace DIR`` writes, run once in a child process (skipped when
``--keep DIR`` already holds a trace). Then, ``--repeat`` times: read and check the files
(read_trace), fit and validate the scenario (calibrate_trace), and render the TOML. Prints the
best and median wall and CPU seconds of each step; asserts nothing.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import BENCH_SCENARIO, ROOT

FILES = ("dials.csv", "promises.csv", "payments.csv", "accounts.csv", "shifts.csv", "account_events.csv")


def _timed(f):
    w0, c0 = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - w0, time.process_time() - c0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--scenario", default=str(BENCH_SCENARIO), help="scenario traced (default bench_100.toml)"
    )
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--keep", metavar="DIR", help="write the trace folder here and keep it (reused if it holds one)"
    )
    args = ap.parse_args(argv)

    from simulator.calibrate.api import calibrate_trace
    from simulator.calibrate.read.trace import read_trace

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_calibrate_"))
    if all((folder / f).exists() for f in FILES):
        print(f"reusing the trace in {folder}")
    else:
        cmd = [
            sys.executable,
            "-m",
            "simulator",
            "run",
            args.scenario,
            "-r",
            "1",
            "--seed",
            str(args.seed),
            "--trace",
            str(folder),
            "--force",
            "-q",
        ]
        _, w, _ = _timed(lambda: subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True))
        print(f"{' '.join(cmd[2:])}: {w:.1f} s")
    sizes = {p.name: p.stat().st_size for p in sorted(folder.glob("*.csv"))}
    rows = {}
    for name in sizes:
        with open(folder / name, "rb") as f:
            rows[name] = sum(1 for _ in f) - 1
    print(
        f"trace folder {folder}: "
        + ", ".join(f"{n} {r:,} rows" for n, r in rows.items())
        + f" ({sum(sizes.values()) / 1e6:.0f} MB of CSV)"
    )
    steps: dict[str, list[tuple[float, float]]] = {
        "read_trace": [],
        "fit + validate": [],
        "TOML text": [],
        "total": [],
    }
    fitted = None
    for _ in range(args.repeat):
        tr, w1, c1 = _timed(lambda: read_trace(folder))
        fitted, w2, c2 = _timed(functools.partial(calibrate_trace, tr))
        _, w3, c3 = _timed(fitted.toml)
        for k, v in (
            ("read_trace", (w1, c1)),
            ("fit + validate", (w2, c2)),
            ("TOML text", (w3, c3)),
            ("total", (w1 + w2 + w3, c1 + c2 + c3)),
        ):
            steps[k].append(v)
    print(f"{'step':<16}{'best wall s':>12}{'median wall s':>15}{'best CPU s':>12}")
    for k, v in steps.items():
        walls = [x[0] for x in v]
        cpus = [x[1] for x in v]
        print(f"{k:<16}{min(walls):>12.2f}{statistics.median(walls):>15.2f}{min(cpus):>12.2f}")
    n = rows["dials.csv"]
    best = min(x[0] for x in steps["total"])
    print(
        f"calibration of {n:,} dials: {best:.1f} s best of {args.repeat} ({n / best:,.0f} dials per second)"
    )
    account_level = any(sf.answer is not None for sf in fitted.fit.segments.values())
    print(
        f"{len(fitted.calibration.parameters)} fitted values, {len(fitted.calibration.links)} links"
        + ("; account-level behaviour fitted" if account_level else "")
    )
    if not args.keep:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
