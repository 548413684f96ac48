"""``optimize``: pick the best of a finite set of designs with a ranking-and-selection guarantee."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .._version import __version__
from ..base.errors import EXIT_FAILED_REPLICATIONS, EXIT_OK, InputError, Interrupted
from ..base.fileio import check_output_folder
from ..base.formatting import stat_of, table
from .argtypes import number_arg, positive_number
from .budget import check_size, confirm_arg
from .common import (
    Progress,
    Subparsers,
    check_executor,
    check_room,
    executor_args,
    executor_errors,
    output_path,
    plan_executor,
    positive_int,
    seed,
    wrap,
)

__all__ = ["register", "DEFAULT_MAX_REPLICATIONS", "DEFAULT_TOLERANCE_SHARE"]

DEFAULT_MAX_REPLICATIONS = 100
DEFAULT_TOLERANCE_SHARE = 0.1
"""A constraint's tolerance (epsilon) when --tolerance does not give it: this share of |V|."""

EPILOG = """\
example:
  collectsim optimize scenarios/table_14_1.toml --vary teams.low_risk_team.headcount=8:16:2 \\
      --vary dialer.mode=progressive,predictive --objective net_value --delta 2000 \\
      --constraint 'abandon_rate<=0.03' --tolerance abandon_rate=0.005 --workers 2

the procedure (docs/optimize.md): KN (Kim and Nelson 2001) with common random numbers:
replication r of every design uses the same random numbers. After n0 replications of each
design, one more replication of every design still in contention per stage; a design is
eliminated as soon as its mean falls clearly below a feasible design's (by more than a
margin that shrinks as replications accrue). With constraints, the feasibility of each design
is decided by the sequential check of Andradottir and Kim (2010) within --tolerance, alpha
split in half between feasibility and selection. When one feasible design is left:
P(it is within --delta of the best feasible design) >= 1 - alpha, for normal replication
means (each a month or a day of a center: sums of many calls). Stopped by --max-replications
with several designs left, it names the one with the best mean and those it could not
separate from it, and the guarantee is not established.

outputs in --out DIR: manifest.json (the designs and seed, checked when resuming),
replications.jsonl (one line per finished replication, written at once), summary.json
(schema collectsim.optimize/1). Run the same command again to resume: replications done are
reused, and the decisions are those of an uninterrupted run (a larger --max-replications goes
on from the cap). exit codes: 0 done; 2 bad input (nothing run); 3 some replications raised
(recorded; a rerun tries them again); 130 interrupted (finished replications are kept)."""


def register(sub: Subparsers) -> None:
    """Add optimize to the subparsers ``sub``."""
    p = sub.add_parser(
        "optimize",
        help="the best of a set of designs, within --delta with probability 1 - alpha (KN, CRN)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap(
            "Choose among the designs given by --vary PATH=V1,V2,... or PATH=LO:HI:STEP (the "
            "cartesian product; the same paths and values as sweep --set) the one with the "
            "largest (--minimize: smallest) mean --objective among those meeting every "
            "--constraint, spending replications sequentially with a ranking-and-selection "
            "procedure, and say what an exhaustive grid at the same precision would cost."
        ),
        epilog=EPILOG,
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="PATH=V1,V2,...",
        help="a scenario value to choose, as a list or LO:HI:STEP (e.g. teams.t1.headcount=4:12:2); "
        "repeatable",
    )
    p.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE", help="fixed override (repeatable)"
    )
    p.add_argument(
        "--objective",
        required=True,
        metavar="METRIC",
        help="what to maximise: METRIC, center.METRIC or LEVEL.UNIT.METRIC (e.g. net_value)",
    )
    p.add_argument("--minimize", action="store_true", help="the smallest objective is best")
    p.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="METRIC<=V",
        help="a requirement on a mean, METRIC<=V or METRIC>=V (quote it); repeatable",
    )
    p.add_argument(
        "--tolerance",
        action="append",
        default=[],
        metavar="METRIC=EPS",
        help="a constraint's tolerance: a mean within EPS of V may be judged either way "
        f"(default {DEFAULT_TOLERANCE_SHARE:g} x |V|; needed when V is 0)",
    )
    p.add_argument(
        "--delta",
        required=True,
        type=positive_number,
        metavar="D",
        help="the indifference zone, in the objective's units: a difference the decision ignores",
    )
    p.add_argument(
        "--alpha", type=number_arg, default=0.05, metavar="A", help="error probability (default 0.05)"
    )
    p.add_argument(
        "--n0", type=positive_int, default=10, metavar="N", help="first-stage replications (default 10)"
    )
    p.add_argument(
        "--max-replications",
        type=positive_int,
        default=DEFAULT_MAX_REPLICATIONS,
        metavar="N",
        help=f"cap per design (default {DEFAULT_MAX_REPLICATIONS})",
    )
    p.add_argument(
        "--batch",
        type=positive_int,
        default=1,
        metavar="B",
        help="replications per design per stage after the first (default 1); the decisions do not "
        "depend on it, the replications spent may",
    )
    p.add_argument("--seed", type=seed, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--out",
        type=output_path,
        metavar="DIR",
        default="optimize-out",
        help="output folder: new, empty, or an optimize run to resume (default optimize-out)",
    )
    confirm_arg(p)
    executor_args(p)
    p.set_defaults(func=cmd_optimize)


