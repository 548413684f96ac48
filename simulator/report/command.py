"""The ``collectsim report`` subcommand: plots and the HTML MIS page from saved results.

The CLI calls :func:`register` with its subparsers object. Bad input raises
:class:`simulator.errors.InputError` (exit 2, a message, no traceback).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from ..fileio import write_output

__all__ = ["register", "cmd_report"]


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``report`` to an argparse subparsers object; its ``func`` returns an exit code."""
    p = subparsers.add_parser(
        "report", help="plots and an HTML MIS report from saved results",
        description="Draw the pyramid, league table, daily series and contact heat map of a results "
                    "JSON file (from 'collectsim run --json'), or the staffing and pacing plots of a "
                    "sweep output folder, into one self-contained HTML page and/or PNG files.")
    p.add_argument("results", metavar="RESULTS.json|SWEEP_DIR",
                   help="a results JSON file or a sweep output folder (holding summary.json)")
    p.add_argument("--html", metavar="FILE", help="write the self-contained HTML report here")
    p.add_argument("--png", metavar="DIR", help="write each plot as a PNG file into this folder")
    p.add_argument("--force", action="store_true", help="replace existing output files that differ")
    p.set_defaults(func=cmd_report)
    return p


def cmd_report(args: argparse.Namespace) -> int:
    from .data import ReportInputError, load_input

    try:
        kind, doc, src = load_input(args.results)
    except ReportInputError as e:
        raise InputError(str(e)) from None
    if not args.html and not args.png:
        raise InputError("nothing to write: give --html FILE and/or --png DIR")
    from .html import png_images, render

    if args.html:
        out = Path(args.html)
        if not (out.parent if str(out.parent) else Path(".")).is_dir():
            raise InputError(f"{out}: folder {out.parent} does not exist")
    images = png_images(kind, doc)
    if args.html:
        print(write_output(Path(args.html), render(kind, doc, str(src), images), args.force), file=sys.stderr)
    if args.png:
        d = Path(args.png)
        if d.exists() and not d.is_dir():
            raise InputError(f"{d}: exists and is not a folder")
        d.mkdir(parents=True, exist_ok=True)
        if not images:
            print(f"{d}: no plots apply to {src}", file=sys.stderr)
        for name, data in images.items():
            print(write_output(d / f"{name}.png", data, args.force), file=sys.stderr)
    return 0
