"""What the commands share: option types, the scenario, replication and executor options, and
the progress bar."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from .argtypes import number_arg, output_path, positive_int, seconds, seed  # noqa: F401  (re-exported)

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.load import LoadedScenario

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
    from ..experiment.executors import DASK_CONNECT_TIMEOUT_S

    g = p.add_argument_group("where replications run (results are identical whatever you choose)")
    g.add_argument(
        "--workers",
        type=positive_int,
        metavar="K",
        help="worker processes (default: 1, i.e. serial; with --executor process or dask: "
        "the CPUs available); never more than the replications to run nor 4 per CPU, and "
        "refused when they would need more memory than is available" + default_note,
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
        help="address of a running Dask scheduler, tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786 "
        "(implies --executor dask; its workers need collectsim installed). A peer that is not "
        "a Dask scheduler, or does not answer in time, is bad input (exit 2)",
    )
    g.add_argument(
        "--scheduler-timeout",
        type=seconds,
        metavar="SECONDS",
        help="with --scheduler: how long to try connecting, and then how long to wait for the "
        f"scheduler's handshake (default {DASK_CONNECT_TIMEOUT_S:g} each; at most 3600)",
    )


def check_executor(args: argparse.Namespace) -> None:
    """The executor options agree, and --scheduler is a well-formed address (bad input
    otherwise). ``args.scheduler`` becomes a SchedulerAddress carrying --scheduler-timeout.
    Idempotent."""
    from ..experiment.dask_scheduler import SchedulerAddress, SchedulerError

    timeout = getattr(args, "scheduler_timeout", None)
    if timeout is not None and not args.scheduler:
        raise InputError(f"--scheduler-timeout {timeout:g}: is only used with --scheduler ADDRESS")
    if not args.scheduler:
        return
    if args.executor not in (None, "dask"):
        raise InputError(
            f"--scheduler {args.scheduler}: needs --executor dask, not --executor {args.executor}"
        )
    try:
        args.scheduler = SchedulerAddress(args.scheduler, timeout)
    except SchedulerError as e:
        raise InputError(str(e)) from None


@contextmanager
def executor_errors() -> Iterator[None]:
    """A missing optional executor dependency or a bad executor option is bad input (exit 2)."""
    from ..experiment.executors import ExecutorUnavailable

    try:
        yield
    except ExecutorUnavailable as e:
        raise InputError(str(e)) from None


Subparsers = argparse._SubParsersAction
"""The type of ``ArgumentParser.add_subparsers()``: what each command module's ``register`` adds
its parsers to."""


def load(args: argparse.Namespace) -> LoadedScenario:
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


def plan_executor(
    args: argparse.Namespace,
    loaded: Sequence[LoadedScenario],
    replications: int,
    variants: int | None = None,
) -> None:
    """Fit the executor to the run before anything starts; every command that simulates calls
    this first, then :func:`simulator.cli.budget.check_size`.

    Checks the executor options (:func:`check_executor`); warns of compliance limits no pacing
    can meet; lowers ``args.workers`` to the replications to run and to a few per CPU
    (:mod:`simulator.experiment.capacity`), with one line on stderr when the user's --workers is
    lowered; and refuses (bad input) a run on this machine whose workers x the memory of one
    replication exceed the memory available, unless ``--yes`` was given. ``loaded``: the
    scenarios (or a sample of a grid's variants), each run ``replications`` times;
    ``variants``: how many there are in all (default ``len(loaded)``)."""
    from ..experiment.capacity import plan_workers
    from ..experiment.executors import default_workers
    from ..experiment.sizing import estimate

    check_executor(args)
    warn_infeasible(loaded)
    serial = args.executor == "serial" or (
        args.executor is None and not args.scheduler and not (args.workers and args.workers > 1)
    )
    if args.scheduler:
        return  # the memory and the workers are the cluster's
    workers = 1
    if not serial:
        plan = plan_workers(
            args.workers or default_workers(), _pool_jobs(args, variants or len(loaded), replications)
        )
        if args.workers and plan.note():
            print(f"collectsim: note: {plan.note()}", file=sys.stderr)
        workers = args.workers = plan.workers
    if not getattr(args, "yes", False):
        _check_memory(workers, max((estimate(x.scenario) for x in loaded), key=lambda e: e.peak_mb))


def warn_infeasible(loaded: Sequence[Any]) -> None:
    """Before a run, a ``warning:`` line on stderr for each compliance limit a scenario cannot
    meet whatever the pacing (:func:`simulator.measures.breaches.infeasible_limits`), once per
    distinct line."""
    from ..measures.breaches import infeasible_limits

    seen: set[str] = set()
    for x in loaded:
        for line in infeasible_limits(x.scenario):
            if line not in seen:
                seen.add(line)
                print(line, file=sys.stderr)


def _pool_jobs(args: argparse.Namespace, variants: int, replications: int) -> int:
    """The most replications the executor may be given: ``replications`` of each variant, or up
    to --max-replications with ``run --precision``."""
    reps = replications
    if getattr(args, "precision", None):
        reps = max(reps, args.max_replications or 0)
    return variants * max(1, reps)


def _check_memory(workers: int, one) -> None:
    """Bad input when ``workers`` replications at once, each estimated at ``one.peak_mb`` (the
    figure ``collectsim validate`` prints), need more memory than this machine has available."""
    from ..experiment.capacity import available_memory_mb
    from ..experiment.sizing import describe_mb

    avail = available_memory_mb()
    need = workers * one.peak_mb
    if avail is None or need <= avail:
        return
    fits = int(avail // one.peak_mb)
    advice = (
        f"use --workers {fits} or fewer"
        if fits >= 1
        else "even one replication does not fit: simulate fewer accounts or collectors"
    )
    advice += ", or give --yes to run it anyway"
    raise InputError(
        f"this run needs about {describe_mb(need)} of memory ({workers} worker(s) x about "
        f"{describe_mb(one.peak_mb)} per replication, the estimate of 'collectsim validate', from "
        f"{one.basis()}), more than the {describe_mb(avail)} available on this machine; {advice}"
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
