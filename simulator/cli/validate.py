"""``validate`` and ``schema``: check a scenario file, and write the JSON Schema editors check
scenario files with."""

from __future__ import annotations

import argparse

from ..base.errors import EXIT_OK
from ..base.fileio import STDOUT, check_output_file
from .common import Subparsers, emit, load, output_path, scenario_args, warn_infeasible, wrap

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    """Add validate and schema to the subparsers ``sub``."""
    p = sub.add_parser(
        "validate",
        help="check a scenario file and list every problem",
        description="Check a scenario file. Exit 0 if it is valid; exit 2 listing every "
        "problem with its key path otherwise.",
    )
    scenario_args(p, optional=False)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "schema",
        help="write the scenario JSON Schema, for editors that check TOML",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap(
            "Write the JSON Schema (draft 2020-12) of scenario files, generated "
            "from the scenario models: every key with its type, bounds, default "
            "and description; unknown keys are refused. Point taplo or Even "
            "Better TOML at it to check scenario files as you type (see "
            "docs/editor-schema.md). Cross-field rules are checked by "
            "'collectsim validate' only."
        ),
        epilog="examples:\n  collectsim schema --out collectsim.schema.json\n"
        "  then, on the first line of a scenario file:  #:schema ./collectsim.schema.json",
    )
    p.add_argument(
        "--out", type=output_path, metavar="FILE", help="write it here (default, or -: standard output)"
    )
    p.add_argument("--force", action="store_true", help="replace an existing --out file (regular files only)")
    p.set_defaults(func=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    loaded = load(args)
    sc = loaded.scenario
    n_coll = sum(t.headcount for t in sc.teams.values())
    n_acc = sum(s.accounts for s in sc.segments.values())
    print(
        f"ok: {loaded.source}: scenario {sc.scenario.name!r}, {len(sc.teams)} team(s) with {n_coll} "
        f"collector(s), {len(sc.segments)} segment(s) with {n_acc:,} accounts, "
        f"{sc.calendar.working_days} working day(s), dialer {sc.dialer.mode}"
    )
    from ..experiment.sizing import describe_duration, describe_mb, estimate, run_estimate

    e = estimate(sc)
    print(
        f"size: one replication takes about {describe_duration(e.seconds)} of one core and "
        f"{describe_mb(e.peak_mb)} of memory (an estimate from {e.basis()}; "
        f"-r N takes N times as long, shared among --workers)"
    )
    warn_infeasible([loaded])
    over = run_estimate([e], 1).over_confirmation()
    if over:
        print(
            f"note: even one replication is over the bounds of a run ({' and '.join(over)}): "
            "collectsim run refuses it without --yes"
        )
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from ..scenario.json_schema import scenario_json_schema_text

    out = check_output_file(args.out or STDOUT, "--out", args.force, allow_stdout=True)
    emit(out, scenario_json_schema_text())
    return EXIT_OK
