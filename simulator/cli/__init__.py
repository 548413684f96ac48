"""The collectsim command line: argument parsing and printing only.

One module per group of commands (:mod:`.run`; :mod:`.validate`: validate and schema;
:mod:`.pyramid`: pyramid and sensitivity; :mod:`.erlang`; :mod:`.compare`; :mod:`.sweep`: sweep and staff;
:mod:`.optimize`; :mod:`.test_size`; :mod:`.report`; :mod:`.calibrate`; :mod:`.studio`), each adding
its parsers with ``register(subparsers)``;
:mod:`.common` holds the options they share and the progress bar, :mod:`.argtypes` the argument
types.

Exit codes (docs/contract.md): 0 success; 1 internal error (a bug); 2 bad input (scenario,
option, path) or an output the system refused (read-only, full, permission, out of memory), with a
message naming the file, the key path, the value and what was expected; 3 a sweep finished but
some replications raised; 4 with --strict, a compliance limit was exceeded (run, compare, sweep,
staff: the ``warning:`` lines on stderr name it); 130 interrupted (Ctrl-C); 141 standard output
closed by its reader.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from .._version import __version__
from ..base import interrupts
from ..base.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    InputError,
    Interrupted,
)

__all__ = ["main", "build_parser", "InputError"]

EPILOG = """\
output files:
  Every output path (--json, --out, --html, --png) is checked before anything runs. Its folder
  must exist; collectsim creates only the target (a file, or the --out/--png folder). Only
  regular files are written: a folder, a device such as /dev/null, a FIFO or a socket is refused,
  even with --force. An existing file is replaced only with --force, and left untouched when it
  already holds the same content. '-' is standard output for --json and --html.
  Symbolic links: a link to an existing regular file is followed and that file is replaced (the
  link stays); a link to a missing file or to anything else is refused.
  The disk must have room for the outputs' estimated size. An output is locked from its check
  to its write: another collectsim given it is refused (DIR/.lock, .FILE.lock). A write that
  fails after the work saves the content elsewhere ($TMPDIR...) and the message says where.
  CSV text cells that start with = + - @ get a leading ' (spreadsheets read them as text).

exit codes:
  0    success
  1    internal error (a bug; COLLECTSIM_DEBUG=1 shows the traceback)
  2    bad input (scenario, --set, option, path), an output the system refused (read-only,
       no space left, permission denied, out of memory), workers needing more memory than is
       available, a --scheduler that is malformed, unreachable or not a Dask scheduler within
       --scheduler-timeout, or a run estimated at over 24 h, this machine's memory or 100 GB
       of files without --yes: one line naming the file, the argument or the estimate
  3    sweep/staff finished, but some replications raised (recorded with their error)
  4    run, compare, sweep, staff with --strict: a compliance limit was exceeded (a warning: line
       on stderr names the rule and the figure); every output is written
  130  interrupted (Ctrl-C), one line on every executor; a sweep keeps every finished
       replication: rerun it to resume
  141  standard output closed by its reader (collectsim run | head), quietly

docs/contract.md has the whole contract."""


def build_parser() -> argparse.ArgumentParser:
    from . import compare, erlang, optimize, pyramid, run, studio, sweep, test_size, validate
    from .calibrate import register as register_calibrate
    from .report import register as register_report

    ap = argparse.ArgumentParser(
        prog="collectsim",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Simulate a debt-collection call center and estimate its pyramid of KPIs "
        "(productive rate x contacts per hour x promise rate x kept rate x average payment).",
        epilog=EPILOG,
    )
    ap.add_argument("--version", action="version", version=f"collectsim {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    run.register(sub)
    validate.register(sub)
    pyramid.register(sub)
    erlang.register(sub)
    compare.register(sub)
    sweep.register(sub)
    optimize.register(sub)
    test_size.register(sub)
    studio.register(sub)
    register_report(sub)
    register_calibrate(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code. A Ctrl-C at any moment, the imports and the
    parsing included, is one line on stderr and exit 130, even when a library it interrupted
    reports it as an error of its own."""
    with _sigint_noted() as seen:
        try:
            return _main(argv, seen)
        except KeyboardInterrupt as e:
            return _interrupted(e)
        except Exception:
            if seen():  # e.g. pydantic building its validators at import: a SchemaError
                return _interrupted(KeyboardInterrupt())
            raise


def _interrupted(e: KeyboardInterrupt) -> int:
    print(f"collectsim: {e}" if isinstance(e, Interrupted) else "collectsim: interrupted", file=sys.stderr)
    # CPython records a KeyboardInterrupt that ends code run from a string (exec of source text:
    # dataclasses, namedtuples, while the imports run) as unhandled, even once caught, and
    # `python -m` then ends by SIGINT instead of exit 130; the next such run clears it.
    exec("None", {})
    return EXIT_INTERRUPTED


@contextmanager
def _sigint_noted() -> Iterator[Callable[[], bool]]:
    """While a command runs, SIGINT raises KeyboardInterrupt as Python's own handler does, and
    is noted: ``seen()`` tells whether one came. Main thread only, and only over Python's own
    handler (a command started with SIGINT ignored keeps ignoring it); restored on leaving."""
    noted: list[int] = []
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield lambda: False
        return

    def on_sigint(signum: int, frame: object) -> None:
        noted.append(signum)
        interrupts.note()
        raise KeyboardInterrupt

    interrupts.clear()
    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield lambda: bool(noted)
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        interrupts.clear()


def _main(argv: Sequence[str] | None, seen: Callable[[], bool]) -> int:
    from ..base import locks

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_INPUT
    locks.set_command(args.command)
    try:
        return _call(args, seen)
    finally:
        locks.release_all()  # the outputs a refusal or an error left locked


def _call(args: argparse.Namespace, seen: Callable[[], bool]) -> int:
    """The command, with its errors turned into messages and exit codes."""
    from ..base.fileio import os_error_words
    from ..scenario import ScenarioError

    try:
        try:
            return args.func(args)
        except Exception:
            if seen():  # the error a library made of a Ctrl-C
                raise KeyboardInterrupt from None
            raise
    except ScenarioError as e:
        print(f"collectsim: error: {len(e.problems)} problem(s):", file=sys.stderr)
        print(str(e), file=sys.stderr)
        return EXIT_INPUT
    except InputError as e:
        print(f"collectsim: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        # The reader of standard output went away (collectsim run | head): end quietly, as Unix
        # tools do, and keep Python from complaining when it flushes stdout at exit.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except MemoryError:
        print(
            "collectsim: error: out of memory; the scenario (or -r, or --workers) needs more memory than "
            "this machine has: see the size estimate of 'collectsim validate SCENARIO'",
            file=sys.stderr,
        )
        return EXIT_INPUT
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"collectsim: error: {where}{os_error_words(e)}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as e:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("COLLECTSIM_DEBUG"):
            raise
        print(
            f"collectsim: internal error: {type(e).__name__}: {e}\n"
            "This is a bug in collectsim; set COLLECTSIM_DEBUG=1 to see the traceback.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
