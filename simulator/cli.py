"""The collectsim command line: argument parsing and printing only.

Exit codes: 0 success; 2 bad input (scenario, option, path) with a message naming the file, the
key path, the value and what was expected; 1 internal error.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from contextlib import contextmanager
from typing import Iterator, Optional, Sequence

from ._version import __version__
from .errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, InputError
from .fileio import write_output
from .formatting import NA, number, stat, stat_of, table

__all__ = ["main", "build_parser", "InputError"]


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {v}")
    return v


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= v < 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number between 0 and 2**63-1, got {v}")
    return v


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


@contextmanager
def _executor_errors() -> Iterator[None]:
    """A missing optional executor dependency or a bad executor option is bad input (exit 2)."""
    from .executors import ExecutorUnavailable
    try:
        yield
    except ExecutorUnavailable as e:
        raise InputError(str(e)) from None


def _executor_args(p: argparse.ArgumentParser, default_note: str = "") -> None:
    g = p.add_argument_group("where replications run (results are identical whatever you choose)")
    g.add_argument("--workers", type=_positive_int, metavar="K",
                   help="worker processes (default: 1, i.e. serial; with --executor process or dask: "
                        "the CPUs available)" + default_note)
    g.add_argument("--executor", choices=("serial", "process", "dask"),
                   help="serial; process: a local process pool of --workers processes; dask: a Dask "
                        "LocalCluster of --workers processes, or the cluster at --scheduler (needs "
                        'pip install "simulator[dask]"). Default: process if --workers > 1, else serial')
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
                        "--executor dask; its workers need simulator installed)")


def _check_executor(args: argparse.Namespace) -> None:
    if args.scheduler and args.executor not in (None, "dask"):
        raise InputError(f"--scheduler {args.scheduler}: needs --executor dask, not --executor {args.executor}")


def _precision_targets(args: argparse.Namespace, loaded) -> list:
    from .experiment import parse_precision

    _check_executor(args)
    if not args.precision:
        if args.max_replications is not None:
            raise InputError("--max-replications is only used with --precision METRIC=REL")
        return None
    if args.max_replications is None:
        from .experiment import DEFAULT_MAX_REPLICATIONS
        args.max_replications = DEFAULT_MAX_REPLICATIONS
    if args.max_replications < 2:
        raise InputError(f"--max-replications {args.max_replications}: expected a whole number >= 2")
    out = []
    for text in args.precision:
        try:
            out.append(parse_precision(text, loaded.scenario))
        except ValueError as e:
            raise InputError(str(e)) from None
    return out


def _precision_report(p: dict) -> str:
    lines = []
    for t in p["targets"]:
        if t["half_width"] is None:
            lines.append(f"precision: {t['metric']}: undefined after {t['n']} replication(s) with a value")
            continue
        rel_now = t["half_width"] / abs(t["mean"]) if t["mean"] else float("inf")
        hw = t["half_width"]
        lines.append(f"precision: {t['metric']} = {stat(t['mean'], t['mean'] - hw, t['mean'] + hw)} "
                     f"(half-width {number(rel_now, percent=True, decimals=2)}% of the mean; "
                     f"target < {number(t['rel'], percent=True, decimals=2)}%): {'met' if t['met'] else 'NOT met'}")
    if p["stopped"] == "target met":
        lines.append(f"stopped: target met after {p['replications']} replications")
    elif p["stopped"] == "cap reached":
        lines.append(f"stopped: cap of --max-replications {p['max_replications']} reached "
                     f"({p['replications']} replications) before the target was met")
    else:
        lines.append(f"stopped after {p['replications']} replications: the target metric is undefined "
                     "(its denominator is 0) in too many replications")
    return "\n".join(lines)


def _load(args: argparse.Namespace):
    from .scenario import load_scenario
    return load_scenario(args.scenario, args.set or ())


def cmd_run(args: argparse.Namespace) -> int:
    from .experiment import run_experiment
    from .report import pyramid_table, volume_table

    loaded = _load(args)
    precision = _precision_targets(args, loaded)
    with _executor_errors(), Progress(args, args.replications) as progress:
        res = run_experiment(loaded, args.replications, args.seed, progress, executor=args.executor,
                             workers=args.workers, scheduler=args.scheduler, precision=precision,
                             max_replications=args.max_replications)
    doc = res.to_dict()
    sc = loaded.scenario
    print(f"collectsim {__version__}  scenario {sc.scenario.name!r} ({loaded.source}, sha256 {loaded.sha256[:12]})")
    print(f"seed {args.seed}, {res.replications} replication(s), {sc.calendar.working_days} working day(s); "
          f"mean ± 95% CI half-width" + ("" if res.replications > 1 else " (one replication: no CI)"))
    print()
    print(pyramid_table(doc))
    print()
    print(volume_table(doc))
    from .report.table import blocks_table

    blocks = blocks_table(doc)
    if blocks:
        print()
        print(blocks)
    if getattr(args, "targets", False):
        from .report.coaching import targets_table
        print()
        print(targets_table(doc))
    if res.precision is not None:
        print()
        print(_precision_report(res.precision))
    text = res.to_json()
    if args.json:
        print(write_output(Path(args.json), text, args.force), file=sys.stderr)
    if args.out:
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: exists and is not a folder")
        out.mkdir(parents=True, exist_ok=True)
        print(write_output(out / "results.json", text, args.force), file=sys.stderr)
        table = pyramid_table(doc) + "\n\n" + volume_table(doc) + "\n"
        print(write_output(out / "summary.txt", table, args.force), file=sys.stderr)
    return EXIT_OK


class Progress:
    """The progress bar of a command that simulates (tqdm on stderr): replications done of the
    total, elapsed time, ETA and rate, advancing as each replication ends. Drawn only when stderr
    is a terminal and -q is not given. Call it as ``progress(done, total)``; use it as a context
    manager so the bar's line is ended on Ctrl-C too."""

    def __init__(self, args: argparse.Namespace, total: Optional[int] = None) -> None:
        self.enabled = sys.stderr.isatty() and not getattr(args, "quiet", False)
        self.bar = None
        if total is not None:
            self(0, total)

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(total=total, initial=done, desc="replications", unit="rep", file=sys.stderr,
                            dynamic_ncols=True, smoothing=0.1)
            return
        if total != self.bar.total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def cmd_validate(args: argparse.Namespace) -> int:
    loaded = _load(args)
    sc = loaded.scenario
    n_coll = sum(t.headcount for t in sc.teams.values())
    n_acc = sum(s.accounts for s in sc.segments.values())
    print(f"ok: {loaded.source}: scenario {sc.scenario.name!r}, {len(sc.teams)} team(s) with {n_coll} "
          f"collector(s), {len(sc.segments)} segment(s) with {n_acc:,} accounts, "
          f"{sc.calendar.working_days} working day(s), dialer {sc.dialer.mode}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .scenario.json_schema import scenario_json_schema_text

    text = scenario_json_schema_text()
    if args.out:
        print(write_output(Path(args.out), text, args.force), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_pyramid(args: argparse.Namespace) -> int:
    from .pyramid import LAYER_LABELS, Pyramid

    try:
        p = Pyramid(args.productive_rate, args.contacts_per_hour, args.promise_rate, args.kept_rate,
                    args.avg_payment)
    except ValueError as e:
        raise InputError(str(e)) from None
    rows = [["layer", "value"]]
    for k, v in p.as_dict().items():
        pct = k in ("productive_rate", "promise_rate", "kept_rate")
        rows.append([LAYER_LABELS[k] + (" %" if pct else ""), number(v, percent=pct, decimals=2 if pct else 3)])
    print(table(rows))
    return EXIT_OK


def _replication_args(p: argparse.ArgumentParser, reps_help: str) -> None:
    """-r/--replications, --seed and -q/--quiet, shared by every command that simulates."""
    p.add_argument("-r", "--replications", type=_positive_int, default=10, metavar="N", help=reps_help)
    p.add_argument("--seed", type=_seed, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _json_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--json", metavar="FILE", help=f"write {what} here")
    p.add_argument("--force", action="store_true", help="replace an existing --json file that differs")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="collectsim",
        description="Simulate a debt-collection call center and estimate its pyramid of KPIs "
                    "(productive rate x contacts per hour x promise rate x kept rate x average payment).")
    ap.add_argument("--version", action="version", version=f"collectsim {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    def scenario_args(p: argparse.ArgumentParser, optional: bool) -> None:
        if optional:
            p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                           help="scenario TOML file (default: the bundled table_14_1.toml)")
        else:
            p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
        p.add_argument("--set", action="append", metavar="PATH=VALUE",
                       help="override a scenario value, e.g. --set teams.low_risk_team.headcount=15 "
                            "(VALUE is a TOML value; repeatable)")

    p = sub.add_parser("run", help="simulate a scenario N times and print the pyramid table",
                       description="Simulate a scenario N times, print the pyramid per segment and for "
                                   "the center with 95% t-intervals, and optionally save the results JSON.")
    scenario_args(p, optional=True)
    _replication_args(p, "independent replications (default 10)")
    p.add_argument("--json", metavar="FILE", help="write the results JSON (schema collectsim.results/1) here")
    p.add_argument("--out", metavar="DIR", help="write results.json and summary.txt into this folder")
    p.add_argument("--force", action="store_true", help="replace existing output files that differ")
    p.add_argument("--targets", action="store_true",
                   help="also print actual against target for the center, each team and each collector, "
                        "with the weakest layer and the seed's diagnosis (needs targets in the scenario)")
    p.add_argument("--precision", action="append", metavar="METRIC=REL",
                   help="add replications (in batches, -r N being the first) until the 95%% CI half-width "
                        "of METRIC is below REL x |mean|, e.g. value_per_paid_hour=0.02 (the center) or "
                        "segments.low_risk.promise_rate=0.01; repeatable (all must be met)")
    p.add_argument("--max-replications", type=_positive_int, metavar="N",
                   help="cap on replications with --precision (default 200)")
    _executor_args(p)
    p.set_defaults(func=cmd_run)
    _experiment_parsers(sub, scenario_args)

    p = sub.add_parser("validate", help="check a scenario file and list every problem",
                       description="Check a scenario file. Exit 0 if it is valid; exit 2 listing every "
                                   "problem with its key path otherwise.")
    scenario_args(p, optional=False)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="write the scenario JSON Schema, for editors that check TOML",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=_wrap("Write the JSON Schema (draft 2020-12) of scenario files, generated "
                                         "from the scenario models: every key with its type, bounds, default "
                                         "and description; unknown keys are refused. Point taplo or Even "
                                         "Better TOML at it to check scenario files as you type (see "
                                         "docs/editor-schema.md). Cross-field rules are checked by "
                                         "'collectsim validate' only."),
                       epilog="examples:\n  collectsim schema --out collectsim.schema.json\n"
                              "  then, on the first line of a scenario file:  #:schema ./collectsim.schema.json")
    p.add_argument("--out", metavar="FILE", help="write it here (default: standard output)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file that differs")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("pyramid", help="the deterministic pyramid calculator (no simulation)",
                       description="Multiply the five layers into value per paid hour. Rates are "
                                   "fractions: 85% is 0.85. Example (Table 14-1, low risk): "
                                   "--productive-rate 0.85 --contacts-per-hour 10 --promise-rate 0.85 "
                                   "--kept-rate 0.65 --avg-payment 140")
    p.add_argument("--productive-rate", type=_number, required=True, metavar="R",
                   help="productive hours / paid hours (fraction)")
    p.add_argument("--contacts-per-hour", type=_number, required=True, metavar="C",
                   help="right-party contacts per productive hour")
    p.add_argument("--promise-rate", type=_number, required=True, metavar="P",
                   help="promises / right-party contacts (fraction)")
    p.add_argument("--kept-rate", type=_number, required=True, metavar="K",
                   help="promises kept / promises (fraction)")
    p.add_argument("--avg-payment", type=_number, required=True, metavar="A",
                   help="dollars collected / promises kept (US dollars)")
    p.set_defaults(func=cmd_pyramid)

    p = sub.add_parser("sensitivity", help="where the next dollar is: +1%% on each pyramid lever, simulated",
                       description="Improve each lever of the scenario by 1%% (relative) in turn and measure "
                                   "the change in the center's value per paid hour, paired by seed with the "
                                   "unchanged scenario; next to the analytic figure (1%% of value per paid "
                                   "hour for every layer, since the pyramid is a product).")
    scenario_args(p, optional=True)
    _replication_args(p, "replications per variant (default 10; at least 2)")
    _json_args(p, "the sensitivity document (schema collectsim.sensitivity/1)")
    _executor_args(p)
    p.set_defaults(func=cmd_sensitivity)
    _register_report(sub)
    return ap


def cmd_sensitivity(args: argparse.Namespace) -> int:
    import json as _json

    from .pyramid import LAYER_LABELS
    from .sensitivity import simulated_sensitivity

    if args.replications < 2:
        raise InputError("--replications: a paired comparison needs at least 2")
    loaded = _load(args)
    from .pyramid import LAYERS

    with _executor_errors(), Progress(args, (len(LAYERS) + 1) * args.replications) as progress:
        doc = simulated_sensitivity(loaded, args.replications, args.seed, progress, executor=args.executor,
                                    workers=args.workers, scheduler=args.scheduler)
    base = doc["baseline_value_per_paid_hour"]
    print(f"scenario {loaded.scenario.scenario.name!r}: value per paid hour {number(base, money=True)} $ "
          f"({args.replications} paired replications, seed {args.seed})")
    print("gain in value per paid hour from +1% of each layer, ranked by the simulated gain")
    rows = [["layer", "analytic", "simulated (95% CI)", "how"]]
    for lv in doc["levers"]:
        sim = lv["simulated"]
        ci = (f"{_signed(sim['diff_mean'])} [{_signed(sim['diff_ci95_low'])}, {_signed(sim['diff_ci95_high'])}]"
              if sim["diff_ci95_low"] is not None else NA)
        rows.append([LAYER_LABELS[lv["layer"]], _signed(lv["analytic_gain"]), ci, lv["how"]])
    print(table(rows, left=(0, 3)))
    if args.json:
        text = _json.dumps({"schema": "collectsim.sensitivity/1", "scenario": {
            "name": loaded.scenario.scenario.name, "sha256": loaded.sha256}, **doc}, indent=1) + "\n"
        print(write_output(Path(args.json), text, args.force), file=sys.stderr)
    return EXIT_OK


def _register_report(sub) -> None:
    """The `report` subcommand lives in simulator.report.command (when installed)."""
    try:
        from .report.command import register as register_report
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("simulator"):
            return  # the report command is not part of this build
        register_report, err = None, e
    except Exception as e:  # noqa: BLE001 - keep every other command working
        register_report, err = None, e
    if register_report is not None:
        register_report(sub)
        return
    p = sub.add_parser("report", help="plots and an HTML report from saved results (unavailable here)")
    p.add_argument("rest", nargs=argparse.REMAINDER)

    def broken(args: argparse.Namespace, err=err) -> int:
        print(f"collectsim: error: the report command cannot be loaded: {type(err).__name__}: {err}",
              file=sys.stderr)
        return EXIT_INTERNAL

    p.set_defaults(func=broken)


def main(argv: Sequence[str] | None = None) -> int:
    from .scenario import ScenarioError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_INPUT
    try:
        return args.func(args)
    except ScenarioError as e:
        print(f"collectsim: error: {len(e.problems)} problem(s):", file=sys.stderr)
        print(str(e), file=sys.stderr)
        return EXIT_INPUT
    except InputError as e:
        print(f"collectsim: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("collectsim: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("COLLECTSIM_DEBUG"):
            raise
        print(f"collectsim: internal error: {type(e).__name__}: {e}\n"
              "This is a bug in collectsim; set COLLECTSIM_DEBUG=1 to see the traceback.", file=sys.stderr)
        return EXIT_INTERNAL


# ---------------------------------------------------------------------------------------------
# compare, sweep, staff

def _experiment_parsers(sub, scenario_args) -> None:
    p = sub.add_parser(
        "compare", help="paired comparison of two scenarios with common random numbers",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Run scenarios A and B with the same seeds (replication r of both draws from the "
                    "named random streams of (seed, r): common random numbers) and print, for the "
                    "center and each segment and team, A's and B's means, the paired difference "
                    "B - A with its 95% t-interval, and the variance ratio var(B-A) / (var(A)+var(B)) "
                    "(below 1: common random numbers made the comparison sharper than independent "
                    "runs would; 0.25 = the precision of 4x as many independent replications)."),
        epilog="examples:\n"
               "  collectsim compare base.toml policy_b.toml -r 20\n"
               "  collectsim compare base.toml --set-b teams.low_risk_team.headcount=14\n"
               "  collectsim compare base.toml --set-a dialer.mode=progressive --set-b dialer.mode=predictive\n"
               "With one file, B is the same file and --set-a / --set-b make the two variants;\n"
               "--set applies to both. A difference marked * has a 95% CI that excludes 0.")
    p.add_argument("scenario", metavar="A", help="scenario TOML file A")
    p.add_argument("scenario_b", metavar="B", nargs="?", help="scenario TOML file B (default: A again)")
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="override for both A and B (repeatable)")
    p.add_argument("--set-a", action="append", metavar="PATH=VALUE", help="override for A only (repeatable)")
    p.add_argument("--set-b", action="append", metavar="PATH=VALUE", help="override for B only (repeatable)")
    _replication_args(p, "paired replications (default 10; at least 2)")
    p.add_argument("--all-metrics", action="store_true", help="print every metric, not only the key ones")
    _json_args(p, "the comparison JSON (schema collectsim.compare/1)")
    _executor_args(p)
    p.set_defaults(func=cmd_compare)

    sweep_epilog = ("outputs in --out DIR:\n"
                    "  manifest.json       the sweep's arguments (checked when resuming)\n"
                    "  replications.jsonl  one line per finished replication, written at once\n"
                    "  tidy.csv            variant, <parameters>, replication, level, unit, metric, value\n"
                    "  summary.csv         variant, <parameters>, level, unit, metric, n, mean, ci95_low, ci95_high\n"
                    "  summary.json        schema collectsim.sweep/1: mean and 95% CI per variant\n"
                    "  variants/vNNN.json  each variant's results (schema collectsim.results/1)\n"
                    "Run the same command again to resume an interrupted sweep (even after kill -9):\n"
                    "finished replications are skipped and the summary equals an uninterrupted run's.\n"
                    "Replication r of every variant uses the same seeds (common random numbers).\n"
                    "exit codes: 0 done; 2 bad input (nothing run); 3 done, but some replications\n"
                    "raised: their errors are in summary.json \"failed\" and replications.jsonl, every\n"
                    "other result is written, and a rerun tries the failed ones again; 130 interrupted\n"
                    "(finished replications are kept).")
    p = sub.add_parser(
        "sweep", help="every combination of scenario values, N replications each; resumable",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Run the full grid of variants given by --set PATH=V1,V2,... (the cartesian product "
                    "of the value lists; a single value is a fixed override), N replications each, on "
                    "the chosen executor. Values are TOML values (5,10,15 or progressive,predictive or "
                    "[1,2],[3]); commas inside brackets and quotes do not split."),
        epilog="example:\n  collectsim sweep scenarios/table_14_1.toml --set teams.low_risk_team.headcount=5,10,15 "
               "-r 4 --workers 2 --out sweep-out\n\n" + sweep_epilog)
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument("--set", action="append", metavar="PATH=V1,V2,...", required=True,
                   help="a scenario value to vary (or fix, with one value); repeatable")
    _sweep_common(p, "sweep-out")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "staff", help="what-if on a team's headcount: value, net value, RPC/h, abandons, coverage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Sweep one team's headcount over --range A:B and report for the center, per "
                    "headcount, value per paid hour, net value (collected - cost), RPC per productive "
                    "hour, abandon rate and list coverage (accounts_dialed_share: the share of accounts "
                    "dialed at least once), with 95% CIs. Names the headcount with the largest mean "
                    "net value and the smallest one meeting every --constraint. Writes the sweep "
                    "outputs (plus a \"staffing\" block in summary.json) and resumes like sweep."),
        epilog="example:\n  collectsim staff scenarios/table_14_1.toml --team low_risk_team --range 8:16 "
               "--step 2 -r 6 \\\n      --constraint 'abandon_rate<=0.03' --constraint 'accounts_dialed_share>=0.5'\n\n"
               "constraints (quote them: < and > are special to the shell): METRIC<=V or METRIC>=V;\n"
               "METRIC is a center metric (abandon_rate) or LEVEL.UNIT.METRIC\n"
               "(segments.low_risk.accounts_dialed_share). The smallest headcount\n"
               "meeting them is given on the means and, more cautiously, with the whole 95% CI.\n\n"
               + sweep_epilog)
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument("--team", required=True, metavar="NAME", help="the team whose headcount varies")
    p.add_argument("--range", required=True, metavar="A:B", dest="hc_range",
                   help="headcounts from A to B inclusive")
    p.add_argument("--step", type=_positive_int, default=1, metavar="K", help="headcount step (default 1)")
    p.add_argument("--constraint", action="append", metavar="METRIC<=V", default=[],
                   help="a requirement, e.g. abandon_rate<=0.03 or accounts_dialed_share>=0.8; repeatable")
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="fixed override (repeatable)")
    _sweep_common(p, "staff-out")
    p.set_defaults(func=cmd_staff)


