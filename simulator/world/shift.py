"""A collector's working day: log in, work between scheduled blocks, take each block, log out."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from ..base.clock import DAY_S
from .collectors import Collector

if TYPE_CHECKING:  # pragma: no cover
    from .dialing.base import Dialer
    from .state import WorldState


def collector_process(state: WorldState, dialer: Dialer, c: Collector) -> Generator:
    """Log in at shift start, work between scheduled blocks, take each block, log out; on a day
    the collector is absent, do not log in (shrinkage.py).

    A block (break, lunch, meeting, training, unplanned aux) starts when it is due or, if a call is still
    going on then, when that call ends; it keeps its full length. Paid time is measured from
    shift start to logout, so a call running past the end of the shift is paid overtime. A shift
    that runs across the midnight where the warm-up ends counts only its part after that
    midnight, as its calls do (the run totals start from zero there).
    """
    env, cnt, rec = state.env, state.counters, state.recorder
    measured_from = state.calendar.first_measured_day * DAY_S
    absent, aux = c.absent, c.aux
    for i, day in enumerate(state.calendar.work_days):
        day0 = day * DAY_S
        start = day0 + c.shift_start_s
        if env.now < start:
            yield env.timeout(start - env.now)
        if absent is not None and absent[i]:
            cnt.absent_days[c.idx] += 1
            continue
        login = env.now
        cnt.days_worked[c.idx] += 1
        unproductive = unmeasured = 0.0  # seconds in blocks; of those before measured_from
        blocks = c.blocks if aux is None else aux.day_blocks(c.blocks, c.shift_start_s, c.shift_end_s)
        for b_start, b_len, _kind in blocks:
            due = day0 + b_start
            if env.now < due:
                yield from dialer.work(c, due)
            t0 = env.now
            yield env.timeout(b_len)
            unproductive += env.now - t0
            if t0 < measured_from:
                unmeasured += min(env.now, measured_from) - t0
        end = day0 + c.shift_end_s
        if env.now < end:
            yield from dialer.work(c, end)
        paid = env.now - login
        if login < measured_from <= env.now:  # the shift straddles the end of the warm-up
            counted = env.now - measured_from
            cnt.paid_s[c.idx] += counted
            cnt.productive_s[c.idx] += counted - (unproductive - unmeasured)
        else:
            cnt.paid_s[c.idx] += paid
            cnt.productive_s[c.idx] += paid - unproductive
        if rec is not None:
            rec.shift(c.idx, login, env.now, paid, paid - unproductive)
