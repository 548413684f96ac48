"""Parameter uncertainty: each replication of a fitted scenario draws its fitted parameters from
the fit's sampling distribution (``collectsim run --parameter-uncertainty``).

A fitted scenario's ``[calibration]`` section lists every fitted value with its standard error
(simulator/calibrate). Without this option every replication uses the point estimates, so a
what-if's confidence interval holds the simulation's noise only, as if the fit were exact. With
it, replication r of seed S first draws, from the named stream ``parameter_uncertainty`` of
(S, r), one value of every fitted parameter that has a standard error and is still the fitted
value in the scenario, then simulates. The interval then holds the fit's uncertainty too.

The replications' spread is now mostly the fit's uncertainty, which more replications do not
reduce; so every STAT's interval becomes mean +- t s sqrt(1 + 1/R) (where one more draw would
fall: conservative, as s also holds one replication's simulation noise), not the CI of the mean
t s / sqrt(R), which would shrink to nothing and hide the fit's uncertainty again.

How each kind of value is drawn (independently: the fit's covariances are not kept):

- probabilities (``promise_probability``, ``keep_probability``, ``self_cure_per_day``,
  ``wrong_number_share``, ``control_share``, ``cure_redefault_probability``,
  ``fatigue_per_attempt``): normal on the logit scale, SE = se / (p (1 - p)), so draws stay in
  (0, 1);
- a segment's six outcome probabilities and a discrete distribution's weights: each log-normal
  (SE of the log = se / value), then divided by their sum, so they sum to 1;
- positive quantities (distribution means and standard deviations, contact-curve multipliers,
  inflow rates and weekday profile): log-normal, SE of the log = se / value;
- behaviour coefficients: normal, clipped to the schema's range [-5, 5].

A drawn scenario the schema refuses (a contact curve pushing a live-answer probability over 1)
is drawn again from the same stream, up to :data:`MAX_REDRAWS` times. A parameter a what-if
changed (a ``--set`` on its key, or a value that no longer equals the fitted one) is not drawn:
the what-if's value is a decision, not an estimate. Replications stay a pure function of
(scenario, seed, replication), so runs are deterministic and two what-ifs run at the same seed
draw the same parameters (common random numbers).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit, logit

from ..base.errors import InputError
from ..base.rng import Streams
from ..scenario.load import LoadedScenario, ScenarioError, parse_scenario
from ..scenario.schema import Scenario

__all__ = ["ParameterUncertainty", "parameter_uncertainty", "STREAM", "MAX_REDRAWS"]

STREAM = "parameter_uncertainty"
INTERVAL = (
    "ci95_low/ci95_high: mean +- t(R-1, 0.975) s sqrt(1 + 1/R) over the R replications, each with its own "
    "draw of the fitted parameters: where the value under the true parameters plausibly lies (more "
    "replications do not shrink it)"
)
MAX_REDRAWS = 20
COEFFICIENT_BOUND = 5.0
PROBABILITY_KEYS = (
    "promise_probability",
    "keep_probability",
    "self_cure_per_day",
    "wrong_number_share",
    "control_share",
    "cure_redefault_probability",
    "fatigue_per_attempt",
)
_INDEX = re.compile(r"^(.*)\[(\d+)\]$")


@dataclass
class _Draw:
    """One drawable value: where it sits in the raw scenario and how it is drawn."""

    key: str
    value: float
    se: float
    kind: str  # "probability", "positive", "coefficient", "group"
    group: str = ""  # the sum-to-one group of a "group" value
    setter: Callable[[dict, float], None] | None = None


@dataclass
class ParameterUncertainty:
    """The drawable parameters of a fitted scenario (build it with :func:`parameter_uncertainty`)."""

    loaded: LoadedScenario
    draws: list[_Draw]
    held: list[str] = field(default_factory=list)  # fitted keys a what-if changed: not drawn
    fixed: int = 0  # fitted keys without a standard error

    def raw_for(self, rng: np.random.Generator) -> dict[str, Any]:
        """One draw of the scenario document."""
        raw = copy.deepcopy(dict(self.loaded.raw))
        groups: dict[str, list[tuple[_Draw, float]]] = {}
        for d in self.draws:
            z = rng.standard_normal()
            if d.kind == "probability":
                p = min(max(d.value, 1e-9), 1 - 1e-9)
                x = float(expit(logit(p) + z * d.se / (p * (1 - p))))
            elif d.kind == "coefficient":
                x = min(max(d.value + z * d.se, -COEFFICIENT_BOUND), COEFFICIENT_BOUND)
            else:  # positive, or a member of a sum-to-one group
                x = d.value * math.exp(z * d.se / d.value) if d.value > 0 else d.value
            if d.kind == "group":
                groups.setdefault(d.group, []).append((d, x))
            else:
                d.setter(raw, x)
        for members in groups.values():
            total = sum(x for _, x in members)
            fitted = sum(d.value for d, _ in members)
            for d, x in members:
                d.setter(raw, x * fitted / total if total > 0 else d.value)
        return raw

    def scenario(self, seed: int, replication: int) -> Scenario:
        """The scenario replication ``replication`` of seed ``seed`` simulates."""
        rng = Streams(seed, replication).generator(STREAM)
        for _ in range(MAX_REDRAWS):
            try:
                return parse_scenario(self.raw_for(rng), self.loaded.source)
            except ScenarioError:
                continue
        raise InputError(
            f"--parameter-uncertainty: {MAX_REDRAWS} draws of {self.loaded.source}'s fitted parameters "
            f"(replication {replication}) all gave an invalid scenario (a contact curve or a probability "
            "out of range); the fit's intervals are too wide to draw from: run without the option"
        )

    def describe(self) -> dict[str, Any]:
        """For the results document: what was drawn and what was not."""
        return {
            "stream": STREAM,
            "drawn": len(self.draws),
            "held_by_what_if": list(self.held),
            "without_se": self.fixed,
            "interval": INTERVAL,
        }


def _node(raw: dict, parts: list[str]) -> tuple[Any, Any]:
    """(container, key or index) of a dotted key path with [i] indices, or (None, None)."""
    node: Any = raw
    path: list[Any] = []
    for part in parts:
        m = _INDEX.match(part)
        if m:
            path += [m.group(1), int(m.group(2))]
        else:
            path.append(part)
    for k in path[:-1]:
        if isinstance(node, dict) and k in node:
            node = node[k]
        elif isinstance(node, list) and isinstance(k, int) and k < len(node):
            node = node[k]
        else:
            return None, None
    last = path[-1]
    if (isinstance(node, dict) and last in node) or (
        isinstance(node, list) and isinstance(last, int) and last < len(node)
    ):
        return node, last
    return None, None


def _plain_setter(parts: list[str]):
    def put(raw: dict, x: float) -> None:
        node, k = _node(raw, parts)
        node[k] = float(x)

    return put


def _dist_setter(parts: list[str], what: str, spec: Any):
    """Setter of a distribution's mean or sd: a constant's value, a mean/sd spec's field, or a
    uniform's bounds (moved to the mean, or stretched to the sd)."""

    def put(raw: dict, x: float) -> None:
        node, k = _node(raw, parts)
        s = node[k]
        if not isinstance(s, dict):
            node[k] = float(x)
        elif what in s:
            s[what] = float(x)
        elif s.get("dist") == "uniform":
            lo, hi = s["low"], s["high"]
            mid, half = (lo + hi) / 2, (hi - lo) / 2
            if what == "mean":
                mid = x
            else:
                half = x * math.sqrt(3)
            s["low"], s["high"] = max(0.0, mid - half) if lo >= 0 else mid - half, mid + half

    return put


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-4 * max(abs(a), abs(b)) + 1e-12