def _wrap(text: str) -> str:
    """Fill a description for the raw formatter (which keeps the examples' line breaks)."""
    import shutil
    import textwrap
    return textwrap.fill(text, width=min(100, max(60, shutil.get_terminal_size().columns - 2)))


def _sweep_common(p: argparse.ArgumentParser, default_out: str) -> None:
    _replication_args(p, "replications per variant (default 10)")
    p.add_argument("--out", metavar="DIR", default=default_out,
                   help=f"output folder, new, empty, or a sweep to resume (default {default_out})")
    _executor_args(p)


def _comparison_loaded(args: argparse.Namespace):
    from .scenario import load_scenario

    both = list(args.set or ())
    path_b = args.scenario_b if args.scenario_b is not None else args.scenario
    if args.scenario_b is None and not (args.set_a or args.set_b):
        raise InputError("compare needs two scenarios: give a second file B, or variants of A with "
                         "--set-a PATH=VALUE and/or --set-b PATH=VALUE")
    return (load_scenario(args.scenario, both + list(args.set_a or ())),
            load_scenario(path_b, both + list(args.set_b or ())))


def _label(loaded) -> str:
    over = "".join(f" --set {o}" for o in loaded.overrides)
    return f"{loaded.scenario.scenario.name!r} ({loaded.source}{over}; sha256 {loaded.sha256[:12]})"


