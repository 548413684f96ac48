"""Benchmark: a sweep run serially and on a local process pool of 2 workers.

    python benchmarks/bench_parallel.py [--scenario FILE] [-r N] [--workers K] [--set PATH=V1,V2]

Runs the same `collectsim sweep` both ways as a user would (a fresh process each time, so the
process-pool start-up is counted), prints the wall times and the speed-up, checks that both
summaries are byte-identical, and reports the machine's load average before and after (the goal,
>= 1.7x on 2 cores, needs those 2 cores to be otherwise idle). Not a test: timings vary.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sweep(scenario: str, sets: list[str], reps: int, out: Path, workers: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the sweep and its pool workers) of one sweep."""
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "sweep",
        scenario,
        "-r",
        str(reps),
        "--seed",
        "1",
        "--out",
        str(out),
        "-q",
    ]
    for s in sets:
        cmd += ["--set", s]
    if workers > 1:
        cmd += ["--workers", str(workers), "--executor", "process"]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "table_14_1.toml"))
    ap.add_argument(
        "--set",
        action="append",
        dest="sets",
        help="sweep values (default: teams.low_risk_team.headcount=10,12)",
    )
    ap.add_argument("-r", "--replications", type=int, default=8, help="replications per variant (default 8)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="run each way this many times, alternating, and keep the best (default 2)",
    )
    a = ap.parse_args()
    sets = a.sets or ["teams.low_risk_team.headcount=10,12"]
    n_variants = 1
    for s in sets:
        n_variants *= len(s.partition("=")[2].split(","))
    total = n_variants * a.replications
    print(
        f"sweep of {Path(a.scenario).name}: {n_variants} variant(s) x {a.replications} replications "
        f"= {total}; "
        f"CPUs available: {len(os.sched_getaffinity(0))}"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    t_serial = t_pool = c_serial = c_pool = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.repeat):
            w, c = sweep(a.scenario, sets, a.replications, Path(tmp) / f"serial{i}", 1)
            t_serial, c_serial = min(t_serial, w), min(c_serial, c)
            w, c = sweep(a.scenario, sets, a.replications, Path(tmp) / f"pool{i}", a.workers)
            t_pool, c_pool = min(t_pool, w), min(c_pool, c)
        texts = {
            (Path(tmp) / f"{k}{i}" / "summary.json").read_bytes()
            for k in ("serial", "pool")
            for i in range(a.repeat)
        }
        same = len(texts) == 1
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"serial:              {t_serial:7.2f} s  ({total / t_serial:.2f} replications/s)")
    print(f"process pool of {a.workers}:   {t_pool:7.2f} s  ({total / t_pool:.2f} replications/s)")
    print(f"speed-up:            {t_serial / t_pool:7.2f}x  (goal >= 1.7x on 2 idle cores)")
    print(
        f"CPU time:            serial {c_serial:.2f} s, pool {c_pool:.2f} s "
        f"(pool overhead {100 * (c_pool / c_serial - 1):+.0f}%)"
    )
    print(
        f"speed-up the CPU times allow on {a.workers} idle cores: {c_serial / (c_pool / a.workers):.2f}x "
        "(a machine busy with other sessions shares its CPUs per session: wall-clock gains then vanish)"
    )
    print(f"summaries identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
