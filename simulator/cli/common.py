"""What the commands share: option types, the scenario, replication and executor options, and
the progress bar."""
from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from contextlib import contextmanager
from typing import Iterator, Optional

from ..errors import InputError

__all__ = ["positive_int", "seed", "number_arg", "scenario_args", "replication_args", "json_args",
           "executor_args", "check_executor", "executor_errors", "load", "wrap", "Progress"]


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {v}")
    return v


def seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= v < 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number between 0 and 2**63-1, got {v}")
    return v


def number_arg(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def scenario_args(p: argparse.ArgumentParser, optional: bool) -> None:
    """SCENARIO (optional: the bundled default) and --set PATH=VALUE."""
    if optional:
        p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                       help="scenario TOML file (default: the bundled table_14_1.toml)")
    else:
        p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument("--set", action="append", metavar="PATH=VALUE",
                   help="override a scenario value, e.g. --set teams.low_risk_team.headcount=15 "
                        "(VALUE is a TOML value; repeatable)")


def replication_args(p: argparse.ArgumentParser, reps_help: str) -> None:
    """-r/--replications, --seed and -q/--quiet, shared by every command that simulates."""
    p.add_argument("-r", "--replications", type=positive_int, default=10, metavar="N", help=reps_help)
    p.add_argument("--seed", type=seed, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def json_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--json", metavar="FILE", help=f"write {what} here")
    p.add_argument("--force", action="store_true", help="replace an existing --json file that differs")


def executor_args(p: argparse.ArgumentParser, default_note: str = "") -> None:
    g = p.add_argument_group("where replications run (results are identical whatever you choose)")
    g.add_argument("--workers", type=positive_int, metavar="K",
                   help="worker processes (default: 1, i.e. serial; with --executor process or dask: "
                        "the CPUs available)" + default_note)
    g.add_argument("--executor", choices=("serial", "process", "dask"),
                   help="serial; process: a local process pool of --workers processes; dask: a Dask "
                        "LocalCluster of --workers processes, or the cluster at --scheduler (needs "
                        'pip install "collectsim[dask]"). Default: process if --workers > 1, else serial')
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
                        "--executor dask; its workers need collectsim installed)")


def check_executor(args: argparse.Namespace) -> None:
    if args.scheduler and args.executor not in (None, "dask"):
        raise InputError(f"--scheduler {args.scheduler}: needs --executor dask, not --executor {args.executor}")


@contextmanager
def executor_errors() -> Iterator[None]:
    """A missing optional executor dependency or a bad executor option is bad input (exit 2)."""
    from ..executors import ExecutorUnavailable
    try:
        yield
    except ExecutorUnavailable as e:
        raise InputError(str(e)) from None


def load(args: argparse.Namespace):
    from ..scenario import load_scenario
    return load_scenario(args.scenario, args.set or ())


def wrap(text: str) -> str:
    """Fill a description for the raw formatter (which keeps the examples' line breaks)."""
    return textwrap.fill(text, width=min(100, max(60, shutil.get_terminal_size().columns - 2)))


class Progress:
    """The progress bar of a command that simulates (tqdm on stderr): replications done of the
    total, elapsed time, ETA and rate, advancing as each replication ends. Drawn only when stderr
    is a terminal and -q is not given. Call it as ``progress(done, total)``; use it as a context
    manager so the bar's line is ended on Ctrl-C too."""

    def __init__(self, args: argparse.Namespace, total: Optional[int] = None) -> None:
        self.enabled = sys.stderr.isatty() and not getattr(args, "quiet", False)
        self.bar = None
        if total is not None:
            self(0, total)

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(total=total, initial=done, desc="replications", unit="rep", file=sys.stderr,
                            dynamic_ncols=True, smoothing=0.1)
            return
        if total != self.bar.total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
