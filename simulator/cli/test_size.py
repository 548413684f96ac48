"""``test-size``: the accounts (and days of inflow) a champion/challenger test needs to detect a
lift with a given power, from the scenario's own simulated variance (a pilot)."""

from __future__ import annotations

import argparse
import functools
import math
import sys

from .._version import __version__
from ..base.errors import EXIT_OK, InputError
from ..base.formatting import number
from .budget import check_size, confirm_arg
from .common import (
    Progress,
    Subparsers,
    check_room,
    emit,
    executor_args,
    executor_errors,
    json_args,
    json_target,
    load,
    number_arg,
    plan_executor,
    replication_args,
    scenario_args,
    wrap,
)

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    """Add test-size to the subparsers ``sub``."""
    p = sub.add_parser(
        "test-size",
        help="accounts and days a champion/challenger test needs, from a simulated pilot",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap(
            "Run a pilot of the scenario (its champion against a challenger; without arms, an "
            "A/A split of the called accounts 50/50 with the same treatment), read per replication "
            "the challenger-minus-champion difference D_r of a per-account figure and the arms' "
            "accounts, and estimate the per-account standard deviation sigma = sqrt(Var(D_r) / "
            "mean(1/n_champion + 1/n_challenger)), with its chi-square upper bound. Then print the "
            "accounts a two-sided test at --alpha needs to detect --lift with --power: "
            "N = sigma^2 (1/s_c + 1/s_h) (z(1-alpha/2) + z(power))^2 / lift^2, split by --shares, "
            "and the calendar days of inflow that enrol them (docs/champion-challenger.md)."
        ),
        epilog="examples:\n"
        "  collectsim test-size scenarios/strategy.toml --metric collected_cash_per_account \\\n"
        "      --lift-relative 0.02\n"
        "  collectsim test-size scenarios/open_portfolio.toml --metric cost_per_account --lift 0.1 -r 8\n"
        "  collectsim test-size scenarios/strategy.toml --metric cure_rate_treated --lift 0.01 \\\n"
        "      --shares 0.8,0.2",
    )
    scenario_args(p, optional=False)
    p.add_argument(
        "--metric",
        required=True,
        metavar="METRIC",
        help="the arm's per-account figure or rate the test decides on, e.g. collected_per_account",
    )
    p.add_argument(
        "--lift", type=number_arg, metavar="X", help="the lift to detect, in the metric's units (not 0)"
    )
    p.add_argument(
        "--lift-relative",
        type=number_arg,
        metavar="R",
        help="the lift to detect as a share of the champion's pilot mean, e.g. 0.05",
    )
    p.add_argument(
        "--alpha", type=number_arg, default=0.05, help="two-sided level of the test (default 0.05)"
    )
    p.add_argument("--power", type=number_arg, default=0.8, help="power to detect the lift (default 0.8)")
    p.add_argument(
        "--shares",
        metavar="C,H",
        help="the champion's and the challenger's shares of the test's accounts (default: the "
        "scenario's arms, or 0.5,0.5)",
    )
    p.add_argument(
        "--challenger",
        metavar="ARM",
        help="with several challengers, the one to size for (default: the first)",
    )
    replication_args(p, "pilot replications (default 10; at least 2)")
    json_args(p, "the answer (schema collectsim.test-size/1)")
    confirm_arg(p)
    executor_args(p)
    p.set_defaults(func=cmd_test_size)


def _check_args(args: argparse.Namespace) -> tuple[float, float] | None:
    from ..studies.test_size import check_design
    from ..studies.test_size_pilot import check_metric, parse_shares

    try:
        check_metric(args.metric)
        shares = parse_shares(args.shares) if args.shares is not None else None
    except ValueError as e:
        raise InputError(str(e)) from None
    if (args.lift is None) == (args.lift_relative is None):
        raise InputError("give the lift to detect: exactly one of --lift X and --lift-relative R")
    for name, v in (("--lift", args.lift), ("--lift-relative", args.lift_relative)):
        if v is not None and v == 0:
            raise InputError(
                f"{name} 0: a lift of 0 cannot be detected; give the smallest lift worth finding"
            )
    if not 0 < args.alpha < 1:
        raise InputError(f"--alpha {args.alpha:g}: expected a level in (0, 1), e.g. 0.05")
    if not 0 < args.power < 1:
        raise InputError(f"--power {args.power:g}: expected a probability in (0, 1), e.g. 0.8")
    if args.replications < 2:
        raise InputError(
            f"-r {args.replications}: the pilot needs at least 2 replications to estimate a variance"
        )
    # before the pilot: quantiles and the lift's square that double precision cannot hold
    for name, v in (("--lift", args.lift), ("--lift-relative", args.lift_relative)):
        if v is not None:
            try:
                check_design(args.alpha, args.power, v, prefix="--", lift_name=name)
            except ValueError as e:
                raise InputError(str(e)) from None
    return shares


