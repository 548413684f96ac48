"""Blend collectors: one collector answers the inbound queue and dials, by a reservation
threshold (scenario ``[inbound] reservation_threshold``, r).

A blend collector who is ready (logged in, between breaks, no call) does, in this order:

1. makes a call-back that is due (world/callbacks.py), else answers the longest-waiting inbound
   caller, if any (inbound calls never wait while a blend collector could dial: the dialer holds
   back whenever a caller waits);
2. dials one account of its campaign if more than r blend collectors are free, counting itself
   (the collectors waiting in the desk's ``free_blend`` pool and this one), so r collectors stay
   free for inbound calls;
3. otherwise waits in the desk's ``free_blend`` pool until an inbound call takes it, until an
   account may be ready (when step 2 allowed dialing but none was ready), or until its work
   window ends.

An inbound call that finds an inbound-only collector free goes to that one; a blend collector
takes it only when none is (InboundDesk.arrive). With exponential talk times equal for both
kinds of call and an outbound backlog that never runs dry this is the threshold policy of
Bhulai & Koole (IEEE TAC 2003), whose birth-death chain tests/validation/test_blend_ctmc.py
solves. Outbound dials go one at a time through the dialer's :meth:`Dialer.one_dial` (the
progressive and preview modes; the dial kernel decides what each dial does). Times are seconds
from midnight of calendar day 0 (center clock).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .collectors import Collector
    from .dialing.base import Dialer
    from .inbound import InboundDesk
    from .state import WorldState


class BlendWork:
    """The working stretch of blend collectors (shift.collector_process yields from :meth:`work`)."""

    def __init__(self, state: WorldState, desk: InboundDesk, dialer: Dialer) -> None:
        self.env, self.desk, self.dialer = state.env, desk, dialer
        self.reserve = state.scenario.inbound.reservation_threshold
        self.idle = state.counters.idle_s

    def work(self, c: Collector, until: float) -> Generator:
        """Blend collector ``c`` is ready from now until ``until`` (module docstring)."""
        env, desk = self.env, self.desk
        camp = c.campaign
        while env.now < until:
            work = desk.next_work()
            if work is not None:
                yield env.timeout(desk.serve(c, work))
                continue
            now = env.now
            wait_to = until
            if len(desk.free_blend) + 1 > self.reserve:
                dialed = yield from self.dialer.one_dial(c, until)
                if dialed:
                    continue
                now = env.now  # a preview collector may have read an account it could not dial
                wait_to = min(camp.next_ready_s(now), until)
                if wait_to <= now:  # the account taken was not dialable now: try again
                    continue
            wake = env.event()
            entry = (c, wake)
            desk.free_blend.append(entry)
            yield wake | env.timeout(wait_to - now)
            self.idle[c.idx] += env.now - now
            if not wake.triggered:
                desk.free_blend.remove(entry)
                continue
            yield env.timeout(desk.serve(c, wake.value))
