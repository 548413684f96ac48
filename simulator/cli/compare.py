"""``compare``: two scenarios with common random numbers, paired differences with 95% CIs."""

from __future__ import annotations

import argparse
import functools
import sys

from .._version import __version__
from ..base.errors import EXIT_OK, InputError
from ..base.formatting import NA, number, table
from .budget import check_size, confirm_arg
from .common import (
    Progress,
    Subparsers,
    check_executor,
    check_room,
    emit,
    executor_args,
    executor_errors,
    json_args,
    json_target,
    plan_executor,
    replication_args,
    strict_arg,
    warn_breaches,
    wrap,
)

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    """Add compare to the subparsers ``sub``."""
    p = sub.add_parser(
        "compare",
        help="paired comparison of two scenarios with common random numbers",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap(
            "Run scenarios A and B with the same seeds (replication r of both draws from the "
            "named random streams of (seed, r): common random numbers) and print, for the "
            "center and each segment and team, A's and B's means, the paired difference "
            "B - A with its 95% t-interval, and the variance ratio var(B-A) / (var(A)+var(B)) "
            "(below 1: common random numbers made the comparison sharper than independent "
            "runs would; 0.25 = the precision of 4x as many independent replications)."
        ),
        epilog="examples:\n"
        "  collectsim compare base.toml policy_b.toml -r 20\n"
        "  collectsim compare base.toml --set-b teams.low_risk_team.headcount=14\n"
        "  collectsim compare base.toml --set-a dialer.mode=progressive --set-b dialer.mode=predictive\n"
        "With one file, B is the same file and --set-a / --set-b make the two variants;\n"
        "--set applies to both. A difference marked * has a 95% CI that excludes 0.",
    )
    p.add_argument("scenario", metavar="A", help="scenario TOML file A")
    p.add_argument("scenario_b", metavar="B", nargs="?", help="scenario TOML file B (default: A again)")
    p.add_argument(
        "--set", action="append", metavar="PATH=VALUE", help="override for both A and B (repeatable)"
    )
    p.add_argument("--set-a", action="append", metavar="PATH=VALUE", help="override for A only (repeatable)")
    p.add_argument("--set-b", action="append", metavar="PATH=VALUE", help="override for B only (repeatable)")
    replication_args(p, "paired replications (default 10; at least 2)")
    p.add_argument("--all-metrics", action="store_true", help="print every metric, not only the key ones")
    json_args(p, "the comparison JSON (schema collectsim.compare/1)")
    strict_arg(p)
    confirm_arg(p)
    executor_args(p)
    p.set_defaults(func=cmd_compare)


def _comparison_loaded(args: argparse.Namespace):
    from ..scenario import load_scenario

    both = list(args.set or ())
    path_b = args.scenario_b if args.scenario_b is not None else args.scenario
    if args.scenario_b is None and not (args.set_a or args.set_b):
        raise InputError(
            "compare needs two scenarios: give a second file B, or variants of A with "
            "--set-a PATH=VALUE and/or --set-b PATH=VALUE"
        )
    return (
        load_scenario(args.scenario, both + list(args.set_a or ())),
        load_scenario(path_b, both + list(args.set_b or ())),
    )


def _label(loaded) -> str:
    over = "".join(f" --set {o}" for o in loaded.overrides)
    return f"{loaded.scenario.scenario.name!r} ({loaded.source}{over}; sha256 {loaded.sha256[:12]})"


