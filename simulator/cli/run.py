"""``run``: simulate one scenario N times, print its pyramid, and write the results, the
per-replication records and replication 0's trace."""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys

from .._version import __version__
from ..base.errors import EXIT_INPUT, EXIT_OK, InputError, Interrupted
from ..base.fileio import make_folder
from ..base.formatting import number, stat
from .budget import check_size, confirm_arg
from .common import (
    Progress,
    Subparsers,
    Writes,
    check_executor,
    check_room,
    emit,
    emit_in_folder,
    executor_args,
    executor_errors,
    folder_target,
    hold,
    json_target,
    load,
    no_collisions,
    output_path,
    plan_executor,
    positive_int,
    replication_args,
    scenario_args,
    strict_arg,
    warn_breaches,
)

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    """Add run to the subparsers ``sub``."""
    p = sub.add_parser(
        "run",
        help="simulate a scenario N times and print the pyramid table",
        description="Simulate a scenario N times, print the pyramid per segment and for "
        "the center with 95% t-intervals, and optionally save the results JSON.",
    )
    scenario_args(p, optional=True)
    replication_args(p, "independent replications (default 10)")
    p.add_argument(
        "--json",
        type=output_path,
        metavar="FILE",
        help="write the results JSON (schema collectsim.results/1) here; "
        "- for standard output (the tables then go to stderr)",
    )
    p.add_argument(
        "--out",
        type=output_path,
        metavar="DIR",
        help="write results.json and summary.txt into this folder (created "
        "if missing; its parent must exist), and replications.jsonl, "
        "one line per replication as it ends",
    )
    p.add_argument(
        "--trace",
        type=output_path,
        metavar="DIR",
        help="also write the dial-level record of replication 0 into this "
        "folder (created if missing): dials.csv, promises.csv, "
        "payments.csv, accounts.csv, shifts.csv and account_events.csv, "
        "the files `collectsim calibrate` reads, inbound_calls.csv, rules.csv and messages.csv "
        "(docs/data-formats.md)",
    )
    p.add_argument("--force", action="store_true", help="replace existing output files (regular files only)")
    p.add_argument(
        "--targets",
        action="store_true",
        help="also print actual against target for the center, each team, segment and collector: "
        "the layers significantly below target (flagged: one-sided t-test, Holm correction "
        "across units and layers) and the coaching they call for, and the lowest layer as "
        "information (needs 2+ replications); without targets, each collector against the peers "
        "who work the same segments (paired t-test, Holm)",
    )
    p.add_argument(
        "--precision",
        action="append",
        metavar="METRIC=REL",
        help="add replications (in batches, -r N being the first) until the 95%% CI half-width "
        "of METRIC is below REL x |mean|, e.g. value_per_paid_hour=0.02 (the center) or "
        "segments.low_risk.promise_rate=0.01; repeatable (all must be met)",
    )
    p.add_argument(
        "--max-replications",
        type=positive_int,
        metavar="N",
        help="cap on replications with --precision (default 200)",
    )
    p.add_argument(
        "--parameter-uncertainty",
        action="store_true",
        help="for a scenario fitted by `collectsim calibrate`: each replication draws the fitted "
        "parameters from the fit's sampling distribution (their SEs in [calibration]), so the "
        "95%% CIs include the uncertainty of the fit, not only the simulation noise. Use it when "
        "a decision rests on a fitted scenario's numbers, above all with a few weeks of data or "
        "a small center; values a --set changed are not drawn (docs/uncertainty.md)",
    )
    strict_arg(p)
    confirm_arg(p)
    executor_args(p)
    p.set_defaults(func=cmd_run)


def _precision_targets(args: argparse.Namespace, loaded) -> list | None:
    """--precision's targets (None without it), checked with --max-replications."""
    from ..experiment.precision import DEFAULT_MAX_REPLICATIONS, parse_precision

    check_executor(args)
    if not args.precision:
        if args.max_replications is not None:
            raise InputError("--max-replications is only used with --precision METRIC=REL")
        return None
    if args.max_replications is None:
        args.max_replications = DEFAULT_MAX_REPLICATIONS
    if args.max_replications < 2:
        raise InputError(f"--max-replications {args.max_replications}: expected a whole number >= 2")
    out = []
    for text in args.precision:
        try:
            out.append(parse_precision(text, loaded.scenario))
        except ValueError as e:
            raise InputError(str(e)) from None
    return out


