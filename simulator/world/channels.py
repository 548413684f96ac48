"""Messages as actions (scenario block ``[channels]``, scenario/channels.py): sends, deliveries,
responses, opt-outs, and the ``channels`` results block.

On each working day, at each channel's ``send_time`` local to the account (its time zone's
offset, one send per zone), the channel sends to the accounts whose
contact path has a step for it that day (world/channel_paths.py): open accounts outside the
control group, not stopped by a suppression flag nor by an opt-out in force, within the
channel's limits. Each send costs ``cost_usd``. A send is delivered with the channel's
probability, ``delivery_delay_days`` later; a delivered message brings at most one response,
``delay_h`` hours after delivery:

- **payment**: a self-service payment of the amount a promise would have (the past-due amount
  with a living portfolio's ``promise_past_due_multiple``, else the segment's ``payment_usd``),
  paid through the living portfolio (LivingPortfolio.pay and after_payment: the ledger keeps
  balancing) or, in a closed portfolio, off the balance (paid off: status PAID);
- **promise**: filed in the promise book under the channel's counter row
  (:func:`channel_row`, below the IVR's), due after the segment's ``promise_due_days`` and kept
  with its keep probability; day.settle_due settles it with the others and
  :meth:`Channels.settle_promises` counts it here, not in the collectors' pyramid;
- **inbound_call**: a call from the account into the inbound queue (class ``response``) at the
  response's moment, moved to the next window opening when the lines are closed; without an
  ``[inbound]`` block no queue takes it: it is counted (``inbound_calls``) and goes no further;
- **opt_out**: the channel stops for the account from the ``opt_out_business_days``-th
  business day (Monday to Friday) after the request: never a send on or after that day. A STOP
  to a text or an IVR call with several numbers per account also revokes, from that day, the
  consent of the account's cells (AccountPhones.revoke: the autodialer, texts and IVR calls
  leave them).

Payments and promises need the account open at the response's moment (else nothing comes), and
responses that would come after the last calling day are dropped. Randomness: per channel and
calendar day, two uniforms per account from ``channels/CHANNEL/day/D`` (delivery, response kind:
the same account gets the same draws on the same day whatever else the path does), delays and
amounts from ``channels/...`` streams. Counts cover the measured window (promises made in the
warm-up are not counted when kept, as for the collectors).
"""

from __future__ import annotations

from functools import partial
from math import ceil
from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import DAY_S, HOUR_S
from ..scenario.channels import CHANNELS, RESPONSE_KINDS
from ..scenario.schema import clock_minutes
from .channel_numbers import ask_rules, numbers_of_messages
from .channel_paths import ContactPaths
from .contact import sampler
from .delinquency import CYCLE_DAYS
from .inbound_traffic import RESPONSE, next_open_moment
from .phone_numbers import CELL
from .portfolio import OPEN, PAID, PROMISED
from .tasks.base import Task

if TYPE_CHECKING:  # pragma: no cover
    from .counters import Counters
    from .state import WorldState

FIGURES = (
    "sent",
    "delivered",
    "responses",
    "payments",
    "promises",
    "kept",
    "collected",
    "inbound_calls",
    "opt_outs",
    "cost",
)
"""Figures of the ``channels`` block per channel and segment: sends, deliveries, responses that
came (payments, promises, inbound calls, opt-outs), payments (self-service ones and kept
promises), promises made, of those kept, dollars collected (self-service payments and kept
promises), inbound calls prompted, opt-outs, cost of the sends (US dollars)."""
SENT, DELIVERED, RESPONSES, PAYMENTS, PROMISES, KEPT, COLLECTED, INBOUND_CALLS, OPT_OUTS, COST = range(
    len(FIGURES)
)
PAYMENT, PROMISE, INBOUND_CALL, OPT_OUT = range(len(RESPONSE_KINDS))
RULE_KIND = {"sms": "sms", "email": "email", "letter": "letter", "voicemail": "voicemail", "ivr_call": "ivr"}
"""The kind of action (scenario.rules.ACTION_KINDS) a rule pack counts each channel's message as."""
PHONE_CHANNELS = frozenset(("sms", "ivr_call", "voicemail"))
"""The channels whose messages go to a phone number under the TCPA's consent rule for cells
(AccountPhones.message_to): texts, pre-recorded calls and voicemails (a prerecorded message; the
FCC held ringless voicemail drops to be calls, CG Docket 02-278, 2022)."""
FIRST_CHANNEL_ROW = -2
"""Promise-book counter row of the first channel (the IVR's is -1): channel k files under -2 - k."""


