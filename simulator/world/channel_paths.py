"""Contact paths and suppression flags (scenario block ``[channels]``, scenario/channels.py): which
channel acts on which account on a working day, and which accounts the dialer may call.

The path day of an account on calendar day d is ``d - entry_day + 1`` (1 = the day it enters the
portfolio; the initial accounts enter on day 0). On a working day the steps due on every path
day since the previous working day act (a step that falls on a day off is not lost). A step
acts on accounts of its segment, in its days-past-due band if it has one. The suppression flags
are drawn per account from the named streams ``channels/SEGMENT/suppressions`` when the world is
built; an account's flags stop the channels and calls of scenario.channels.STOPS.

**Paths per account** (a strategy rule's ``contact_path``, scenario/strategy.py). Each account
follows one set of paths: that of ``channels.path``, or the ``contact_path`` of the strategy
rule it matches on its first working day in the portfolio (its entry day, or the next working
day; :meth:`ContactPaths.follow` gives the rules). The choice is made once: a path is never
switched mid-way, even when the account later matches another rule (its path day counts from
its entry, so a switch would start the new path in its middle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..scenario.channels import CALL, CHANNELS, STOPS, SUPPRESSION_FLAGS

if TYPE_CHECKING:  # pragma: no cover
    from ..base.rng import Streams
    from ..scenario.schema import Scenario
    from .calendar import WorkCalendar
    from .portfolio import Portfolio


class RuleMatcher(Protocol):
    """The strategy rules (world/strategy.py StrategyTree): the first rule each account matches."""

    def match(self, idx: np.ndarray, day: int) -> np.ndarray: ...


class ContactPaths:
    """The paths in use and the accounts' suppression flags of one world."""

    def __init__(self, sc: Scenario, portfolio: Portfolio, calendar: WorkCalendar, streams: Streams) -> None:
        cfg = sc.channels
        p = self.p = portfolio
        names = sc.segment_names
        # The sets of paths accounts follow: 0 that of channels.path (empty: none), then those the
        # strategy rules name (contact_path), each once.
        self.path_names = [cfg.path]
        rules = sc.strategy.rules if sc.strategy is not None else []
        for r in rules:
            if r.contact_path is not None and r.contact_path not in self.path_names:
                self.path_names.append(r.contact_path)
        # Whether each segment has a path, by set of paths (with_path: the first set's).
        self.with_path_by = np.zeros((len(self.path_names), len(names)), dtype=bool)
        # (set of paths, segment, channel, day, every_days, until_day, lo, hi) per step
        self.steps: list[tuple[int, int, str, int, int, float, float, float]] = []
        for j, name in enumerate(self.path_names):
            for seg, steps in (cfg.paths.get(name, {}) if name else {}).items():
                i = names.index(seg)
                self.with_path_by[j, i] = True
                for st in steps:
                    lo, hi = st.days_past_due if st.days_past_due is not None else (-np.inf, np.inf)
                    until = float(st.until_day) if st.until_day is not None else np.inf
                    self.steps.append((j, i, st.channel, st.day, st.every_days or 0, until, lo, hi))
        self.with_path = self.with_path_by[0]
        # The set of paths of each account (None: every account follows the first), whether it
        # has been chosen, and the set each rule gives (last entry: no rule matched).
        self.path_of: np.ndarray | None = None
        self.chosen: np.ndarray | None = None
        self.rule_path = np.array(
            [self.path_names.index(r.contact_path) if r.contact_path is not None else 0 for r in rules] + [0],
            dtype=np.int64,
        )
        self.tree: RuleMatcher | None = None
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
        self.gates_calls = bool(self.with_path_by.any() or self.stopped[CALL].any())
        work = calendar.work_days
        self.previous_work_day = {d: (work[k - 1] if k else -1) for k, d in enumerate(work)}
        self._due: tuple[int, dict[str, np.ndarray]] | None = None

    def follow(self, tree: RuleMatcher) -> None:
        """Choose each account's set of paths by the strategy rules (when some rule has a
        ``contact_path``): the rule it matches on its first working day in the portfolio."""
        if len(self.path_names) > 1:
            self.tree = tree
            self.path_of = np.zeros(self.p.n, dtype=np.int64)
            self.chosen = np.zeros(self.p.n, dtype=bool)

    def _choose(self, day: int) -> None:
        """Fix the set of paths of the accounts that are in the portfolio on working day ``day``
        and have none yet."""
        assert self.tree is not None and self.path_of is not None and self.chosen is not None
        new = np.flatnonzero(~self.chosen & (self.p.entry_day <= day))
        if len(new):
            self.path_of[new] = self.rule_path[self.tree.match(new, day)]
            self.chosen[new] = True

    def due(self, day: int) -> dict[str, np.ndarray]:
        """Masks (one per channel with a step, and ``call``) of the accounts whose path has a step
        on working day ``day`` (or on a day off since the previous working day)."""
        if self._due is not None and self._due[0] == day:
            return self._due[1]
        p = self.p
        if self.path_of is not None:
            self._choose(day)
        hi = day - p.entry_day + 1  # today's path day
        lo = np.maximum(1, hi - (day - self.previous_work_day.get(day, day - 1)) + 1)
        out: dict[str, np.ndarray] = {}
        for j, seg, channel, first, every, until, d_lo, d_hi in self.steps:
            mine = p.segment == seg
            if self.path_of is not None:
                mine &= self.path_of == j
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
        if self.path_of is None:
            ok = ~self.with_path[self.p.segment] | (self.p.reminder_due == 1)
        else:
            self.due(day)  # chooses the paths of the accounts that entered
            ok = ~self.with_path_by[self.path_of, self.p.segment] | (self.p.reminder_due == 1)
        if self.with_path_by.any():
            calls = self.due(day).get(CALL)
            if calls is not None:
                ok |= calls
        return ok & ~self.stopped[CALL]