def _tolerances(args: argparse.Namespace, constraints) -> list[float]:
    given: dict[str, float] = {}
    for text in args.tolerance:
        name, sep, value = text.partition("=")
        try:
            eps = float(value)
        except ValueError:
            eps = float("nan")
        if not sep or not eps > 0 or eps == float("inf"):
            raise InputError(
                f"--tolerance {text!r}: expected METRIC=EPS with EPS > 0, e.g. abandon_rate=0.005"
            )
        given[name.strip()] = eps
    out, used = [], set()
    for c in constraints:
        left = c.text.partition(c.op)[0].strip()
        names = {left, str(c.ref), c.ref.metric if c.ref.level == "center" else str(c.ref)}
        name = next((n for n in given if n in names), None)
        eps = None if name is None else given[name]
        used.add(name)
        if eps is None:
            eps = DEFAULT_TOLERANCE_SHARE * abs(c.value)
            if eps == 0:
                raise InputError(
                    f"--constraint {c.text!r}: its bound is 0, so it has no default tolerance; give "
                    f"--tolerance {left}=EPS"
                )
        out.append(eps)
    unused = [n for n in given if n not in used]
    if unused:
        raise InputError(f"--tolerance {unused[0]}: no --constraint on that metric")
    return out


def cmd_optimize(args: argparse.Namespace) -> int:
    from ..experiment.replications import parse_metric_ref
    from ..experiment.sizing import estimate
    from ..studies.optimize import kn_constants
    from ..studies.optimize_run import OptimizeError, ReplicationsFailed, plan_designs, run_optimize
    from ..studies.sweep import SweepError, parse_constraint

    check_executor(args)
    if not 0 < args.alpha < 0.5:
        raise InputError(f"--alpha {args.alpha:g}: expected a probability between 0 and 0.5")
    if args.n0 < 2:
        raise InputError(f"--n0 {args.n0}: expected at least 2 (the first stage estimates variances)")
    if args.max_replications < args.n0:
        raise InputError(f"--max-replications {args.max_replications}: expected at least --n0 ({args.n0})")
    try:
        plan = plan_designs(args.scenario, args.vary, args.set, args.seed)
        sc = plan.base.scenario
        try:
            objective = parse_metric_ref(args.objective, sc)
        except ValueError as e:
            raise OptimizeError(f"--objective: {e}") from None
        constraints = [parse_constraint(c, sc) for c in args.constraint]
        tolerances = _tolerances(args, constraints)
        kn_constants(len(plan.variants), args.n0, args.alpha, len(constraints))
        k = len(plan.variants)
        step = max(1, k // 8)
        sample = [v.loaded for v in plan.variants[::step]]
        plan_executor(args, sample, args.n0, variants=k)
        check_size(
            args,
            [estimate(x.scenario) for x in sample],
            args.n0,
            variants=k,
            what=f"optimize's first stage of {k:,} design(s) x {args.n0} replication(s) = {k * args.n0:,} "
            f"(at most {k * args.max_replications:,} in all)",
            records=True,
            keeps_records=True,
            announce=sys.stdout,
        )
        _check_room(plan, check_output_folder(args.out, "--out"), args.n0)
        with executor_errors(), Progress(args) as progress:
            outcome = run_optimize(
                plan,
                Path(args.out),
                objective,
                constraints,
                tolerances,
                delta=args.delta,
                alpha=args.alpha,
                n0=args.n0,
                maximize=not args.minimize,
                max_replications=args.max_replications,
                batch=args.batch,
                executor=args.executor,
                workers=args.workers,
                scheduler=args.scheduler,
                progress=progress,
            )
    except SweepError as e:
        raise InputError(str(e)) from None
    except ReplicationsFailed as e:
        print(
            f"collectsim: error: {len(e.failed)} replication(s) raised; they are recorded in "
            f"{args.out}/replications.jsonl with the others: run the same command again to retry them",
            file=sys.stderr,
        )
        for f in e.failed[:5]:
            print(f"  {f['variant']} replication {f['replication']}: {f['error']}", file=sys.stderr)
        return EXIT_FAILED_REPLICATIONS
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; finished replications are kept in {args.out}: run the same command again to resume"
        ) from None
    _print(args, outcome)
    return EXIT_OK


