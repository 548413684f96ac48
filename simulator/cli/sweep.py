"""``sweep`` and ``staff``: grids of variants, resumable, and the headcount what-if."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .._version import __version__
from ..base.errors import EXIT_OK, InputError, Interrupted
from ..base.fileio import check_output_folder
from ..base.formatting import stat_of, table
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
    replication_args,
    strict_arg,
    warn_breaches,
    wrap,
)

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    """Add sweep and staff to the subparsers ``sub``."""
    sweep_epilog = (
        "outputs in --out DIR:\n"
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
        'raised: their errors are in summary.json "failed" and replications.jsonl, every\n'
        "other result is written, and a rerun tries the failed ones again; 4 with --strict,\n"
        "a variant exceeded a compliance limit (a warning: line names it); 130 interrupted\n"
        "(finished replications are kept)."
    )
    p = sub.add_parser(
        "sweep",
        help="every combination of scenario values, N replications each; resumable",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap(
            "Run the full grid of variants given by --set PATH=V1,V2,... (the cartesian product "
            "of the value lists; a single value is a fixed override), N replications each, on "
            "the chosen executor. Values are TOML values (5,10,15 or progressive,predictive or "
            "[1,2],[3]); commas inside brackets and quotes do not split."
        ),
        epilog="example:\n  collectsim sweep scenarios/table_14_1.toml "
        "--set teams.low_risk_team.headcount=5,10,15 -r 4 --workers 2 --out sweep-out\n\n" + sweep_epilog,
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument(
        "--set",
        action="append",
        metavar="PATH=V1,V2,...",
        required=True,
        help="a scenario value to vary (or fix, with one value); repeatable",
    )
    _sweep_common(p, "sweep-out")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "staff",
        help="what-if on a team's headcount: value, net value per added collector, RPC/h, service",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap(
            "Sweep one team's headcount over --range A:B and report for the center, per "
            "headcount, value per paid hour, net value (collected + next stage's recoveries - full "
            "cost), the net "
            "value each added collector brings over the previous headcount (paired replication "
            "by replication: common random numbers), RPC per productive hour, abandon rate, list "
            "coverage (accounts_dialed_share: the share of accounts dialed at least once) and "
            "service (attempted_7d_share and contacted_7d_share: open accounts dialed and reached "
            "in the last 7 days of calling; attempts_per_account), with 95% CIs. With a living "
            "portfolio and a control group, net economic value (the expected loss the calling "
            "prevents against the never-called control - cost) and its marginal per added collector "
            "come first and are the decision figure, with cash net value beside them. Names the "
            "headcount with the largest mean decision figure, the last one up to which every added "
            "collector pays beyond doubt, and the smallest one meeting every --constraint. Writes "
            'the sweep outputs (plus a "staffing" block in summary.json) and resumes like sweep.'
        ),
        epilog="example:\n  collectsim staff scenarios/table_14_1.toml --team low_risk_team --range 8:16 "
        "--step 2 -r 6 \\\n      --constraint 'abandon_rate<=0.03' "
        "--constraint 'accounts_dialed_share>=0.5'\n"
        "  collectsim staff INBOUND.toml --team desk --range 6:12 -r 6 \\\n"
        "      --constraint 'service_level>=0.8'\n\n"
        "constraints (quote them: < and > are special to the shell): METRIC<=V or METRIC>=V;\n"
        "METRIC is a center metric (abandon_rate) or LEVEL.UNIT.METRIC\n"
        "(segments.low_risk.accounts_dialed_share); the inbound queue's service_level\n"
        "and inbound_abandon_rate are center or segment metrics. The smallest headcount\n"
        "meeting them is given on the means and, more cautiously, with the whole 95% CI.\n\n" + sweep_epilog,
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument("--team", required=True, metavar="NAME", help="the team whose headcount varies")
    p.add_argument(
        "--range", required=True, metavar="A:B", dest="hc_range", help="headcounts from A to B inclusive"
    )
    p.add_argument("--step", type=positive_int, default=1, metavar="K", help="headcount step (default 1)")
    p.add_argument(
        "--constraint",
        action="append",
        metavar="METRIC<=V",
        default=[],
        help="a requirement, e.g. abandon_rate<=0.03 or accounts_dialed_share>=0.8; repeatable",
    )
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="fixed override (repeatable)")
    _sweep_common(p, "staff-out")
    p.set_defaults(func=cmd_staff)


def _sweep_common(p: argparse.ArgumentParser, default_out: str) -> None:
    replication_args(p, "replications per variant (default 10)")
    p.add_argument(
        "--out",
        type=output_path,
        metavar="DIR",
        default=default_out,
        help=f"output folder: new (its parent must exist), empty, or a sweep to resume "
        f"(default {default_out})",
    )
    strict_arg(p)
    confirm_arg(p)
    executor_args(p)


def _run_sweep(args: argparse.Namespace, sets: list[str], extra=None, swept: tuple[str, range] | None = None):
    """Size the grid (``sets``, and ``swept``: a (PATH, values) list given as a range), say it and
    refuse it beyond the bounds without --yes (cli/budget.py), then plan and run it."""
    from ..experiment.sizing import estimate
    from ..studies.sweep import SweepError, grid_size, plan_sweep, run_sweep

    check_executor(args)
    try:
        grid = grid_size(args.scenario, sets, [swept] if swept else [])
        out = check_output_folder(args.out, "--out")
        plan_executor(args, grid.sample, args.replications, variants=grid.variants)
        n = grid.variants * args.replications
        what = f"{args.command} of {grid.variants:,} variant(s) x {args.replications:,} replication(s)"
        what += f" = {n:,}"
        check_size(
            args,
            [estimate(x.scenario) for x in grid.sample],
            args.replications,
            variants=grid.variants,
            what=what,
            records=True,
            documents=1,
            tidy=True,
            keeps_records=True,
            announce=sys.stdout,
        )
        if swept:
            sets = sets + [f"{swept[0]}={','.join(str(v) for v in swept[1])}"]
        plan = plan_sweep(args.scenario, sets, args.replications, args.seed)
        _check_room(plan, out)
        with executor_errors(), Progress(args) as progress:
            outcome = run_sweep(
                plan,
                Path(args.out),
                args.executor,
                args.workers,
                args.scheduler,
                progress=progress,
                extra=extra,
            )
    except SweepError as e:
        raise InputError(str(e)) from None
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; finished replications are kept in {args.out}: run the same command again to resume"
        ) from None
    n = len(plan.variants) * plan.replications
    print(
        f"collectsim {__version__}  sweep of {plan.base.scenario.scenario.name!r} ({plan.base.source}): "
        f"{len(plan.variants)} variant(s) x {plan.replications} replication(s) = {n}; seed {plan.seed}; "
        f"ran {outcome.ran}, {outcome.skipped} already done"
    )
    return plan, outcome


def _check_room(plan, out: Path) -> None:
    """Refuse a sweep whose files the disk has no room for, before it runs (the records of a
    sweep being resumed are there already)."""
    from ..experiment.output_size import sweep_bytes

    need = sweep_bytes([v.loaded.scenario for v in plan.variants], plan.replications, len(plan.parameters))
    try:
        need -= (out / "replications.jsonl").stat().st_size
    except OSError:
        pass
    check_room([("--out", out, max(need, 0))])


def _sweep_done(outcome, strict: bool = False) -> int:
    print(f"outputs in {outcome.out}/: summary.json, summary.csv, tidy.csv, variants/, replications.jsonl")
    found = [
        (f"{v['id']} ({_values_text(v['values'])}): ", v.get("breaches") or [])
        for v in outcome.summary["variants"]
    ]
    code = warn_breaches(found, strict, EXIT_OK)
    if outcome.failed:
        print(
            f"collectsim: warning: {len(outcome.failed)} replication(s) failed and are recorded in "
            f'{outcome.out}/summary.json ("failed"); the others are complete. Run again to retry them.',
            file=sys.stderr,
        )
        for f in outcome.failed[:5]:
            print(f"  {f['variant']} replication {f['replication']}: {f['error']}", file=sys.stderr)
        from ..studies.sweep import EXIT_FAILED_REPLICATIONS

        return EXIT_FAILED_REPLICATIONS
    return code


def _values_text(values: dict) -> str:
    return ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in values.items()) or "base"


def cmd_sweep(args: argparse.Namespace) -> int:
    plan, outcome = _run_sweep(args, list(args.set))
    params = [p for p, _ in plan.parameters]
    economic = any(
        v["metrics"] and v["metrics"]["center"]["net_economic_value"]["mean"] is not None
        for v in outcome.summary["variants"]
    )
    shown = ("value_per_paid_hour", "rpc_per_productive_hour", "net_value", "abandon_rate")
    if economic:
        shown = ("net_economic_value", *shown)
    inbound = any(
        v["metrics"] and v["metrics"]["center"]["service_level"]["mean"] is not None
        for v in outcome.summary["variants"]
    )
    if inbound:  # the inbound service beside the outbound contacts it trades against
        shown = (*shown, "outbound_rpc", "service_level", "inbound_abandon_rate")
    rows = [["variant", *params, "ok", *shown]]
    for v in outcome.summary["variants"]:
        c = v["metrics"]["center"] if v["metrics"] else {}
        rows.append(
            [
                v["id"],
                *[
                    json.dumps(v["values"][p]) if not isinstance(v["values"][p], str) else v["values"][p]
                    for p in params
                ],
                f"{v['replications_ok']}/{plan.replications}",
                *[stat_of(c.get(m)) for m in shown],
            ]
        )
    print("center, mean ± 95% CI half-width:")
    if economic:
        print(
            "net_economic_value (the decision figure) = loss avoided against the never-called control "
            "- cost; net_value (collections) = collected + next stage's recoveries - cost"
        )
    print(table(rows))
    return _sweep_done(outcome, args.strict)


def cmd_staff(args: argparse.Namespace) -> int:
    from ..scenario import load_scenario
    from ..studies.sweep import STAFF_METRICS, SweepError, headcount_values, parse_constraint, staffing_block

    base = load_scenario(args.scenario, args.set or ())
    if args.team not in base.scenario.teams:
        raise InputError(
            f"{args.scenario}: --team {args.team!r}: no such team; expected one of: "
            f"{', '.join(base.scenario.teams)}"
        )
    try:
        values = headcount_values(args.hc_range, args.step)
        constraints = [parse_constraint(c, base.scenario) for c in args.constraint]
    except SweepError as e:
        raise InputError(str(e)) from None
    path = f"teams.{args.team}.headcount"
    if any(s.partition("=")[0].strip() == path for s in args.set or ()):
        raise InputError(
            f"--set {path}: the headcount of team {args.team!r} is what staff varies; use --range instead"
        )
    plan, outcome = _run_sweep(
        args,
        list(args.set or ()),
        extra=lambda summ: {"staffing": staffing_block(summ, args.team, path, constraints)},
        swept=(path, values),
    )
    st = outcome.summary["staffing"]
    economic = st["decision_metric"] == "net_economic_value"
    labels = {
        "value_per_paid_hour": "value/paid h",
        "net_value": "net value (collections)" if economic else "net value",
        "net_economic_value": "net economic value",
        "incremental_collected": "incremental cash",
        "loss_avoided": "loss avoided",
        "rpc_per_productive_hour": "RPC/prod h",
        "abandon_rate": "abandon rate",
        "accounts_dialed_share": "coverage",
        "attempted_7d_share": "attempted 7d",
        "contacted_7d_share": "contacted 7d",
        "attempts_per_account": "attempts/acct",
        "service_level": "service level",
        "inbound_abandon_rate": "inbound abandon",
        "asa_s": "ASA s",
    }
    valued = ("net_economic_value", "net_value") if economic else ("net_value",)
    others = [
        m
        for m in STAFF_METRICS
        if m not in ("net_value", "net_economic_value")
        and any(r[m] and r[m]["mean"] is not None for r in st["rows"])
    ]
    head = ["headcount"]
    for m in valued:
        head += [labels[m], "+1 collector" + (" (collections)" if economic and m == "net_value" else "")]
    rows = [head + [labels[m] for m in others]]
    for r in st["rows"]:
        row = [str(r["headcount"])]
        for m in valued:
            mv = r[f"marginal_{m}"]
            row += [stat_of(r[m]), stat_of(mv) if mv else "-"]
        rows.append(row + [stat_of(r[m], percent=m.endswith(("_share", "_rate", "_level"))) for m in others])
    print(
        f"team {args.team!r}: center metrics per headcount, mean ± 95% CI half-width. +1 collector: "
        "what each added collector brings over the previous headcount (paired by replication). "
        + (
            "net economic value (the decision figure) = loss avoided against the never-called "
            "control - cost; net value (collections) = collected + next stage's recoveries - cost. "
            if economic
            else ""
        )
        + "coverage: share of accounts dialed at least once; attempted/contacted 7d: share of open "
        "accounts dialed/reached in the last 7 days of calling (%)"
        + (
            "; service level: inbound calls answered within the threshold / calls, inbound abandon: "
            "calls abandoned / calls (%), ASA: average speed of answer of the answered calls"
            if "service_level" in others
            else ""
        )
    )
    print(table(rows))
    print()
    decision = labels[st["decision_metric"]]
    b = st["best"]
    if b:
        print(f"largest mean {decision}: headcount {b['headcount']} ({stat_of(b)})")
    if economic and st["best_net_value"]:
        bc = st["best_net_value"]
        print(
            f"largest mean net value (collections), for comparison: headcount {bc['headcount']} "
            f"({stat_of(bc)})"
        )
    paying = st["last_paying_headcount"]
    print(
        f"each added collector brings {decision} (95% CI above 0) "
        + (f"up to headcount {paying}" if paying is not None else "at no step of the range")
    )
    if constraints:
        cs = " and ".join(c.text for c in constraints)
        m, mc = st["smallest_meeting_constraints"], st["smallest_meeting_constraints_ci95"]
        print(
            f"smallest headcount meeting {cs}: "
            + (f"{m['headcount']} (on the means)" if m else "none in the range (on the means)")
            + "; "
            + (
                f"{mc['headcount']} with the whole 95% CI inside"
                if mc
                else "none with the whole 95% CI inside"
            )
        )
    return _sweep_done(outcome, args.strict)
