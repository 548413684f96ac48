"""Shrinkage beyond the schedule: the days each collector is absent, and unplanned aux blocks.

Absence: each team draws from its stream ``absence/<team>`` one uniform per collector per
calling day, collector by collector in id order and, for each, the calling days in order, so a
collector's draws do not depend on the team's headcount or on any other feature. A collector is
absent on a day when the draw is below ``absenteeism`` x that weekday's multiplier.

Unplanned aux: on the time line of a shift's scheduled productive time (the shift less its
breaks, lunch, meeting and training, laid end to end), each collector alternates between
working and aux as a two-state Markov process: working periods are exponential with mean
``aux_mean_min`` x (1 - aux_share) / aux_share, aux periods exponential with mean
``aux_mean_min``. The day starts in aux with probability ``aux_share`` (the stationary law), so
the expected aux time is exactly ``aux_share`` of the scheduled productive time; an aux period
running into a scheduled block is split around it, and one running past the end of the shift is
cut there. Each collector draws from its own stream ``aux/<collector id>``, one day after the
other, so the draws do not depend on the order in which collectors log in.
"""

from __future__ import annotations

import numpy as np

from ..base.rng import Streams
from ..scenario.schema import Team
from ..scenario.workforce import weekday_absenteeism
from .calendar import WorkCalendar

__all__ = ["absence_matrix", "AuxTime"]


def absence_matrix(
    team: Team, team_name: str, n: int, calendar: WorkCalendar, streams: Streams
) -> np.ndarray | None:
    """(n collectors, calling days) booleans, True where the collector is absent; None when the
    team has no absenteeism."""
    if team.absenteeism <= 0 or n == 0:
        return None
    by_weekday = np.array(weekday_absenteeism(team))
    p = by_weekday[[calendar.weekday(d) for d in calendar.work_days]]
    u = streams.generator(f"absence/{team_name}").random((n, len(calendar.work_days)))
    return u < p[None, :]


class AuxTime:
    """One collector's unplanned aux blocks, drawn day by day (module docstring)."""

    __slots__ = ("_rng", "_share", "_aux_mean_s", "_work_mean_s")

    def __init__(self, streams: Streams, collector_name: str, share: float, mean_min: float) -> None:
        self._rng = streams.generator(f"aux/{collector_name}")
        self._share = share
        self._aux_mean_s = mean_min * 60.0
        self._work_mean_s = self._aux_mean_s * (1.0 - share) / share

    def day_blocks(
        self, scheduled: list[tuple[float, float, str]], start_s: float, end_s: float
    ) -> list[tuple[float, float, str]]:
        """The scheduled blocks (start s after midnight, length s, kind) with the day's aux
        blocks (kind ``"aux"``) inserted, sorted by start."""
        windows = []  # the productive stretches between scheduled blocks
        t = start_s
        for b_start, b_len, _kind in scheduled:
            if b_start > t:
                windows.append((t, b_start))
            t = max(t, b_start + b_len)
        if end_s > t:
            windows.append((t, end_s))
        rng = self._rng
        in_aux = rng.random() < self._share
        left = rng.exponential(self._aux_mean_s if in_aux else self._work_mean_s)
        aux: list[tuple[float, float, str]] = []
        for a, b in windows:
            t = a
            while t < b:
                step = min(left, b - t)
                if in_aux:
                    aux.append((t, step, "aux"))
                t += step
                left -= step
                if left <= 0.0:
                    in_aux = not in_aux
                    left = rng.exponential(self._aux_mean_s if in_aux else self._work_mean_s)
        return sorted(scheduled + aux)
