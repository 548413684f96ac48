"""Helpers shared by the benchmark scripts: the benchmark scenario, its size overrides, and
small statistics. Not part of the simulator package."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Measure the checkout these scripts belong to, not whatever copy of the package is installed
# (``python benchmarks/x.py`` puts benchmarks/, not the checkout, first on the path).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH_SCENARIO = HERE / "scenarios" / "bench_100.toml"

# Accounts per collector: enough for one day's dials (about 340 per collector), the accounts
# held back after a conversation (7 days) or a promise, and the accounts paid off for good
# (about 40 per collector and working day in the low-risk segment).
ACCOUNTS_BASE_PER_COLLECTOR = 1000
ACCOUNTS_PER_COLLECTOR_DAY = 50


def accounts_per_collector(working_days: int) -> int:
    return ACCOUNTS_BASE_PER_COLLECTOR + ACCOUNTS_PER_COLLECTOR_DAY * working_days


def size_overrides(
    path: str | Path, collectors: int, working_days: int, accounts_total: int | None = None
) -> list[str]:
    """``--set`` overrides that give the scenario ``collectors`` collectors (split over its teams
    in proportion to their headcounts), ``working_days`` days, and accounts per segment by the
    rule above (or ``accounts_total`` split over segments in proportion to their workers)."""
    from simulator.scenario.load import load_scenario

    sc = load_scenario(path).scenario
    total = sum(t.headcount for t in sc.teams.values())
    out = [f"calendar.working_days={working_days}"]
    heads: dict[str, int] = {}
    names = list(sc.teams)
    left = collectors
    for i, (name, team) in enumerate(sc.teams.items()):
        h = left if i == len(names) - 1 else round(collectors * team.headcount / total)
        left -= h
        heads[name] = h
        out.append(f"teams.{name}.headcount={h}")
    workers = {s: 0.0 for s in sc.segments}
    for name, team in sc.teams.items():
        for s in team.segments:
            workers[s] += heads[name] / len(team.segments)
    wsum = sum(workers.values()) or 1.0
    for s, w in workers.items():
        if accounts_total is None:
            n = int(round(w * accounts_per_collector(working_days)))
        else:
            n = int(round(accounts_total * w / wsum))
        out.append(f"segments.{s}.accounts={max(1, n)}")
    return out


def run_child(script: Path, args: list[str]) -> dict:
    """Run ``python script args`` in a fresh interpreter; it prints one JSON line last."""
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"child {script.name} {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_median(values: list[float], higher_is_better: bool = False) -> tuple[float, float]:
    best = max(values) if higher_is_better else min(values)
    return best, statistics.median(values)


def peak_rss_mb() -> float:
    import resource

    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 / 1024 if sys.platform == "darwin" else r / 1024
