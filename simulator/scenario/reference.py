"""The scenario reference, generated from the schema: every key, its type, default and meaning.

``python -m simulator.scenario.reference`` prints the Markdown; ``--write`` writes it to
``docs/scenario-reference.md`` (a test checks that file is up to date). The tables and their rows
come from walking the pydantic models (:mod:`.tables`), so new fields and sections appear here
without editing this module. Only the cross-field rules are written by hand, in
:data:`CROSS_RULES`; a test fails when a model gains a cross-field validator that is not
described there.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path
from typing import Literal, get_args, get_origin

from pydantic import BaseModel

from .distributions import _DistBase
from .introspect import dist_classes, type_words
from .schema import Scenario
from .tables import Row, anchor, field_rows, missing_descriptions, sections, walk_models

__all__ = [
    "generate",
    "type_words",
    "field_rows",
    "sections",
    "dist_classes",
    "walk_models",
    "missing_descriptions",
    "undocumented_validators",
    "CROSS_RULES",
    "DOC_PATH",
    "main",
]

_REPO = Path(__file__).resolve().parents[2]
DOC_PATH = (_REPO if (_REPO / "pyproject.toml").exists() else Path(".")) / "docs" / "scenario-reference.md"
"""Where ``--write`` puts the reference: docs/ of the source tree (of the working folder when
the package is installed elsewhere)."""
REGENERATE = "python -m simulator.scenario.reference --write"

# Cross-field rules, by model class name. Each model that has a pydantic model validator must have
# an entry here or a docstring on the validator (one rule per paragraph or "- " bullet);
# tests/unit/test_validation.py checks it, so a new rule cannot go undocumented.
CROSS_RULES: dict[str, list[str]] = {
    "Calendar": [
        "`weekdays` lists each day at most once.",
        "`holidays` lists each day at most once.",
        "`close_time` is after `open_time`.",
        "`warmup_days` is below `working_days` (something is left to measure).",
    ],
    "Reage": ["`max_per_5_years` is at least `max_per_12_months`."],
    "Band": ["`lo` is below `hi`."],
    "StrategyRule": ["`list_order` names each key at most once; `phone_types` each type at most once."],
    "MessagesInLastDays": ["`at_most`, when given, is at least `at_least`."],
    "Strategy": [
        "`arms` shares are each in (0, 1] and add up to 1.",
        "a rule's `arms` are arms of `arms`; rule names are unique.",
    ],
    "Team": [
        "`segments` lists each segment at most once.",
        "The shift (`shift_start_time` + `shift_length_h`) ends by midnight (24:00).",
        "Every break, the lunch, the meeting (at the start of the shift) and the training (at the "
        "end) lie inside the shift, both as scheduled and when delayed by `break_stagger_min`.",
        "Breaks, lunch, meeting and training do not overlap.",
        "Together they leave some productive time in the shift.",
        "Either `shift_start_time` and `shift_length_h` (one shift) or `shifts` (several), not both; "
        "with `shifts`, breaks and lunch go inside each shift, and the rules above hold for each shift.",
        "`shifts` give `share` on every shift (the shares add up to 1) or `headcount` on every shift "
        "(they add up to the team's `headcount`).",
        "`absenteeism_weekday_multipliers` is empty or has 7 values, and `absenteeism` times each "
        "multiplier is at most 1.",
    ],
    "Shift": ["Exactly one of `share` and `headcount` is given."],
    "Outcome": [
        "`ring_time_s`, `talk_time_s` and `wrap_time_s` can never be negative (for example "
        "a `uniform` with `low = -5` is rejected).",
    ],
    "Outcomes": [
        "The six outcome probabilities sum to 1 (within 1e-6).",
        "A dial takes some time: the mean ring + talk + wrap-up time over all outcomes is above 0.",
    ],
    "Segment": [
        "`balance_usd` and `payment_usd` can never be negative.",
        "`promise_due_days` produces whole numbers >= 0 (a whole-number `constant`, "
        "`uniform_int` or a `discrete` with whole values).",
        "`days_past_due` can never be negative.",
        "With the `contact_curve` multipliers, the live-answer probability and the right-party "
        "probability stay at most 1 at every hour and weekday.",
        "`phones` produces whole numbers >= 1.",
        "`states` shares are finite, >= 0 and not all 0.",
        "A `wrong_number_share` above 0 plus the `invalid` outcome's probability is below 1.",
    ],
    "Inflow": [
        "`days_past_due` produces values >= 1.",
        "`dated` lists each day at most once.",
    ],
    "LivingPortfolio": [
        "`redefault_after_days` produces whole numbers >= 1.",
        "`promise_past_due_multiple` produces numbers > 0.",
    ],
    "TimeZones": [
        "`offsets_h` and `weights` have the same length.",
        "`offsets_h` lists each offset at most once; each is a multiple of 0.25 between -14 and 14.",
        "`weights` are not all 0.",
        "`address_differs_share` above 0 needs two offsets or more with a weight above 0.",
    ],
    "Window": ["`end_time` is after `start_time`."],
    "Response": ["`delay_s` cannot be negative."],
    "Callbacks": ["`delay_s` cannot be negative."],
    "ChannelResponse": ["`delay_h` cannot be negative."],
    "MessageChannel": [
        "The response probabilities (`payment`, `promise`, `inbound_call`, `opt_out`) sum to at most 1.",
        "`delivery_delay_days` cannot be negative.",
    ],
    "Channels": [
        "`path` is empty or one of `paths`.",
        "A step's channel is `call` or a channel with its own block; `until_day` is not before `day`; "
        "a `days_past_due` band has lo < hi.",
    ],
    "Dialer": [
        "`ring_timeout_s` is 0 (off) or at least 15.",
        'Predictive mode with `pacing = "poisson"` needs `calls_per_hour` > 0.',
        'With `pacing = "adaptive"`, `ratio` (the starting level) is at most `max_dial_level`.',
        "`list_strategy` given as a list names one key or more, each at most once.",
    ],
    "Compliance": [
        "`calling_window_end` is after `calling_window_start`.",
        "`rules` names each pack once, and each is a shipped pack (`reg_f`, `massachusetts`, `ofcom`) "
        "or one of `packs`; `packs` does not reuse a shipped pack's name.",
    ],
    "RulePack": [
        "A pack has at least one of `limits`, `wait_after_conversation_days`, "
        "`no_repeat_after_abandon_h`, `max_abandon_rate`.",
    ],
    "Scenario": [
        "Team and segment names start with a letter and hold only letters, digits, `_` and `-` "
        "(at most 64 characters).",
        "Every segment a team lists in `segments` exists under `[segments]`.",
        "Every segment is worked by at least one team.",
        "When one segment lists `phone_numbers`, every segment does; such a segment leaves `phones` "
        "at 1 (its numbers give each account's count, which account-level behaviour's "
        "`phones_on_answer` reads) and `skip_trace.bad_number_share_by_segment` is empty "
        "(each number's `valid` gives its chance to work).",
        "Every team's shift lies inside the center's hours (`calendar.open_time` to `calendar.close_time`).",
        "At least one team has a headcount above 0.",
        "`inbound.calls_per_hour` names only segments under `[segments]`.",
        "`channels.paths.NAME` and `channels.suppressions` name only segments under `[segments]` "
        "(and `all`, for suppressions).",
        'With an `[inbound]` block at least one team has `role = "inbound"` or `"blend"`; '
        "without one, no team has.",
        "Every tier named in a team's `skill.tiers` or `skill.collectors` exists under "
        "`[skill_tiers]`; tier shares are not all 0; `skill.collectors` keys are collector numbers "
        "(1 to the headcount).",
        'With `routing.policy = "mapping"`, `routing.mapping` is given and names existing teams '
        "and segments.",
        "A segment's `inflow` and `self_cure_per_day` need the living portfolio (a `[portfolio]` "
        "block, enabled).",
        "With `[portfolio]` on, `roll_rates.min_payment_usd` and `roll_rates.min_payment_share` are "
        "not set: minimum payments are the portfolio's, and roll rates only measure.",
        "With `[portfolio]` on, every segment's `days_past_due` is at least 1 (accounts are delinquent).",
        "A segment's `inflow.dated` days are no later than the last calling day.",
        "A strategy rule's `segments` exist under `[segments]`; `has_cell_consent` and "
        "`phone_types` need the segments' `phone_numbers`; `opted_out` needs a `[channels]` block "
        "and `messages_in_last_days` the block of its channel; `contact_path` is one of "
        "`channels.paths`; `team` is an outbound or blend team, with `routing.policy` "
        '`"segment_teams"` or `"mapping"` (one campaign per team).',
    ],
    "LogNormal": ["`sd` is at most a million times `mean`."],
    "Gamma": ["`sd` is at most a million times `mean`."],
    "Uniform": ["`high` >= `low`."],
    "UniformInt": ["`high` >= `low`."],
    "Triangular": ["`low` <= `mode` <= `high` and `low` < `high`."],
    "Discrete": ["`values` and `weights` have the same length; weights are finite, >= 0 and not all 0."],
}

GENERAL_RULES = [
    "Unknown keys are errors (with a 'did you mean' hint), never ignored.",
    'Types are strict: a number in quotes (`"12"`) is text, not a number; `true`/`false` are '
    "not numbers; a whole number is accepted where a number is expected, not the reverse.",
    "`nan` and `inf` are rejected everywhere, and so is any number beyond ±1e12.",
    "`collectsim validate FILE` lists every problem at once, each with its key path, the value "
    "found and what was expected; it exits 0 if the file is valid and 2 otherwise.",
    "`--set PATH=VALUE` (on `run`, `validate`, ...) changes one key before validation; VALUE is "
    "a TOML value (a bare word such as `predictive` is taken as text). A wrong path is "
    "reported like a typo in the file.",
]


def rules_for(model: type[BaseModel]) -> list[str]:
    """The documented cross-field rules of a model: its CROSS_RULES entry, else the docstrings of
    its model validators (one rule per paragraph or per ``- `` bullet)."""
    if model.__name__ in CROSS_RULES:
        return CROSS_RULES[model.__name__]
    out: list[str] = []
    for dec in model.__pydantic_decorators__.model_validators.values():
        doc = inspect.cleandoc(getattr(dec.func, "__doc__", None) or "")
        if not doc:
            continue
        parts = [p for p in doc.replace("\n- ", "\n\n").split("\n\n")]
        out += [" ".join(p.removeprefix("- ").split()) for p in parts if p.strip()]
    return out


def undocumented_validators(model: type[BaseModel] = Scenario) -> list[str]:
    """Model classes with a cross-field validator documented neither in CROSS_RULES nor by a
    docstring on the validator."""
    return [
        m.__name__
        for m in walk_models(model)
        if m.__pydantic_decorators__.model_validators and not rules_for(m)
    ]


# --------------------------------------------------------------------------- Markdown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: list[Row]) -> list[str]:
    out = ["| key | type | default | description |", "|---|---|---|---|"]
    for r in rows:
        out.append(f"| `{r.key}` | {_cell(r.type)} | {_cell(r.default)} | {_cell(r.description)} |")
    return out


def _dist_section() -> list[str]:
    out = [
        "## Distributions",
        "",
        "A key of type *distribution* holds either a bare number, which is a constant "
        "(`ring_time_s = 30` always takes 30 s), or an inline table with a `dist` key naming "
        "the kind and its parameters, for example "
        '`talk_time_s = { dist = "lognormal", mean = 180, sd = 90 }`. '
        "The unit is the unit of the key that holds it (`_s` seconds, `_usd` US dollars, "
        "`_days` days). Parameters are strict: unknown parameters are errors.",
        "",
    ]
    for cls in dist_classes():
        tag = cls.model_fields["dist"].annotation
        kind = get_args(tag)[0] if get_origin(tag) is Literal else cls.__name__.lower()
        out += [f"### `{kind}`", "", inspect.cleandoc(cls.__doc__ or ""), ""]
        rows = [
            Row(
                "dist",
                f'"{kind}"',
                "required" if cls.model_fields["dist"].is_required() else f'`"{kind}"`',
                "the kind of distribution",
            )
        ]
        rows += [r for r in field_rows(cls) if r.key != "dist"]
        out += _table(rows)
        rules = rules_for(cls)
        if rules:
            out += ["", "Rules: " + " ".join(rules)]
        out.append("")
    return out


def _rules_section() -> list[str]:
    out = ["## Rules checked when a scenario is loaded", ""]
    out += [f"- {r}" for r in GENERAL_RULES]
    out.append("")
    for m in walk_models():
        if issubclass(m, _DistBase):
            continue
        rules = rules_for(m)
        if not rules:
            continue
        where = [s.path for s in sections() if s.model is m]
        out += [f"### {', '.join(f'`{w}`' for w in where) or m.__name__}", ""]
        out += [f"- {r}" for r in rules]
        out.append("")
    return out


def generate() -> str:
    """The whole reference as Markdown."""
    secs = list(sections())
    out = [
        "# Scenario file reference",
        "",
        f"<!-- Generated from simulator/scenario/schema.py by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "A scenario is a TOML file (see `scenarios/table_14_1.toml`). Every key of every table is "
        "listed below with its type, its default (*required* when it has none) and its meaning. "
        "Units are in the key names: `_s` seconds, `_min` minutes, `_h` hours, `_days` days, "
        "`_usd` US dollars; probabilities are fractions from 0 to 1; clock times are "
        '`"HH:MM"` strings (00:00 to 24:00) local to the center. In a path, `<name>` stands for '
        "a name you choose (a team or a segment) and `[]` for each entry of a list.",
        "",
        "## Contents",
        "",
    ]
    out += [f"- [`{s.path}`](#{anchor(s.path)})" for s in secs]
    out += [
        "- [Distributions](#distributions)",
        "- [Rules checked when a scenario is loaded](#rules-checked-when-a-scenario-is-loaded)",
        "",
    ]
    for s in secs:
        out += [f"## `{s.path}`", ""]
        if s.note:
            out += [s.note, ""]
        out += _table(s.rows)
        out.append("")
    out += _dist_section()
    out += _rules_section()
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m simulator.scenario.reference",
        description="Print the scenario file reference (Markdown) generated from the schema.",
    )
    ap.add_argument("--write", action="store_true", help=f"write it to {DOC_PATH} instead")
    ap.add_argument(
        "--to",
        metavar="FILE",
        type=Path,
        default=DOC_PATH,
        help="with --write: the file to write (default: %(default)s)",
    )
    args = ap.parse_args(argv)
    text = generate()
    if args.write:
        args.to.parent.mkdir(parents=True, exist_ok=True)
        args.to.write_text(text, encoding="utf-8")
        print(f"{args.to}: written", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
