"""The collectsim command line: argument parsing and printing only.

One module per group of commands (:mod:`.run`: run, validate, schema, pyramid, sensitivity;
:mod:`.compare`; :mod:`.sweep`: sweep and staff; ``report`` lives in
:mod:`simulator.report.command`), each adding its parsers with ``register(subparsers)``;
:mod:`.common` holds the options they share and the progress bar.

Exit codes: 0 success; 2 bad input (scenario, option, path) with a message naming the file, the
key path, the value and what was expected; 1 internal error; 3 a sweep finished but some
replications raised; 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from .._version import __version__
from ..errors import EXIT_INPUT, EXIT_INTERNAL, InputError

__all__ = ["main", "build_parser", "InputError"]


def build_parser() -> argparse.ArgumentParser:
    from ..report.command import register as register_report
    from . import compare, run, sweep

    ap = argparse.ArgumentParser(
        prog="collectsim",
        description="Simulate a debt-collection call center and estimate its pyramid of KPIs "
                    "(productive rate x contacts per hour x promise rate x kept rate x average payment).")
    ap.add_argument("--version", action="version", version=f"collectsim {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    run.register(sub)
    compare.register(sub)
    sweep.register(sub)
    register_report(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    from ..scenario import ScenarioError

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
