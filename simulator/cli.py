"""The collectsim command line: argument parsing and printing only.

Exit codes: 0 success; 2 bad input (scenario, option, path) with a message naming the file, the
key path, the value and what was expected; 1 internal error.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from . import __version__

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


class InputError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2."""


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {v}")
    return v


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= v < 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number between 0 and 2**63-1, got {v}")
    return v


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def write_output(path: Path, text: str, force: bool) -> str:
    """Write ``text`` to ``path`` atomically (temporary file, then rename).

    An existing file is never overwritten silently: identical content is left as it is, and
    different content needs ``force``. Returns what happened, for the user.
    """
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a file path to write")
    if path.exists():
        try:
            same = path.read_text(encoding="utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if same:
            return f"{path}: unchanged (identical results already there)"
        if not force:
            raise InputError(f"{path}: exists and holds different content; not overwritten. "
                             "Use --force to replace it, or choose another path")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{path}: folder {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return f"{path}: written"


def _load(args: argparse.Namespace):
    from .scenario import load_scenario
    return load_scenario(args.scenario, args.set or ())


def cmd_run(args: argparse.Namespace) -> int:
    from .experiment import run_experiment
    from .report import pyramid_table, volume_table

    loaded = _load(args)
    tty = sys.stderr.isatty() and not args.quiet

    def progress(done: int, total: int) -> None:
        if tty:
            print(f"\rreplication {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    res = run_experiment(loaded, args.replications, args.seed, progress)
    doc = res.to_dict()
    sc = loaded.scenario
    print(f"collectsim {__version__}  scenario {sc.scenario.name!r} ({loaded.source}, sha256 {loaded.sha256[:12]})")
    print(f"seed {args.seed}, {res.replications} replication(s), {sc.calendar.working_days} working day(s); "
          f"mean ± 95% CI half-width" + ("" if res.replications > 1 else " (one replication: no CI)"))
    print()
    print(pyramid_table(doc))
    print()
    print(volume_table(doc))
    text = res.to_json()
    if args.json:
        print(write_output(Path(args.json), text, args.force), file=sys.stderr)
    if args.out:
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: exists and is not a folder")
        out.mkdir(parents=True, exist_ok=True)
        print(write_output(out / "results.json", text, args.force), file=sys.stderr)
        table = pyramid_table(doc) + "\n\n" + volume_table(doc) + "\n"
        print(write_output(out / "summary.txt", table, args.force), file=sys.stderr)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    loaded = _load(args)
    sc = loaded.scenario
    n_coll = sum(t.headcount for t in sc.teams.values())
    n_acc = sum(s.accounts for s in sc.segments.values())
    print(f"ok: {loaded.source}: scenario {sc.scenario.name!r}, {len(sc.teams)} team(s) with {n_coll} "
          f"collector(s), {len(sc.segments)} segment(s) with {n_acc:,} accounts, "
          f"{sc.calendar.working_days} working day(s), dialer {sc.dialer.mode}")
    return EXIT_OK


def cmd_pyramid(args: argparse.Namespace) -> int:
    from .pyramid import LAYER_LABELS, Pyramid

    try:
        p = Pyramid(args.productive_rate, args.contacts_per_hour, args.promise_rate, args.kept_rate,
                    args.avg_payment)
    except ValueError as e:
        raise InputError(str(e)) from None
    d = p.as_dict()
    width = max(len(v) for v in LAYER_LABELS.values())
    for k, v in d.items():
        pct = k in ("productive_rate", "promise_rate", "kept_rate")
        shown = f"{v * 100:.2f} %" if pct else f"{v:,.3f}"
        print(f"{LAYER_LABELS[k]:<{width}}  {shown:>12}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="collectsim",
        description="Simulate a debt-collection call center and estimate its pyramid of KPIs "
                    "(productive rate x contacts per hour x promise rate x kept rate x average payment).")
    ap.add_argument("--version", action="version", version=f"collectsim {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    def scenario_args(p: argparse.ArgumentParser, optional: bool) -> None:
        if optional:
            p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                           help="scenario TOML file (default: the bundled table_14_1.toml)")
        else:
            p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
        p.add_argument("--set", action="append", metavar="PATH=VALUE",
                       help="override a scenario value, e.g. --set teams.low_risk_team.headcount=15 "
                            "(VALUE is a TOML value; repeatable)")

    p = sub.add_parser("run", help="simulate a scenario N times and print the pyramid table",
                       description="Simulate a scenario N times, print the pyramid per segment and for "
                                   "the center with 95%% t-intervals, and optionally save the results JSON.")
    scenario_args(p, optional=True)
    p.add_argument("-r", "--replications", type=_positive_int, default=10, metavar="N",
                   help="independent replications (default 10)")
    p.add_argument("--seed", type=_seed, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("--json", metavar="FILE", help="write the results JSON (schema collectsim.results/1) here")
    p.add_argument("--out", metavar="DIR", help="write results.json and summary.txt into this folder")
    p.add_argument("--force", action="store_true", help="replace existing output files that differ")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check a scenario file and list every problem",
                       description="Check a scenario file. Exit 0 if it is valid; exit 2 listing every "
                                   "problem with its key path otherwise.")
    scenario_args(p, optional=False)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("pyramid", help="the deterministic pyramid calculator (no simulation)",
                       description="Multiply the five layers into value per paid hour. Rates are "
                                   "fractions: 85%% is 0.85. Example (Table 14-1, low risk): "
                                   "--productive-rate 0.85 --contacts-per-hour 10 --promise-rate 0.85 "
                                   "--kept-rate 0.65 --avg-payment 140")
    p.add_argument("--productive-rate", type=_number, required=True, metavar="R",
                   help="productive hours / paid hours (fraction)")
    p.add_argument("--contacts-per-hour", type=_number, required=True, metavar="C",
                   help="right-party contacts per productive hour")
    p.add_argument("--promise-rate", type=_number, required=True, metavar="P",
                   help="promises / right-party contacts (fraction)")
    p.add_argument("--kept-rate", type=_number, required=True, metavar="K",
                   help="promises kept / promises (fraction)")
    p.add_argument("--avg-payment", type=_number, required=True, metavar="A",
                   help="dollars collected / promises kept (US dollars)")
    p.set_defaults(func=cmd_pyramid)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    from .scenario import ScenarioError

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
