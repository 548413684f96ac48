"""The ``collectsim calibrate`` subcommand. The CLI calls :func:`register` with its subparsers
object; the command's ``func`` returns the exit code: 0, or 2 for bad input (bad data naming
file, row and column; a bad base scenario; an output path that cannot be written, or that exists
without --force), with a message and no traceback. With --lenient, rows that break a rule of the
data formats are left out instead, and the summary and the fitted scenario's notes count them.
Output paths follow the rules of simulator.base.fileio: checked before any work, written
atomically, an existing file replaced only with --force and left untouched when it already holds
the content."""

from __future__ import annotations

import argparse
import functools
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..base.errors import EXIT_BREACH
from ..base.formatting import table
from .argtypes import output_path, positive_int, seed
from .common import Subparsers

if TYPE_CHECKING:  # pragma: no cover
    from ..calibrate.api import Calibrated
    from ..calibrate.not_from_data import NotFromData, ValueSplit
    from ..calibrate.read.screen import Exclusion

__all__ = ["register", "cmd_calibrate"]

EXIT_INPUT = 2
EXIT_STRICT = EXIT_BREACH
"""``--backtest --strict``: the back-test FAILED or was INCONCLUSIVE; the exit code of every
``--strict`` finding (docs/contract.md)."""

DESCRIPTION = """\
Fit a scenario to an operation's own data and write it as a scenario file whose [calibration]
section lists every fitted number with its standard error and 95% interval.

DIR holds one CSV file per kind of event, as a dialer and a collection system export them
(docs/data-formats.md): dials.csv (required), promises.csv, payments.csv, accounts.csv,
shifts.csv and account_events.csv. What is fitted: outcome probabilities with hour-of-day and
weekday contact curves (a smoothed GLM), ring/talk/wrap times (lognormal or gamma by AIC),
promise and keep rates, the promised amount, the due-day distribution, teams' shifts and
productive rate. When the files show a living portfolio: inflow by weekday, self-cure, the
control share, minimum payments, re-defaults, phones; and with scores and days past due in
accounts.csv, account-level behaviour ([portfolio.behaviour]: answer, promise, keep, amount and
self-cure links and contact fatigue). Without shifts.csv give --base for the teams.

With --kpi DAILY.csv instead of DIR, one row per collector or team per day (date, team,
collector_id, paid_hours, productive_hours, dials, rpc, promises, kept, collected_usd): the
ratios those identify are fitted onto --base (default: the bundled table_14_1), and what they
cannot identify is printed.

Records are checked before anything is fitted (docs/data-formats.md, "What is an error"): a bad
value, a repeated key, an account or promise no other file knows, a date far outside the data's
period, a daily row whose layers are out of order. The first bad row is an error naming the file,
row and column (exit 2). With --lenient such rows are left out and counted: the summary, the
[calibration] notes and the report say how many rows of which file, and why. A problem of a
whole file (missing, not CSV, a column missing or named twice, rows out of order) is an error
either way.

--backtest holds out the last --holdout-days calling days, fits the rest, simulates the
held-out days (after the fitted days, from the data's initial portfolio) and prints each
pyramid layer and the daily volumes: observed (with the SE of its own sampling) against
simulated, the smallest error each check would detect, and a verdict per layer: pass, FAIL, or
inconclusive when the check could not detect an error of 25% (docs/data-formats.md gives the
rule). With --no-fit it checks --base as it is against every calling day (or the last
--holdout-days). A failed or inconclusive back-test is a finding, exit 0, unless --strict (exit
4)."""

EPILOG = """\
examples:
  collectsim calibrate export/ --out fitted.toml
  collectsim calibrate export/ --out fitted.toml --base scenarios/table_14_1.toml --html calibration.html
  collectsim calibrate export/ --out fitted.toml --backtest --holdout-days 5 -r 20
  collectsim calibrate export/ --backtest --base my_center.toml --no-fit --strict
  collectsim calibrate --kpi daily.csv --base my_center.toml --out fitted.toml"""


