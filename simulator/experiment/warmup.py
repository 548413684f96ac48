"""Warm-up analysis of one run's output series: how many leading observations to drop."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def mser5_truncation(series: Sequence[float], batch: int = 5) -> int:
    """The warm-up MSER-5 suggests for one run's output ``series`` (e.g. daily open accounts):
    how many leading observations to drop.

    The series is cut into batches of ``batch`` observations and their means z_1..z_m. For each
    candidate d = 0 .. m/2 batches dropped, MSER(d) = sum_{j>d} (z_j - mean_{j>d} z)^2 / (m - d)^2,
    the squared standard error of the mean that is left; the d with the smallest MSER is the
    warm-up (White, 1997; Hoad, Robinson and Davies, 2010). Returns ``batch * d``.
    """
    m = len(series) // batch
    if m < 4:
        return 0
    z = [math.fsum(series[j * batch : (j + 1) * batch]) / batch for j in range(m)]
    best_d, best = 0, math.inf
    for d in range(m // 2 + 1):
        rest = z[d:]
        mean = math.fsum(rest) / len(rest)
        mser = math.fsum((x - mean) ** 2 for x in rest) / len(rest) ** 2
        if mser < best - 1e-12 * abs(best if math.isfinite(best) else 1.0):
            best_d, best = d, mser
    return batch * best_d


def portfolio_warmup_days(work_days: Sequence[int], daily_open_accounts: Any) -> int:
    """The calling days of warm-up that MSER-5 suggests for one run of a living portfolio: the
    series is the open accounts (treated and control, all segments) at the end of each calling
    day; ``daily_open_accounts`` is ``Counters.daily_open_accounts`` (2 x segments x days)."""
    days = daily_open_accounts.shape[2]
    return mser5_truncation([float(daily_open_accounts[:, :, d].sum()) for d in work_days if d < days])
