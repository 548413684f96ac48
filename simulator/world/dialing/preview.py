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
        env, camp = self.env, c.campaign
        while env.now < until:
            now = env.now
            dialed = yield from self.one_dial(c, until)
            if dialed is None:
                yield env.timeout(wait_for_account(self.state, c, camp, now, until))

    def one_dial(self, c: Collector, until: float) -> Generator:
        """Read the next account, then dial it. Returns None when no account is ready, False when
        the calling window closed while the collector read it (the account goes back to the
        head of its list, undialed), True once the call is over."""
        env, camp = self.env, c.campaign
        a = camp.next_account(env.now)
        if a is None:
            return None
        reading = self.preview.next()
        yield env.timeout(reading)
        now = env.now
        if not camp.can_dial(a, now):
            self.state.lists.put_back(a, now)
            return False
        lines = self.state.lines
        if lines is not None and lines.no_dial_before[a] > now:
            # the account called in while the collector read it: dropped for the day
            lines.passed_over += 1
            return False
        yield env.timeout(self.kernel.dial(c, a, now, reading))
        return True
