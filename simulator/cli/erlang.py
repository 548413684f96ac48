"""``erlang``: the Erlang B, C and A calculator (no simulation), the analytic baseline beside the
simulator's inbound queue."""

from __future__ import annotations

import argparse
import functools
import json
import sys

from ..base.documents import ERLANG_SCHEMA
from ..base.errors import EXIT_OK, InputError
from ..base.formatting import number, table
from .argtypes import number_arg, positive_number
from .common import Subparsers, check_room, emit, json_args, json_target

__all__ = ["register"]

MAX_ROWS = 1000

TARGET_OPTIONS = {
    "min_service_level": ("service_level", "--min-service-level"),
    "max_asa_s": ("asa_s", "--max-asa-s"),
    "max_abandon": ("p_abandon", "--max-abandon"),
    "max_occupancy": ("occupancy", "--max-occupancy"),
    "max_blocking": ("p_blocked", "--max-blocking"),
}
"""Option dest -> (figure bounded, option name)."""

EXAMPLES = """\
examples:
  Erlang C, 200 calls an hour of 180 s, 11 to 15 agents, service level within 20 s:
    collectsim erlang --calls-per-hour 200 --aht-s 180 --agents 11-15
  the agents needed for 80% answered within 20 s:
    collectsim erlang --calls-per-hour 200 --aht-s 180 --min-service-level 0.8 --target-s 20
  Erlang A (callers hang up after 300 s on average), at most 2% abandoning, as JSON:
    collectsim erlang --calls-per-hour 200 --aht-s 180 --patience-s 300 --max-abandon 0.02 --json -
  Erlang B (no queue: a call finding every line busy is lost), 20 lines:
    collectsim erlang --model b --calls-per-hour 200 --aht-s 180 --agents 20

units: arrivals in calls per hour; handle time, patience, ASA and waits in seconds; shares and
probabilities as fractions (0.8, not 80). The service level is the share of all arriving calls
answered within --target-s seconds (a caller who hangs up first counts as a miss); ASA is the
mean wait of the calls answered. docs/contract.md (section 'collectsim erlang') has the formulas."""


def agent_counts(text: str) -> list[int]:
    """Agents: ``14``, a range ``10-20`` or a list ``10,12,14`` (whole numbers >= 1)."""
    from ..measures.erlang import MAX_AGENTS

    counts: list[int] = []
    try:
        for part in text.split(","):
            lo, sep, hi = part.strip().partition("-")
            a = int(lo)
            b = int(hi) if sep else a
            if a < 1 or b < a or b > MAX_AGENTS:
                raise ValueError
            counts.extend(range(a, b + 1))
            if len(counts) > MAX_ROWS:
                raise argparse.ArgumentTypeError(f"at most {MAX_ROWS} agent counts, got {text!r}")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers from 1 to {MAX_AGENTS:,} as N, N-M or N,M,..., got {text!r}"
        ) from None
    return sorted(set(counts))


def register(sub: Subparsers) -> None:
    """Add erlang to the subparsers ``sub``."""
    p = sub.add_parser(
        "erlang",
        help="Erlang B, C and A: service level, ASA, abandonment, agents needed (no simulation)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Steady-state figures of one inbound queue with Poisson arrivals and\n"
        "exponential handle times: Erlang B (calls lost when every agent is busy), Erlang C\n"
        "(calls wait as long as it takes) or Erlang A (callers hang up after an exponential\n"
        "patience). Give --agents for the figures of given teams, a target for the smallest\n"
        "team meeting it, or both.",
        epilog=EXAMPLES,
    )
    p.add_argument(
        "--model",
        choices=("a", "b", "c"),
        help="Erlang A, B or C (default: A when --patience-s is given, else C)",
    )
    p.add_argument(
        "--calls-per-hour", type=positive_number, required=True, metavar="L", help="arrivals, calls per hour"
    )
    p.add_argument(
        "--aht-s",
        type=positive_number,
        required=True,
        metavar="S",
        help="average handle time (talk and wrap), seconds",
    )
    p.add_argument(
        "--patience-s",
        type=positive_number,
        metavar="S",
        help="Erlang A: mean time a waiting caller holds on before hanging up, seconds",
    )
    p.add_argument(
        "--agents", type=agent_counts, metavar="N", help="agents: N, a range N-M or a list N,M,..."
    )
    p.add_argument(
        "--target-s",
        type=number_arg,
        default=20.0,
        metavar="T",
        help="service-level threshold: answered within T seconds (default 20)",
    )
    g = p.add_argument_group("targets (the smallest team meeting every one given)")
    g.add_argument(
        "--min-service-level", type=number_arg, metavar="X", help="share answered within --target-s >= X"
    )
    g.add_argument("--max-asa-s", type=number_arg, metavar="S", help="ASA <= S seconds (Erlang C, A)")
    g.add_argument("--max-abandon", type=number_arg, metavar="P", help="P(abandon) <= P (Erlang A)")
    g.add_argument("--max-occupancy", type=number_arg, metavar="O", help="agent occupancy <= O")
    g.add_argument("--max-blocking", type=number_arg, metavar="P", help="P(blocked) <= P (Erlang B)")
    json_args(p, "the erlang document (schema collectsim.erlang/1)")
    p.set_defaults(func=cmd_erlang)