def cmd_compare(args: argparse.Namespace) -> int:
    from .experiment import ALL_METRICS, KEY_METRICS, run_comparison

    _check_executor(args)
    if args.replications < 2:
        raise InputError(f"-r {args.replications}: a paired comparison needs at least 2 replications")
    la, lb = _comparison_loaded(args)
    with _executor_errors(), Progress(args, 2 * args.replications) as progress:
        cmp = run_comparison(la, lb, args.replications, args.seed, progress, executor=args.executor,
                             workers=args.workers, scheduler=args.scheduler)
    metrics = ALL_METRICS if args.all_metrics else KEY_METRICS
    print(f"collectsim {__version__}  compare: seed {args.seed}, {args.replications} paired replications "
          "(common random numbers)")
    print(f"A: {_label(la)}")
    print(f"B: {_label(lb)}")
    if la.sha256 == lb.sha256:
        print("note: A and B resolve to the same scenario; every difference is 0")
    for level, extra in cmp.only_in_one().items():
        for side, names in extra.items():
            if names:
                print(f"note: {level} only in {side.upper()} (not compared): {', '.join(names)}")
    header = ["A mean", "B mean", "B - A", "95% CI of B - A", "var ratio"]
    for level, unit in cmp.units():
        print()
        print("center" if level == "center" else f"{level[:-1]} {unit}")
        print(table([["metric", *header], *(_paired_row(m, cmp.paired(level, unit, m)) for m in metrics)]))
    for block, keys in cmp.blocks().items():
        print()
        print(f"{block} (result block)")
        print(table([["entry", *header], *(_paired_row(k, cmp.paired_block(block, k)) for k in keys)]))
    print()
    print("* the 95% CI of B - A excludes 0.  var ratio = var(B - A) / (var(A) + var(B)): the variance of "
          "the paired difference against independent sampling; below 1, common random numbers helped.")
    if args.json:
        print(write_output(Path(args.json), cmp.to_json(), args.force), file=sys.stderr)
    return EXIT_OK