def _precision_report(p: dict) -> str:
    lines = []
    for t in p["targets"]:
        if t["half_width"] is None:
            lines.append(f"precision: {t['metric']}: undefined after {t['n']} replication(s) with a value")
            continue
        rel_now = t["half_width"] / abs(t["mean"]) if t["mean"] else float("inf")
        hw = t["half_width"]
        lines.append(
            f"precision: {t['metric']} = {stat(t['mean'], t['mean'] - hw, t['mean'] + hw)} "
            f"(half-width {number(rel_now, percent=True, decimals=2)}% of the mean; "
            f"target < {number(t['rel'], percent=True, decimals=2)}%): {'met' if t['met'] else 'NOT met'}"
        )
    if p["stopped"] == "target met":
        lines.append(f"stopped: target met after {p['replications']} replications")
    elif p["stopped"] == "cap reached":
        lines.append(
            f"stopped: cap of --max-replications {p['max_replications']} reached "
            f"({p['replications']} replications) before the target was met"
        )
    else:
        lines.append(
            f"stopped after {p['replications']} replications: the target metric is undefined "
            "(its denominator is 0) in too many replications"
        )
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    from ..experiment.replications import run_experiment
    from ..report import pyramid_table, volume_table
    from ..report.arms import arms_table
    from ..report.inbound import inbound_table

    loaded = load(args)
    precision = _precision_targets(args, loaded)
    drawn = None
    if args.parameter_uncertainty:
        from ..experiment.uncertainty import parameter_uncertainty

        drawn = parameter_uncertainty(loaded)  # refused here, before any work, without [calibration]
    json_out = json_target(args)
    out_dir = folder_target(args.out, "--out", OUT_FILES, args.force)
    from ..experiment.replications import TRACE_ERROR
    from ..experiment.trace_export import TRACE_FILES

    trace_dir = folder_target(args.trace, "--trace", TRACE_FILES, args.force)
    no_collisions(
        {"--json": json_out},
        {"--out": (out_dir, OUT_FILES), "--trace": (trace_dir, TRACE_FILES)},
    )
    _check_room(loaded.scenario, args.replications, json_out, out_dir, trace_dir)
    hold(out_dir, "--out", OUT_FILES, args.force)
    hold(trace_dir, "--trace", TRACE_FILES, args.force)
    plan_executor(args, [loaded], args.replications)
    _check_size(args, loaded, json_out, out_dir)
    with executor_errors(), Progress(args, args.replications) as progress, _recorder(out_dir, args) as record:
        res = run_experiment(
            loaded,
            args.replications,
            args.seed,
            progress,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            precision=precision,
            max_replications=args.max_replications,
            on_result=record,
            parameter_uncertainty=drawn is not None,
            trace=trace_dir is not None,
        )
    doc = res.to_dict()
    sc = loaded.scenario
    # The files first: a reader of the tables that goes away (| head) must not cost the results.
    # A file that cannot be written keeps neither the others nor the results from being saved.
    from ..experiment.results import results_json

    text = results_json(doc) if json_out is not None or out_dir is not None else ""
    trace_failed = None
    with Writes() as write:
        if record is not None:
            write.errors += record.failed
        if json_out is not None:
            write(emit, json_out, text)
        if out_dir is not None:
            write(emit_in_folder, out_dir, "--out", "results.json", text, args.force)
            summary = (
                "\n\n".join(
                    filter(None, (pyramid_table(doc), volume_table(doc), inbound_table(doc), arms_table(doc)))
                )
                + "\n"
            )
            write(emit_in_folder, out_dir, "--out", "summary.txt", summary, args.force)
        if trace_dir is not None:  # replication 0 kept its trace as it ran
            trace_failed = res.trace.get(TRACE_ERROR)
            for name, data in res.trace.items():
                if name != TRACE_ERROR:
                    write(emit_in_folder, trace_dir, "--trace", name, data, args.force)
    # With --json -, standard output carries the JSON alone and the tables go to stderr.
    say = functools.partial(
        print, file=sys.stderr if json_out is not None and json_out.is_stdout else sys.stdout
    )
    say(
        f"collectsim {__version__}  scenario {sc.scenario.name!r} "
        f"({loaded.source}, sha256 {loaded.sha256[:12]})"
    )
    say(
        f"seed {args.seed}, {res.replications} replication(s), {sc.calendar.working_days} working day(s); "
        f"mean ± 95% CI half-width" + ("" if res.replications > 1 else " (one replication: no CI)")
    )
    if drawn is not None:
        pu = drawn.describe()
        say(
            f"parameter uncertainty: {pu['drawn']} fitted value(s) drawn per replication from their "
            f"sampling distribution; ± is the 95% interval of the value given the fit's uncertainty, "
            f"t s sqrt(1 + 1/R), which more replications do not shrink"
            + (
                f"; {len(pu['held_by_what_if'])} value(s) a what-if changed are not drawn"
                if pu["held_by_what_if"]
                else ""
            )
        )
    say()
    say(pyramid_table(doc))
    say()
    say(volume_table(doc))
    inbound = inbound_table(doc)
    if inbound:
        say()
        say(inbound)
    arms = arms_table(doc)
    if arms:
        say()
        say(arms)
    from ..report.table import blocks_table

    blocks = blocks_table(doc)
    if blocks:
        say()
        say(blocks)
    if getattr(args, "targets", False):
        from ..report.coaching import targets_table

        say()
        say(targets_table(doc))
    if res.precision is not None:
        say()
        say(_precision_report(res.precision))
    code = warn_breaches([("", doc["breaches"])], args.strict, EXIT_OK)
    if trace_failed is not None:
        print(
            f"collectsim: error: --trace: replication 0's trace files could not be built "
            f"({trace_failed}); every other output was written",
            file=sys.stderr,
        )
        return EXIT_INPUT
    return code