def cmd_erlang(args: argparse.Namespace) -> int:
    from ..measures.erlang import TARGETS, Traffic, agents_needed, figures, meets

    model = args.model or ("a" if args.patience_s is not None else "c")
    if model == "a" and args.patience_s is None:
        raise InputError("--model a (Erlang A) needs --patience-s, the mean patience in seconds")
    if model != "a" and args.patience_s is not None:
        raise InputError(f"--patience-s applies to Erlang A only, not to --model {model}")
    if args.target_s < 0:
        raise InputError(f"--target-s must be >= 0 seconds, got {args.target_s:g}")
    targets = [
        (metric, option, getattr(args, dest))
        for dest, (metric, option) in TARGET_OPTIONS.items()
        if getattr(args, dest) is not None
    ]
    if not args.agents and not targets:
        raise InputError("give --agents, a target (--min-service-level, --max-asa-s, ...), or both")
    json_out = json_target(args)
    try:
        traffic = Traffic(args.calls_per_hour, args.aht_s, args.patience_s)
    except ValueError as e:
        raise InputError(f"--calls-per-hour, --aht-s: {e}") from None
    met = []
    counts = set(args.agents or ())
    for metric, option, bound in targets:
        models = TARGETS[metric][1]
        if model not in models:
            hint = " (give --patience-s)" if models == ("a",) else ""
            raise InputError(f"{option} applies to Erlang {'/'.join(models).upper()} only{hint}")
        try:
            n = agents_needed(model, traffic, metric, bound, args.target_s)
        except ValueError as e:
            raise InputError(f"{option}: {e}") from None
        met.append({"metric": metric, "option": option, "bound": bound, "agents_needed": n})
    try:
        if met:
            needed = max(t["agents_needed"] for t in met)
            counts.add(needed)
            if needed > 1 and (model != "c" or needed - 1 > traffic.load):
                counts.add(needed - 1)
        rows = [figures(model, traffic, n, args.target_s) for n in sorted(counts)]
    except ValueError as e:
        raise InputError(str(e)) from None
    doc = {
        "schema": ERLANG_SCHEMA,
        "model": model,
        "inputs": {
            "calls_per_hour": args.calls_per_hour,
            "aht_s": args.aht_s,
            "patience_s": args.patience_s,
            "target_s": args.target_s,
        },
        "offered_load_erlangs": traffic.load,
        "targets": [
            {
                "metric": t["metric"],
                "bound": t["bound"],
                "agents_needed": t["agents_needed"],
            }
            for t in met
        ],
        "agents_needed": max((t["agents_needed"] for t in met), default=None),
        "rows": [
            {
                **f.as_dict(),
                "meets_targets": all(meets(f, t["metric"], t["bound"]) for t in met) if met else None,
            }
            for f in rows
        ],
    }
    say = functools.partial(
        print, file=sys.stderr if json_out is not None and json_out.is_stdout else sys.stdout
    )
    _print(say, doc, met)
    if json_out is not None:
        text = json.dumps(doc, indent=1) + "\n"
        check_room([("--json", json_out, len(text.encode()))])
        emit(json_out, text)
    return EXIT_OK


def _print(say, doc: dict, met: list[dict]) -> None:
    model, inputs = doc["model"], doc["inputs"]
    what = {
        "b": "Erlang B (lost calls)",
        "c": "Erlang C (no abandonment)",
        "a": f"Erlang A (mean patience {number(inputs['patience_s'])} s)",
    }[model]
    say(
        f"{what}: {number(inputs['calls_per_hour'])} calls/hour x {number(inputs['aht_s'])} s handle "
        f"time = {number(doc['offered_load_erlangs'])} Erlangs offered"
    )
    if model == "b":
        head = ["agents", "P(blocked) %", "answered %", "occupancy %"]
        cells = ("p_blocked", "service_level", "occupancy")
    else:
        say(f"service level: share of all calls answered within {number(inputs['target_s'])} s")
        head = ["agents", "P(wait) %", "service level %", "ASA s", "queue"]
        cells = ("p_wait", "service_level", "asa_s", "avg_queue_length")
        if model == "a":
            head += ["P(abandon) %", "mean wait s"]
            cells += ("p_abandon", "mean_wait_s")
        head.append("occupancy %")
        cells += ("occupancy",)
    rows = [head + (["meets"] if met else [])]
    for r in doc["rows"]:
        line = [str(r["agents"])]
        for c in cells:
            pct = c.startswith("p_") or c in ("service_level", "occupancy")
            line.append(number(r[c], percent=pct, decimals=2 if pct else None))
        if met:
            line.append("yes" if r["meets_targets"] else "no")
        rows.append(line)
    say(table(rows))
    for t in met:
        op = ">=" if t["metric"] == "service_level" else "<="
        say(f"agents needed for {t['metric']} {op} {t['bound']:g}: {t['agents_needed']}")
    if len(met) > 1:
        say(f"agents needed for every target: {doc['agents_needed']}")