def _signed(v) -> str:
    """A gain in US dollars per paid hour, with its sign."""
    return NA if v is None else ("+" if v >= 0 else "") + number(v, money=True)


def _paired_row(name: str, d: dict) -> list[str]:
    """A row of the compare table: both means, B - A (marked * when its CI excludes 0), the CI and
    the variance ratio."""
    ci = (f"[{number(d['diff_ci95_low'])}, {number(d['diff_ci95_high'])}]"
          if d["diff_ci95_low"] is not None else NA)
    ratio = NA if d["variance_ratio"] is None else number(d["variance_ratio"], decimals=3)
    return [name, number(d["a_mean"]), number(d["b_mean"]),
            number(d["diff_mean"]) + (" *" if _excludes_zero(d) else "  "), ci, ratio]


def _excludes_zero(d: dict) -> bool:
    lo, hi = d["diff_ci95_low"], d["diff_ci95_high"]
    return lo is not None and (lo > 0 or hi < 0)


def _run_sweep(args: argparse.Namespace, sets: list[str], extra=None):
    from .sweep import SweepError, plan_sweep, run_sweep

    _check_executor(args)
    try:
        plan = plan_sweep(args.scenario, sets, args.replications, args.seed)
        with _executor_errors(), Progress(args) as progress:
            outcome = run_sweep(plan, Path(args.out), args.executor, args.workers, args.scheduler,
                                progress=progress, extra=extra)
    except SweepError as e:
        raise InputError(str(e)) from None
    except KeyboardInterrupt:
        print(f"collectsim: finished replications are kept in {args.out}; run the same command again "
              "to resume", file=sys.stderr)
        raise
    n = len(plan.variants) * plan.replications
    print(f"collectsim {__version__}  sweep of {plan.base.scenario.scenario.name!r} ({plan.base.source}): "
          f"{len(plan.variants)} variant(s) x {plan.replications} replication(s) = {n}; seed {plan.seed}; "
          f"ran {outcome.ran}, {outcome.skipped} already done")
    return plan, outcome


