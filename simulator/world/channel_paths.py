"""Contact paths and suppression flags (scenario block ``[channels]``, scenario/channels.py): which
channel acts on which account on a working day, and which accounts the dialer may call.

The path day of an account on calendar day d is ``d - entry_day + 1`` (1 = the day it enters the
portfolio; the initial accounts enter on day 0). On a working day the steps due on every path
day since the previous working day act (a step that falls on a day off is not lost). A step
acts on accounts of its segment, in its days-past-due band if it has one. The suppression flags
are drawn per account from the named streams ``channels/SEGMENT/suppressions`` when the world is
built; an account's flags stop the channels and calls of scenario.channels.STOPS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..scenario.channels import CALL, CHANNELS, STOPS, SUPPRESSION_FLAGS

if TYPE_CHECKING:  # pragma: no cover
    from ..base.rng import Streams
    from ..scenario.schema import Scenario
    from .calendar import WorkCalendar
    from .portfolio import Portfolio


class ContactPaths:
    """The paths in use and the accounts' suppression flags of one world."""

    def __init__(self, sc: Scenario, portfolio: Portfolio, calendar: WorkCalendar, streams: Streams) -> None:
        cfg = sc.channels
        p = self.p = portfolio
        names = sc.segment_names
        self.with_path = np.zeros(len(names), dtype=bool)
        # (segment, channel, day, every_days, until_day, lo, hi) per step
        self.steps: list[tuple[int, str, int, int, float, float, float]] = []
        for seg, steps in cfg.active_paths().items():
            i = names.index(seg)
            self.with_path[i] = True
            for st in steps:
                lo, hi = st.days_past_due if st.days_past_due is not None else (-np.inf, np.inf)
                until = float(st.until_day) if st.until_day is not None else np.inf
                self.steps.append((i, st.channel, st.day, st.every_days or 0, until, lo, hi))
        self.flags = {f: np.zeros(p.n, dtype=bool) for f in SUPPRESSION_FLAGS}
        for i, name in enumerate(names):
            probs = cfg.suppression_of(name)
            mine = np.flatnonzero(p.segment == i)
            u = streams.generator(f"channels/{name}/suppressions").random((len(mine), len(SUPPRESSION_FLAGS)))
            for k, f in enumerate(SUPPRESSION_FLAGS):
                self.flags[f][mine] = u[:, k] < getattr(probs, f)
        self.stopped = {c: np.zeros(p.n, dtype=bool) for c in (*CHANNELS, CALL)}
        for f, stops in STOPS.items():
            for c in stops:
                self.stopped[c] |= self.flags[f]
        self.gates_calls = bool(self.with_path.any() or self.stopped[CALL].any())
        work = calendar.work_days
        self.previous_work_day = {d: (work[k - 1] if k else -1) for k, d in enumerate(work)}
        self._due: tuple[int, dict[str, np.ndarray]] | None = None

    def due(self, day: int) -> dict[str, np.ndarray]:
        """Masks (one per channel with a step, and ``call``) of the accounts whose path has a step
        on working day ``day`` (or on a day off since the previous working day)."""
        if self._due is not None and self._due[0] == day:
            return self._due[1]
        p = self.p
        hi = day - p.entry_day + 1  # today's path day
        lo = np.maximum(1, hi - (day - self.previous_work_day.get(day, day - 1)) + 1)
        out: dict[str, np.ndarray] = {}
        for seg, channel, first, every, until, d_lo, d_hi in self.steps:
            mine = p.segment == seg
            if every:
                k = np.maximum(0, -((first - lo) // every))  # ceil((lo - first) / every), >= 0
                x = first + k * every
            else:
                x = np.where(lo <= first, first, np.iinfo(np.int64).max)
            hit = mine & (x <= hi) & (x <= until)
            if d_lo > -np.inf or d_hi < np.inf:
                hit &= (p.days_past_due >= d_lo) & (p.days_past_due < d_hi)
            if channel in out:
                out[channel] |= hit
            else:
                out[channel] = hit
        self._due = (day, out)
        return out

    def call_mask(self, day: int) -> np.ndarray:
        """The accounts the dialer may call on working day ``day``: those of segments without a
        path, those on a call day of their path and those due a promise reminder, less the
        accounts whose flags stop calls."""
        ok = ~self.with_path[self.p.segment] | (self.p.reminder_due == 1)
        if self.with_path.any():
            calls = self.due(day).get(CALL)
            if calls is not None:
                ok |= calls
        return ok & ~self.stopped[CALL]
