"""Predictive pacing: how many lines a campaign wants ringing, by ``dialer.pacing``.

A pacing is one class here subclassing :class:`Pacing`, listed in ``PACINGS``. The dialer asks
:meth:`Pacing.lines_wanted` whenever a campaign may dial (a collector frees up, a line frees
up, a tick) and places calls until that many ring (within ``max_lines``); :meth:`Pacing.start`
runs any process the pacing needs (a controller, random arrivals).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator
from typing import TYPE_CHECKING, Protocol

import simpy

from ...base.clock import DAY_S, HOUR_S

if TYPE_CHECKING:  # pragma: no cover
    from ...scenario.schema import Scenario
    from ..state import WorldState
    from .campaign_events import PredictiveCampaign


class PacedDialer(Protocol):
    """What a pacing needs of the predictive dialer (dialing.predictive.PredictiveDialer)."""

    state: WorldState
    env: simpy.Environment
    max_lines: int

    def catch_up(self, pc: PredictiveCampaign, now: float, mark: int = -1) -> None: ...

    def pace(self, pc: PredictiveCampaign, now: float) -> None: ...

    def place(self, pc: PredictiveCampaign, now: float) -> bool: ...


class Pacing:
    """Base of the pacings. ``horizon``: seconds within which a call placed now may reach a
    collector (the longest ring to a live answer, plus the wait before an abandon); a collector
    whose work window ends sooner is "paused after this call" and does not count as free."""

    name = ""
    tracks_busy = False
    """Whether the pacing reads the ends of the calls in progress (PredictiveCampaign.busy_until)."""

    def __init__(self, dialer: PacedDialer, scenario: Scenario) -> None:
        d = scenario.dialer
        self.dialer = dialer
        # Expected seconds from dialing to a live answer.
        la = [
            o.ring_time_s.mean
            for seg in scenario.segments.values()
            for o in (seg.outcomes.third_party, seg.outcomes.rpc)
        ]
        self.lookahead = sum(la) / len(la)
        self.horizon = max(self.lookahead, d.ring_timeout_s) + d.abandon_after_s

    def free_for_a_call(self, pc: PredictiveCampaign, now: float) -> int:
        """Free collectors whose work window lasts beyond ``now + horizon``. The count holds until
        a collector joins or leaves the free pool or ``now + horizon`` passes the next window's
        end, so it is kept on the campaign for that stretch (it is asked after every call)."""
        if pc.free_from <= now < pc.free_to:
            return pc.free_ready
        fu = pc.free_untils
        k = bisect_right(fu, now + self.horizon)
        pc.free_ready = len(fu) - k
        pc.free_from, pc.free_to = now, (fu[k] - self.horizon if k < len(fu) else math.inf)
        return pc.free_ready

    def lines_wanted(self, pc: PredictiveCampaign, now: float) -> int:
        """Lines the campaign wants ringing at ``now`` (0: place nothing)."""
        raise NotImplementedError

    def start(self, pc: PredictiveCampaign) -> None:
        """Start the pacing's processes for campaign ``pc``."""


class FixedPacing(Pacing):
    """round(ratio x free collectors) lines."""

    name = "fixed"

    def lines_wanted(self, pc: PredictiveCampaign, now: float) -> int:
        # free_for_a_call's kept count, read inline (asked after every call)
        n_free = pc.free_ready if pc.free_from <= now < pc.free_to else self.free_for_a_call(pc, now)
        return math.floor(pc.level * n_free + 0.5) if n_free else 0


