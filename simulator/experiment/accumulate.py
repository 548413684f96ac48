"""Replication results held in bounded memory, whatever the number of replications.

A :class:`ReplicationStore` takes each replication's result (``run_replication``'s dict) in
replication order and keeps:

- its metric and block values as one row of float64 numbers (None as NaN), for the first
  ``keep`` replications (default: as many as fit in :data:`VALUES_KEPT` numbers). While every
  replication is kept, the STATs are computed from these values exactly as from the dicts;
- for every metric and block value, online moments of all the replications: the count of
  defined values, an exact running sum (:class:`ExactSums`), Welford's mean and sum of squared
  deviations, the maximum and the count above registered thresholds;
- for the series, only their exact running sums: their mean over replications has the same bits
  as ``math.fsum`` over every replication's value divided by their number.

Its memory is the kept rows (at most :data:`VALUES_KEPT` numbers, 16 MB) plus a few numbers per
value, independent of the number of replications.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..base.statistics import Moments, paired_from_moments

__all__ = [
    "VALUES_KEPT",
    "ColumnMoments",
    "ExactSums",
    "exact_partials",
    "PairedMoments",
    "ReplicationStore",
    "kept_replications",
]

VALUES_KEPT = 2**21
"""How many per-replication metric and block values are kept (2,097,152 numbers: 16 MB as
float64, about 40 MB in the results JSON): every replication's while replications x values per
replication stays within it, else those of the first ``VALUES_KEPT // values per replication``
replications (at least one)."""


def kept_replications(values_per_replication: int, budget: int = VALUES_KEPT) -> int:
    """How many replications' values fit in ``budget`` numbers (at least one)."""
    return max(1, budget // max(1, values_per_replication))


def exact_partials(values: list[float]) -> list[float]:
    """Floats whose exact sum is that of ``values``, as few as the sum needs: the correctly
    rounded sum, then the correctly rounded remainder, until the remainder is 0 (each step
    leaves 53 more bits behind, so a few floats span the whole exponent range). ``values`` as
    they are if the sum overflows."""
    out: list[float] = []
    try:
        while True:
            s = math.fsum(values + [-x for x in out])
            if s == 0.0:
                return out
            out.append(s)
    except (OverflowError, ValueError):
        return values


class ExactSums:
    """Running sums of float vectors with no rounding error, vectorised.

    Each added vector goes through a cascade of ``LEVELS`` error-free additions (Knuth's
    TwoSum): level 0 holds the running float sum, level i the rounding errors of level i - 1,
    and an error left after the last level (rare) is kept aside per column, in at most
    ``SPILL`` floats (:func:`exact_partials` shortens the list). For finite values
    whose sums stay finite, the partials of column j add up exactly to the exact sum of its
    values, so ``math.fsum(partials(j))`` is the correctly rounded sum: the same float as
    ``math.fsum`` over every value added, whatever their number and order."""

    LEVELS = 3
    SPILL = 64

    def __init__(self, size: int) -> None:
        self.parts = np.zeros((self.LEVELS, size))
        self.spill: dict[int, list[float]] = {}

    def add(self, x: np.ndarray) -> None:
        carry = x
        with np.errstate(invalid="ignore", over="ignore"):
            for i in range(self.LEVELS):
                a = self.parts[i]
                s = a + carry
                bb = s - a
                carry = (a - (s - bb)) + (carry - bb)
                self.parts[i] = s
                if not carry.any():
                    return
        for j in np.flatnonzero(carry).tolist():
            spill = self.spill.setdefault(j, [])
            spill.append(float(carry[j]))
            if len(spill) > self.SPILL:
                self.spill[j] = exact_partials(spill)

    def partials(self, j: int) -> list[float]:
        return [float(p) for p in self.parts[:, j]] + self.spill.get(j, [])

    def sums(self) -> np.ndarray:
        """The correctly rounded sum of every column (``math.fsum`` of its partials)."""
        out = self.parts[0].copy()
        lower = np.flatnonzero(np.any(self.parts[1:] != 0, axis=0)).tolist()
        for j in sorted(set(lower) | set(self.spill)):
            out[j] = math.fsum(self.partials(j))
        return out


class ColumnMoments:
    """Online moments of each column of float vectors whose NaNs mean "undefined": the count of
    defined values, their exact sum (:class:`ExactSums`), Welford's running mean and sum of
    squared deviations, the maximum and the count above registered thresholds."""

    def __init__(self, size: int, thresholds: Mapping[int, float] | None = None) -> None:
        self.n = np.zeros(size, dtype=np.int64)
        self.sums = ExactSums(size)
        self.mean = np.zeros(size)
        self.m2 = np.zeros(size)
        self.maximum = np.full(size, -np.inf)
        self.above = {j: (float(t), 0) for j, t in (thresholds or {}).items()}

    def add(self, x: np.ndarray) -> None:
        defined = ~np.isnan(x)
        x0 = np.where(defined, x, 0.0)
        self.n += defined
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            delta = x0 - self.mean
            self.mean += np.where(defined, delta / np.maximum(self.n, 1), 0.0)
            self.m2 += np.where(defined, delta * (x0 - self.mean), 0.0)
        self.sums.add(x0)
        np.fmax(self.maximum, x, out=self.maximum)
        for j, (t, k) in self.above.items():
            if defined[j] and x[j] > t:
                self.above[j] = (t, k + 1)

    def moments(self, j: int) -> Moments:
        """Column j: the mean is the correctly rounded sum over the count (as ``math.fsum``), the
        variance Welford's."""
        n = int(self.n[j])
        if n == 0:
            return Moments(0, None, None, None)
        mean = math.fsum(self.sums.partials(j)) / n
        var = float(self.m2[j]) / (n - 1) if n >= 2 else None
        above = {t: k for jj, (t, k) in self.above.items() if jj == j}
        return Moments(n, mean, var, float(self.maximum[j]), above)


class PairedMoments:
    """Online moments of paired vectors (replication r of A and of B, column by column): of the A
    values, the B values and the differences B - A, over the pairs where both are defined, for
    :func:`~simulator.base.statistics.paired_from_moments`."""

    def __init__(self, size: int) -> None:
        self.a, self.b, self.d = ColumnMoments(size), ColumnMoments(size), ColumnMoments(size)

    def add(self, a: np.ndarray, b: np.ndarray) -> None:
        both = ~(np.isnan(a) | np.isnan(b))
        with np.errstate(invalid="ignore", over="ignore"):
            self.a.add(np.where(both, a, np.nan))
            self.b.add(np.where(both, b, np.nan))
            self.d.add(np.where(both, b - a, np.nan))

    def paired(self, j: int) -> dict[str, Any]:
        """:func:`~simulator.base.statistics.paired_difference` of column j, from the moments."""
        return paired_from_moments(self.a.moments(j), self.b.moments(j), self.d.moments(j))


# ---------------------------------------------------------------------------------------------
# The series: a nested structure of dicts and lists of numbers, flattened to one vector


def _template(x: Any) -> Any:
    """The shape of a series: ("d", [(key, shape)]), ("v", n) for a list of numbers, ("l", [shape])
    for a list of lists or dicts, or None for one number."""
    if isinstance(x, dict):
        return ("d", [(k, _template(v)) for k, v in x.items()])
    if isinstance(x, list):
        if all(not isinstance(v, (dict, list)) for v in x):
            return ("v", len(x))
        return ("l", [_template(v) for v in x])
    return None


def _size(t: Any) -> int:
    if t is None:
        return 1
    kind, body = t
    if kind == "v":
        return body
    return sum(_size(s) for _, s in body) if kind == "d" else sum(_size(s) for s in body)


def _flatten(t: Any, x: Any, out: list) -> None:
    """Append the numbers of ``x`` in the order of template ``t`` (the first replication's keys and
    lengths: a longer list is cut to them, a shorter one is padded with zeros)."""
    if t is None:
        out.append(np.array([x], dtype=float))
        return
    kind, body = t
    if kind == "d":
        for k, s in body:
            _flatten(s, x[k], out)
    elif kind == "v":
        v = np.asarray(x[:body], dtype=float)
        out.append(v if len(v) == body else np.concatenate([v, np.zeros(body - len(v))]))
    else:
        for i, s in enumerate(body):
            if i < len(x):
                _flatten(s, x[i], out)
            else:
                out.append(np.zeros(_size(s)))


def _rebuild(t: Any, flat: list[float], at: int) -> tuple[Any, int]:
    if t is None:
        return flat[at], at + 1
    kind, body = t
    if kind == "v":
        return flat[at : at + body], at + body
    if kind == "d":
        out = {}
        for k, s in body:
            out[k], at = _rebuild(s, flat, at)
        return out, at
    items = []
    for s in body:
        v, at = _rebuild(s, flat, at)
        items.append(v)
    return items, at


# ---------------------------------------------------------------------------------------------


class ReplicationStore:
    """Replications' results, added in replication order, in bounded memory (module docstring).

    ``thresholds``: {(block, name): threshold}: how many values of that block entry exceed the
    threshold is counted over every replication (the compliance limits). ``keep``: how many
    replications' values to keep (default: :func:`kept_replications` of :data:`VALUES_KEPT`,
    decided at the first replication)."""

    def __init__(self, thresholds: Mapping[tuple[str, str], float] | None = None, keep: int | None = None):
        self.thresholds = dict(thresholds or {})
        self.keep = keep
        self.count = 0
        self.units: dict[str, dict[str, list[str]]] = {}  # level -> unit -> its metric names
        self.blocks: dict[str, list[str]] = {}
        self.index: dict[tuple, int] = {}  # ("metrics", level, unit, metric) | ("blocks", block, name)
        self.rows: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self.series_shape: Any = None
        self.has_series = False

    # -- adding -------------------------------------------------------------------------------

    def _layout(self, result: Mapping[str, Any]) -> None:
        for level, units in result["metrics"].items():
            self.units[level] = {u: list(ms) for u, ms in units.items()}
            for u, ms in units.items():
                for m in ms:
                    self.index[("metrics", level, u, m)] = len(self.index)
        for block, values in result.get("blocks", {}).items():
            self.blocks[block] = list(values)
            for name in values:
                self.index[("blocks", block, name)] = len(self.index)
        n = len(self.index)
        if self.keep is None:
            self.keep = kept_replications(n)
        over = {
            self.index[("blocks", *k)]: t for k, t in self.thresholds.items() if ("blocks", *k) in self.index
        }
        self.all = ColumnMoments(n, over)
        self.has_series = "series" in result
        if self.has_series:
            self.series_shape = _template(result["series"])
            self.series_sums = ExactSums(_size(self.series_shape))

    def row(self, result: Mapping[str, Any]) -> np.ndarray:
        """A result's metric and block values in the store's column order (None as NaN)."""
        vals: list = []
        for level, units in self.units.items():
            got = result["metrics"][level]
            for u, names in units.items():
                ms = got[u]
                vals.extend(ms[m] for m in names)
        for block, names in self.blocks.items():
            got = result["blocks"][block]
            vals.extend(got[k] for k in names)
        return np.array(vals, dtype=float)  # None -> NaN

    def add(self, result: Mapping[str, Any]) -> np.ndarray:
        """Take the next replication's result (``run_replication``'s dict); returns its values
        in column order (:meth:`row`)."""
        if self.count == 0:
            self._layout(result)
        x = self.row(result)
        self.all.add(x)
        if self.has_series:
            parts: list = []
            _flatten(self.series_shape, result["series"], parts)
            self.series_sums.add(np.concatenate(parts) if parts else np.zeros(0))
        if len(self.rows) < self.keep:
            self.rows.append(x)
            self._matrix = None
        self.count += 1
        return x

    # -- reading ------------------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        """Whether every replication's values are kept."""
        return len(self.rows) == self.count

    def _kept(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.vstack(self.rows) if self.rows else np.zeros((0, len(self.index)))
        return self._matrix

    def values(self, key: tuple) -> list[float | None]:
        """The kept replications' values of one metric or block entry (None where undefined)."""
        col = self._kept()[:, self.index[key]]
        return [None if math.isnan(v) else v for v in col.tolist()]

    def moments(self, key: tuple) -> Moments:
        """The moments of one metric or block entry over every replication."""
        return self.all.moments(self.index[key])

    def series_mean(self) -> Any:
        """The mean over replications of the series, element by element (as floats)."""
        if not self.has_series:
            raise ValueError("the replications' results have no series")
        mean = (self.series_sums.sums() / self.count).tolist()
        return _rebuild(self.series_shape, mean, 0)[0]

    def kept_results(self) -> Iterator[dict[str, Any]]:
        """The kept replications as ``{"metrics": ..., "blocks": ...}`` dicts (no series)."""
        for row in self._kept():
            vals = [None if math.isnan(v) else v for v in row.tolist()]
            it = iter(vals)
            metrics = {
                level: {u: {m: next(it) for m in names} for u, names in units.items()}
                for level, units in self.units.items()
            }
            blocks = {b: {k: next(it) for k in names} for b, names in self.blocks.items()}
            yield {"metrics": metrics, "blocks": blocks}
