"""What the commands share: option types, the scenario, replication and executor options, and
the progress bar."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..base.errors import InputError
from ..base.fileio import OutputFile, check_output_file, check_output_folder, make_folder, write_output
from .argtypes import number_arg, positive_int, seed  # noqa: F401  (re-exported)

__all__ = [
    "json_target",
    "folder_target",
    "emit",
    "emit_in_folder",
    "strict_arg",
    "warn_breaches",
    "positive_int",
    "seed",
    "number_arg",
    "scenario_args",
    "replication_args",
    "json_args",
    "executor_args",
    "check_executor",
    "executor_errors",
    "load",
    "wrap",
    "Progress",
]


def scenario_args(p: argparse.ArgumentParser, optional: bool) -> None:
    """SCENARIO (optional: the bundled default) and --set PATH=VALUE."""
    if optional:
        p.add_argument(
            "scenario",
            nargs="?",
            metavar="SCENARIO",
            help="scenario TOML file (default: the bundled table_14_1.toml)",
        )
    else:
        p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument(
        "--set",
        action="append",
        metavar="PATH=VALUE",
        help="override a scenario value, e.g. --set teams.low_risk_team.headcount=15 "
        "(VALUE is a TOML value; repeatable)",
    )


def replication_args(p: argparse.ArgumentParser, reps_help: str) -> None:
    """-r/--replications, --seed and -q/--quiet, shared by every command that simulates."""
    p.add_argument("-r", "--replications", type=positive_int, default=10, metavar="N", help=reps_help)
    p.add_argument("--seed", type=seed, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def json_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--json",
        metavar="FILE",
        help=f"write {what} here; - for standard output (the tables then go to stderr)",
    )
    p.add_argument(
        "--force", action="store_true", help="replace an existing --json file (regular files only)"
    )


def executor_args(p: argparse.ArgumentParser, default_note: str = "") -> None:
    g = p.add_argument_group("where replications run (results are identical whatever you choose)")
    g.add_argument(
        "--workers",
        type=positive_int,
        metavar="K",
        help="worker processes (default: 1, i.e. serial; with --executor process or dask: "
        "the CPUs available)" + default_note,
    )
    g.add_argument(
        "--executor",
        choices=("serial", "process", "dask"),
        help="serial; process: a local process pool of --workers processes; dask: a Dask "
        "LocalCluster of --workers processes, or the cluster at --scheduler (needs "
        'pip install "collectsim[dask]"). Default: process if --workers > 1, else serial',
    )
    g.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
        "--executor dask; its workers need collectsim installed)",
    )


def check_executor(args: argparse.Namespace) -> None:
    if args.scheduler and args.executor not in (None, "dask"):
        raise InputError(
            f"--scheduler {args.scheduler}: needs --executor dask, not --executor {args.executor}"
        )


@contextmanager
def executor_errors() -> Iterator[None]:
    """A missing optional executor dependency or a bad executor option is bad input (exit 2)."""
    from ..experiment.executors import ExecutorUnavailable

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

    def __init__(self, args: argparse.Namespace, total: int | None = None) -> None:
        self.enabled = sys.stderr.isatty() and not getattr(args, "quiet", False)
        self.bar = None
        if total is not None:
            self(0, total)

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                initial=done,
                desc="replications",
                unit="rep",
                file=sys.stderr,
                dynamic_ncols=True,
                smoothing=0.1,
            )
            return
        if total != self.bar.total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def json_target(args: argparse.Namespace) -> OutputFile | None:
    """The checked ``--json`` target (``-``: standard output), or None."""
    if not getattr(args, "json", None):
        return None
    return check_output_file(args.json, "--json", args.force, allow_stdout=True)


def no_collisions(
    files: dict[str, OutputFile | None], folders: dict[str, tuple[Path | None, tuple[str, ...]]]
) -> None:
    """Refuse, before anything runs, two outputs of one command that would write the same file
    (``files``: option -> checked file; ``folders``: option -> (checked folder, the names written in it))."""
    seen: dict[Path, str] = {}
    targets = [(opt, f.target) for opt, f in files.items() if f is not None and not f.is_stdout]
    targets += [
        (opt, folder / name)
        for opt, (folder, names) in folders.items()
        if folder is not None
        for name in names
    ]
    for opt, path in targets:
        key = Path(path).resolve()
        if key in seen and seen[key] != opt:
            raise InputError(f"{opt} and {seen[key]} would both write {path}; choose different paths")
        seen[key] = opt


def folder_target(text: str | None, option: str, names: tuple[str, ...], force: bool) -> Path | None:
    """A checked output folder and, when it exists already, the files that will be written in it."""
    if not text:
        return None
    folder = check_output_folder(text, option)
    if folder.exists():
        for name in names:
            check_output_file(folder / name, option, force)
    return folder


def emit(out: OutputFile, content: str | bytes) -> None:
    """Write a checked output and say what happened on stderr."""
    said = write_output(out, content)
    if said:
        print(said, file=sys.stderr)


def emit_in_folder(folder: Path, option: str, name: str, content: str | bytes, force: bool) -> None:
    """Write ``name`` in a folder checked by :func:`folder_target`, creating the folder."""
    make_folder(folder, option)
    emit(check_output_file(folder / name, option, force), content)


STRICT_HELP = (
    "exit 4 when a compliance limit is exceeded (abandon rate over the limit in 30 days or a "
    "day, calls outside the calling window, attempts over the 7-day cap, calls in a waiting "
    "period), after writing every output; without it the breach is a warning on stderr"
)


def strict_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true", help=STRICT_HELP)


def warn_breaches(found: list[tuple[str, list]], strict: bool, ok: int) -> int:
    """Print a ``warning:`` line on stderr for each compliance limit exceeded (``found``: pairs of
    a prefix naming the variant or side, "" for a single run, and its breaches); return
    EXIT_BREACH with ``strict`` and any breach, else ``ok``."""
    from ..base.errors import EXIT_BREACH
    from ..measures.breaches import breach_lines

    n = 0
    for prefix, breaches in found:
        for line in breach_lines(breaches, prefix):
            print(line, file=sys.stderr)
            n += 1
    if n and strict:
        print(f"collectsim: {n} compliance limit(s) exceeded; exit {EXIT_BREACH} (--strict)", file=sys.stderr)
        return EXIT_BREACH
    return ok
