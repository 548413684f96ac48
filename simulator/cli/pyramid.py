"""``pyramid`` and ``sensitivity``: the pyramid's five levers, multiplied out by hand and
improved one at a time in simulation."""

from __future__ import annotations

import argparse
import functools
import json
import sys

from ..base.documents import SENSITIVITY_SCHEMA
from ..base.errors import EXIT_OK, InputError
from ..base.formatting import NA, number, table
from .budget import check_size, confirm_arg
from .common import (
    Progress,
    Subparsers,
    check_room,
    emit,
    executor_args,
    executor_errors,
    json_args,
    json_target,
    load,
    number_arg,
    plan_executor,
    replication_args,
    scenario_args,
)

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    """Add pyramid and sensitivity to the subparsers ``sub``."""
    p = sub.add_parser(
        "pyramid",
        help="the deterministic pyramid calculator (no simulation)",
        description="Multiply the five layers into value per paid hour. Rates are "
        "fractions: 85% is 0.85. Example (Table 14-1, low risk): "
        "--productive-rate 0.85 --contacts-per-hour 10 --promise-rate 0.85 "
        "--kept-rate 0.65 --avg-payment 140",
    )
    p.add_argument(
        "--productive-rate",
        type=number_arg,
        required=True,
        metavar="R",
        help="productive hours / paid hours (fraction)",
    )
    p.add_argument(
        "--contacts-per-hour",
        type=number_arg,
        required=True,
        metavar="C",
        help="right-party contacts per productive hour",
    )
    p.add_argument(
        "--promise-rate",
        type=number_arg,
        required=True,
        metavar="P",
        help="promises / right-party contacts (fraction)",
    )
    p.add_argument(
        "--kept-rate", type=number_arg, required=True, metavar="K", help="promises kept / promises (fraction)"
    )
    p.add_argument(
        "--avg-payment",
        type=number_arg,
        required=True,
        metavar="A",
        help="dollars collected / promises kept (US dollars)",
    )
    p.set_defaults(func=cmd_pyramid)

    p = sub.add_parser(
        "sensitivity",
        help="where the next dollar is: +1%% on each pyramid lever, simulated",
        # argparse formats help strings with %, not descriptions: one % here, %% in help=
        description="Improve each lever of the scenario by 1% (relative) in turn and measure "
        "the change in the center's value per paid hour, paired by seed with the "
        "unchanged scenario; next to the analytic figure (1% of value per paid "
        "hour for every layer, since the pyramid is a product).",
    )
    scenario_args(p, optional=True)
    replication_args(p, "replications per variant (default 10; at least 2)")
    json_args(p, "the sensitivity document (schema collectsim.sensitivity/1)")
    confirm_arg(p)
    executor_args(p)
    p.set_defaults(func=cmd_sensitivity)


def cmd_pyramid(args: argparse.Namespace) -> int:
    from ..measures.pyramid import LAYER_LABELS, Pyramid

    try:
        p = Pyramid(
            args.productive_rate, args.contacts_per_hour, args.promise_rate, args.kept_rate, args.avg_payment
        )
    except ValueError as e:
        raise InputError(str(e)) from None
    rows = [["layer", "value"]]
    for k, v in p.as_dict().items():
        pct = k in ("productive_rate", "promise_rate", "kept_rate")
        rows.append(
            [LAYER_LABELS[k] + (" %" if pct else ""), number(v, percent=pct, decimals=2 if pct else 3)]
        )
    print(table(rows))
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from ..measures.pyramid import LAYER_LABELS, LAYERS
    from ..studies.sensitivity import simulated_sensitivity

    if args.replications < 2:
        raise InputError("--replications: a paired comparison needs at least 2")
    loaded = load(args)
    json_out = json_target(args)
    from ..experiment.output_size import SENSITIVITY_BYTES

    check_room([("--json", json_out, SENSITIVITY_BYTES)])
    say = functools.partial(
        print, file=sys.stderr if json_out is not None and json_out.is_stdout else sys.stdout
    )
    from ..experiment.sizing import estimate

    plan_executor(args, [loaded], args.replications, variants=len(LAYERS) + 1)
    check_size(args, [estimate(loaded.scenario)], args.replications, variants=len(LAYERS) + 1)
    with executor_errors(), Progress(args, (len(LAYERS) + 1) * args.replications) as progress:
        doc = simulated_sensitivity(
            loaded,
            args.replications,
            args.seed,
            progress,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
        )
    if json_out is not None:
        text = (
            json.dumps(
                {
                    "schema": SENSITIVITY_SCHEMA,
                    "scenario": {"name": loaded.scenario.scenario.name, "sha256": loaded.sha256},
                    **doc,
                },
                indent=1,
            )
            + "\n"
        )
        emit(json_out, text)
    base = doc["baseline_value_per_paid_hour"]
    economic = doc.get("ranked_by") == "net_economic_value"
    say(
        f"scenario {loaded.scenario.scenario.name!r}: value per paid hour {number(base, money=True)} $ "
        f"({args.replications} paired replications, seed {args.seed})"
    )
    if economic:
        say(
            f"net economic value (loss avoided - cost; the decision figure) "
            f"{number(doc['baseline_net_economic_value'], money=True)} $ per replication"
        )
        say(
            "gain from +1% of each layer, ranked by the simulated gain in net economic value "
            "($ per replication), beside the gain in value per paid hour ($ per paid hour, cash)"
        )
        rows = [
            ["layer", "net economic value (95% CI)", "value/paid h: analytic", "simulated (95% CI)", "how"]
        ]
    else:
        say("gain in value per paid hour from +1% of each layer, ranked by the simulated gain")
        rows = [["layer", "analytic", "simulated (95% CI)", "how"]]
    for lv in doc["levers"]:
        row = [LAYER_LABELS[lv["layer"]]]
        if economic:
            row.append(_gain_ci(lv["simulated_net_economic_value"]))
        rows.append([*row, _signed(lv["analytic_gain"]), _gain_ci(lv["simulated"]), lv["how"]])
    say(table(rows, left=(0, len(rows[0]) - 1)))
    return EXIT_OK


def _gain_ci(sim: dict) -> str:
    """A paired gain with its 95% CI, signed."""
    if sim["diff_ci95_low"] is None:
        return NA
    return f"{_signed(sim['diff_mean'])} [{_signed(sim['diff_ci95_low'])}, {_signed(sim['diff_ci95_high'])}]"


def _signed(v) -> str:
    """A gain in US dollars per paid hour, with its sign."""
    return NA if v is None else ("+" if v >= 0 else "") + number(v, money=True)
