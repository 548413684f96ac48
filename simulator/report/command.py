"""The ``collectsim report`` subcommand: plots and the HTML MIS page from saved results.

The CLI calls :func:`register` with its subparsers object. Bad input raises
``simulator.cli.InputError`` (exit 2, a message, no traceback).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

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


def _write_bytes(path: Path, data: bytes, force: bool) -> str:
    """Binary twin of ``simulator.cli.write_output``: atomic, never silently overwriting."""
    from ..cli import InputError
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a file path to write")
    if path.exists():
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if same:
            return f"{path}: unchanged (identical content already there)"
        if not force:
            raise InputError(f"{path}: exists and holds different content; not overwritten. "
                             "Use --force to replace it, or choose another path")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return f"{path}: written"


def cmd_report(args: argparse.Namespace) -> int:
    from ..cli import InputError, write_output
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
            print(_write_bytes(d / f"{name}.png", data, args.force), file=sys.stderr)
    return 0
