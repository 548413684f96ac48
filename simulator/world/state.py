"""The shared state of one replication's world: what every part reads and changes.

``build.World`` fills it (wiring only); the parts (the dial kernel, the dialers, the campaigns,
the day's close, the special tasks) receive it and never import the builder. Nothing here
decides anything: it is the world's memory.

The special tasks read this state, so it names them by what the world calls on them,
:class:`SpecialTask`, rather than by importing their base class (tasks.base.Task, which
implements that protocol).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

import simpy

from ..base.rng import Streams
from ..scenario.schema import Scenario
from .account_lines import AccountLines
from .address_zones import AddressZones
from .behaviour import AccountBehaviour
from .calendar import WorkCalendar
from .call_lists import CallLists
from .compliance import RuleCounters
from .contact import SegmentModel
from .counters import Counters, Structure
from .dial_log import DialLog
from .living import LivingPortfolio
from .lost_contacts import LostContacts
from .phone_numbers import AccountPhones
from .portfolio import Portfolio
from .promises import PromiseBook
from .recorder import Recorder
from .reputation import CallerReputation
from .rule_engine import RuleEngine

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .collectors import Collector
    from .routing import Campaign


class SpecialTask(Protocol):
    """A special task as the world sees it: its scenario block's name and the hooks the world
    calls (tasks/base.py says when; tests/unit/test_world_structure.py checks that
    tasks.base.Task has these signatures)."""

    name: ClassVar[str]

    def hooks(self, name: str) -> bool: ...
    def on_dial(self, account: int, outcome: int, end_s: float) -> bool: ...
    def on_refusal(self, collector: Collector, account: int, segment: int, end_s: float) -> None: ...
    def on_payment(self, account: int, amount_usd: float, day: int) -> None: ...
    def start_day(self, day: int) -> None: ...
    def end_of_day(self, day: int, dialed: np.ndarray, promises_due: int) -> None: ...
    def start_measuring(self, day: int) -> None: ...
    def wants_day(self, day: int) -> bool: ...
    def finish(self, counters: Counters) -> None: ...


class ResponseHook(Protocol):
    """Calls back prompted by outbound dials as the dial kernel sees them
    (inbound_traffic.ResponseCalls): a dial hook that never claims the account."""

    def on_dial(self, a: int, o: int, end_s: float) -> bool: ...


class WorldState:
    """Everything a replication's parts share. Times are seconds from midnight of calendar day 0
    (center clock); money is US dollars."""

    scenario: Scenario
    streams: Streams  # named random streams of (seed, replication)
    env: simpy.Environment
    calendar: WorkCalendar
    portfolio: Portfolio  # every account and its state
    living: LivingPortfolio | None  # arrivals, exits, payments and the ledger ([portfolio] on)
    behaviour: AccountBehaviour | None  # account-level behaviour ([portfolio.behaviour] on)
    lost_contacts: LostContacts | None  # answers thinned after abandons (account, spam label)
    phone_numbers: AccountPhones | None  # several numbers per account (segments' phone_numbers)
    reputation: CallerReputation | None  # the spam label's daily check (dialer.spam_label_abandon_rate)
    lists: CallLists  # today's call lists and retry queues
    lines: AccountLines | None  # one line per account with inbound calls ([inbound] on)
    models: list[SegmentModel]  # per segment: outcome tables and samplers
    collectors: list[Collector]
    campaigns: list[Campaign]  # pools of collectors and the buckets they dial
    book: PromiseBook  # open promises by due day
    log: DialLog  # today's dials, folded at midnight
    rules: RuleCounters  # calling-rule violations measured as dials are made
    rule_engine: RuleEngine | None  # the rule packs of compliance.rules (None: none)
    address_zones: AddressZones | None  # accounts whose address is in another time zone (None: none)
    counters: Counters  # what the replication measured
    structure: Structure  # names of the counter rows
    tasks: list[SpecialTask]  # the special tasks that are on, in hook order
    n_days: int  # calendar days the per-day counters cover
    promises_today: list[tuple[int, int, float, int, int]]  # (collector, segment, amount, day made, account)
    # accounts of today's dials made with the debtor's consent (call-backs), one per dial: left
    # out of the 7-day attempt count (day.close_day)
    consented_dials: list[int]
    trace: list[dict[str, np.ndarray]] | None  # every day's dial columns (trace=True)
    recorder: Recorder | None  # promises, payments and shifts (trace=True)
    reminder_lead: int | None  # days before the due date of promise reminders (None: off)
    responses: ResponseHook | None  # calls back prompted by outbound dials (inbound.responses)
    channels: SpecialTask | None  # messages and contact paths ([channels] on; channels.Channels)

    @property
    def n_collectors(self) -> int:
        return len(self.collectors)

    def task(self, name: str) -> SpecialTask | None:
        """The special task of scenario block ``name``, or None when that block is off."""
        for t in self.tasks:
            if t.name == name:
                return t
        return None
