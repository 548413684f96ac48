"""The rule engine: the one place the calling-rule packs (compliance.rules) are enforced and
measured, per account.

The dial path asks :meth:`RuleEngine.permit` before it dials an account and tells
:meth:`RuleEngine.record` every action made; the channels ask the same two methods with their own
kind (``sms``, ``voicemail``, ``ivr``, ...). A pack applies to an account when the pack names no
states or names the account's state (the segments' ``states`` mix).

Counting, per pack limit and account: the days (the center's calendar days) of the counted
actions, the oldest dropped as the window slides. An action is counted when its kind is one of
the limit's kinds, its number one of the limit's numbers (personal: a cell or home phone; other:
a work phone; a dial goes to the number AccountPhones.pick gives, a message to the number
:meth:`RuleEngine.message_number` gives; without several phones per account every number is
personal) and its basis admits it: every attempt, a
call that connects to the dialed number (not busy, not invalid: 12 CFR 1006.14(b)(3)(ii)), or
a right-party conversation. Calls made with the debtor's consent (call-backs at a set time) are
not counted (12 CFR 1006.14(b)(3)(i)). A call is refused while the count in the window ending today
has reached the limit, whatever its outcome will be, so an enforced limit is never passed.

The wait after a conversation counts the conversation's day as day 1: with a wait of W days a
conversation on day d blocks days d to d + W - 1. The no-repeat period after an abandoned call
binds only calls placed without a collector waiting for them (predictive dialing).

Measured whether enforced or not, over the measured window: per pack, the accounts whose count
went over a limit, the actions beyond it (an action is beyond when the window ending with it holds
more than the limit), the largest count in any window, the calls inside a wait, and the dials the
rules blocked. With a trace, every block is kept for rules.csv (the audit trail).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from ..base.clock import DAY_S, HOUR_S
from ..base.outcomes import BUSY, INVALID, RPC
from .phone_numbers import CELL, HOME, WORK
from .portfolio import PROMISED

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.rules import Limit, RulePack
    from ..scenario.schema import Scenario
    from .phone_numbers import AccountPhones
    from .portfolio import Portfolio

PERSONAL = "personal"
OTHER = "other"
_INF = float("inf")
CONSENT_S = 7 * DAY_S
"""Seconds a debtor's consent to a call (asking for a call-back, agreeing to a promise
reminder) excludes it from the counts: Reg F's "within the past seven days" (12 CFR
1006.14(b)(3)(i))."""
IN_WAIT, CONSENTED_IN_WAIT = 1, 2
"""Where a call stands to a pack's wait after a conversation (RuleEngine._wait_of)."""
CALL_KINDS = frozenset(("call", "ivr", "voicemail"))
"""The kinds that are telephone calls: a wait after a conversation binds them."""


class _Count:
    """One limit of one pack: the counted days of each account."""

    __slots__ = ("basis", "days", "kinds", "max", "numbers", "window")

    def __init__(self, limit: Limit) -> None:
        self.kinds = frozenset(limit.kinds)
        self.numbers = limit.numbers
        self.basis = limit.basis
        self.max = limit.max
        self.window = limit.window_days
        self.days: dict[int, deque[int]] = {}

    def takes(self, kind: str, number: str) -> bool:
        return kind in self.kinds and (self.numbers == "any" or self.numbers == number)

    def in_window(self, a: int, day: int) -> deque[int] | None:
        """Account ``a``'s counted days inside the window ending on ``day`` (None: none yet)."""
        d = self.days.get(a)
        if d is not None:
            first = day - self.window + 1
            while d and d[0] < first:
                d.popleft()
        return d


class _Pack:
    """One pack as the engine runs it, with its measures."""

    __slots__ = (
        "blocked",
        "beyond",
        "call_counts",
        "counts",
        "largest",
        "name",
        "over",
        "repeat_s",
        "wait_days",
        "waiting",
        "waiting_consented",
    )

    def __init__(self, name: str, pack: RulePack) -> None:
        self.name = name
        self.counts = [_Count(x) for x in pack.limits]
        # the limits that count a dialed call (to a personal number): read on every dial
        self.call_counts = tuple(c for c in self.counts if c.takes("call", PERSONAL))
        self.wait_days = pack.wait_after_conversation_days
        self.repeat_s = pack.no_repeat_after_abandon_h * HOUR_S
        self.reset()

    def reset(self) -> None:
        self.over: set[int] = set()
        self.beyond = 0
        self.largest = 0
        self.waiting = 0
        self.waiting_consented = 0
        self.blocked = 0


