"""A sweep's plan: the ``--set PATH=V1,V2,...`` value lists and the grid of variants they make.

A sweep is a grid of *variants* (the cartesian product of the value lists; a single value is a
fixed override) times replications ``0..N-1``. Replication r of every variant runs at
``(seed, r)``, so variants share common random numbers. Every variant is validated before
anything runs.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..._version import __version__
from ...base.errors import InputError
from ...scenario.load import LoadedScenario, ScenarioError, load_scenario
from ...scenario.overrides import parse_set

__all__ = [
    "SweepError",
    "Variant",
    "SweepPlan",
    "plan_sweep",
    "GridSize",
    "grid_size",
    "split_values",
    "parse_sweep_set",
    "MANIFEST_SCHEMA",
]

MANIFEST_SCHEMA = "collectsim.sweep-manifest/1"


class SweepError(InputError):
    """Bad sweep input (values, output folder, mismatching manifest): exit code 2, no traceback."""


# ---------------------------------------------------------------------------------------------
# Parsing --set PATH=V1,V2,...


def split_values(text: str) -> list[str]:
    """Split a value list on top-level commas; commas inside quotes, [...] and {...} stay.
    ``'5,10,15'`` -> ['5', '10', '15']; ``'[1,2],[3]'`` -> ['[1,2]', '[3]']."""
    items, cur, depth, quote = [], [], 0, ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            cur.append(c)
            if c == "\\" and quote == '"' and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
            cur.append(c)
        elif c in "[{":
            depth += 1
            cur.append(c)
        elif c in "]}":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    items.append("".join(cur).strip())
    return items


def parse_sweep_set(text: str) -> tuple[str, list[tuple[str, Any]]]:
    """``PATH=V1,V2`` -> (PATH, [(raw text, parsed value), ...]). Values are TOML values; a bare
    word that is not valid TOML is a string (as for ``collectsim run --set``)."""
    if "=" not in text:
        raise SweepError(
            f"--set {text!r}: expected PATH=VALUE or PATH=V1,V2,..., for example "
            "teams.low_risk_team.headcount=5,10,15"
        )
    path, _, values = text.partition("=")
    path = path.strip()
    items = split_values(values)
    if any(not v for v in items):
        raise SweepError(
            f"--set {text!r}: empty value in the list {values!r}; expected values "
            "separated by commas, e.g. 5,10,15"
        )
    out = []
    for v in items:
        try:
            keys, parsed = parse_set(f"{path}={v}")
        except ValueError as e:
            raise SweepError(str(e)) from None
        out.append((v, parsed))
    seen = set()
    for raw, parsed in out:
        key = json.dumps(parsed, sort_keys=True, default=str)
        if key in seen:
            raise SweepError(f"--set {text!r}: value {raw} is listed twice")
        seen.add(key)
    return ".".join(keys), out


# ---------------------------------------------------------------------------------------------
# The plan: variants, validated up front


@dataclass(frozen=True)
class Variant:
    id: str
    values: dict[str, Any]
    loaded: LoadedScenario


@dataclass
class SweepPlan:
    scenario: str | None
    base: LoadedScenario
    parameters: list[tuple[str, list[Any]]]
    fixed: dict[str, Any]
    variants: list[Variant]
    seed: int
    replications: int

    def manifest(self) -> dict[str, Any]:
        return {
            "schema": MANIFEST_SCHEMA,
            "collectsim_version": __version__,
            "scenario": {
                "name": self.base.scenario.scenario.name,
                "source": self.base.source,
                "file_sha256": self.base.file_sha256,
            },
            "parameters": [{"path": p, "values": v} for p, v in self.parameters],
            "fixed": self.fixed,
            "seed": self.seed,
            "replications": self.replications,
            "variants": [{"id": v.id, "values": v.values, "sha256": v.loaded.sha256} for v in self.variants],
        }


@dataclass(frozen=True)
class GridSize:
    """How many variants a sweep has, and a few of them loaded (``sample``: evenly spaced in grid
    order, the first and the last among them) to estimate its cost from."""

    variants: int
    sample: list[LoadedScenario]


def grid_size(
    scenario: str | None,
    sets: Sequence[str],
    lists: Sequence[tuple[str, Sequence[Any]]] = (),
    samples: int = 9,
) -> GridSize:
    """Count the variants of ``--set PATH=V1,V2,...`` options (and of ``lists``: (PATH, values)
    pairs given as sequences, e.g. a ``range`` of headcounts) and load ``samples`` of them,
    without parsing or validating any other value: sizing a grid of a million variants takes
    milliseconds, and nothing the size does not need is built. A sampled variant that is not a
    valid scenario is left out of the sample (:func:`plan_sweep` reports it); the base scenario's
    own problems are raised."""
    fixed: list[str] = []
    swept: list[tuple[str, Sequence[Any]]] = []
    for text in sets:
        path, sep, values = text.partition("=")
        if not sep:
            raise SweepError(
                f"--set {text!r}: expected PATH=VALUE or PATH=V1,V2,..., for example "
                "teams.low_risk_team.headcount=5,10,15"
            )
        items = split_values(values)
        if len(items) == 1:
            fixed.append(f"{path.strip()}={items[0]}")
        else:
            swept.append((path.strip(), items))
    for path, values in lists:
        if len(values) == 1:
            fixed.append(f"{path}={values[0]}")
        elif len(values) > 1:
            swept.append((path, values))
    count = math.prod(len(v) for _, v in swept)
    picks = sorted({round(k * (count - 1) / (samples - 1)) for k in range(samples)}) if count > 1 else [0]
    sample = []
    for i in picks:
        over = []
        for path, values in reversed(swept):  # itertools.product order: the last list turns fastest
            i, d = divmod(i, len(values))
            over.append(f"{path}={str(values[d]).strip()}")
        try:
            sample.append(load_scenario(scenario, fixed + over[::-1]))
        except (ScenarioError, InputError):
            continue
    if not sample:
        sample = [load_scenario(scenario, fixed)]
    return GridSize(count, sample)


def plan_sweep(scenario: str | None, sets: Sequence[str], replications: int, seed: int) -> SweepPlan:
    """Parse the ``--set`` options, build every variant and validate its scenario. Raises
    SweepError naming each bad variant (or ScenarioError when the base scenario itself is bad)."""
    if replications < 1:
        raise SweepError(f"replications = {replications}: expected a whole number >= 1")
    parsed = [parse_sweep_set(s) for s in sets]
    paths = [p for p, _ in parsed]
    dup = sorted({p for p in paths if paths.count(p) > 1})
    if dup:
        raise SweepError(
            f"--set {dup[0]} is given more than once; expected each path once, with all "
            "its values in one list (PATH=V1,V2,...)"
        )
    fixed_items = [(p, vals[0]) for p, vals in parsed if len(vals) == 1]
    swept = [(p, vals) for p, vals in parsed if len(vals) > 1]
    fixed_over = [f"{p}={raw}" for p, (raw, _) in fixed_items]
    base = load_scenario(scenario, fixed_over)
    combos = list(itertools.product(*[vals for _, vals in swept])) if swept else [()]
    width = max(3, len(str(len(combos) - 1)))
    variants, problems = [], []
    for i, combo in enumerate(combos):
        vid = f"v{i:0{width}d}"
        over = fixed_over + [f"{p}={raw}" for (p, _), (raw, _) in zip(swept, combo)]
        values = {p: val for (p, _), (_, val) in zip(swept, combo)}
        try:
            variants.append(Variant(vid, values, load_scenario(scenario, over)))
        except ScenarioError as e:
            shown = ", ".join(f"{p}={raw}" for (p, _), (raw, _) in zip(swept, combo))
            problems.append(
                f"variant {vid} ({shown}):\n" + "\n".join(f"  {line}" for line in str(e).splitlines())
            )
    if problems:
        raise SweepError(
            f"{len(problems)} of {len(combos)} variant(s) are not valid scenarios:\n" + "\n".join(problems)
        )
    return SweepPlan(
        scenario,
        base,
        [(p, [v for _, v in vals]) for p, vals in swept],
        {p: v for p, (_, v) in fixed_items},
        variants,
        seed,
        replications,
    )
