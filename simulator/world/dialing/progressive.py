"""Progressive (power) dialing: one call per ready collector, placed the moment the collector is
free; the collector waits through the ring, talks if someone answers and wraps up."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator
from math import ceil
from typing import TYPE_CHECKING

from ...base.clock import DAY_S, HOUR_S
from ...base.outcomes import ABANDONED, INVALID, MACHINE, NO_ANSWER, RPC, THIRD_PARTY
from ..portfolio import PROMISED
from ..retry_queue import ACCOUNT_MASK, SLOT_BITS, TICKS_PER_S, due_limit
from .base import Dialer, wait_for_account

if TYPE_CHECKING:  # pragma: no cover
    from ..collectors import Collector
    from ..dial import DialKernel
    from ..routing import Campaign
    from ..state import WorldState


class ProgressiveDialer(Dialer):
    """Dials for each ready collector in turn. While the collector's campaign has one open bucket
    the dials are made a run at a time (:meth:`run_of_dials`, one SimPy timeout per run), else
    one at a time through the kernel."""

    name = "progressive"
    __slots__ = ("max_run_s", "runs")
    MAX_RUN_S = HOUR_S
    """Longest run of dials planned at once (seconds of the collector's time)."""

    def __init__(self, state: WorldState, kernel: DialKernel) -> None:
        super().__init__(state, kernel)
        # Runs of dials need every retry that could fall due inside a run to exist when the run
        # is planned: a run is never longer than the shortest retry delay.
        delays = state.lists.retry_delay_s
        self.max_run_s = min([self.MAX_RUN_S] + [x for k, x in enumerate(delays) if k != RPC])
        # The inlined kernel in run_of_dials knows no task hooks, no address time zones (their
        # retries may fall due inside a run), and phone states only through account-level
        # behaviour or several numbers per account.
        self.runs = (
            not kernel.dial_hooks
            and kernel.address is None
            and (kernel.phone is None or kernel.behaviour is not None)
            and self.max_run_s >= 60.0
        )

    def work(self, c: Collector, until: float) -> Generator:
        env, camp, dial = self.env, c.campaign, self.kernel.dial
        timeout = env.timeout
        runs = self.runs and camp.whole_minutes
        while env.now < until:
            now = env.now
            if runs:
                d = self.run_of_dials(c, camp, now, until)
                if d is not None:
                    yield timeout(d)
                    continue
            a = camp.next_account(now)
            if a is None:
                yield timeout(wait_for_account(self.state, c, camp, now, until))
                continue
            yield timeout(dial(c, a, now))

    def one_dial(self, c: Collector, until: float) -> Generator:
        now = self.env.now
        a = c.campaign.next_account(now)
        if a is None:
            return False
        yield self.env.timeout(self.kernel.dial(c, a, now))
        return True

    def run_of_dials(self, c: Collector, camp: Campaign, now: float, until: float) -> float | None:
        """Make collector ``c``'s next dials from ``now`` in one go, as one SimPy timeout.

        Applies while the campaign has one open bucket: until ``until``, until the open buckets,
        the bucket's outcome probabilities or its calling-window state may change
        (Campaign.stable_until), and for at most ``max_run_s`` (shorter than any retry delay, so
        no account can come due twice inside a run and every retry that falls due inside it
        already exists). Each dial is the one the kernel would make at its moment: same streams,
        the earliest retry due by then or else the next fresh account, same rules and
        bookkeeping. The only difference is that a run claims its accounts when it starts, so
        collectors interleave on the lists run by run rather than dial by dial; with inbound
        calls the run's lines are also held against callers from then on (account_lines.py).

        Returns the seconds until the collector is free again, or None when the one-dial path
        must handle this moment (several open buckets, or no account ready now).
        """
        open_ = camp._open if camp._open_from <= now < camp._open_to else camp.open_buckets(now)
        if len(open_) != 1:
            return None
        b = open_[0]
        w = self.state
        k = self.kernel
        lists = w.lists
        q = lists.retry[b]
        due = q.due  # descending: due[-1] is the earliest retry (see RetryQueue)
        f = lists.fresh[b]
        h = lists.head[b]
        if h >= len(f) and not (due and due[-1] < due_limit(now)) and not lists.refill(b):
            return None
        nf = len(f)
        horizon = min(until, camp.stable_until(now), now + self.max_run_s)
        p = w.portfolio
        s = p.bucket_segment[b]
        m = w.models[s]
        off = p.bucket_offset_s[b]
        hour = int((now + off) // HOUR_S)
        slot = ((k.start_wd + hour // 24) % 7) * 24 + hour % 24
        cum = m.cum_by_slot[slot]
        u_next = m.u_outcome.next
        # the account's own outcome: the number the dialer picks (with its behaviour), or its behaviour
        account_outcome = (
            k.numbers.outcome
            if k.numbers is not None
            else k.behaviour.outcome
            if k.behaviour is not None
            else None
        )
        codes = (
            m.codes if account_outcome is None else None
        )  # flat outcome probabilities: read the codes inline
        if codes is not None:
            cbuf, ci, cn = codes.buf, codes.i, len(codes.buf)
        fixed, rings, talks, wraps = m.fixed, m.ring_next, m.talk_next, m.wrap_next
        att, allowed = p.attempts_today, p.allowed_today
        conv_end, abandon_end = p.last_conversation_end_s, p.last_abandon_s
        status = p.status
        delay = k.retry_delay_s
        wait_s, exempt, ofcom_s = k.wait_s, k.exempt, k.ofcom_s
        rt, amd, amd_next, amd_acc = k.ring_timeout, k.amd, k.amd_ok.next, k.amd_accuracy
        lost = k.lost
        line_end = k.line_end  # None unless the center also answers inbound calls
        engine = k.engine  # the rule packs (compliance.rules), or None
        if line_end is not None:
            no_dial_before = w.lines.no_dial_before
        talk_mult = c.talk_mult
        log = w.log
        r_acct, r_t, r_out, r_ring, r_talk, r_wrap = log.run_cols
        n0 = len(log.r_out)
        spent = k.spent.append
        rpcs: list[tuple[int, float]] = []  # (account, end of the conversation)
        waiting = 0
        # When the earliest retry falls due (s). Retries pushed during the run fall due after
        # it (shortest delay >= max_run_s), so only a pop can change this within the run.
        ticks = TICKS_PER_S
        push, far_get = q.push, q.far.get
        due_at = (due[-1] >> 32) / ticks if due else math.inf
        t = now
        while t < horizon:
            if due_at <= t:
                a = due.pop() & ACCOUNT_MASK
                if not due and q.slots:
                    q.load()
                due_at = (due[-1] >> 32) / ticks if due else math.inf
            elif h < nf:
                a = f[h]
                h += 1
            elif lists.refill(b):
                nf = len(f)
                a = f[h]
                h += 1
            else:
                break  # the lists ran dry: the one-dial path waits for the next retry
            if line_end is not None and no_dial_before[a] > t:  # inbound line, or held: dropped
                w.lines.passed_over += 1
                continue
            if engine is not None and not engine.passes(camp, a, t):  # CampaignWithGates' gate
                continue
            # ---- KERNEL INLINED: DialKernel.draw, settle and log for one dial (the only copy;
            # tests/unit/test_dial_kernel.py fails when it differs from the kernel) ----
            # draw (the hour and the calling-window state are constant over a run)
            if codes is not None and ci < cn:
                o = cbuf[ci]
                ci += 1
            elif codes is not None:
                codes.i = ci
                o = codes.next()
                cbuf, ci, cn = codes.buf, codes.i, len(codes.buf)
            elif account_outcome is None:
                o = bisect_right(cum, u_next())
            else:
                o = account_outcome(a, s, slot, u_next())
            if (o == RPC or o == THIRD_PARTY) and lost is not None and not lost.answers(a, o, t):
                o = NO_ANSWER
            hf = fixed[o]
            if hf is None:
                ring = rings[o]()
                talk = talks[o]()
                wrap = wraps[o]()
            else:
                ring, talk, wrap = hf
            if rt:
                if o == NO_ANSWER:
                    ring = rt
                elif ring > rt and o >= MACHINE and o != INVALID:
                    o, ring, talk, wrap = NO_ANSWER, rt, 0.0, 0.0
            if amd and (o == MACHINE or o == THIRD_PARTY or o == RPC):
                correct = amd_next() < amd_acc
                if o == MACHINE and correct:
                    talk = wrap = 0.0
                elif o != MACHINE and not correct:
                    if o == RPC and lost is not None:
                        lost.hang_up(a, t + ring)
                    o, talk, wrap = ABANDONED, 0.0, 0.0
            # rules
            if t < conv_end[a] + wait_s and not (exempt and status[a] == PROMISED):
                waiting += 1
            if ofcom_s and t < abandon_end[a] + ofcom_s:
                waiting += 1
            if o == RPC:
                talk *= talk_mult
                rpcs.append((a, t + ring + talk))  # the conversations are held after the run
            end = t + ring + talk + wrap
            # log
            r_acct(a)
            r_t(t)
            r_out(o)
            r_ring(ring)
            r_talk(talk)
            r_wrap(wrap)
            if engine is not None:  # the rules measured at placing, then the dial recorded
                engine.placed(a, t)
                engine.record_call(a, t, o)
            # settle
            n = att[a] + 1
            att[a] = n
            if o != RPC:
                if o == ABANDONED:
                    abandon_end[a] = end
                    if k.abandon_block_s:
                        p.blocked_until_s[a] = max(p.blocked_until_s[a], end + k.abandon_block_s)
                        t = end
                        continue
                if n < allowed[a]:
                    key = (ceil((end + delay[o]) * ticks) << 32) | a  # retry_queue.retry_key
                    # RetryQueue.push's usual case inline: the key joins its far slot's list
                    slot_keys = far_get(key >> SLOT_BITS) if key >= q.end else None
                    if slot_keys is None:
                        push(key)
                    else:
                        slot_keys.append(key)
                else:
                    spent((a, end))
            # ---- end of KERNEL INLINED ----
            t = end
        lists.head[b] = h
        if codes is not None:
            codes.i = ci
        if line_end is not None:  # the run's lines, some ahead of the clock (account_lines.py)
            for a, t0, r, tk in zip(log.r_acct[n0:], log.r_t[n0:], log.r_ring[n0:], log.r_talk[n0:]):
                line_end[a] = t0 + r + tk
        numbers = k.numbers
        if numbers is not None:  # the run's numbers, as DialKernel.finish logs them
            note, r_phone = numbers.note, log.r_phone.append
            for a, o, t0 in zip(log.r_acct[n0:], log.r_out[n0:], log.r_t[n0:]):
                r_phone(note(a, o, t0))
        n_dials = log.end_run(c.idx, camp.idx, n0)
        if not n_dials:
            return None
        # The calling window's state is constant over a run (its edges are critical minutes).
        minute = int((now + off) % DAY_S // 60.0)
        rules = w.rules
        if not k.win_lo <= minute < k.win_hi:
            rules.outside_window += n_dials
        rules.in_waiting_period += waiting
        for a, e in rpcs:
            k.talk(c, a, s, e)
        camp.used_s[s] += t - now
        return t - now
