"""The dial kernel: the one place where what a dial does is decided.

A dial goes through four steps, each written once, here:

1. **draw**: the outcome at the account's local hour and weekday (from its phone's outcome table
   when phone status is modelled; with several numbers per account, from the table of the
   number the dialer picks: phone_numbers.py), its ring, talk and wrap seconds, then ring-out (the dialer
   hangs up after ``ring_timeout_s``) and answering-machine detection;
2. **rules**: the calling rules measured at the moment of dialing (calls outside the account's
   local window, calls inside a waiting period), whatever the lists enforce: a rule switched off
   shows up as violations in the compliance block;
3. **settle**: the account's bookkeeping once the call ends: the abandon time, the special
   tasks' say (skip tracing may take the account off the lists), then a same-day retry after
   the outcome's delay while attempts remain, or recycling at midnight;
4. **log**: the dial's row in today's dial log, and the campaign's handling seconds.

Steps 1 and 2 are :meth:`DialKernel.draw`, made when the dial is placed; steps 4 and 3 are
:meth:`DialKernel.finish`, made when the call is over.

A right-party contact also has a conversation (:meth:`DialKernel.talk`): a promise with an
amount and a due day, a firmer promise on a reminder call, or a refusal the special tasks may
answer with an offer.

The dialers compose these steps: a collector-driven dial is :meth:`DialKernel.dial`; a predictive
call is drawn when placed and logged and settled when it ends, is taken or is abandoned.
``ProgressiveDialer.run_of_dials`` holds the one inlined copy of steps 1-4 for speed, marked
``KERNEL INLINED``; tests/unit/test_dial_kernel.py fails when the two differ.
"""

from __future__ import annotations

from bisect import bisect_right
from math import ceil
from typing import TYPE_CHECKING

from ..base.clock import DAY_S, HOUR_S
from ..base.outcomes import ABANDONED, INVALID, MACHINE, NO_ANSWER, RPC, THIRD_PARTY
from ..scenario.schema import clock_minutes
from .contact import sampler
from .counters import A_PROMISES
from .delinquency import CYCLE_DAYS
from .portfolio import OPEN, PROMISED
from .promises import P_KEEP
from .retry_queue import TICKS_PER_S
from .rule_engine import CONSENT_S

if TYPE_CHECKING:  # pragma: no cover
    from .collectors import Collector
    from .state import WorldState


