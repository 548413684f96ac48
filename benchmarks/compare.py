"""collectsim against the naive reference model (benchmarks/reference_naive.py), same machine, one go.

    python benchmarks/compare.py                      # 5 replications each, 100 collectors x 5 days
    python benchmarks/compare.py --reps 10 --days 22  # the full benchmark month
    python benchmarks/compare.py --modes progressive

For each dialer mode it runs ``--reps`` replications of collectsim and of the reference,
interleaved (collectsim rep r, reference rep r, ...) so both see the same machine load, and prints

* speed: dials per second of each (total dials / total wall seconds, plus best and median of the
  per-replication figures) and the ratio collectsim / reference, against the speed goal
  (>= 8x progressive, >= 6.5x predictive);
* agreement: per quantity (dials, rpc, promises, kept, collected dollars, paid and productive
  hours; abandoned for predictive) the mean and 95% CI of each model, whether each mean lies
  inside the other's CI, and a Welch t-test; PASS when p >= alpha / number of quantities
  (Bonferroni, alpha = 0.05 by default).

``predictive`` runs only if collectsim's scenario schema accepts ``dialer.mode = "predictive"``;
otherwise it is skipped with a message. The models use independent random numbers, so
agreement is statistical. Figures only; the exit status is 0 unless something crashes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_SCENARIO, size_overrides  # noqa: E402
from reference_naive import simulate_naive  # noqa: E402

GOALS = {"progressive": 8.0, "predictive": 6.5}
"""Speed goals (collectsim dials per second over the reference's, overall, wall time)."""
QUANTITIES = ("dials", "rpc", "promises", "kept", "collected", "paid_hours", "productive_hours")


def mean_ci(xs: list[float]) -> tuple[float, float, float]:
    from scipy import stats

    m = statistics.fmean(xs)
    if len(xs) < 2:
        return m, float("nan"), float("nan")
    h = stats.t.ppf(0.975, len(xs) - 1) * statistics.stdev(xs) / len(xs) ** 0.5
    return m, m - h, m + h


def welch_p(a: list[float], b: list[float]) -> float:
    from scipy import stats

    if statistics.pvariance(a) == 0 and statistics.pvariance(b) == 0:
        return 1.0 if statistics.fmean(a) == statistics.fmean(b) else 0.0
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def collectsim_rep(scenario, seed: int, rep: int) -> tuple[dict, float]:
    from simulator.measures.metrics import replication_metrics
    from simulator.world.build import simulate

    t0, c0 = time.perf_counter(), time.process_time()
    st, cnt = simulate(scenario, seed, rep)
    wall = time.perf_counter() - t0
    m = dict(replication_metrics(st, cnt)["center"]["center"])
    m["_cpu_s"] = time.process_time() - c0
    return m, wall


def naive_rep(scenario, seed: int, rep: int, mode: str) -> tuple[dict, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    m = simulate_naive(scenario, seed=1_000_003 * (seed + 1) + rep, mode=mode)
    m["_cpu_s"] = time.process_time() - c0
    return m, time.perf_counter() - t0


def load(path: str, overrides: list[str]):
    from simulator.scenario.load import ScenarioError, load_scenario

    try:
        return load_scenario(path, overrides=overrides).scenario, None
    except ScenarioError as e:
        return None, str(e)


def compare_mode(
    mode: str, path: str, overrides: list[str], reps: int, seed: int, alpha: float
) -> dict | None:
    sc, err = load(path, [*overrides, f'dialer.mode="{mode}"'])
    print(f"\n=== dialer mode: {mode} ===")
    if sc is None:
        print(f'  SKIPPED: collectsim\'s scenario schema rejects dialer.mode = "{mode}":')
        for line in err.splitlines()[:3]:
            print(f"    {line}")
        return None
    cs, nv = [], []
    for r in range(reps):
        cs.append(collectsim_rep(sc, seed, r))
        nv.append(naive_rep(sc, seed, r, mode))
        print(
            f"  rep {r}: collectsim {cs[-1][0]['dials']:,.0f} dials in {cs[-1][1]:.2f} s; "
            f"reference {nv[-1][0]['dials']:,.0f} dials in {nv[-1][1]:.2f} s",
            flush=True,
        )

    def speed(runs):
        per = [m["dials"] / w for m, w in runs]
        return sum(m["dials"] for m, _ in runs) / sum(w for _, w in runs), max(per), statistics.median(per)

    s_c, s_n = speed(cs), speed(nv)
    print(f"\n  {'dials per second':<22} {'overall':>10} {'best rep':>10} {'median rep':>11}")
    print(f"  {'collectsim':<22} {s_c[0]:>10,.0f} {s_c[1]:>10,.0f} {s_c[2]:>11,.0f}")
    print(f"  {'naive reference':<22} {s_n[0]:>10,.0f} {s_n[1]:>10,.0f} {s_n[2]:>11,.0f}")
    ratios = [s_c[i] / s_n[i] for i in range(3)]
    goal = GOALS[mode]
    print(
        f"  {'ratio collectsim/ref':<22} {ratios[0]:>9.2f}x {ratios[1]:>9.2f}x {ratios[2]:>10.2f}x"
        f"   goal >= {goal:g}x: {'MET' if ratios[0] >= goal else 'NOT MET'} (overall)"
    )

    cpu_c = sum(m["dials"] for m, _ in cs) / sum(m["_cpu_s"] for m, _ in cs)
    cpu_n = sum(m["dials"] for m, _ in nv) / sum(m["_cpu_s"] for m, _ in nv)
    print(
        f"  dials per CPU second (process_time; less sensitive to machine load): collectsim {cpu_c:,.0f}, "
        f"reference {cpu_n:,.0f}, ratio {cpu_c / cpu_n:.2f}x"
    )
    ratios.append(cpu_c / cpu_n)
    qs = QUANTITIES + (("abandoned",) if mode == "predictive" else ())
    level = alpha / len(qs)
    print(
        f"\n  agreement per replication ({reps} reps each; Welch t-test, "
        f"PASS if p >= {alpha:g}/{len(qs)} = {level:.4f})"
    )
    print(
        f"  {'quantity':<17} {'collectsim mean [95% CI]':>38} {'reference mean [95% CI]':>38} "
        f"{'diff %':>7} {'in CIs':>7} {'p':>7}  verdict"
    )
    verdicts = {}
    for q in qs:
        a = [float(m[q] or 0.0) for m, _ in cs]
        b = [float(m[q] or 0.0) for m, _ in nv]
        ma, la, ha = mean_ci(a)
        mb, lb, hb = mean_ci(b)
        p = welch_p(a, b)
        inside = (lb <= ma <= hb) + (la <= mb <= ha)
        ok = p >= level
        verdicts[q] = ok
        diff = 100.0 * (ma - mb) / mb if mb else float("nan")
        print(
            f"  {q:<17} {ma:>14,.1f} [{la:>10,.1f}, {ha:>10,.1f}] {mb:>14,.1f} [{lb:>10,.1f}, {hb:>10,.1f}] "
            f"{diff:>6.2f}% {inside:>5}/2 {p:>7.3f}  {'PASS' if ok else 'FAIL'}"
        )
    return {"speed_collectsim": s_c, "speed_reference": s_n, "ratios": ratios, "verdicts": verdicts}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(BENCH_SCENARIO))
    ap.add_argument("--reps", type=int, default=5, help="replications of each model (default 5)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--collectors", type=int, default=100, help="headcount (default 100)")
    ap.add_argument("--days", type=int, default=5, help="working days (default 5, to keep the run short)")
    ap.add_argument("--modes", default="progressive,predictive")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="further overrides")
    a = ap.parse_args(argv)
    overrides = size_overrides(a.scenario, a.collectors, a.days) + a.set
    import simulator

    print(
        f"collectsim vs naive reference: {Path(a.scenario).name}, {a.collectors} collectors x {a.days} days, "
        f"{a.reps} replications each, interleaved"
    )
    print(f"collectsim measured from {Path(simulator.__file__).parent}")
    summary = {}
    for mode in a.modes.split(","):
        summary[mode] = compare_mode(mode.strip(), a.scenario, overrides, a.reps, a.seed, a.alpha)
    print("\nsummary")
    for mode, res in summary.items():
        if res is None:
            print(f"  {mode:<12} skipped (not supported by collectsim's schema yet)")
        else:
            fails = [q for q, ok in res["verdicts"].items() if not ok]
            print(
                f"  {mode:<12} speed ratio {res['ratios'][0]:.2f}x wall, {res['ratios'][3]:.2f}x CPU "
                f"(goal {GOALS[mode]:g}x); agreement "
                f"{'PASS' if not fails else 'FAIL on ' + ', '.join(fails)}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