def _sweep_done(outcome) -> int:
    print(f"outputs in {outcome.out}/: summary.json, summary.csv, tidy.csv, variants/, replications.jsonl")
    if outcome.failed:
        print(f"collectsim: warning: {len(outcome.failed)} replication(s) failed and are recorded in "
              f"{outcome.out}/summary.json (\"failed\"); the others are complete. Run again to retry them.",
              file=sys.stderr)
        for f in outcome.failed[:5]:
            print(f"  {f['variant']} replication {f['replication']}: {f['error']}", file=sys.stderr)
        from .sweep import EXIT_FAILED_REPLICATIONS
        return EXIT_FAILED_REPLICATIONS
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    plan, outcome = _run_sweep(args, list(args.set))
    params = [p for p, _ in plan.parameters]
    shown = ("value_per_paid_hour", "rpc_per_productive_hour", "net_value", "abandon_rate")
    rows = [["variant", *params, "ok", *shown]]
    for v in outcome.summary["variants"]:
        c = v["metrics"]["center"] if v["metrics"] else {}
        rows.append([v["id"], *[json.dumps(v["values"][p]) if not isinstance(v["values"][p], str)
                                else v["values"][p] for p in params],
                     f"{v['replications_ok']}/{plan.replications}", *[stat_of(c.get(m)) for m in shown]])
    print("center, mean ± 95% CI half-width:")
    print(table(rows))
    return _sweep_done(outcome)


