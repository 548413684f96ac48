"""Calling rules measured as the world runs: the results' ``compliance`` block.

Enforcement lives where calls are chosen (the day's attempts in call_lists.py, the buckets open
now in routing.py, the waiting periods the dial kernel sets in dial.py); measurement happens
here and at the moment of dialing, from what was actually dialed, so a rule switched off shows
up as violations rather than silently passing.
"""

from __future__ import annotations

import numpy as np


class RuleCounters:
    """Violations and extremes counted during one replication. ``cap``: the most attempts on one
    account in 7 calendar days (compliance.max_attempts_in_7_days), or None not to count the
    accounts and calls over it."""

    __slots__ = ("outside_window", "in_waiting_period", "max_attempts_7", "cap", "over_7", "calls_over_7")

    def __init__(self, cap: int | None = None) -> None:
        self.cap = cap
        self.reset()

    def reset(self) -> None:
        """Count from zero (the end of the warm-up)."""
        self.outside_window = 0
        self.in_waiting_period = 0
        self.max_attempts_7 = 0
        self.over_7: set[int] = set()  # accounts whose 7-day count went over the cap
        self.calls_over_7 = 0

    def close_day(
        self, attempts_7_total: np.ndarray, dialed: np.ndarray, counts: np.ndarray | None = None
    ) -> None:
        """After a day is filed, note the largest 7-day attempt total of any account (only the
        accounts dialed that day can have a new largest total), and, with ``counts`` (the day's
        attempts of each account of ``dialed``), the accounts over the cap and the day's calls
        beyond it: for an account at T attempts in the 7 days ending today after n of them
        today, min(n, T - cap) when T > cap."""
        if not len(dialed):
            return
        total = attempts_7_total[dialed]
        self.max_attempts_7 = max(self.max_attempts_7, int(total.max()))
        if self.cap is None or counts is None:
            return
        over = total > self.cap
        if over.any():
            self.over_7.update(dialed[over].tolist())
            self.calls_over_7 += int(np.minimum(counts[over], total[over] - self.cap).sum())


def abandon_rate(live: np.ndarray | float, abandoned: np.ndarray | float) -> np.ndarray:
    """Abandoned calls / live answers, element by element (0 where nothing was answered live).
    The daily figure of the compliance block, and the spam label's daily check
    (world/reputation.py)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.greater(live, 0), np.divide(abandoned, np.maximum(live, 1)), 0.0)


def worst_rates(live: np.ndarray, abandoned: np.ndarray, window_days: int = 30) -> tuple[float, float]:
    """Worst daily and worst rolling-``window_days`` abandon rate over campaigns (K, D arrays).

    Days without live answers are skipped; a run shorter than the window is measured whole.
    """
    worst_day = 0.0
    daily = abandon_rate(live, abandoned)
    if daily.size:
        worst_day = float(daily.max())
    D = live.shape[1]
    w = min(window_days, D)
    cl = np.cumsum(np.pad(live, ((0, 0), (1, 0))), axis=1)
    ca = np.cumsum(np.pad(abandoned, ((0, 0), (1, 0))), axis=1)
    wl = cl[:, w:] - cl[:, :-w]
    wa = ca[:, w:] - ca[:, :-w]
    worst_30 = float(np.where(wl > 0, wa / np.maximum(wl, 1), 0.0).max()) if wl.size else 0.0
    return worst_day, worst_30