RECORDS = "replications.jsonl"
OUT_FILES = ("results.json", "summary.txt", RECORDS)


def _check_room(sc, replications: int, json_out, out_dir, trace_dir) -> None:
    """Refuse outputs the disk has no room for, before the run (sizes estimated for the first
    ``replications``: --precision may add more)."""
    from ..experiment import output_size as size

    results = size.results_bytes(sc, replications)
    check_room(
        [
            ("--json", json_out, results),
            (
                "--out",
                out_dir,
                results + size.summary_text_bytes(sc) + replications * size.record_bytes(sc),
            ),
            ("--trace", trace_dir, size.trace_bytes(sc) if trace_dir is not None else 0),
        ]
    )


def _check_size(args: argparse.Namespace, loaded, json_out, out_dir) -> None:
    """Refuse a run over the bounds without --yes, announce a long one (cli/budget.py). With
    --precision, the run is sized for its cap of replications."""
    from ..experiment.sizing import estimate

    reps = args.replications
    if args.precision:
        reps = max(reps, args.max_replications)
    documents = (json_out is not None) + (out_dir is not None)
    check_size(args, [estimate(loaded.scenario)], reps, records=out_dir is not None, documents=documents)


@contextlib.contextmanager
def _recorder(out_dir, args: argparse.Namespace):
    """With --out DIR: DIR/replications.jsonl gets one fsynced line per replication as it ends
    ({"replication", "seed", "ok": true, "result"}), so an interrupted run keeps what finished.
    A line that cannot be written stops the records, not the run: the error is in the
    recorder's ``failed`` list, for the end of the command."""
    if out_dir is None:
        yield None
        return
    from ..studies.sweep.store import Appender

    make_folder(out_dir, "--out")
    path = out_dir / RECORDS
    if path.exists():
        path.unlink()  # checked: --force was given
    app = Appender(path)

    def record(job, result) -> None:
        if record.failed:
            return
        _, seed, r = job
        try:
            app.write({"replication": r, "seed": seed, "ok": True, "result": result})
        except InputError as e:  # the disk filled up: the run goes on, its results are kept
            record.failed.append(f"--out {e}; the run went on without recording the rest")

    record.failed = []
    try:
        yield record
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted; the finished replications are in {path}") from None
    finally:
        app.close()