class AdaptivePacing(Pacing):
    """round(level x available collectors) lines, where available collectors are the free ones
    and those who will finish before a call placed now could be answered (the "expected
    availability" of the pacing literature); a controller moves the level every
    ``control_interval_s`` to keep the abandon rate under (1 - target_margin) x
    max_abandon_rate."""

    name = "adaptive"
    tracks_busy = True

    def __init__(self, dialer: PacedDialer, scenario: Scenario) -> None:
        super().__init__(dialer, scenario)
        d = scenario.dialer
        self.max_level = d.max_dial_level
        self.target = d.max_abandon_rate * (1.0 - d.target_margin)
        self.interval = d.control_interval_s
        self.end_s = (dialer.state.calendar.last_work_day + 1) * DAY_S

    def lines_wanted(self, pc: PredictiveCampaign, now: float) -> int:
        soon = bisect_right(pc.busy_until, now + self.lookahead)
        return math.floor(pc.level * (self.free_for_a_call(pc, now) + soon) + 0.5)

    def start(self, pc: PredictiveCampaign) -> None:
        self.dialer.env.process(self.controller(pc))

    def controller(self, pc: PredictiveCampaign) -> Generator:
        """Raise the level while the abandon rate is under target, cut it when the recent or the
        cumulative (measurement-window) rate is over."""
        dialer = self.dialer
        env = dialer.env
        decay = 0.5 ** (self.interval / 600.0)  # recent rate: ten-minute half-life
        last_live = last_ab = 0
        while env.now + self.interval < self.end_s:
            mark = pc.seq
            yield env.timeout(self.interval)
            dialer.catch_up(pc, env.now, mark)
            d_live, d_ab = pc.live - last_live, pc.abandoned - last_ab
            last_live, last_ab = pc.live, pc.abandoned
            pc.recent_live = pc.recent_live * decay + d_live
            pc.recent_abandoned = pc.recent_abandoned * decay + d_ab
            if not pc.logged_in:
                continue
            if pc.recent_live >= 20:
                recent = pc.recent_abandoned / pc.recent_live
            else:  # too few recent answers to judge (a small pool): fall back on the window's rate
                recent = pc.abandoned / pc.live if pc.live >= 20 else 0.0
            # Steer the recent rate to the target; while the measurement-window rate is over the
            # target, steer to half of it so the window recovers.
            over = pc.live and pc.abandoned > self.target * pc.live
            setpoint = self.target * (0.5 if over else 1.0)
            step = 0.03 * (setpoint - recent) / setpoint
            pc.level = min(self.max_level, max(1.0, pc.level * (1.0 + max(-0.05, min(0.03, step)))))
            dialer.pace(pc, env.now)


class PoissonPacing(Pacing):
    """Calls placed at random at ``calls_per_hour`` per campaign (a Poisson process), whatever
    the collectors do: open loop, for validation against queueing formulas and blasting studies."""

    name = "poisson"

    def __init__(self, dialer: PacedDialer, scenario: Scenario) -> None:
        super().__init__(dialer, scenario)
        self.mean_gap_s = (
            HOUR_S / scenario.dialer.calls_per_hour if scenario.dialer.calls_per_hour else math.inf
        )
        self.arrivals = dialer.state.streams.batched("dialer/poisson", lambda rng, n: rng.exponential(1.0, n))
        self.end_s = (dialer.state.calendar.last_work_day + 1) * DAY_S

    def lines_wanted(self, pc: PredictiveCampaign, now: float) -> int:
        return 0  # calls come from the arrival process, not from the pacer

    def start(self, pc: PredictiveCampaign) -> None:
        self.dialer.env.process(self.arrival_process(pc))

    def arrival_process(self, pc: PredictiveCampaign) -> Generator:
        dialer = self.dialer
        env = dialer.env
        while True:
            mark = pc.seq
            yield env.timeout(self.arrivals.next() * self.mean_gap_s)
            if env.now >= self.end_s:
                return
            dialer.catch_up(pc, env.now, mark)
            if pc.logged_in and pc.ringing + pc.connected < dialer.max_lines:
                dialer.place(pc, env.now)


PACINGS: dict[str, type[Pacing]] = {
    "fixed": FixedPacing,
    "adaptive": AdaptivePacing,
    "poisson": PoissonPacing,
}
