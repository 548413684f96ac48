"""Collectors: shifts, breaks and skill. How ready time is spent belongs to the dialer."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generator

from .calendar import DAY_S

if TYPE_CHECKING:  # pragma: no cover
    from .build import World


@dataclass(eq=False, slots=True)
class Collector:
    """One collector. Skill multipliers scale the segment's base behaviour (1.0 = as specified)."""
    idx: int
    name: str
    team: int
    hourly_wage_usd: float
    segments: list[int]
    shift_start_s: float
    shift_end_s: float
    blocks: list[tuple[float, float, str]]   # (start s after midnight, length s, kind)
    promise_mult: float = 1.0
    keep_mult: float = 1.0
    payment_mult: float = 1.0
    talk_mult: float = 1.0
    tier: str = ""
    campaign: Any = field(default=None, repr=False)   # the routing.Campaign the collector works in
    # predictive dialer state within a work window (dialer.PredictiveDialer)
    until: float = field(default=0.0, repr=False)     # end of the current work window (s)
    done: Any = field(default=None, repr=False)       # event: the work window is over
    t_free: float | None = field(default=None, repr=False)  # when the collector became free
    mark: int = field(default=0, repr=False)          # campaign seq at the last logout (catch_up ties)

    @property
    def skill_score(self) -> float:
        """Expected dollars per right-party contact relative to an average collector."""
        return self.promise_mult * self.keep_mult * self.payment_mult


def collector_process(world: "World", c: Collector) -> Generator:
    """Log in at shift start, work between scheduled blocks, take each block, log out.

    A block (break, lunch, meeting, training) starts when it is due or, if a call is still
    going on then, when that call ends; it keeps its full length. Paid time is measured from
    shift start to logout, so a call running past the end of the shift is paid overtime.
    """
    env, dialer, cnt = world.env, world.dialer, world.counters
    for day in world.calendar.work_days:
        day0 = day * DAY_S
        start = day0 + c.shift_start_s
        if env.now < start:
            yield env.timeout(start - env.now)
        login = env.now
        unproductive = 0.0
        for b_start, b_len, _kind in c.blocks:
            due = day0 + b_start
            if env.now < due:
                yield from dialer.work(c, due)
            t0 = env.now
            yield env.timeout(b_len)
            unproductive += env.now - t0
        end = day0 + c.shift_end_s
        if env.now < end:
            yield from dialer.work(c, end)
        paid = env.now - login
        cnt.paid_s[c.idx] += paid
        cnt.productive_s[c.idx] += paid - unproductive