def cmd_compare(args: argparse.Namespace) -> int:
    from ..experiment.replications import ALL_METRICS, KEY_METRICS
    from ..measures.lift import LIFT_METRICS
    from ..studies.comparison import run_comparison

    check_executor(args)
    if args.replications < 2:
        raise InputError(f"-r {args.replications}: a paired comparison needs at least 2 replications")
    la, lb = _comparison_loaded(args)
    json_out = json_target(args)
    from ..experiment.output_size import compare_bytes
    from ..experiment.sizing import estimate

    check_room([("--json", json_out, compare_bytes(la.scenario, lb.scenario, args.replications))])
    plan_executor(args, [la, lb], args.replications)
    check_size(
        args,
        [estimate(la.scenario), estimate(lb.scenario)],
        args.replications,
        documents=json_out is not None,
    )
    with executor_errors(), Progress(args, 2 * args.replications) as progress:
        cmp = run_comparison(
            la,
            lb,
            args.replications,
            args.seed,
            progress,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
        )
    say = functools.partial(
        print, file=sys.stderr if json_out is not None and json_out.is_stdout else sys.stdout
    )
    if json_out is not None:  # before the tables: a reader that goes away (| head) must not cost it
        emit(json_out, cmp.to_json())
    metrics = ALL_METRICS if args.all_metrics else KEY_METRICS
    living = la.scenario.portfolio_on or lb.scenario.portfolio_on
    if not args.all_metrics and living:
        # a living portfolio: the decision figure first, then its dollars on the cash basis of
        # the called accounts and the losses
        metrics = (
            "net_economic_value",
            *metrics,
            "self_cure_collected",
            "collected_cash",
            "incremental_collected",
            "incremental_share",
            "expected_loss_end",
            "loss_avoided",
        )
    if not args.all_metrics and any(
        x.scenario.portfolio_on and x.scenario.special_on("roll_rates") for x in (la, lb)
    ):
        metrics = (*metrics, *LIFT_METRICS)  # the calling's lift over the control (measures/lift.py)
    if not args.all_metrics and (la.scenario.inbound is not None or lb.scenario.inbound is not None):
        # the inbound side: its service beside the outbound contacts it trades against
        metrics = (
            *metrics,
            "outbound_rpc",
            "service_level",
            "inbound_abandon_rate",
            "asa_s",
            "inbound_collected",
        )
    if not args.all_metrics and (la.scenario.channels is not None or lb.scenario.channels is not None):
        # messages: what they sent, brought and cost, and the opt-outs they drew
        metrics = (*metrics, "cost", "channel_sent", "channel_collected", "channel_opt_outs", "cost_channels")
    say(
        f"collectsim {__version__}  compare: seed {args.seed}, {args.replications} paired replications "
        "(common random numbers)"
    )
    say(f"A: {_label(la)}")
    say(f"B: {_label(lb)}")
    if la.sha256 == lb.sha256:
        say("note: A and B resolve to the same scenario; every difference is 0")
    if living:
        say(
            "net_economic_value (the decision figure) = loss_avoided - cost; "
            "net_value (collections) = collected + agency_collected - cost"
        )
    for level, extra in cmp.only_in_one().items():
        for side, names in extra.items():
            if names:
                say(f"note: {level} only in {side.upper()} (not compared): {', '.join(names)}")
    header = ["A mean", "B mean", "B - A", "95% CI of B - A", "var ratio"]
    for level, unit in cmp.units():
        say()
        say("center" if level == "center" else f"{level[:-1]} {unit}")
        say(table([["metric", *header], *(_paired_row(m, cmp.paired(level, unit, m)) for m in metrics)]))
    for block, keys in cmp.blocks().items():
        if block == "vintages":  # each curve's last point (every point is in --json)
            from ..report.vintages import last_age_keys

            keys = last_age_keys(keys)
        elif block == "channels":  # each channel's totals (per segment too in --json)
            keys = [k for k in keys if k.count("/") == 1]
        elif block == "inbound_by_hour":  # the service level of each hour (every entry is in --json)
            keys = [k for k in keys if k.endswith("_service_level")]
        say()
        say(f"{block} (result block)")
        say(table([["entry", *header], *(_paired_row(k, cmp.paired_block(block, k)) for k in keys)]))
        if block == "placement" and "inhouse_collectors" in keys:
            say(_placement_staffing(cmp, lb.scenario))
    say()
    say(
        "* the 95% CI of B - A excludes 0.  var ratio = var(B - A) / (var(A) + var(B)): the variance of "
        "the paired difference against independent sampling; below 1, common random numbers helped."
    )

    return warn_breaches([("A: ", cmp.a.breaches()), ("B: ", cmp.b.breaches())], args.strict, EXIT_OK)


def _placement_staffing(cmp, sb) -> str:
    """Whether the placement what-if held in-house staff or moved them, and, when held, the
    headcount that would follow the work: each of B's teams scaled by B's open accounts / A's."""
    means = {
        k: (d["a_mean"], d["b_mean"])
        for k in ("inhouse_collectors", "inhouse_open_accounts", "inhouse_open_accounts_per_collector")
        for d in [cmp.paired_block("placement", k)]
    }
    (a_n, b_n), (a_open, b_open), (a_per, b_per) = means.values()
    work = (
        f"open accounts per collector A {a_per:,.0f}, B {b_per:,.0f}"
        if a_per is not None and b_per is not None
        else "open accounts per collector not measured"
    )
    if a_n != b_n:
        return f"note: in-house staff moved with the what-if: A {a_n:.0f}, B {b_n:.0f} collectors ({work})"
    out = f"note: in-house staff held at {a_n:.0f} collector(s) in A and B ({work})."
    if a_open and b_open is not None and abs(b_open - a_open) > 0.005 * a_open:
        r = b_open / a_open
        sets = " ".join(
            f"--set-b teams.{t}.headcount={max(1, round(team.headcount * r))}" for t, team in sb.teams.items()
        )
        out += f" To move staff with the work (x{r:.2f}, A's accounts per collector): {sets}"
    return out + " (docs/portfolio.md)"


def _paired_row(name: str, d: dict) -> list[str]:
    """A row of the compare table: both means, B - A (marked * when its CI excludes 0), the CI and
    the variance ratio."""
    ci = (
        f"[{number(d['diff_ci95_low'])}, {number(d['diff_ci95_high'])}]"
        if d["diff_ci95_low"] is not None
        else NA
    )
    ratio = NA if d["variance_ratio"] is None else number(d["variance_ratio"], decimals=3)
    return [
        name,
        number(d["a_mean"]),
        number(d["b_mean"]),
        number(d["diff_mean"]) + (" *" if _excludes_zero(d) else "  "),
        ci,
        ratio,
    ]


def _excludes_zero(d: dict) -> bool:
    lo, hi = d["diff_ci95_low"], d["diff_ci95_high"]
    return lo is not None and (lo > 0 or hi < 0)
