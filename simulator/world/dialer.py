"""Dialer modes: how a ready collector's time turns into dials."""
from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Generator

from .accounts import PROMISED
from .calendar import DAY_S
from .collectors import Collector
from .counters import RPC

if TYPE_CHECKING:  # pragma: no cover
    from .build import World


class ProgressiveDialer:
    """One call per available collector: the collector waits through the ring, talks if someone
    answers, wraps up, and the next call is placed the moment the collector is free again.

    Everything about a dial (outcome, ring, talk and wrap times, promise) is drawn when it is
    placed, so each dial costs one SimPy timeout and no process of its own.
    """

    name = "progressive"

    def __init__(self, world: "World") -> None:
        self.world = world

    def work(self, c: Collector, until: float) -> Generator:
        """Dial for collector ``c`` until ``until`` (seconds); the last call may run past it."""
        w = self.world
        env, router, lists, models, p = w.env, w.router, w.lists, w.models, w.portfolio
        log, book, seg_of = w.log, w.book, p.segment_list
        timeout = env.timeout
        ci = c.idx
        while env.now < until:
            now = env.now
            a = router.next_account(c, now)
            if a is None:
                wait_to = min(router.next_ready_s(c), until)
                w.counters.idle_s[ci] += wait_to - now
                yield timeout(wait_to - now)
                continue
            s = seg_of[a]
            m = models[s]
            o = bisect_right(m.cum, m.u_outcome.next())
            ring = m.ring[o].next()
            talk = m.talk[o].next()
            wrap = m.wrap[o].next()
            if o == RPC:
                talk *= c.talk_mult
                self.conversation(c, a, s, m, now + ring + talk)
            dur = ring + talk + wrap
            log.coll.append(ci)
            log.acct.append(a)
            log.t.append(now)
            log.out.append(o)
            log.ring.append(ring)
            log.talk.append(talk)
            log.wrap.append(wrap)
            p.last_attempt_s[a] = now
            lists.after_attempt(a, s, now + dur, o == RPC)
            yield timeout(dur)

    def conversation(self, c: Collector, a: int, s: int, m, end_s: float) -> None:
        """A right-party conversation ending at ``end_s``: maybe a promise, with amount and due day."""
        w = self.world
        p = w.portfolio
        p.blocked_until_s[a] = end_s + w.recontact_s
        p.priority[a] = 0
        if m.u_promise.next() >= min(1.0, m.promise_p * c.promise_mult):
            return
        amount = min(m.payment.next() * c.payment_mult, float(p.balance[a]))
        kept = m.u_keep.next() < min(1.0, m.keep_p * c.keep_mult)
        day = int(end_s // DAY_S)
        due = day + int(m.due_days.next())
        p.status[a] = PROMISED
        w.counters.promises[c.idx, s] += 1
        w.counters.promised_usd[c.idx, s] += amount
        w.counters.daily_promises[s, day] += 1
        w.book.add(due, c.idx, a, s, amount, kept)