def cmd_staff(args: argparse.Namespace) -> int:
    from .scenario import load_scenario
    from .sweep import STAFF_METRICS, SweepError, headcount_values, parse_constraint, staffing_block

    base = load_scenario(args.scenario, args.set or ())
    if args.team not in base.scenario.teams:
        raise InputError(f"{args.scenario}: --team {args.team!r}: no such team; expected one of: "
                         f"{', '.join(base.scenario.teams)}")
    try:
        values = headcount_values(args.hc_range, args.step)
        constraints = [parse_constraint(c, base.scenario) for c in args.constraint]
    except SweepError as e:
        raise InputError(str(e)) from None
    path = f"teams.{args.team}.headcount"
    if any(s.partition("=")[0].strip() == path for s in args.set or ()):
        raise InputError(f"--set {path}: the headcount of team {args.team!r} is what staff varies; "
                         "use --range instead")
    sets = list(args.set or ()) + [f"{path}={','.join(str(v) for v in values)}"]
    plan, outcome = _run_sweep(
        args, sets, extra=lambda summ: {"staffing": staffing_block(summ, args.team, path, constraints)})
    st = outcome.summary["staffing"]
    labels = {"value_per_paid_hour": "value/paid h", "net_value": "net value", "rpc_per_productive_hour":
              "RPC/prod h", "abandon_rate": "abandon rate", "accounts_dialed_share": "coverage"}
    rows = [["headcount", *[labels[m] for m in STAFF_METRICS]]]
    for r in st["rows"]:
        rows.append([str(r["headcount"]), *[stat_of(r[m]) for m in STAFF_METRICS]])
    print(f"team {args.team!r}: center metrics per headcount, mean ± 95% CI half-width "
          "(coverage = share of accounts dialed at least once)")
    print(table(rows))
    b = st["best_net_value"]
    print()
    if b:
        print(f"largest mean net value: headcount {b['headcount']} ({stat_of(b)})")
    if constraints:
        cs = " and ".join(c.text for c in constraints)
        m, mc = st["smallest_meeting_constraints"], st["smallest_meeting_constraints_ci95"]
        print(f"smallest headcount meeting {cs}: "
              + (f"{m['headcount']} (on the means)" if m else "none in the range (on the means)")
              + "; " + (f"{mc['headcount']} with the whole 95% CI inside" if mc
                        else "none with the whole 95% CI inside"))
    return _sweep_done(outcome)
