"""Precision targets: add replications until a metric's 95% CI half-width is below a share of
its mean (``collectsim run --precision METRIC=REL``), and how many to add next."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..base.statistics import Moments, half_width, replications_needed, t_interval_from_moments
from ..scenario.schema import Scenario
from .metric_refs import MetricRef, parse_metric_ref

DEFAULT_MAX_REPLICATIONS = 200

Source = Any
"""Replications to check: a :class:`~.results.Results`, or a sequence of per-replication dicts."""


def _values_or_moments(ref: MetricRef, source: Source) -> tuple[list[float] | None, Moments | None, int]:
    """The defined values of ``ref`` when every replication's are at hand, else its moments over
    every replication; and the number of replications."""
    if hasattr(source, "store") and not source.store.complete:
        return None, source.moments(ref), source.replications
    per_rep = source.values(ref) if hasattr(source, "store") else ref.values(source)
    return [float(v) for v in per_rep if v is not None], None, len(per_rep)


def _mean_hw(vals: list[float] | None, m: Moments | None) -> tuple[int, float | None, float | None]:
    """Number of defined values, their mean and the 95% half-width (None with fewer than 2)."""
    if vals is not None:
        if not vals:
            return 0, None, None
        return len(vals), math.fsum(vals) / len(vals), half_width(vals) if len(vals) >= 2 else None
    if m.n == 0:
        return 0, None, None
    _, lo, hi = t_interval_from_moments(m.n, m.mean, m.variance)
    return m.n, m.mean, None if lo is None else (hi - lo) / 2


@dataclass(frozen=True)
class PrecisionTarget:
    """Stop adding replications once the 95% CI half-width of ``ref`` is below ``rel`` x |mean|."""

    ref: MetricRef
    rel: float

    def check(self, source: Source) -> dict[str, Any]:
        """Whether the target is met by ``source`` (a Results, or a list of per-replication
        dicts): ``{"metric", "rel", "n", "mean", "half_width", "target_half_width", "met"}``."""
        n, mean, hw = _mean_hw(*_values_or_moments(self.ref, source)[:2])
        out: dict[str, Any] = {
            "metric": str(self.ref),
            "rel": self.rel,
            "n": n,
            "mean": None,
            "half_width": None,
            "target_half_width": None,
            "met": False,
        }
        if not n:
            return out
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


def _needed(vals: list[float] | None, m: Moments | None, rel: float) -> tuple[int, int | None]:
    """Defined values and :func:`replications_needed` (from the moments when the values are not all kept)."""
    if vals is not None:
        return len(vals), replications_needed(vals, rel) if len(vals) >= 2 else None
    k, mean, hw = _mean_hw(None, m)
    if hw is None:
        return k, None
    if hw == 0:
        return k, k
    target = rel * abs(mean)
    return k, None if target <= 0 else max(k, math.ceil(k * (hw / target) ** 2))


def next_batch(targets: Sequence[PrecisionTarget], source: Source, cap: int) -> int:
    """Replications to add next: what the current variance suggests (+10%), at least a quarter of
    those done and 2, at most as many as done (doubling), never beyond the cap. 0: hopeless
    (a target metric is undefined or its mean is 0 with a positive spread). ``source``: a
    Results, or a list of per-replication dicts."""
    n = source.replications if hasattr(source, "store") else len(source)
    need = n
    for t in targets:
        vals, m, _ = _values_or_moments(t.ref, source)
        k, est = _needed(vals, m, t.rel)
        if est is None:
            if k < 2 and n >= 2 * max(1, k) + 8:
                return 0  # the metric is almost never defined
            est = 2 * n
        need = max(need, math.ceil(est * 1.1))
    batch = max(need - n, math.ceil(n / 4), 2)
    return max(0, min(batch, n, cap - n))
