"""Precision targets: add replications until a metric's 95% CI half-width is below a share of
its mean (``collectsim run --precision METRIC=REL``), and how many to add next."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..base.statistics import half_width, replications_needed
from ..scenario.schema import Scenario
from .metric_refs import MetricRef, parse_metric_ref

DEFAULT_MAX_REPLICATIONS = 200


@dataclass(frozen=True)
class PrecisionTarget:
    """Stop adding replications once the 95% CI half-width of ``ref`` is below ``rel`` x |mean|."""

    ref: MetricRef
    rel: float

    def check(self, per_rep: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        vals = [float(v) for v in self.ref.values(per_rep) if v is not None]
        out: dict[str, Any] = {
            "metric": str(self.ref),
            "rel": self.rel,
            "n": len(vals),
            "mean": None,
            "half_width": None,
            "target_half_width": None,
            "met": False,
        }
        if not vals:
            return out
        mean = math.fsum(vals) / len(vals)
        hw = half_width(vals) if len(vals) >= 2 else None
        out.update(mean=mean, half_width=hw, target_half_width=self.rel * abs(mean))
        out["met"] = hw is not None and hw < self.rel * abs(mean) or (hw == 0.0)
        return out


def parse_precision(text: str, scenario: Scenario | None = None) -> PrecisionTarget:
    """``METRIC=REL`` (e.g. ``center.value_per_paid_hour=0.02``) -> PrecisionTarget."""
    ref_text, sep, rel_text = text.partition("=")
    if not sep:
        raise ValueError(
            f"--precision {text!r}: expected METRIC=REL, e.g. value_per_paid_hour=0.02 "
            "(half-width under 2% of the mean)"
        )
    try:
        rel = float(rel_text)
    except ValueError:
        raise ValueError(
            f"--precision {text!r}: REL = {rel_text!r}: expected a number between 0 and 1, e.g. 0.02 for 2%"
        ) from None
    if not 0 < rel < 1 or not math.isfinite(rel):
        raise ValueError(
            f"--precision {text!r}: REL = {rel}: expected a number between 0 and 1 "
            "(exclusive), e.g. 0.02 for 2%"
        )
    return PrecisionTarget(parse_metric_ref(ref_text, scenario), rel)


def precision_targets(
    precision: str | PrecisionTarget | Iterable[str | PrecisionTarget], scenario: Scenario
) -> list[PrecisionTarget]:
    """One target or several, each a PrecisionTarget or its ``METRIC=REL`` text."""
    items = [precision] if isinstance(precision, (str, PrecisionTarget)) else list(precision)
    return [t if isinstance(t, PrecisionTarget) else parse_precision(t, scenario) for t in items]


def next_batch(targets: Sequence[PrecisionTarget], per_rep: list, cap: int) -> int:
    """Replications to add next: what the current variance suggests (+10%), at least a quarter of
    those done and 2, at most as many as done (doubling), never beyond the cap. 0: hopeless
    (a target metric is undefined or its mean is 0 with a positive spread)."""
    n = len(per_rep)
    need = n
    for t in targets:
        vals = [float(v) for v in t.ref.values(per_rep) if v is not None]
        est = replications_needed(vals, t.rel) if len(vals) >= 2 else None
        if est is None:
            if len(vals) < 2 and n >= 2 * max(1, len(vals)) + 8:
                return 0  # the metric is almost never defined
            est = 2 * n
        need = max(need, math.ceil(est * 1.1))
    batch = max(need - n, math.ceil(n / 4), 2)
    return max(0, min(batch, n, cap - n))
