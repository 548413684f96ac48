"""Speed and memory benchmark of collectsim on benchmarks/scenarios/bench_100.toml.

    python benchmarks/bench_center.py                 # 100 collectors x 22 days, 1 replication
    python benchmarks/bench_center.py --reps 3        # 3 replications per measurement
    python benchmarks/bench_center.py --scaling       # + collectors x days grid and a 1M-account portfolio

Every measurement runs in a fresh subprocess (so peak memory, ru_maxrss, is that run's own) and
is repeated ``--repeat`` times (default 3); the tables show the best and the median, because
timings on a shared machine are noisy. Wall time covers building the world (portfolio draw) and
running it, not the interpreter start or scenario load. The SimPy events of the base case are
counted in one more run of the same replications, after the timed ones and untimed (counting
costs a call per event), and divided by each timed run's wall seconds. Figures only: nothing
is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_SCENARIO, best_median, peak_rss_mb, run_child, size_overrides  # noqa: E402

SCRIPT = Path(__file__).resolve()
BASE = (100, 22)
GRID_COLLECTORS = (10, 100, 1000)
GRID_DAYS = (5, 22, 66)


def child(spec: dict) -> dict:
    """One measurement, inside a fresh interpreter."""
    from simulator.measures.metrics import replication_metrics
    from simulator.scenario.load import load_scenario
    from simulator.world.build import simulate

    loaded = load_scenario(spec["scenario"], overrides=spec["overrides"])
    rss0 = peak_rss_mb()
    dials = 0
    idle_h = 0.0
    wall = cpu = 0.0
    for r in range(spec["reps"]):
        t0, c0 = time.perf_counter(), time.process_time()
        st, cnt = simulate(loaded.scenario, spec["seed"], r)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        dials += int(cnt.dials.sum())
        idle_h += replication_metrics(st, cnt)["center"]["center"]["idle_hours"]
    peak_mb = peak_rss_mb()
    events = None
    if spec.get("count_events"):  # untimed, after the peak memory was read
        events = sum(
            simulate(loaded.scenario, spec["seed"], r, count_events=True)[1].events
            for r in range(spec["reps"])
        )
    accounts = sum(s.accounts for s in loaded.scenario.segments.values())
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "dials": dials,
        "events": events,
        "idle_hours": idle_h,
        "peak_mb": peak_mb,
        "import_mb": rss0,
        "accounts": accounts,
        "collectors": sum(t.headcount for t in loaded.scenario.teams.values()),
        "days": loaded.scenario.calendar.working_days,
    }


def measure(
    scenario: Path, overrides: list[str], reps: int, seed: int, repeat: int, count_events: bool = False
) -> list[dict]:
    """``repeat`` fresh-process runs; with ``count_events`` the first also counts the SimPy
    events (the same in every run: a replication is a pure function of its seed)."""
    spec = {"scenario": str(scenario), "overrides": overrides, "reps": reps, "seed": seed}
    return [
        run_child(SCRIPT, ["--child", json.dumps({**spec, "count_events": count_events and i == 0})])
        for i in range(repeat)
    ]


def summarize(runs: list[dict]) -> dict:
    walls = [r["wall_s"] for r in runs]
    dps = [r["dials"] / r["wall_s"] for r in runs]
    events = runs[0]["events"]
    eps = [events / r["wall_s"] for r in runs] if events is not None else [float("nan")]
    mem = [r["peak_mb"] for r in runs]
    cpus = [r["cpu_s"] for r in runs]
    return {
        "wall": best_median(walls),
        "cpu": best_median(cpus),
        "dps": best_median(dps, True),
        "eps": best_median(eps, True),
        "mem": best_median(mem),
        "dials": runs[0]["dials"],
        "events": events,
        "idle_hours": runs[0]["idle_hours"],
        "import_mb": runs[0]["import_mb"],
        "accounts": runs[0]["accounts"],
        "collectors": runs[0]["collectors"],
        "days": runs[0]["days"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--scenario", default=str(BENCH_SCENARIO), help="scenario TOML (default: bench_100.toml)")
    ap.add_argument("--reps", type=int, default=1, help="replications per measurement (default 1)")
    ap.add_argument(
        "--repeat", type=int, default=3, help="fresh-process repetitions of each measurement (default 3)"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--scaling",
        action="store_true",
        help="also run the collectors x days grid and the 1M-account portfolio",
    )
    ap.add_argument("--grid-collectors", default=",".join(map(str, GRID_COLLECTORS)))
    ap.add_argument("--grid-days", default=",".join(map(str, GRID_DAYS)))
    ap.add_argument(
        "--big-factor",
        type=float,
        default=2.0,
        help="grid cells with more than this many times the base case's collector-days run once (default 2)",
    )
    ap.add_argument(
        "--million-days", type=int, default=22, help="working days of the 1M-account run (default 22)"
    )
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(child(json.loads(a.child))))
        return 0

    scen = Path(a.scenario)
    print(
        f"collectsim benchmark: {scen.name}, {a.reps} replication(s) per measurement, "
        f"each measurement {a.repeat}x in a fresh process; best / median shown\n"
    )
    s = summarize(measure(scen, [], a.reps, a.seed, a.repeat, count_events=True))
    rows = [
        ("collectors x working days", f"{s['collectors']} x {s['days']}"),
        ("accounts", f"{s['accounts']:,}"),
        ("dials simulated", f"{s['dials']:,}"),
        ("SimPy events scheduled (counted apart)", f"{s['events']:,}"),
        ("idle hours (dialer ran dry)", f"{s['idle_hours']:.2f}"),
        ("wall seconds", "{:.2f} / {:.2f}".format(*s["wall"])),
        ("CPU seconds (process_time)", "{:.2f} / {:.2f}".format(*s["cpu"])),
        ("dials per second", "{:,.0f} / {:,.0f}".format(*s["dps"])),
        ("SimPy events per second", "{:,.0f} / {:,.0f}".format(*s["eps"])),
        ("peak memory MB (ru_maxrss)", "{:.0f} / {:.0f}".format(*s["mem"])),
        ("  of which after imports MB", f"{s['import_mb']:.0f}"),
    ]
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{w}}  {v}")
    if not a.scaling:
        return 0

    cs = [int(x) for x in a.grid_collectors.split(",")]
    ds = [int(x) for x in a.grid_days.split(",")]
    big = BASE[0] * BASE[1] * a.big_factor
    print(
        f"\nScaling (1 replication per run; {a.repeat} runs per cell, 1 run for cells above "
        f"{a.big_factor:g}x the base's collector-days; accounts per collector = 1000 + 50 x days)"
    )
    print(
        f"ratio = wall seconds per collector-day / that of a {BASE[0]}x{BASE[1]} run made just before it "
        f"(paired, so the machine's drift over a long grid cancels; best and median of the pairs; "
        f"linear = 1.00, goal <= 1.2)"
    )
    print(
        f"  {'coll':>5} {'days':>4} {'accounts':>10} {'dials':>11} {'idle_h':>7} {'runs':>4} {'best_s':>8} "
        f"{'med_s':>8} {'base_s':>7} {'dials/s':>9} {'peak_MB':>8} {'ratio':>6} {'med_ratio':>9}"
    )
    base_ov = size_overrides(scen, *BASE)
    for c in cs:
        for d in ds:
            n = a.repeat if c * d <= big else 1
            runs, bases, ratios = [], [], []
            for _ in range(n):
                # the base run just before this one (the base cell is its own pair)
                base_s = None if (c, d) == BASE else measure(scen, base_ov, 1, a.seed, 1)[0]["wall_s"]
                r = measure(scen, size_overrides(scen, c, d), 1, a.seed, 1)[0]
                base_s = base_s or r["wall_s"]
                runs.append(r)
                bases.append(base_s)
                ratios.append(r["wall_s"] / (c * d) / (base_s / (BASE[0] * BASE[1])))
            r = summarize(runs)
            print(
                f"  {c:>5} {d:>4} {r['accounts']:>10,} {r['dials']:>11,} {r['idle_hours']:>7.2f} "
                f"{n:>4} {r['wall'][0]:>8.2f} {r['wall'][1]:>8.2f} {statistics.median(bases):>7.2f} "
                f"{r['dps'][0]:>9,.0f} {r['mem'][1]:>8.0f} {min(ratios):>6.2f} "
                f"{statistics.median(ratios):>9.2f}",
                flush=True,
            )

    print(
        f"\nPortfolio of 1,000,000 accounts ({BASE[0]} collectors, {a.million_days} working days, "
        "1 replication)"
    )
    ov = size_overrides(scen, BASE[0], a.million_days, accounts_total=1_000_000)
    m = summarize(measure(scen, ov, 1, a.seed, a.repeat))
    print(
        f"  accounts {m['accounts']:,}; dials {m['dials']:,}; idle hours {m['idle_hours']:.2f}; "
        f"wall s {m['wall'][0]:.2f} / {m['wall'][1]:.2f}; "
        f"peak MB {m['mem'][0]:.0f} / {m['mem'][1]:.0f} (after imports {m['import_mb']:.0f}); goal < 1024 MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