def _check_room(plan, out: Path, n0: int) -> None:
    """Refuse a run whose first stage's records the disk has no room for (those of a run being
    resumed are there already)."""
    from ..experiment.output_size import sweep_bytes

    need = sweep_bytes([v.loaded.scenario for v in plan.variants], n0, len(plan.parameters))
    try:
        need -= (out / "replications.jsonl").stat().st_size
    except OSError:
        pass
    check_room([("--out", out, max(need, 0))])


def _values_text(values: dict) -> str:
    return ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in values.items())


def _print(args: argparse.Namespace, outcome) -> None:
    s, plan = outcome.summary, outcome.plan
    proc = s["procedure"]
    print(
        f"collectsim {__version__}  optimize of {plan.base.scenario.scenario.name!r} ({plan.base.source}): "
        f"{len(plan.variants)} design(s); seed {plan.seed}; alpha {proc['alpha']:g}, "
        f"delta {proc['delta']:g}, n0 {proc['n0']}; ran {outcome.ran} replication(s), "
        f"{outcome.reused} already done"
    )
    print(f"procedure: {proc['name']}; eta {proc['eta']:.4f}, h^2 {proc['h2']:.4f}")
    obj = s["objective"]
    cons = s["constraints"]
    print(
        f"objective: {obj['metric']} ({obj['sense']})"
        + (
            "; constraints: " + ", ".join(f"{c['text']} (tolerance {c['tolerance']:g})" for c in cons)
            if cons
            else ""
        )
    )
    params = s["parameters"]
    ids = {d["id"]: d for d in s["designs"]}
    head = ["design", *params, "status", "reps", obj["metric"], *[c["text"] for c in cons], "note"]
    rows = [head]
    for d in s["designs"]:
        note = ""
        if d["eliminated_by"]:
            note = f"below {d['eliminated_by']} after {d['eliminated_at']}"
        elif d["status"] == "infeasible":
            bad = next(c for c in d["constraints"] if c["decision"] == "infeasible")
            note = f"fails {bad['text']} after {bad['decided_at']}"
        rows.append(
            [
                d["id"],
                *[
                    d["values"][p] if isinstance(d["values"][p], str) else json.dumps(d["values"][p])
                    for p in params
                ],
                d["status"],
                str(d["replications"]),
                stat_of(d["objective"]),
                *[f"{stat_of(c)} {_mark(c['decision'])}" for c in d["constraints"]],
                note,
            ]
        )
    print("mean ± 95% CI half-width over the replications each design's decisions used")
    print(table(rows, left=(0, len(params) + 1, len(head) - 1)))
    print()
    ch = s["chosen"]
    if ch:
        o = ch["objective"]
        print(
            f"chosen: {ch['id']} ({_values_text(ch['values'])}): {obj['metric']} {stat_of(o)} "
            f"(95% CI {o['ci95_low']:,.6g} to {o['ci95_high']:,.6g}) "
            f"after {ids[ch['id']]['replications']} replications"
            + ("" if ch["feasibility_shown"] else "; its feasibility is NOT shown (undecided at the cap)")
        )
    else:
        print("chosen: none: no design was shown to meet the constraints")
    others = s["not_separated"]
    if ch:
        print(
            "could not separate from it: "
            + (", ".join(f"{i} ({_values_text(ids[i]['values'])})" for i in others) if others else "none")
        )
    for label, key in (("eliminated", "eliminated"), ("infeasible", "infeasible")):
        if s[key]:
            print(f"{label}: {', '.join(s[key])}")
    rep = s["replications"]
    print(
        f"replications: {rep['spent']:,} spent; an exhaustive grid at the same precision: "
        f"{len(plan.variants)} x {rep['grid_per_design']:,} = {rep['exhaustive_grid']:,} "
        f"({100 * rep['share_of_grid']:.0f}% of it spent; the grid's N per design is set from the "
        "first stage for the same guarantee: Bonferroni paired t, docs/optimize.md)"
    )
    if s["guarantee"]:
        print(
            f"guarantee: P(the chosen design is within delta = {proc['delta']:g} of the best feasible one) "
            f">= {1 - proc['alpha']:g}, for normal replication means with common random numbers"
            if ch
            else "guarantee: P(no design meets the constraints, within their tolerances) >= "
            f"{1 - proc['alpha']:g}"
        )
    else:
        print(
            f"guarantee: not established: stopped at --max-replications {proc['max_replications']} with "
            f"{len(others) + (1 if ch else 0)} design(s) in contention; rerun with a larger "
            "--max-replications to go on"
        )
    print(f"outputs in {outcome.out}/: summary.json, replications.jsonl, manifest.json")


def _mark(decision: str) -> str:
    return {"feasible": "ok", "infeasible": "NO", "undecided": "?"}[decision]
