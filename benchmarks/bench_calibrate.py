"""Speed of `collectsim calibrate` on a month of a 100-seat center (about 750,000 dials).

    python benchmarks/bench_calibrate.py                 # bench_100.toml: 100 collectors, 22 days
    python benchmarks/bench_calibrate.py --repeat 5 --keep /tmp/month   # keep the generated folder

The trace folder (dials, promises, payments, accounts and shifts CSVs) is drawn once by
simulator.calibrate.synthetic from the benchmark scenario, with account-level links, inflow and
self-cure on so every estimator runs. Then, ``--repeat`` times: read and check the files
(read_trace), fit and validate the scenario (calibrate_trace), and render the TOML. Prints the
best and median wall and CPU seconds of each step; asserts nothing.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import BENCH_SCENARIO  # noqa: F401  (puts the checkout first on the path)


def _timed(f):
    w0, c0 = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - w0, time.process_time() - c0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(BENCH_SCENARIO), help="truth scenario (default bench_100.toml)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", metavar="DIR", help="write the trace folder here and keep it")
    args = ap.parse_args(argv)

    from simulator.calibrate.api import calibrate_trace
    from simulator.calibrate.synthetic import SyntheticLinks, write_synthetic_trace
    from simulator.calibrate.trace import read_trace
    from simulator.scenario.load import load_scenario, parse_scenario

    raw = dict(load_scenario(args.scenario).raw)
    for seg in raw["segments"].values():
        seg.setdefault("risk_score", {"dist": "uniform", "low": 0.0, "high": 1.0})
        seg.setdefault("days_past_due", {"dist": "uniform_int", "low": 1, "high": 120})
    truth = parse_scenario(raw)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_calibrate_"))
    links = SyntheticLinks(promise={"risk_score": 1.0}, keep={"risk_score": 1.5, "days_past_due": -0.01},
                           payment={"log_balance_usd": 0.2})
    info, w, _ = _timed(lambda: write_synthetic_trace(folder, truth, seed=args.seed, links=links,
                                                      inflow_per_day=200.0, self_cure_per_account_day=0.001,
                                                      control_share=0.05))
    sizes = {p.name: p.stat().st_size for p in sorted(folder.glob("*.csv"))}
    print(f"trace folder {folder}: {info['dials']:,} dials, {info['promises']:,} promises, "
          f"{info['accounts']:,} accounts ({sum(sizes.values()) / 1e6:.0f} MB of CSV; drawn in {w:.1f} s)")
    steps: dict[str, list[tuple[float, float]]] = {"read_trace": [], "fit + validate": [], "TOML text": [],
                                                    "total": []}
    for _ in range(args.repeat):
        tr, w1, c1 = _timed(lambda: read_trace(folder))
        fitted, w2, c2 = _timed(lambda: calibrate_trace(tr))
        _, w3, c3 = _timed(fitted.toml)
        for k, v in (("read_trace", (w1, c1)), ("fit + validate", (w2, c2)), ("TOML text", (w3, c3)),
                     ("total", (w1 + w2 + w3, c1 + c2 + c3))):
            steps[k].append(v)
    print(f"{'step':<16}{'best wall s':>12}{'median wall s':>15}{'best CPU s':>12}")
    for k, v in steps.items():
        walls = [x[0] for x in v]
        cpus = [x[1] for x in v]
        print(f"{k:<16}{min(walls):>12.2f}{statistics.median(walls):>15.2f}{min(cpus):>12.2f}")
    n = info["dials"]
    best = min(x[0] for x in steps["total"])
    print(f"calibration of {n:,} dials: {best:.1f} s best of {args.repeat} ({n / best:,.0f} dials per second)")
    print(f"{len(fitted.calibration.parameters)} fitted values, {len(fitted.calibration.links)} links")
    if not args.keep:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
