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

from ..base.errors import InputError, OutputError
from ..base.fileio import (
    OutputFile,
    check_free_space,
    check_output_file,
    check_output_folder,
    hold_folder,
    make_folder,
    write_output,
)
from ..base.locks import release_all
from .argtypes import number_arg, output_path, positive_int, seed  # noqa: F401  (re-exported)

__all__ = [
    "json_target",
    "folder_target",
    "emit",
    "emit_in_folder",
    "hold",
    "check_room",
    "Writes",
    "strict_arg",
    "warn_breaches",
    "positive_int",
    "seed",
    "number_arg",
    "output_path",
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
        type=output_path,
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
            check_output_file(folder / name, option, force, lock=False)
    return folder


def hold(folder: Path | None, option: str, names: tuple[str, ...], force: bool) -> None:
    """Create a folder checked by :func:`folder_target` and lock it against other collectsim
    processes until the command ends, checking ``names`` again under the lock
    (:func:`simulator.base.fileio.hold_folder`). Call it once every output is checked."""
    if folder is not None:
        hold_folder(folder, option, names, force)


def check_room(needs: list[tuple[str, OutputFile | Path | None, int]]) -> None:
    """Refuse, before anything runs, outputs whose estimated sizes do not fit on their devices:
    ``needs`` holds (option, checked file or folder or None, estimated bytes)."""
    items = []
    for option, out, size in needs:
        if out is None or (isinstance(out, OutputFile) and out.is_stdout):
            continue
        if isinstance(out, OutputFile):
            assert out.target is not None and out.path is not None
            items.append((option, out.path, out.target.parent, size))
        else:
            items.append((option, out, out if out.is_dir() else out.parent, size))
    check_free_space(items)


def emit(out: OutputFile, content: str | bytes) -> None:
    """Write a checked output and say what happened on stderr."""
    said = write_output(out, content)
    if said:
        print(said, file=sys.stderr)


def emit_in_folder(folder: Path, option: str, name: str, content: str | bytes, force: bool) -> None:
    """Write ``name`` in a folder checked by :func:`folder_target` and held by :func:`hold`."""
    make_folder(folder, option)
    emit(check_output_file(folder / name, option, force, lock=False), content)


class Writes:
    """A command's outputs written one after another: one that fails (its content saved
    elsewhere, :func:`simulator.base.fileio.write_output`) does not keep the others from being
    written; at the end of the ``with`` block the outputs' locks are released and the failures,
    and an output refused inside the block, are raised together, one line each.

    ``with Writes() as write: write(emit, out, text)``"""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def __call__(self, fn, *args) -> None:
        try:
            fn(*args)
        except OutputError as e:
            self.errors.append(str(e))

    def __enter__(self) -> Writes:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        release_all()  # the writes are done: the outputs are free for other processes
        if exc_type is not None and not issubclass(exc_type, OutputError):
            return
        errors = self.errors + ([str(exc)] if exc is not None else [])
        if errors:
            raise OutputError("\ncollectsim: error: ".join(errors)) from None


def warn_size(args: argparse.Namespace, loaded, replications: int) -> None:
    """Before a run expected to take more than about 10 minutes or hold more than about 2 GB,
    say so on stderr with the estimate and what it rests on (:mod:`simulator.experiment.sizing`).
    ``loaded``: one LoadedScenario or a list of them (each runs ``replications`` times)."""
    from ..experiment.executors import default_workers
    from ..experiment.sizing import LARGE_RUN_MB, LONG_RUN_S, describe_duration, describe_mb, estimate

    items = loaded if isinstance(loaded, (list, tuple)) else [loaded]
    ests = [estimate(x.scenario) for x in items]
    serial = args.executor == "serial" or (
        args.executor is None and not args.scheduler and not (args.workers and args.workers > 1)
    )
    workers = 1 if serial else (args.workers or default_workers())
    remote = bool(args.scheduler)
    core_s = sum(e.seconds for e in ests) * replications
    wall_s = core_s / workers
    big = max(ests, key=lambda e: e.peak_mb)
    mem_mb = big.peak_mb * (1 if remote else workers + (0 if serial else 1))
    if wall_s <= LONG_RUN_S and mem_mb <= LARGE_RUN_MB:
        return
    print(
        f"collectsim: note: this run is estimated at about {describe_duration(wall_s)} "
        f"({len(ests) * replications:,} replication(s) of about "
        f"{describe_duration(core_s / (len(ests) * replications))} "
        f"each on {workers} worker(s)) and about {describe_mb(mem_mb)} of memory"
        f"{'' if remote else ' on this machine'}, from {big.basis()}; Ctrl-C stops it",
        file=sys.stderr,
    )


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
