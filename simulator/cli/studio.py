"""``studio``: a training page that opens from a file: a grid of lever settings, simulated with
common random numbers through the sweep machinery, and one self-contained HTML page to move the
levers on (simulator/report/studio.py)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ..base.errors import InputError
from ..base.fileio import check_output_file, check_output_folder
from .argtypes import output_path
from .budget import confirm_arg
from .common import Subparsers, emit, executor_args, replication_args, strict_arg, wrap

__all__ = ["register", "cmd_studio"]


def register(sub: Subparsers) -> None:
    """Add ``studio`` to the subparsers ``sub``."""
    p = sub.add_parser(
        "studio",
        help="a self-contained training page: move the levers, watch the pyramid and a collector's day",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap(
            "Simulate a grid of lever settings (--lever PATH=V1,V2,...; by default the first team's "
            "headcount, the dialer mode, its pacing target, the list order and, with two teams or more, the "
            "case-matching "
            "policy) with common random numbers, N replications each, plus one traced replication "
            "per dialer mode for the collector's day, and write one HTML page that opens from a file "
            "with no network: sliders for the levers, the five layers of the pyramid and value per paid "
            "hour with 95% CIs, the change against a pinned baseline, an animated collector's day, "
            "predict-then-reveal exercises and the league table with coaching. The grid is a sweep: "
            "its folder (--work, default OUT without .html plus -sweep) resumes like one."
        ),
        epilog="example:\n  collectsim studio --out studio.html\n"
        "  collectsim studio scenarios/dialer_modes.toml --out dialer.html "
        "--lever dialer.mode=progressive,predictive -r 6\n"
        "docs/studio.md is the trainer's guide.",
    )
    p.add_argument(
        "scenario", nargs="?", metavar="SCENARIO", help="scenario TOML file (default: the bundled table_14_1)"
    )
    p.add_argument(
        "--lever",
        action="append",
        metavar="PATH=V1,V2,...",
        help="a lever and the values the page offers (repeatable; replaces the default levers)",
    )
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="fixed override (repeatable)")
    p.add_argument(
        "--out",
        type=output_path,
        metavar="FILE",
        default="studio.html",
        help="the HTML page to write (default studio.html)",
    )
    p.add_argument(
        "--work",
        type=output_path,
        metavar="DIR",
        help="the grid's sweep folder, resumed when run again (default: OUT without .html, plus -sweep)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing page (regular files only)")
    replication_args(p, "replications per lever setting (default 5)")
    strict_arg(p)
    confirm_arg(p)
    executor_args(p, "; studio: every CPU when no executor option is given")
    p.set_defaults(func=cmd_studio, replications=5)


def cmd_studio(args: argparse.Namespace) -> int:
    from ..report.studio import StudioInputs, default_levers, render_studio
    from ..report.studio_day import collector_days
    from ..scenario import load_scenario
    from .sweep import _run_sweep, _sweep_done

    page_path = args.out
    if not str(page_path).endswith((".html", ".htm")):
        raise InputError(f"--out {page_path}: expected an .html file name for the page")
    work = args.work or str(Path(page_path).with_suffix("")) + "-sweep"
    page = check_output_file(page_path, "--out", args.force)
    base = load_scenario(args.scenario, args.set or ())
    levers = list(args.lever) if args.lever else default_levers(base.scenario)
    if not any(len(v.split(",")) > 1 for v in levers):
        raise InputError("--lever: give at least one lever with two values or more (PATH=V1,V2,...)")
    started = time.monotonic()
    sweep_args = argparse.Namespace(**{**vars(args), "out": work})
    if args.workers is None and args.executor is None and args.scheduler is None:
        sweep_args.workers = os.cpu_count() or 1  # a build step: every CPU unless told otherwise
    check_output_folder(work, "--work")
    try:
        plan, outcome = _run_sweep(sweep_args, list(args.set or ()) + levers)
    except InputError as e:  # the sweep's messages name its folder --out: here it is --work
        raise InputError(str(e).replace(f"--out {work}", f"--work {work}")) from None
    code = _sweep_done(outcome, args.strict)
    print("tracing one replication per dialer mode for the collector's day...", file=sys.stderr)
    days = collector_days(plan, outcome.summary)
    html = render_studio(StudioInputs(plan=plan, summary=outcome.summary, out=Path(work), days=days))
    emit(page, html)
    print(
        f"studio page {page_path}: {len(html.encode()) / 1e6:.2f} MB, {len(plan.variants)} settings, "
        f"built in {time.monotonic() - started:.0f} s; open it in a browser (no network needed)"
    )
    return code
