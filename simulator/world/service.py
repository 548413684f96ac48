"""Service measures at the end of a run: how well the calling covered the accounts still owing.

For each segment: the accounts still open when the run ends (``OPEN_STATES``: still owing, so not
paid off, cured, settled, charged off, handed to the next stage (placed) or yet to arrive; a living
portfolio's control group, never called on purpose, is left out), and how many of them were
dialed, and reached in person (reminder calls included), in the last 7 calendar days of calling
(the 7 days ending on the last calling day). The metrics divide them into
``attempted_7d_share`` and ``contacted_7d_share`` (measures/metrics.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import DAY_S
from .portfolio import OPEN, PROMISED, TRACING, UNREACHABLE

if TYPE_CHECKING:  # pragma: no cover
    from .state import WorldState

OPEN_STATES = (OPEN, PROMISED, TRACING, UNREACHABLE)
"""Account states that still owe the center money (on the lists or waiting to be)."""
WINDOW_DAYS = 7


def service_at_end(state: WorldState) -> None:
    """Fill the counters' open_accounts, attempted_7d and contacted_7d per segment."""
    p, cnt = state.portfolio, state.counters
    S = len(state.models)
    since = (state.calendar.last_work_day - (WINDOW_DAYS - 1)) * DAY_S
    is_open = np.isin(p.status, OPEN_STATES) & ~p.control
    seg = p.segment[is_open]
    attempted = p.last_attempt_s[is_open] >= since
    conv_end = p.last_conversation_end_s  # a list the hot loops write; fromiter copies it fastest
    contacted = np.fromiter(conv_end, dtype=np.float64, count=len(conv_end))[is_open] >= since
    cnt.open_accounts[:] = np.bincount(seg, minlength=S)
    cnt.attempted_7d[:] = np.bincount(seg[attempted], minlength=S)
    cnt.contacted_7d[:] = np.bincount(seg[contacted], minlength=S)
    if cnt.arms is not None:
        arm = np.flatnonzero(is_open)
        cnt.arms.coverage("open_accounts", arm)
        cnt.arms.coverage("attempted_7d", arm[attempted])
        cnt.arms.coverage("contacted_7d", arm[contacted])