def _current(raw: dict, key: str) -> tuple[float | None, Callable | None, str]:
    """The scenario's current value of a calibration key, its setter and the kind of key."""
    parts = key.split(".")
    node, k = _node(raw, parts)
    if node is not None:
        v = node[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None, None, ""
        return float(v), _plain_setter(parts), "plain"
    if parts[-1] in ("mean", "sd"):
        node, k = _node(raw, parts[:-1])
        if node is None:
            return None, None, ""
        s = node[k]
        if not isinstance(s, dict):
            if parts[-1] == "sd" or isinstance(s, bool) or not isinstance(s, (int, float)):
                return None, None, ""
            return float(s), _dist_setter(parts[:-1], parts[-1], s), "dist"
        if s.get("dist") in ("discrete", "uniform_int", "triangular", "exponential"):
            return None, None, ""  # drawn through its weights, or not fitted this way
        if parts[-1] in s:
            return float(s[parts[-1]]), _dist_setter(parts[:-1], parts[-1], s), "dist"
        if s.get("dist") == "uniform":
            lo, hi = s["low"], s["high"]
            v = (lo + hi) / 2 if parts[-1] == "mean" else (hi - lo) / math.sqrt(12)
            return float(v), _dist_setter(parts[:-1], parts[-1], s), "dist"
    return None, None, ""


def _kind(key: str) -> tuple[str, str]:
    """How a key is drawn: (kind, sum-to-one group)."""
    leaf = key.rsplit(".", 1)[-1]
    if re.search(r"\.outcomes\.[a-z_]+\.probability$", key):
        return "group", key.split(".outcomes.")[0] + ".outcomes"
    m = re.match(r"^(.*\.weights)\[\d+\]$", key)
    if m:
        return "group", m.group(1)
    if leaf in PROBABILITY_KEYS:
        return "probability", ""
    if key.startswith("portfolio.behaviour."):
        return "coefficient", ""
    return "positive", ""


def parameter_uncertainty(loaded: LoadedScenario) -> ParameterUncertainty:
    """The drawable parameters of ``loaded``; InputError when it has no calibration section
    (the option needs a scenario written by ``collectsim calibrate``)."""
    cal = loaded.scenario.calibration
    if cal is None or not cal.parameters:
        raise InputError(
            f"--parameter-uncertainty: {loaded.source} has no [calibration] section with fitted "
            "values; the option draws a fitted scenario's parameters from their sampling distribution, "
            "so it needs a scenario written by `collectsim calibrate` (without the option, every "
            "replication uses the scenario's values as they are)"
        )
    raw = dict(loaded.raw)
    overridden = {o.split("=", 1)[0].strip() for o in loaded.overrides}
    pu = ParameterUncertainty(loaded, [])
    candidates: list[_Draw] = []
    for p in cal.parameters:
        if not p.in_scenario:
            continue
        if p.se is None or not p.se > 0 or not math.isfinite(p.se):
            pu.fixed += 1
            continue
        cur, setter, _ = _current(raw, p.key)
        if cur is None:
            continue
        kind, group = _kind(p.key)
        if (
            p.key in overridden
            or any(p.key.startswith(o + ".") or p.key.startswith(o + "[") for o in overridden)
            or not _close(cur, p.value)
        ):
            pu.held.append(p.key)
            continue
        candidates.append(_Draw(p.key, cur, float(p.se), kind, group, setter))
    # a sum-to-one group is drawn whole or not at all
    broken = {d.group for d in candidates if d.kind == "group"} & {
        g for g in (_kind(k)[1] for k in pu.held) if g
    }
    for d in candidates:
        if d.kind == "group" and d.group in broken:
            pu.held.append(d.key)
        else:
            pu.draws.append(d)
    return pu