def channel_row(k: int) -> int:
    """The promise-book counter row of the promises channel ``k`` (index among those on) brings."""
    return FIRST_CHANNEL_ROW - k


def business_day_after(day: int, n: int, weekday_of) -> int:
    """The ``n``-th business day (Monday to Friday) after calendar day ``day`` (``day`` itself for
    n = 0). ``weekday_of``: calendar day -> 0 = Monday ... 6 = Sunday."""
    d = day
    while n > 0:
        d += 1
        if weekday_of(d) < 5:
            n -= 1
    return d


class Channels(Task):
    """The channels of one world: a special task (start_day, start_measuring, finish) whose
    contact paths also gate the call lists (CallLists.call_mask)."""

    name = "channels"

    def __init__(self, state: WorldState) -> None:
        super().__init__(state)
        sc, p, streams = state.scenario, state.portfolio, state.streams
        cfg = sc.channels
        self.p, self.calendar = p, state.calendar
        self.names = cfg.on()
        self.cfg = [getattr(cfg, c) for c in self.names]
        self.paths = ContactPaths(sc, p, state.calendar, streams)
        if self.paths.gates_calls:
            state.lists.call_mask = self.paths.call_mask
        K, S = len(self.names), len(sc.segments)
        self.counts = np.zeros((K, S, len(FIGURES)))
        # The same figures by champion/challenger arm, (A, K, FIGURES), when the world counts by arm.
        arms = state.counters.arms
        self.by_arm: np.ndarray | None = None
        self.arm: np.ndarray | None = None
        if arms is not None:
            self.by_arm = arms.channels = np.zeros((arms.n_arms, K, len(FIGURES)))
            self.arm = arms.arm
        self.in_period = [np.zeros(p.n, dtype=np.int32) for _ in self.names]
        self.total = [np.zeros(p.n, dtype=np.int32) for _ in self.names]
        self.sent_on: list[dict[int, np.ndarray]] = [{} for _ in self.names]  # day -> accounts sent
        never = np.iinfo(np.int64).max
        self.opt_out_from = [np.full(p.n, never, dtype=np.int64) for _ in self.names]
        self.opt_out_days = cfg.opt_out_business_days
        self.revoke_on: dict[int, list[int]] = {}  # day -> accounts whose cells lose consent then
        self.send_s = [60.0 * clock_minutes(c.send_time) for c in self.cfg]
        self.delivery_delay = [
            sampler(streams, f"channels/{n}/delivery_delay", c.delivery_delay_days)
            for n, c in zip(self.names, self.cfg)
        ]
        self.delay = [
            [
                None if r is None else sampler(streams, f"channels/{n}/{kind}_delay", r.delay_h)
                for kind, r in zip(RESPONSE_KINDS, c.responses())
            ]
            for n, c in zip(self.names, self.cfg)
        ]
        self.cum = [np.cumsum([0.0 if r is None else r.probability for r in c.responses()]) for c in self.cfg]
        segs = [sc.segments[s] for s in sc.segment_names]
        self.payment = [
            sampler(streams, f"channels/{n}/payment_usd", s.payment_usd)
            for n, s in zip(sc.segment_names, segs)
        ]
        self.due_days = [
            sampler(streams, f"channels/{n}/promise_due_days", s.promise_due_days)
            for n, s in zip(sc.segment_names, segs)
        ]
        self.keep_p = [s.keep_probability for s in segs]
        self.u_keep = streams.batched("channels/keep", lambda rng, k: rng.random(k))
        multiple = sc.portfolio.promise_past_due_multiple if state.living is not None else None
        self.multiple = None if multiple is None else sampler(streams, "channels/past_due_multiple", multiple)
        self.streams = streams
        cal = state.calendar
        self.work = set(cal.work_days)
        self.work_days = list(cal.work_days)
        self.last_day = cal.last_work_day
        self.measuring = cal.first_measured_day == 0
        comp = sc.compliance
        self.win_lo_s = 60.0 * clock_minutes(comp.calling_window_start)
        self.win_hi_s = 60.0 * clock_minutes(comp.calling_window_end)
        self.dropped = 0  # responses that would have come after the last calling day
        # (day, channel, accounts) per send, (day, channel, account, honoured_from_day) per
        # opt-out and (seconds, channel, account, US dollars) per self-service payment: kept with
        # a trace (tests, audits)
        self.sends: list[tuple[int, str, np.ndarray]] | None = [] if state.trace is not None else None
        self.opt_outs: list[tuple[int, str, int, int]] | None = [] if state.trace is not None else None
        self.paid: list[tuple[float, str, int, float]] | None = [] if state.trace is not None else None
        # (seconds, channel, account, phone type code or -1, rule action, delivered) per message
        # sent or blocked by a rule pack: kept with a trace (messages.csv)
        self.messages: list[tuple[float, str, int, int, str, bool]] | None = (
            [] if state.trace is not None else None
        )
        self.engine = state.rule_engine  # the rule packs, which messages count toward (or None)
        # several numbers per account (phone_numbers.py), which texts and recorded calls go to
        self.phones = state.phone_numbers
        if self.phones is not None and any(n in PHONE_CHANNELS for n in self.names):
            self.phones.messages_counted = True

    @classmethod
    def wanted(cls, scenario) -> bool:
        return scenario.channels is not None

    # -- the day --------------------------------------------------------------------------------
    def start_day(self, day: int) -> None:
        """A day: the opt-outs honoured from today revoke their cells' consent
        (AccountPhones.revoke, before the day's lists are built); a working day, each channel's
        sends are set for its send time local to each account (one send per time zone, at the
        center's midnight at the earliest)."""
        for d in [d for d in self.revoke_on if d <= day]:
            for a in self.revoke_on.pop(d):
                self.phones.revoke(a, self.p, self.state.env.now)
        if day not in self.work:
            return
        due = self.paths.due(day)
        env, p = self.state.env, self.p
        offset = np.asarray(p.bucket_offset_s)[p.bucket]  # each account's local time - center time (s)
        zones = np.unique(offset)
        for k, name in enumerate(self.names):
            mask = due.get(name)
            if mask is None or not mask.any():
                continue
            for off in zones.tolist():  # at the send time local to the account
                mine = mask if len(zones) == 1 else mask & (offset == off)
                if mine.any():
                    at = max(day * DAY_S + self.send_s[k] - off, env.now)
                    env.timeout(at - env.now).callbacks.append(partial(self.send, k, day, mine))

    def start_measuring(self, day: int) -> None:
        self.measuring = True

    def send(self, k: int, day: int, due: np.ndarray, _event: object = None) -> None:
        """Channel ``k``'s sends of calendar day ``day`` to the accounts of mask ``due``, now."""
        p, c = self.p, self.cfg[k]
        ok = due & (p.status == OPEN) & ~p.control & ~self.paths.stopped[self.names[k]]
        ok &= self.opt_out_from[k] > day
        if c.max_per_period is not None:
            sent_on = self.sent_on[k]
            for d in [d for d in sent_on if d <= day - c.period_days]:  # out of the period now
                self.in_period[k][sent_on.pop(d)] -= 1
            ok &= self.in_period[k] < c.max_per_period
        if c.max_per_account is not None:
            ok &= self.total[k] < c.max_per_account
        a = np.flatnonzero(ok)
        if not len(a):
            return
        to: list[int] | None = None  # the number (flat index) of each send, with several per account
        if self.phones is not None and self.names[k] in PHONE_CHANNELS:
            a, to = numbers_of_messages(self.phones, self.names[k] == "sms", a, self.measuring)
            if not len(a):
                return
        engine = self.engine
        numbers: list[tuple[str, int, str]] | None = None
        if engine is not None:
            name = self.names[k]
            a, numbers, to = ask_rules(
                engine, name, RULE_KIND[name], self.state.env.now, a, to, self.messages
            )
            if not len(a):
                return
        if to is not None and self.measuring:
            ph = self.phones
            ph.messages_no_consent += sum(ph.kind[i] == CELL and not ph.consent[i] for i in to)
        self.total[k][a] += 1
        if c.max_per_period is not None:
            self.in_period[k][a] += 1
            sent = self.sent_on[k]
            sent[day] = a if day not in sent else np.concatenate((sent[day], a))
        if self.sends is not None:
            self.sends.append((day, self.names[k], a))
        u = self.streams.generator(f"channels/{self.names[k]}/day/{day}").random((2, p.n))
        delivered = u[0, a] < c.delivery_probability
        if engine is not None:
            kind = RULE_KIND[self.names[k]]
            now = self.state.env.now
            for acct, number, got in zip(a.tolist(), numbers, delivered.tolist()):
                engine.record(acct, kind, now, got, number=number[0])
            if self.messages is not None:
                name = self.names[k]
                self.messages.extend(
                    (now, name, acct, number[1], number[2], got)
                    for acct, number, got in zip(a.tolist(), numbers, delivered.tolist())
                )
        elif self.messages is not None:
            now, name = self.state.env.now, self.names[k]
            types = [-1] * len(a) if to is None else [self.phones.kind[i] for i in to]
            self.messages.extend(
                (now, name, acct, t, "sent", got)
                for acct, t, got in zip(a.tolist(), types, delivered.tolist())
            )
        kind = np.searchsorted(self.cum[k], u[1, a], side="right")  # len(RESPONSE_KINDS): none
        seg = p.segment[a]
        S = self.counts.shape[1]
        if self.measuring:
            self.counts[k, :, SENT] += np.bincount(seg, minlength=S)
            self.counts[k, :, COST] += np.bincount(seg, minlength=S) * c.cost_usd
            self.counts[k, :, DELIVERED] += np.bincount(seg[delivered], minlength=S)
            if self.by_arm is not None:
                arm, A = self.arm[a], self.by_arm.shape[0]
                self.by_arm[:, k, SENT] += np.bincount(arm, minlength=A)
                self.by_arm[:, k, COST] += np.bincount(arm, minlength=A) * c.cost_usd
                self.by_arm[:, k, DELIVERED] += np.bincount(arm[delivered], minlength=A)
        now = self.state.env.now
        respond = delivered & (kind < len(RESPONSE_KINDS))
        for acct, r in zip(a[respond].tolist(), kind[respond].tolist()):
            t = now + self.delivery_delay[k].next() * DAY_S + self.delay[k][r].next() * HOUR_S
            if t >= (self.last_day + 1) * DAY_S:
                self.dropped += 1
                continue
            self.state.env.timeout(t - now).callbacks.append(partial(self.respond, k, r, acct))

    def respond(self, k: int, kind: int, a: int, _event: object = None) -> None:
        """Account ``a``'s response ``kind`` to channel ``k``'s message, now."""
        p, state = self.p, self.state
        now = state.env.now
        day = int(now // DAY_S)
        s = p.segment_list[a]
        # The rows of figures this response adds to: the channel's in the segment and in the arm.
        rows: list[np.ndarray] = []
        if self.measuring:
            rows.append(self.counts[k, s])
            if self.by_arm is not None:
                rows.append(self.by_arm[self.arm[a], k])
        if kind == OPT_OUT:
            until = business_day_after(day, self.opt_out_days, self.calendar.weekday)
            if until < self.opt_out_from[k][a]:
                self.opt_out_from[k][a] = until
            if self.opt_outs is not None:
                self.opt_outs.append((day, self.names[k], a, until))
            if self.phones is not None and self.names[k] in PHONE_CHANNELS:  # consent revoked too
                self.revoke_on.setdefault(until, []).append(a)
            _bump(rows, RESPONSES, 1)
            _bump(rows, OPT_OUTS, 1)
            return
        if p.status[a] != OPEN:
            return
        _bump(rows, RESPONSES, 1)
        if kind == INBOUND_CALL:
            _bump(rows, INBOUND_CALLS, 1)
            desk = getattr(state, "inbound", None)
            if desk is not None:
                t = next_open_moment(now, self.work_days, self.win_lo_s, self.win_hi_s)
                if t is not None:
                    state.env.timeout(t - now).callbacks.append(
                        partial(desk.arrive, a, s, False, klass=RESPONSE)
                    )
            return
        due_in = int(self.due_days[s].next()) if kind == PROMISE else 0
        amount = min(self._amount(a, s, due_in), float(p.balance[a]))
        if kind == PROMISE:
            beh = state.behaviour
            keep_p = self.keep_p[s] if beh is None else beh.keep_probability(a)
            p.status[a] = PROMISED
            entry = state.book.add(
                day + due_in, channel_row(k), a, s, amount, self.u_keep.next(), keep_p, made_day=day
            )
            if state.recorder is not None:
                state.recorder.promise_made(entry, now, day + due_in)
            _bump(rows, PROMISES, 1)
            return
        living = state.living
        if living is not None:
            paid = living.pay(a, amount)
            living.after_payment(a, day)
        else:
            paid = amount
            p.balance[a] -= paid
            if p.balance[a] < 0.005:
                p.balance[a] = 0.0
                p.status[a] = PAID
        for t in state.tasks:
            if t.hooks("on_payment"):
                t.on_payment(a, paid, day)
        _bump(rows, PAYMENTS, 1)
        _bump(rows, COLLECTED, paid)
        if self.paid is not None:
            self.paid.append((now, self.names[k], a, paid))

    def _amount(self, a: int, s: int, due_in: int) -> float:
        """The dollars a payment (or a promise due in ``due_in`` days) of account ``a`` is for."""
        if self.multiple is None:
            beh = self.state.behaviour
            x = self.payment[s].next()
            return x * beh.payment_mult[a] if beh is not None else x
        living = self.state.living
        cycles = ceil((float(self.p.days_past_due[a]) + due_in) / CYCLE_DAYS)
        return living.min_payment_list[a] * cycles * self.multiple.next()

    # -- promises -------------------------------------------------------------------------------
    def settle_promises(
        self,
        coll: np.ndarray,
        s: np.ndarray,
        amount: np.ndarray,
        counted_kept: np.ndarray,
        staffed,
        accounts: np.ndarray,
    ) -> np.ndarray | None:
        """Count the channels' promises among a day's settled ones (rows <= FIRST_CHANNEL_ROW):
        the kept ones made in the measured window (``counted_kept``) and their dollars. Returns
        ``staffed`` (the mask of the collectors' promises, or None: all) less the channels'."""
        mine = coll <= FIRST_CHANNEL_ROW
        if not mine.any():
            return staffed
        k = mine & counted_kept
        ch = FIRST_CHANNEL_ROW - coll[k]
        np.add.at(self.counts, (ch, s[k], KEPT), 1)
        np.add.at(self.counts, (ch, s[k], PAYMENTS), 1)
        np.add.at(self.counts, (ch, s[k], COLLECTED), amount[k])
        if self.by_arm is not None:
            arm = self.arm[accounts[k]]
            np.add.at(self.by_arm, (arm, ch, KEPT), 1)
            np.add.at(self.by_arm, (arm, ch, PAYMENTS), 1)
            np.add.at(self.by_arm, (arm, ch, COLLECTED), amount[k])
        return ~mine if staffed is None else staffed & ~mine

    # -- the end --------------------------------------------------------------------------------
    def finish(self, counters: Counters) -> None:
        """The ``channels`` block: per channel ``CHANNEL/FIGURE`` and per channel and segment
        ``CHANNEL/SEGMENT/FIGURE`` (FIGURES); the counts also go to Counters.channels."""
        counters.channels = self.counts.copy()
        segs = self.state.structure.segments
        out: dict[str, float] = {}
        for k, name in enumerate(self.names):
            tot = self.counts[k].sum(axis=0)
            for f, fig in enumerate(FIGURES):
                out[f"{name}/{fig}"] = float(tot[f])
            for si, sname in enumerate(segs):
                for f, fig in enumerate(FIGURES):
                    out[f"{name}/{sname}/{fig}"] = float(self.counts[k, si, f])
        out["responses_dropped"] = float(self.dropped)
        counters.blocks["channels"] = out


def _bump(rows: list[np.ndarray], figure: int, amount: float) -> None:
    """Add ``amount`` to ``figure`` of every row."""
    for r in rows:
        r[figure] += amount


__all__ = ["CHANNELS", "FIGURES", "Channels", "business_day_after", "channel_row"]
