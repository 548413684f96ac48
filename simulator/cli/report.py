"""The ``collectsim report`` subcommand: plots and the HTML MIS page from saved results.

The CLI calls :func:`register` with its subparsers object. Bad input raises
:class:`simulator.base.errors.InputError` (exit 2, a message, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys

from ..base.errors import InputError
from ..base.fileio import check_output_file, check_output_folder
from .argtypes import output_path
from .common import Subparsers, Writes, emit, emit_in_folder, hold

__all__ = ["register", "cmd_report"]


def register(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Add ``report`` to an argparse subparsers object; its ``func`` returns an exit code."""
    p = subparsers.add_parser(
        "report",
        help="plots and an HTML MIS report from saved results",
        description="Draw the pyramid, league table, daily series and contact heat map of a results "
        "JSON file (from 'collectsim run --json'), or the staffing and pacing plots of a "
        "sweep output folder, into one self-contained HTML page and/or PNG files.",
    )
    p.add_argument(
        "results",
        metavar="RESULTS.json|SWEEP_DIR",
        help="a results JSON file or a sweep output folder (holding summary.json)",
    )
    p.add_argument(
        "--html",
        type=output_path,
        metavar="FILE",
        help="write the self-contained HTML report here (- for standard output)",
    )
    p.add_argument(
        "--png",
        type=output_path,
        metavar="DIR",
        help="write each plot as a PNG file into this folder (created if missing; its parent must exist)",
    )
    p.add_argument("--force", action="store_true", help="replace existing output files (regular files only)")
    p.set_defaults(func=cmd_report)
    return p


def cmd_report(args: argparse.Namespace) -> int:
    from ..report.data import ReportInputError, load_input
    from ..report.html import figures_for, png_images, render

    if not args.html and not args.png:
        raise InputError("nothing to write: give --html FILE and/or --png DIR")
    try:
        kind, doc, src = load_input(args.results)
    except ReportInputError as e:
        raise InputError(str(e)) from None
    html_out = check_output_file(args.html, "--html", args.force, allow_stdout=True) if args.html else None
    png_dir, names = None, []
    if args.png:
        png_dir = check_output_folder(args.png, "--png")
        names = list(figures_for(kind, doc))
        if png_dir.exists():
            for name in names:
                check_output_file(png_dir / f"{name}.png", "--png", args.force, lock=False)
    try:
        images = png_images(kind, doc)
        page = render(kind, doc, str(src), images) if html_out is not None else ""
    except (TypeError, KeyError, ValueError, AttributeError, IndexError) as e:
        # check_document vets the shape the report reads; a value of a wrong type deeper down
        # (a list where a number belongs) surfaces here, and it is the file's fault.
        if os.environ.get("COLLECTSIM_DEBUG"):
            raise
        raise InputError(
            f"{src}: does not hold what a collectsim {kind} document holds "
            f"({type(e).__name__}: {e}); expected a file written by collectsim"
        ) from None
    with Writes() as write:
        if html_out is not None:
            write(emit, html_out, page)
        if png_dir is not None:
            hold(png_dir, "--png", tuple(f"{name}.png" for name in names), args.force)
            if not names:
                print(f"{png_dir}: no plots apply to {src}", file=sys.stderr)
            for name, data in images.items():
                write(emit_in_folder, png_dir, "--png", f"{name}.png", data, args.force)
    return 0
