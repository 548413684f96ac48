"""The size of a command's run, told before it starts, and ``--yes``.

Every command that simulates estimates its run first (:mod:`simulator.experiment.sizing`): the
time on its workers, the memory on this machine, the files it writes. A run estimated at more
than 24 hours, more memory than this machine has, or more than 100 GB of files is refused (exit
2, nothing run) unless ``--yes`` is given; one over 10 minutes or 2 GB is announced on stderr;
``sweep`` and ``staff`` always announce their grid (variants x replications) and its estimate,
on standard output, as the first line of their report.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from ..base.errors import InputError
from ..experiment.sizing import (
    CONFIRM_OUTPUT_BYTES,
    CONFIRM_RUN_S,
    RunEstimate,
    SizeEstimate,
    describe_bytes,
    describe_duration,
    run_estimate,
)

__all__ = ["YES_HELP", "confirm_arg", "check_size", "workers_of"]

YES_HELP = (
    f"run even when the estimate is over the bounds: more than {describe_duration(CONFIRM_RUN_S)}, "
    f"more memory than this machine has, or more than {describe_bytes(CONFIRM_OUTPUT_BYTES)} of files. "
    "Without it such a run is refused (exit 2) before anything is simulated, with its estimate"
)


def confirm_arg(p: argparse.ArgumentParser) -> None:
    """``--yes``: run even beyond the bounds."""
    p.add_argument("--yes", action="store_true", help=YES_HELP)


def workers_of(args: argparse.Namespace) -> tuple[int, bool, bool]:
    """(workers, serial, remote) of the executor options, as
    :func:`~simulator.experiment.executors.open_executor` chooses them."""
    from ..experiment.executors import default_workers

    executor, workers, scheduler = args.executor, args.workers, args.scheduler
    serial = executor == "serial" or (executor is None and not scheduler and not (workers and workers > 1))
    return (1 if serial else (workers or default_workers())), serial, bool(scheduler)


def check_size(
    args: argparse.Namespace,
    sample: Sequence[SizeEstimate],
    replications: int,
    *,
    variants: int | None = None,
    what: str = "this run",
    records: bool = False,
    documents: int = 0,
    tidy: bool = False,
    keeps_records: bool = False,
    announce: TextIO | None = None,
) -> RunEstimate:
    """Estimate the run (:func:`~simulator.experiment.sizing.run_estimate`); refuse it with
    InputError (exit 2) when it is over the bounds and ``--yes`` was not given; else say it on
    ``announce`` (always), or without it on stderr when the run is long or large."""
    workers, serial, remote = workers_of(args)
    est = run_estimate(
        sample,
        replications,
        variants=variants,
        workers=workers,
        serial=serial,
        remote=remote,
        records=records,
        documents=documents,
        tidy=tidy,
        keeps_records=keeps_records,
    )
    over = est.over_confirmation()
    if over and not getattr(args, "yes", False):
        raise InputError(
            f"{what} is estimated at {est.describe(remote)}; {' and '.join(over)}. Nothing was run: "
            "give --yes to run it anyway, or ask for less (fewer replications or variants, a "
            "smaller scenario)"
        )
    if announce is not None:
        print(f"collectsim: {what} is estimated at {est.describe(remote)}", file=announce, flush=True)
    elif est.noteworthy():
        print(
            f"collectsim: note: {what} is estimated at {est.describe(remote)}; Ctrl-C stops it",
            file=sys.stderr,
        )
    return est