class DialKernel:
    """Draw, rules, settle and log of one dial, and the conversation of a right-party contact.

    Times are seconds from midnight of calendar day 0 (center clock)."""

    # Slots: read on every dial.
    __slots__ = (
        "amd",
        "amd_accuracy",
        "amd_ok",
        "abandon_block_s",
        "address",
        "behaviour",
        "book",
        "bucket_list",
        "bucket_offset_s",
        "bucket_segment",
        "counters",
        "dial_hooks",
        "engine",
        "handling_s",
        "enforce_wait",
        "line_end",
        "consent_for",
        "exempt",
        "lists",
        "log_cols",
        "log_phone",
        "lost",
        "min_payment",
        "models",
        "numbers",
        "ofcom_s",
        "past_due_multiple",
        "phone",
        "portfolio",
        "promises_today",
        "recorder",
        "refusal_hooks",
        "reminder_mult",
        "retry_delay_s",
        "ring_timeout",
        "rules",
        "segment_list",
        "spent",
        "start_wd",
        "wait_s",
        "win_hi",
        "win_hi_s",
        "win_lo",
        "win_lo_s",
    )

    def __init__(self, state: WorldState) -> None:
        sc = state.scenario
        d, comp = sc.dialer, sc.compliance
        p = state.portfolio
        self.portfolio, self.lists, self.models, self.book = p, state.lists, state.models, state.book
        self.counters, self.rules = state.counters, state.rules
        # Handling seconds by segment, per campaign: read only to share a campaign of several
        # segments between them (routing.Campaign.next_account), so kept only for those.
        self.handling_s = [camp.used_s if len(camp.used_s) > 1 else None for camp in state.campaigns]
        self.promises_today = state.promises_today
        self.recorder = state.recorder  # None unless the world keeps a trace
        # when each account's line ends (account_lines.py): None without inbound calls
        self.line_end = state.lines.line_end if state.lines is not None else None
        # the portfolio's bucket tables never move: bound once
        self.bucket_list, self.bucket_segment, self.bucket_offset_s = (
            p.bucket_list,
            p.bucket_segment,
            p.bucket_offset_s,
        )
        self.segment_list = p.segment_list
        self.phone = p.phone  # per-account phone state, or None when phone status is not modelled
        self.behaviour = state.behaviour  # account-level behaviour, or None: the segment's rates
        # several numbers per account (phone_numbers.py), or None; the dial log records the number
        self.numbers = getattr(state, "phone_numbers", None)
        # promises sized by the past-due amount (portfolio.promise_past_due_multiple), or None
        self.past_due_multiple = _past_due_multiple(state)
        self.min_payment = state.living.min_payment_list if self.past_due_multiple is not None else None
        self.start_wd = state.calendar.start_weekday
        # draw
        self.ring_timeout = d.ring_timeout_s
        self.amd = d.amd
        self.amd_ok = state.streams.batched("dialer/amd", lambda rng, n: rng.random(n))
        self.amd_accuracy = d.amd_accuracy
        self.lost = state.lost_contacts  # answers thinned after abandons (account, spam label), or None
        # rules
        self.win_lo, self.win_hi = (
            clock_minutes(comp.calling_window_start),
            clock_minutes(comp.calling_window_end),
        )
        self.win_lo_s, self.win_hi_s = 60.0 * self.win_lo, 60.0 * self.win_hi
        self.wait_s = comp.wait_after_conversation_days * DAY_S
        # rule packs replace the wait after a conversation: the rule engine enforces them
        self.engine = state.rule_engine
        self.address = state.address_zones  # two time zones for some accounts, or None
        self.enforce_wait = comp.enforce_wait_after_conversation and self.engine is None
        self.exempt = comp.exempt_promise_confirmation
        self.consent_for = -1  # the account of the dial under way made with its consent (consented)
        self.ofcom_s = (
            comp.no_redial_after_abandon_h * HOUR_S if comp.enforce_no_redial_after_abandon else 0.0
        )
        # settle
        # calls back prompted by outbound dials come first: a task claiming the account hides
        # the outcome from the hooks after it
        responses = getattr(state, "responses", None)
        self.dial_hooks = (() if responses is None else (responses.on_dial,)) + tuple(
            t.on_dial for t in state.tasks if t.hooks("on_dial")
        )
        self.refusal_hooks = tuple(t.on_refusal for t in state.tasks if t.hooks("on_refusal"))
        self.retry_delay_s = state.lists.retry_delay_s
        self.abandon_block_s = state.lists.abandon_block_s
        self.spent = state.lists.spent
        self.reminder_mult = sc.attempts.reminder_keep_multiplier
        # log: the dial log's columns never move (DialLog.clear() empties them in place)
        log = state.log
        self.log_cols = (
            log.coll.append,
            log.acct.append,
            log.camp.append,
            log.t.append,
            log.out.append,
            log.ring.append,
            log.talk.append,
            log.wrap.append,
        )
        self.log_phone = log.phone.append

    def draw(self, a: int, now: float) -> tuple[int, int, float, float, float]:
        """Steps 1 and 2 for a dial to account ``a`` placed at ``now``: returns its segment, its
        outcome and its ring, talk and wrap seconds, and counts the rules it breaks."""
        b = self.bucket_list[a]
        s = self.bucket_segment[b]
        m = self.models[s]
        local = now + self.bucket_offset_s[b]
        phone = self.phone
        codes = m.codes
        if phone is None and codes is not None:  # flat outcome probabilities: codes a batch at a time
            i = codes.i
            if i < len(codes.buf):  # FlatOutcomes.next, read inline (once per dial)
                o = codes.buf[i]
                codes.i = i + 1
            else:
                o = codes.next()
        else:
            hour = int(local // HOUR_S)  # hours since day 0 began, account's clock (floor)
            slot = ((self.start_wd + hour // 24) % 7) * 24 + hour % 24
            if self.numbers is not None:  # the number the dialer picks, its own table (and behaviour)
                o = self.numbers.dial(a, slot, m.u_outcome.next())
            elif self.behaviour is not None:  # the account's own propensities and phone
                o = self.behaviour.outcome(a, s, slot, m.u_outcome.next())
            else:
                cum = m.cum_by_slot[slot] if phone is None else m.cum_phone[phone[a]][slot]
                o = bisect_right(cum, m.u_outcome.next())
        if o == RPC or o == THIRD_PARTY:
            lost = self.lost
            if lost is not None and not lost.answers(a, o, now):
                o = NO_ANSWER  # hung up on before, or the numbers are labelled spam: let it ring
        hf = m.fixed[o]
        if hf is None:
            ring, talk, wrap = m.ring_next[o](), m.talk_next[o](), m.wrap_next[o]()
        else:
            ring, talk, wrap = hf
        rt = self.ring_timeout
        if rt:
            if o == NO_ANSWER:
                ring = rt
            elif ring > rt and o >= MACHINE and o != INVALID:
                o, ring, talk, wrap = NO_ANSWER, rt, 0.0, 0.0
        if self.amd and (o == MACHINE or o == THIRD_PARTY or o == RPC):
            correct = self.amd_ok.next() < self.amd_accuracy
            if o == MACHINE and correct:
                talk = wrap = 0.0  # detected: the dialer drops it, nobody listens
            elif o != MACHINE and not correct:
                if o == RPC and self.lost is not None:
                    self.lost.hang_up(a, now + ring)
                o, talk, wrap = ABANDONED, 0.0, 0.0  # a live person hung up on
        # rules (minute in [lo, hi) <=> second in [60 lo, 60 hi))
        rules = self.rules
        if not self.win_lo_s <= local % DAY_S < self.win_hi_s:
            rules.outside_window += 1
        p = self.portfolio
        if now < p.last_conversation_end_s[a] + self.wait_s and not (self.exempt and p.status[a] == PROMISED):
            if self.consent_for != a:  # a call the debtor asked for is not one inside the wait
                rules.in_waiting_period += 1
        if self.ofcom_s and now < p.last_abandon_s[a] + self.ofcom_s:
            rules.in_waiting_period += 1
        if self.engine is not None:
            self.engine.placed(a, now)
        address = self.address
        if address is not None and address.outside_window(a, now):
            address.outside += 1
        return s, o, ring, talk, wrap

    def consented(self, a: int, given_s: float, now: float) -> bool:
        """The next dial to account ``a``, placed at ``now``, is one the debtor asked for at
        ``given_s`` (a call-back): made with the debtor's consent given within the past
        CONSENT_S, it is not counted as a call inside the wait after a conversation, nor by the
        rule packs (RuleEngine.consented): 12 CFR 1006.14(b)(3)(i). Returns whether it is;
        :meth:`consent_done` ends it after the dial."""
        if now - given_s >= CONSENT_S:
            return False
        self.consent_for = a
        if self.engine is not None:
            self.engine.consented(a)
        return True

    def consent_done(self) -> None:
        """The consented dial (consented) is over."""
        self.consent_for = -1

    def finish(
        self,
        row: int,
        a: int,
        camp: int,
        t: float,
        o: int,
        ring: float,
        talk: float,
        wrap: float,
        end_s: float,
    ) -> None:
        """Steps 4 and 3 once the call is over at ``end_s``: the dial's row in the log (counter row
        ``row``: a collector, or a campaign's row for calls no collector took; placed at ``t`` by
        campaign ``camp``), the end of the account's line when the center also answers inbound
        calls, then the account's bookkeeping.

        Settling: a right-party contact leaves today's lists (the conversation rules block it);
        anything else is retried the same day after the outcome's retry delay while the day's
        attempts remain, and otherwise is recycled at midnight (CallLists.file_spent)."""
        # log
        used = self.handling_s[camp]
        if used is not None:
            used[self.segment_list[a]] += ring + talk + wrap
        c_coll, c_acct, c_camp, c_t, c_out, c_ring, c_talk, c_wrap = self.log_cols
        c_coll(row)
        c_acct(a)
        c_camp(camp)
        c_t(t)
        c_out(o)
        c_ring(ring)
        c_talk(talk)
        c_wrap(wrap)
        numbers = self.numbers
        if numbers is not None:
            self.log_phone(numbers.note(a, o, t))
        line_end = self.line_end
        if line_end is not None:  # the line (ring and talk) ends: account_lines.py
            line_end[a] = t + ring + talk
        if self.engine is not None:
            self.engine.record_call(a, t, o)
        # settle
        p = self.portfolio
        if o == ABANDONED:
            p.last_abandon_s[a] = end_s
        if self.dial_hooks:
            for claims in self.dial_hooks:
                if claims(a, o, end_s):
                    return  # a task took the account off the lists
        n = p.attempts_today[a] + 1
        p.attempts_today[a] = n
        if o == RPC:
            return
        if o == ABANDONED and self.abandon_block_s:
            p.blocked_until_s[a] = max(p.blocked_until_s[a], end_s + self.abandon_block_s)
            return
        if n < p.allowed_today[a]:  # a retry key: ready time in ticks, rounded up, and the account
            self.lists.retry[self.bucket_list[a]].push(
                (ceil((end_s + self.retry_delay_s[o]) * TICKS_PER_S) << 32) | a
            )
        else:
            self.spent.append((a, end_s))

    def dial(self, c: Collector, a: int, now: float, lead_s: float = 0.0, camp: int | None = None) -> float:
        """A whole dial by collector ``c`` to account ``a`` at ``now``, the collector waiting
        through the ring, talking and wrapping up. ``lead_s``: seconds the collector spent on the
        account before dialing (preview), logged as ring time; ``camp``: the campaign the dial
        counts for (None: the collector's). Returns the seconds from ``now`` until the collector
        is free again."""
        s, o, ring, talk, wrap = self.draw(a, now)
        if o == RPC:
            talk *= c.talk_mult
            self.talk(c, a, s, now + ring + talk)
        dur = ring + talk + wrap
        if camp is None:
            camp = c.campaign.idx
        self.finish(c.idx, a, camp, now - lead_s, o, ring + lead_s, talk, wrap, now + dur)
        return dur

    def talk(self, c: Collector, a: int, s: int, end_s: float, inbound: bool = False) -> None:
        """A right-party conversation of collector ``c`` with account ``a`` (segment ``s``) ending
        at ``end_s``: a promise (amount, due day), a firmer promise on a confirmation call, or a
        refusal. ``inbound``: the debtor called in (world/inbound.py); its promise is also counted
        in Counters.inbound_answers."""
        p = self.portfolio
        m = self.models[s]
        p.last_conversation_end_s[a] = end_s
        if self.engine is not None:
            self.engine.conversation(a, end_s)
        if self.enforce_wait:
            until = end_s + self.wait_s
            if p.blocked_until_s[a] < until:
                p.blocked_until_s[a] = until
        p.priority[a] = 0
        status = p.status
        if status[a] != OPEN:
            if status[a] != PROMISED:  # it left the portfolio while the call went on (past midnight)
                return
            # a reminder call reached the debtor: not a negotiation, so it is counted apart from
            # the pyramid's right-party contacts
            p.reminder_due[a] = 0
            entry = self.book.by_account.get(a)
            if entry is not None:
                entry[P_KEEP] *= self.reminder_mult
            self.counters.reminder_contacts[c.idx, s] += 1
            arms = self.counters.arms
            if arms is not None:
                arms.reminder_contacts[arms.arm_list[a]] += 1
            return
        beh = self.behaviour
        promise_p = m.promise_p if beh is None else beh.promise_probability(a)
        if m.u_promise.next() >= promise_p * c.promise_mult:  # (a probability over 1 always promises)
            for offer in self.refusal_hooks:
                offer(c, a, s, end_s)
            return
        amount, day = self.promise(c, a, s, end_s, inbound)
        self.promises_today.append((c.idx, s, amount, day, a))  # counted at midnight (day.close_day)

    def promise(self, c: Collector, a: int, s: int, end_s: float, inbound: bool = False) -> tuple[float, int]:
        """File the promise of open account ``a`` (segment ``s``) agreed at ``end_s`` with ``c``
        (a collector, or the IVR's line: counter row ``c.idx``): its amount, due day and keep
        draw, sized with ``c``'s payment and keep multipliers; ``inbound``: a collector's
        negotiation with a debtor who called in (also counted in Counters.inbound_answers).
        Returns the amount (US dollars) and the calendar day it was made; the caller counts it
        in the pyramid."""
        p = self.portfolio
        m = self.models[s]
        beh = self.behaviour
        day = int(end_s // DAY_S)
        due_in = int(m.due_days.next())
        if self.past_due_multiple is None:
            amount = m.payment.next() * c.payment_mult
            if beh is not None:
                amount *= beh.payment_mult[a]
        else:  # what will be past due on the promise's due day
            cycles = ceil((float(p.days_past_due[a]) + due_in) / CYCLE_DAYS)
            amount = self.min_payment[a] * cycles * self.past_due_multiple.next() * c.payment_mult
        balance = p.balance[a]
        if amount > balance:
            amount = float(balance)
        p.status[a] = PROMISED
        keep_p = m.keep_p if beh is None else beh.keep_probability(a)
        due = day + due_in
        entry = self.book.add(
            due, c.idx, a, s, amount, m.u_keep.next(), keep_p * c.keep_mult, made_day=day, inbound=inbound
        )
        if inbound:
            self.counters.inbound_answers[c.idx, s, A_PROMISES] += 1
        if self.recorder is not None:
            self.recorder.promise_made(entry, end_s, due)
        return amount, day


def _past_due_multiple(state: WorldState):
    """The sampler of portfolio.promise_past_due_multiple when a living portfolio sizes promises
    by the past-due amount; None otherwise."""
    if state.living is None:
        return None
    multiple = state.scenario.portfolio.promise_past_due_multiple
    return (
        None if multiple is None else sampler(state.streams, "portfolio/promise_past_due_multiple", multiple)
    )
