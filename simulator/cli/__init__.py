"""The collectsim command line: argument parsing and printing only.

One module per group of commands (:mod:`.run`: run, validate, schema, pyramid, sensitivity;
:mod:`.compare`; :mod:`.sweep`: sweep and staff; ``report`` lives in
:mod:`simulator.report.command`), each adding its parsers with ``register(subparsers)``;
:mod:`.common` holds the options they share and the progress bar.

Exit codes (docs/contract.md): 0 success; 1 internal error (a bug); 2 bad input (scenario,
option, path) or an output the system refused (read-only, full, permission, out of memory), with a
message naming the file, the key path, the value and what was expected; 3 a sweep finished but
some replications raised; 130 interrupted (Ctrl-C); 141 standard output closed by its reader.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from .._version import __version__
from ..errors import EXIT_BROKEN_PIPE, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, InputError, Interrupted

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
    from ..fileio import os_error_words
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
    except KeyboardInterrupt as e:
        print(f"collectsim: {e}" if isinstance(e, Interrupted) else "collectsim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of standard output went away (collectsim run | head): end quietly, as Unix
        # tools do, and keep Python from complaining when it flushes stdout at exit.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except MemoryError:
        print("collectsim: error: out of memory; the scenario (or -r, or --workers) needs more memory than "
              "this machine has: see the size estimate of 'collectsim validate SCENARIO'", file=sys.stderr)
        return EXIT_INPUT
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"collectsim: error: {where}{os_error_words(e)}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as e:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("COLLECTSIM_DEBUG"):
            raise
        print(f"collectsim: internal error: {type(e).__name__}: {e}\n"
              "This is a bug in collectsim; set COLLECTSIM_DEBUG=1 to see the traceback.", file=sys.stderr)
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