def _default_shares(loaded, challenger: str | None) -> tuple[float, float]:
    strategy = loaded.scenario.strategy
    if strategy is None or len(strategy.arm_names) < 2:
        return 0.5, 0.5
    arms = dict(zip(strategy.arm_names, strategy.arm_shares))
    c = arms[strategy.arm_names[0]]
    h = arms.get(challenger or strategy.arm_names[1], arms[strategy.arm_names[1]])
    return c / (c + h), h / (c + h)


def cmd_test_size(args: argparse.Namespace) -> int:
    from ..experiment.sizing import estimate
    from ..studies.test_size_pilot import pilot_scenario, read_pilot, size_test, test_size_document

    shares = _check_args(args)
    loaded = load(args)
    try:
        run, a_a = pilot_scenario(loaded)
    except ValueError as e:
        raise InputError(str(e)) from None
    names = run.scenario.strategy.arm_names
    if args.challenger is not None and args.challenger not in names[1:]:
        raise InputError(
            f"--challenger {args.challenger!r}: expected one of the challengers: {', '.join(names[1:])}"
        )
    if shares is None:
        shares = _default_shares(run, args.challenger)
    json_out = json_target(args)
    check_room([("--json", json_out, 4096)])
    plan_executor(args, [run], args.replications)
    check_size(args, [estimate(run.scenario)], args.replications, documents=0)
    from ..experiment.replications import run_experiment

    with executor_errors(), Progress(args, args.replications) as progress:
        res = run_experiment(
            run,
            args.replications,
            args.seed,
            progress,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
        )
    try:
        pilot = read_pilot(res, args.metric, a_a, args.challenger)
        size = size_test(pilot, args.lift, args.lift_relative, args.alpha, args.power, shares)
    except ValueError as e:
        raise InputError(
            f"{e} (the pilot had {len(res.values(f'arms.{names[0]}.accounts'))} replication(s))"
        ) from None
    doc = test_size_document(pilot, size, args.seed)
    say = functools.partial(
        print, file=sys.stderr if json_out is not None and json_out.is_stdout else sys.stdout
    )
    if json_out is not None:
        import json

        emit(json_out, json.dumps(doc, indent=1, allow_nan=False) + "\n")
    for line in report_lines(doc, loaded, args):
        say(line)
    return EXIT_OK


def _n(v: float) -> str:
    return f"{v:,.0f}"


def report_lines(doc: dict, loaded, args: argparse.Namespace) -> list[str]:
    """The text answer of test-size from its JSON document."""
    over = "".join(f" --set {o}" for o in loaded.overrides)
    kind = (
        "an A/A split of the called accounts 50/50, the same treatment (the scenario has no arms)"
        if doc["a_a"]
        else f"{doc['challenger']} against {doc['champion']}"
    )
    metric = doc["metric"]
    lift = doc["lift"]
    rel = "" if doc["lift_relative"] is None else f" ({doc['lift_relative']:+.1%} of the champion's mean)"
    up = f"{doc['upper_level']:.0%}"
    out = [
        f"collectsim {__version__}  test-size: scenario {loaded.scenario.scenario.name!r} "
        f"({loaded.source}{over}; sha256 {loaded.sha256[:12]})",
        f"pilot: seed {args.seed}, {doc['pilot_replications']} replication(s) with a value, {kind}; "
        f"{_n(doc['pilot_champion_accounts'])} and {_n(doc['pilot_challenger_accounts'])} "
        "accounts a replication",
        f"metric: {metric}; champion mean {number(doc['champion_mean'])}, challenger - champion in the "
        f"pilot {number(doc['pilot_mean_difference'])}",
        f"sigma per account: {number(doc['sigma_per_account'])} ({up} upper bound "
        f"{number(doc['sigma_per_account_upper'])}, chi-square on {doc['pilot_replications'] - 1} d.f.)",
        "",
        f"to detect a lift of {number(lift)}{rel}, two-sided alpha {doc['alpha']:g}, power {doc['power']:g}, "
        f"shares {doc['shares']['champion']:g} / {doc['shares']['challenger']:g}:",
        f"  accounts: champion {_n(doc['accounts_champion'])}, challenger {_n(doc['accounts_challenger'])}, "
        f"total {_n(doc['accounts_total'])} (at sigma's upper bound: {_n(doc['accounts_total_upper'])})",
    ]
    if doc["days"] is None:
        out.append("  days of inflow: none (a closed portfolio: the test enrols the accounts it holds)")
    else:
        out.append(
            f"  days of inflow to enrol them: {doc['days']:,.1f} calendar days "
            f"({doc['days_upper']:,.1f} at the upper bound), at {doc['entries_per_day']:,.1f} "
            "accounts entering the arms a day"
        )
    p = doc["pilot_power"]
    out.append(
        f"  the pilot's own size ({_n(doc['pilot_champion_accounts'])} + "
        f"{_n(doc['pilot_challenger_accounts'])} accounts, one replication) detects this lift "
        f"with power {p:.2f}"
    )
    if not math.isfinite(doc["sigma_per_account"]) or doc["sigma_per_account"] == 0:
        out.append("note: the pilot's differences do not vary: the metric may be constant across arms")
    return out
