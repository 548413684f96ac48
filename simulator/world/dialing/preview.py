"""Preview dialing: the collector reads the account, then dials one call and waits through it."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from ..contact import sampler
from .base import Dialer, wait_for_account

if TYPE_CHECKING:  # pragma: no cover
    from ..collectors import Collector
    from ..dial import DialKernel
    from ..state import WorldState


class PreviewDialer(Dialer):
    """Before each dial the collector reads the account for ``dialer.preview_time_s``; reading is
    productive, unconnected time, logged as ring (dialing) time of the dial."""

    name = "preview"
    __slots__ = ("preview",)

    def __init__(self, state: WorldState, kernel: DialKernel) -> None:
        super().__init__(state, kernel)
        self.preview = sampler(state.streams, "dialer/preview", state.scenario.dialer.preview_time_s)

    def work(self, c: Collector, until: float) -> Generator:
        env, camp, dial = self.env, c.campaign, self.kernel.dial
        timeout = env.timeout
        while env.now < until:
            now = env.now
            a = camp.next_account(now)
            if a is None:
                yield timeout(wait_for_account(self.state, c, camp, now, until))
                continue
            reading = self.preview.next()
            yield timeout(reading)
            now = env.now
            if not camp.can_dial(a, now):
                # The calling window (or the segment's schedule) closed while the collector read
                # the account: back to the head of its list, undialed.
                self.state.lists.put_back(a, now)
                continue
            lines = self.state.lines
            if lines is not None and lines.no_dial_before[a] > now:
                # the account called in while the collector read it: dropped for the day
                lines.passed_over += 1
                continue
            yield timeout(dial(c, a, now, reading))