class RuleEngine:
    """The packs of ``compliance.rules`` over one replication's accounts. Times are seconds from
    midnight of calendar day 0 (center clock)."""

    def __init__(self, scenario: Scenario, portfolio: Portfolio, trace: bool = False) -> None:
        comp = scenario.compliance
        self.enforce = comp.enforce_rules
        self.exempt = comp.exempt_promise_confirmation
        self.predictive = scenario.dialer.mode == "predictive"
        self.p = portfolio
        self.packs = [_Pack(n, x) for n, x in comp.rule_packs.items()]
        states = comp.rule_packs
        names = portfolio.state_names
        # the packs that apply to each state code (code 0: no state)
        self.by_state: list[tuple[_Pack, ...]] = [
            tuple(k for k in self.packs if states[k.name].states is None or s in states[k.name].states)
            for s in names
        ]
        self.state: list[int] | None = None if portfolio.state is None else portfolio.state.tolist()
        # several numbers per account (attach_numbers): the class of each number (personal or
        # other) and what the gate needs to know which number the dialer will pick
        self.numbers: AccountPhones | None = None
        self.number_class: list[str] = []
        self.offset_s: list[float] = []
        self.start_wd = 0
        # the ends (s) of each account's last two conversations: (the one before, the last)
        self.conversation_end: dict[int, tuple[float, float]] = {}
        self.consent_for = -1  # the account of the consented dial under way (call-back), else -1
        # with a trace: (t, account, kind, rule, action) of each action a pack did not permit
        self.audit: list[tuple[float, int, str, str, str]] | None = [] if trace else None

    def attach_numbers(
        self, numbers: AccountPhones, bucket_offset_s: list[float], start_weekday: int
    ) -> None:
        """Accounts carry several numbers (world/phone_numbers.py): a call counts against the
        limits of the number the dialer picks, cell and home phones being personal numbers and
        work phones other numbers. ``bucket_offset_s``: each bucket's local time offset (s)."""
        self.numbers = numbers
        self.offset_s = list(bucket_offset_s)
        self.start_wd = start_weekday
        self.bucket = self.p.bucket_list
        self.number_class = [OTHER if k == WORK else PERSONAL for k in numbers.kind]

    def number_of_call(self, a: int, t: float) -> str:
        """The class (personal or other) of the number a dial to account ``a`` placed at ``t``
        would try (AccountPhones.pick at the account's local slot); personal without numbers."""
        numbers = self.numbers
        if numbers is None:
            return PERSONAL
        hour = int((t + self.offset_s[self.bucket[a]]) // HOUR_S)
        slot = ((self.start_wd + hour // 24) % 7) * 24 + hour % 24
        return self.number_class[numbers.pick(a, slot)]

    def message_number(self, a: int, kind: str, i: int = -1) -> tuple[str, int]:
        """The class (personal or other) and the phone type code (-1: none, PHONE_TYPES) of the
        number a message of ``kind`` to account ``a`` goes to: number ``i`` (flat index) when
        given (a text or an IVR call: AccountPhones.message_to); else a text to the account's
        first cell number, a recorded message to its first personal (cell or home) number,
        either to its first number when it has none of those; an email or a letter to no number
        (counted as other). Without several numbers per account: a personal number of unknown
        type."""
        if kind == "email" or kind == "letter":
            return OTHER, -1
        numbers = self.numbers
        if numbers is None:
            return PERSONAL, -1
        if i < 0:
            f = numbers.first[a]
            want = (CELL,) if kind == "sms" else (CELL, HOME)
            i = next((j for j in range(f, f + numbers.count[a]) if numbers.kind[j] in want), f)
        return self.number_class[i], numbers.kind[i]

    def packs_of(self, a: int) -> tuple[_Pack, ...]:
        """The packs that apply to account ``a``."""
        return self.by_state[0 if self.state is None else self.state[a]]

    def permit(self, a: int, kind: str, t: float, number: str = PERSONAL) -> str | None:
        """None if an action of ``kind`` to account ``a`` at ``t`` keeps every pack, else the name
        of the first pack it would break (whether or not the packs are enforced)."""
        day = int(t // DAY_S)
        call = kind == "call" and number == PERSONAL
        for k in self.packs_of(a):
            if k.wait_days and kind in CALL_KINDS and self._waiting(k, a, t):
                return k.name
            if (
                k.repeat_s
                and kind == "call"
                and self.predictive
                and t < self.p.last_abandon_s[a] + k.repeat_s
            ):
                return k.name
            for c in k.call_counts if call else k.counts:
                if call or c.takes(kind, number):
                    d = c.in_window(a, day)
                    if d is not None and len(d) >= c.max:
                        return k.name
        return None

    def _waiting(self, k: _Pack, a: int, t: float) -> bool:
        """A call to account ``a`` placed at ``t`` falls inside pack ``k``'s wait after the
        account's last conversation that ended before ``t``, and is not a promise reminder made
        with the debtor's consent (:meth:`_wait_of`)."""
        return self._wait_of(k, a, t) == IN_WAIT

    def _wait_of(self, k: _Pack, a: int, t: float) -> int:
        """Where a call to account ``a`` placed at ``t`` stands to pack ``k``'s wait after the
        account's last conversation that ended before ``t``: outside it (0), inside it
        (IN_WAIT), or inside it with the debtor's consent (CONSENTED_IN_WAIT): with
        ``compliance.exempt_promise_confirmation`` a call to an account holding a promise (the
        promise reminder) within CONSENT_S of that conversation, the reminder the debtor agreed
        to when promising (12 CFR 1006.14(b)(3)(i): consent given within the past seven days)."""
        ends = self.conversation_end.get(a)
        if ends is None:
            return 0
        end = ends[1] if ends[1] < t else ends[0]
        if end == -_INF or int(t // DAY_S) - int(end // DAY_S) >= k.wait_days:
            return 0
        if self.exempt and self.p.status[a] == PROMISED and t - end < CONSENT_S:
            return CONSENTED_IN_WAIT
        return IN_WAIT

    def passes(self, camp: object, a: int, now: float) -> bool:
        """A campaign may dial account ``a`` now (routing.Gate): the packs permit the call, or
        they are not enforced. A call not permitted is noted (:meth:`blocked`); enforced, the
        account leaves today's list (the next day's list has it again)."""
        rule = self.permit(
            a, "call", now, self.number_of_call(a, now) if self.numbers is not None else PERSONAL
        )
        if rule is None:
            return True
        self.blocked(a, "call", now, rule)
        return not self.enforce

    def blocked(self, a: int, kind: str, t: float, rule: str) -> None:
        """Pack ``rule`` does not permit an action of ``kind`` to account ``a`` at ``t``: enforced,
        it is not made (``blocked``); not enforced, it is made all the same (``not_enforced``)."""
        if self.enforce:
            for k in self.packs:
                if k.name == rule:
                    k.blocked += 1
        if self.audit is not None:
            self.audit.append((t, a, kind, rule, "blocked" if self.enforce else "not_enforced"))

    def consented(self, a: int) -> None:
        """The next action recorded for account ``a`` is made with the debtor's consent given
        within the past seven days (a call-back: DialKernel.consented): not counted by any pack."""
        self.consent_for = a

    def record(
        self, a: int, kind: str, t: float, connected: bool, conversation: bool = False, number: str = PERSONAL
    ) -> None:
        """An action of ``kind`` to account ``a`` made at ``t``: ``connected``, it reached the
        dialed number; ``conversation``, a right-party conversation."""
        if self.consent_for == a:
            self.consent_for = -1
            return
        if kind != "call":  # a dialed call's waits are measured when it is placed (placed)
            self._measure_waits(a, kind, t)
        self._count(a, kind, t, connected, conversation, number)

    def _count(self, a: int, kind: str, t: float, connected: bool, conversation: bool, number: str) -> None:
        """Count an action in every limit that takes it (record)."""
        day = int(t // DAY_S)
        for k in self.packs_of(a):
            for c in k.counts:
                if not c.takes(kind, number):
                    continue
                if (
                    c.basis == "connecting"
                    and not connected
                    or c.basis == "conversations"
                    and not conversation
                ):
                    continue
                d = c.in_window(a, day)
                if d is None:
                    d = c.days[a] = deque()
                d.append(day)
                n = len(d)
                if n > k.largest:
                    k.largest = n
                if n > c.max:
                    k.beyond += 1
                    k.over.add(a)

    def placed(self, a: int, t: float) -> None:
        """A dial to account ``a`` is placed at ``t``: count it if it falls inside a wait (after a
        conversation, or after an abandoned call), as things stand when it is placed."""
        if self.consent_for != a:
            self._measure_waits(a, "call", t)

    def _measure_waits(self, a: int, kind: str, t: float) -> None:
        for k in self.packs_of(a):
            if k.wait_days and kind in CALL_KINDS:
                where = self._wait_of(k, a, t)
                if where == IN_WAIT:
                    k.waiting += 1
                elif where == CONSENTED_IN_WAIT:
                    k.waiting_consented += 1
            if (
                k.repeat_s
                and kind == "call"
                and self.predictive
                and t < self.p.last_abandon_s[a] + k.repeat_s
            ):
                k.waiting += 1

    def record_call(self, a: int, t: float, outcome: int) -> None:
        """A dial to account ``a`` placed at ``t`` ended with ``outcome`` (base.outcomes):
        :meth:`record` for a call to a personal number, written for the dial path."""
        if self.consent_for == a:
            self.consent_for = -1
            return
        connected = outcome != BUSY and outcome != INVALID
        numbers = self.numbers
        if numbers is not None and self.number_class[numbers.last[a]] != PERSONAL:
            self._count(a, "call", t, connected, outcome == RPC, OTHER)
            return
        day = int(t // DAY_S)
        for k in self.by_state[0 if self.state is None else self.state[a]]:
            for c in k.call_counts:
                basis = c.basis
                if basis != "attempts" and (not connected if basis == "connecting" else outcome != RPC):
                    continue
                d = c.days.get(a)
                if d is None:
                    d = c.days[a] = deque()
                else:
                    first = day - c.window + 1
                    while d and d[0] < first:
                        d.popleft()
                d.append(day)
                n = len(d)
                if n > k.largest:
                    k.largest = n
                if n > c.max:
                    k.beyond += 1
                    k.over.add(a)

    def conversation(self, a: int, end_s: float) -> None:
        """Account ``a`` had a right-party conversation ending at ``end_s`` (outbound or inbound).
        The last two are kept: a call is recorded after its own conversation was noted."""
        ends = self.conversation_end.get(a)
        self.conversation_end[a] = (-_INF if ends is None else ends[1], end_s)

    def reset(self) -> None:
        """Measure from zero (the end of the warm-up); what the rules remember stays."""
        for k in self.packs:
            k.reset()

    def block(self) -> dict[str, float]:
        """The compliance block's figures of each pack: ``{PACK}_accounts_over_limit``,
        ``_actions_over_limit``, ``_largest_count``, ``_calls_in_waiting_period``,
        ``_consented_calls_in_waiting_period`` (promise reminders inside the wait, made with
        the debtor's consent: :meth:`_wait_of`), ``_actions_blocked``."""
        out: dict[str, float] = {}
        for k in self.packs:
            out[f"{k.name}_accounts_over_limit"] = float(len(k.over))
            out[f"{k.name}_actions_over_limit"] = float(k.beyond)
            out[f"{k.name}_largest_count"] = float(k.largest)
            out[f"{k.name}_calls_in_waiting_period"] = float(k.waiting)
            out[f"{k.name}_consented_calls_in_waiting_period"] = float(k.waiting_consented)
            out[f"{k.name}_actions_blocked"] = float(k.blocked)
        return out