def register(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Add ``calibrate`` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "calibrate",
        help="fit a scenario to a center's own data (dial trace or daily KPIs)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "folder", nargs="?", metavar="DIR", help="folder holding dials.csv and the other CSV files"
    )
    p.add_argument(
        "--out",
        type=output_path,
        metavar="FILE",
        help="write the fitted scenario (TOML) here (- for standard output)",
    )
    p.add_argument(
        "--base",
        metavar="SCENARIO",
        help="start from this scenario and replace only what the data "
        "identify (teams, wages, policies... come from it)",
    )
    p.add_argument("--kpi", metavar="DAILY.csv", help="fit daily KPI aggregates instead of a trace folder")
    p.add_argument("--backtest", action="store_true", help="hold out the last days, simulate them, compare")
    p.add_argument(
        "--holdout-days",
        type=positive_int,
        default=None,
        metavar="N",
        help="calling days held out by --backtest (default: a fifth of the days, at least 1; "
        "with --no-fit every calling day)",
    )
    p.add_argument(
        "-r",
        "--replications",
        type=positive_int,
        default=10,
        metavar="N",
        help="replications of the held-out days in the back-test (default 10, at least 2)",
    )
    p.add_argument(
        "--seed", type=seed, default=1, metavar="S", help="random seed of the back-test (default 1)"
    )
    p.add_argument(
        "--no-fit",
        action="store_true",
        help="with --backtest: simulate --base as it is instead of a "
        "fit of the data (check a scenario against the data)",
    )
    p.add_argument(
        "--no-value-split",
        action="store_true",
        help="skip the short run (2 replications) of the fitted scenario that shows apart the "
        "dollars of its net value resting on values not from data",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help=f"with --backtest: exit {EXIT_STRICT} when the back-test FAILED or was INCONCLUSIVE "
        "(every output is still written)",
    )
    p.add_argument(
        "--html",
        type=output_path,
        metavar="FILE",
        help="write the calibration report (HTML) here (- for standard output)",
    )
    p.add_argument(
        "--lenient",
        action="store_true",
        help="leave out the rows that break a rule of the data formats (counted and reported) "
        "instead of stopping at the first",
    )
    p.add_argument("--force", action="store_true", help="replace existing output files that differ")
    p.set_defaults(func=cmd_calibrate)
    return p


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Run the command; bad input is printed (exit 2) here as well as by the CLI's main, so the
    command behaves the same when called on its own."""
    from ..base.errors import InputError
    from ..scenario import ScenarioError

    try:
        return _run(args)
    except ScenarioError as e:
        print(f"collectsim: error: {len(e.problems)} problem(s):\n{e}", file=sys.stderr)
        return EXIT_INPUT
    except InputError as e:
        hint = ""
        if getattr(e, "excludable", False) and not getattr(args, "lenient", False):
            hint = "\n(--lenient leaves such rows out, counts them and reports them)"
        print(f"collectsim: error: {e}{hint}", file=sys.stderr)
        return EXIT_INPUT


def _run(args: argparse.Namespace) -> int:
    from ..base.errors import InputError
    from ..base.fileio import check_output_file
    from ..calibrate.api import load_base
    from .common import Writes, check_room, emit

    if (args.folder is None) == (args.kpi is None):
        raise InputError(
            "give either DIR (a trace folder) or --kpi DAILY.csv, not "
            + ("both" if args.folder else "neither")
        )
    if not (args.out or args.html or args.backtest):
        raise InputError("nothing to do: give --out FILE, --html FILE and/or --backtest")
    if args.holdout_days is not None and not args.backtest:
        raise InputError("--holdout-days needs --backtest")
    if args.holdout_days is not None and args.holdout_days < 1:
        raise InputError(f"--holdout-days {args.holdout_days}: expected a whole number >= 1")
    if args.backtest and args.replications < 2:
        raise InputError("--backtest needs at least 2 replications (-r)")
    if args.strict and not args.backtest:
        raise InputError("--strict judges the back-test: it needs --backtest")
    if args.no_fit and not (args.backtest and args.base and args.folder):
        raise InputError(
            "--no-fit back-tests --base as it is: it needs --backtest, --base SCENARIO and a trace folder DIR"
        )
    if args.no_fit and (args.out or args.html):
        raise InputError("--no-fit fits nothing: --out and --html have nothing to write")
    if (
        args.out
        and args.html
        and (args.out == args.html == "-" or Path(args.out).resolve() == Path(args.html).resolve())
    ):
        raise InputError(
            f"--out and --html are the same {'stream' if args.out == '-' else 'file'} {args.out}"
        )
    out = check_output_file(args.out, "--out", args.force, allow_stdout=True) if args.out else None
    html = check_output_file(args.html, "--html", args.force, allow_stdout=True) if args.html else None
    from ..experiment import output_size as size

    check_room([("--out", out, size.FITTED_SCENARIO_BYTES), ("--html", html, size.CALIBRATION_HTML_BYTES)])
    # With a file on standard output, the tables go to stderr so that stdout holds the file alone.
    say = functools.partial(
        print,
        file=sys.stderr
        if (out is not None and out.is_stdout) or (html is not None and html.is_stdout)
        else sys.stdout,
    )
    base = load_base(args.base) if args.base else None
    bt = None
    if args.kpi:
        from ..calibrate.kpi import calibrate_kpi

        fitted = calibrate_kpi(args.kpi, base, lenient=args.lenient)
    else:
        from ..calibrate.read.trace import read_trace

        trace = read_trace(args.folder, lenient=args.lenient)
        if args.no_fit:
            from ..calibrate.backtest import backtest

            hold = args.holdout_days or len(trace.dial_days)
            if args.lenient:
                say(excluded_lines(trace.exclusions))
            bt = backtest(trace, hold, scenario=base, replications=args.replications, seed=args.seed)
            say(bt.table())
            return _backtest_code(bt, args.strict)
        from ..calibrate.api import calibrate_trace

        fitted = calibrate_trace(trace, base)
    from ..calibrate.not_from_data import not_from_data, value_split

    unfitted = not_from_data(fitted)
    split = None
    if unfitted and not args.no_value_split:
        split = value_split(fitted, unfitted, seed=args.seed)
    say(summary(fitted, args.lenient))
    say(not_from_data_lines(unfitted, split))
    if args.backtest:
        from ..calibrate.backtest import backtest, backtest_kpi

        if args.kpi:
            from ..calibrate.kpi import kpi_dates

            n_days = len(kpi_dates(args.kpi, args.lenient))
        else:
            n_days = len(trace.dial_days)
        hold = args.holdout_days or max(1, n_days // 5)
        if args.kpi:
            bt = backtest_kpi(
                args.kpi, hold, base, replications=args.replications, seed=args.seed, lenient=args.lenient
            )
        else:
            bt = backtest(trace, hold, base, replications=args.replications, seed=args.seed)
        say()
        say(bt.table())
    with Writes() as write:
        if out is not None:
            write(emit, out, fitted.toml())
        if html is not None:
            from ..report.calibration import render_calibration

            write(emit, html, render_calibration(fitted, bt, unfitted, split))
    return _backtest_code(bt, args.strict)


def _backtest_code(bt, strict: bool) -> int:
    """A failed or inconclusive back-test is a finding, not an error: exit 0, the table says
    which; with --strict, exit 4."""
    if strict and bt is not None and bt.verdict != "passed":
        return EXIT_STRICT
    return 0


def excluded_lines(exclusions: list[Exclusion], lenient: bool = True) -> str:
    """The rows --lenient left out, one line per file and reason ("" when not lenient)."""
    if not lenient:
        return ""
    if not exclusions:
        return "--lenient: no row excluded"
    total = sum(e.rows for e in exclusions)
    return "\n".join(
        [f"--lenient: {total:,} row(s) excluded, not fitted:"] + [f"  - {e.note()}" for e in exclusions]
    )


def summary(fitted: Calibrated, lenient: bool = False) -> str:
    """A plain-text summary: the rows left out (``lenient``), the headline fitted values and
    what the data could not identify."""
    cal = fitted.calibration
    lines = [
        f"fitted {cal.data} data {cal.first_date} to {cal.last_date} "
        f"({', '.join(f'{s.file} {s.rows:,} rows' for s in cal.sources)})"
    ]
    exclusions = getattr(fitted.fit, "exclusions", [])
    excluded = excluded_lines(exclusions, lenient)
    if excluded:
        lines.append(excluded)
    rows = [["parameter", "value", "95% interval", "n"]]
    for p in cal.parameters:
        k = p.key
        if not (
            k.endswith(".probability")
            or k.endswith("_probability")
            or k.endswith("payment_usd.mean")
            or k.endswith("productive_rate")
            or k.startswith("kpi.")
            or k.endswith("_per_day")
            or k.endswith("rpc.talk_time_s.mean")
            or k == "portfolio.control_share"
            or (k.startswith("portfolio.behaviour.") and k.count(".") == 2)
        ):
            continue
        ci = "-" if p.ci95_low is None else f"{_g(p.ci95_low)} - {_g(p.ci95_high)}"
        rows.append([k, _g(p.value), ci, f"{p.n:,}" if p.n else ""])
    lines.append(table(rows))
    lines.append(f"({len(cal.parameters)} fitted values in all, with SEs, in the [calibration] section)")
    lines.append("not identified by the data:")
    shown = {e.note() for e in exclusions}
    lines += [f"  - {x}" for x in cal.not_identified if x not in shown]
    return "\n".join(lines)


def not_from_data_lines(items: list[NotFromData], split: ValueSplit | None) -> str:
    """The values not from data, one line each, and the dollars of net value resting on them."""
    if not items:
        return "not from data: nothing that drives dollars or the book"
    lines = ["not from data (from --base, schema defaults or placeholders; the results rest on them):"]
    for x in items:
        lines.append(f"  - {x.key} = {x.value} ({x.source}" + (f"; {x.dollars})" if x.dollars else ")"))
    if split is not None:
        lines += split.lines()
    return "\n".join(lines)


def _g(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"
