"""The one place where a Scenario becomes a running world: build (wiring only), run, collect.

Build order: the named streams, the clock, the portfolio and its call lists, the segment models,
the collectors, the campaigns, the counters, the special tasks, the dial kernel, the dialer. No
part imports this module: each receives the shared state (state.WorldState).
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

import numpy as np
import simpy

from ..base.clock import DAY_S
from ..base.rng import Streams
from ..scenario.schema import Scenario
from .account_lines import AccountLines
from .address_zones import AddressZones
from .arms import ArmCounts
from .behaviour import AccountBehaviour
from .blend import BlendWork
from .calendar import WorkCalendar
from .call_lists import CallLists
from .callbacks import CallbackDesk
from .channels import Channels
from .collectors import collector_roster
from .compliance import RuleCounters, worst_rates
from .contact import SegmentModel
from .costs import cost_rates, supervision_rates
from .counters import Counters, Structure
from .day import close_day, day_process
from .dial import DialKernel
from .dial_log import DialLog
from .dialing import DIALERS
from .event_count import CountingEnvironment
from .inbound import InboundDesk
from .inbound_traffic import ResponseCalls
from .living import LivingPortfolio
from .lost_contacts import LostContacts
from .phone_numbers import AccountPhones
from .portfolio import Portfolio
from .promises import PromiseBook
from .recorder import Recorder
from .reputation import CallerReputation
from .routing import Dialables, build_campaigns
from .rule_engine import RuleEngine
from .service import service_at_end
from .shift import collector_process
from .state import WorldState
from .tasks import build_tasks, days_counted

_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] | None = None
RUN_GC_THRESHOLD = (1_000_000, 50, 100)
"""Cyclic-GC thresholds while a world runs. A run allocates millions of short-lived objects and
holds large lists (the portfolio's per-account state); with the default thresholds (700, 10, 10)
the collector runs hundreds of times per simulated month and each full pass walks every account
list. Even a young collection walks the day's call lists and pending retries, a cache miss per
item: at a 1000-seat center that is tens of milliseconds a collection. A run makes no cycles as
it goes (test_a_run_leaves_no_cyclic_garbage_that_grows_with_its_length), so deferring the
collector holds no garbage."""


@contextmanager
def gc_tuned():
    """Raise the cyclic-GC thresholds for the duration (nested and thread-safe; the previous
    thresholds come back when the last user leaves)."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(*RUN_GC_THRESHOLD)
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)
                _gc_saved = None


def max_due_days(scenario: Scenario) -> int:
    """Largest promise due delay any segment can draw (due-day distributions are bounded)."""
    out = 0
    for seg in scenario.segments.values():
        d = seg.promise_due_days
        hi = getattr(d, "value", None)
        if hi is None:
            hi = getattr(d, "high", None)
        if hi is None:
            hi = max(d.values)
        out = max(out, int(hi))
    return out


class World(WorldState):
    """A collection center for one replication: the shared state, wired, with its processes.

    ``trace=True`` keeps every day's dial columns and the recorder's records (small runs, tests,
    training demos and ``collectsim run --trace``). ``count_events=True`` counts the SimPy events
    scheduled into ``Counters.events`` (benchmarks; it costs a call per event)."""

    def __init__(
        self, scenario: Scenario, seed: int, replication: int, trace: bool = False, count_events: bool = False
    ) -> None:
        self.scenario = scenario
        self.trace = [] if trace else None
        self.recorder = Recorder() if trace else None
        self.streams = Streams(seed, replication)
        self.env = CountingEnvironment() if count_events else simpy.Environment()
        self.calendar = WorkCalendar(scenario.calendar)
        self.portfolio = Portfolio(scenario, self.streams, self.calendar)
        # The living portfolio and account-level behaviour: None unless their blocks are on.
        pf = scenario.portfolio
        with_numbers = any(s.phone_numbers for s in scenario.segments.values())
        self.phone_numbers = None
        if with_numbers and pf and pf.behaviour_on:  # the behaviour reads each account's numbers
            self.phone_numbers = AccountPhones(
                scenario, self.portfolio, self.streams, self.calendar.first_measured_day * DAY_S
            )
        self.behaviour = (
            AccountBehaviour(scenario, self.portfolio, self.streams, self.phone_numbers)
            if pf and pf.behaviour_on
            else None
        )
        if self.phone_numbers is not None:
            self.phone_numbers.behaviour = self.behaviour
        self.living = (
            LivingPortfolio(scenario, self.portfolio, self.streams, self.calendar, self.behaviour)
            if scenario.portfolio_on
            else None
        )
        if self.living is not None:
            self.living.recorder = self.recorder
        self.lost_contacts = (
            LostContacts(scenario, self.portfolio.n, self.streams) if LostContacts.needed(scenario) else None
        )
        self.reputation = (
            CallerReputation(scenario, self.lost_contacts)
            if self.lost_contacts is not None and CallerReputation.on(scenario)
            else None
        )
        self.rule_engine = (
            RuleEngine(scenario, self.portfolio, trace=trace) if scenario.compliance.rules else None
        )
        self.address_zones = (
            AddressZones.draw(scenario, self.portfolio, self.streams, trace)
            if AddressZones.on(scenario)
            else None
        )
        self.lists = CallLists(
            scenario, self.portfolio, self.streams, self.behaviour, self.calendar.first_measured_day
        )
        self.models = [SegmentModel(n, s, self.streams) for n, s in scenario.segments.items()]
        if with_numbers:
            if self.phone_numbers is None:
                self.phone_numbers = AccountPhones(
                    scenario, self.portfolio, self.streams, self.calendar.first_measured_day * DAY_S
                )
            for m in self.models:  # each number's own table, varying by hour, decides the outcome
                m.codes, m.flat = None, False
            if self.rule_engine is not None:
                self.rule_engine.attach_numbers(
                    self.phone_numbers, self.portfolio.bucket_offset_s, self.calendar.start_weekday
                )
        self.collectors = collector_roster(scenario, self.streams, self.calendar)
        # Promise-confirmation calls are the only reason to look a promise up by account.
        self.book = PromiseBook(track_accounts=scenario.attempts.promise_reminder)
        self.log = DialLog()
        self.promises_today = []
        self.consented_dials = []
        self.rules = RuleCounters(scenario.compliance.max_attempts_in_7_days)
        att = scenario.attempts
        self.reminder_lead = att.reminder_days_before_due if att.promise_reminder else None
        # Calendar days counted: the calling days and then until the last promise (or a special
        # task's last event) can fall due.
        last = self.calendar.last_work_day
        self.n_days = max(last + max_due_days(scenario) + 2, days_counted(scenario, last))
        # also sets each outbound and blend collector's campaign and segments (inbound teams answer
        # the queue only)
        roles = [scenario.teams[t].role for t in scenario.team_names]
        outbound = [c for c in self.collectors if roles[c.team] != "inbound"]
        # one line per account, outbound and inbound together: only with inbound calls
        self.lines = AccountLines(self.portfolio, self.recorder) if scenario.inbound is not None else None
        self.campaigns = build_campaigns(
            Dialables(
                scenario,
                self.calendar,
                self.portfolio,
                self.lists,
                self.models,
                outbound,
                self.lines,
                tuple(g for g in (self.rule_engine, self.address_zones) if g is not None),
            )
        )
        tree = self.lists.tree
        if tree is not None and tree.teams is not None:  # the rules' teams dial their team buckets
            tree.teams.extend(self.campaigns)
        self.structure = Structure(
            segments=tuple(scenario.segment_names),
            teams=tuple(scenario.team_names),
            collectors=tuple(c.name for c in self.collectors),
            collector_team=tuple(c.team for c in self.collectors),
            collector_wage_usd=tuple(c.hourly_wage_usd for c in self.collectors),
            collector_segments=tuple(tuple(c.segments) for c in self.collectors),
            campaigns=tuple(k.name for k in self.campaigns),
            campaign_team=tuple(k.team for k in self.campaigns),
            campaign_segments=tuple(tuple(k.segments) for k in self.campaigns),
            n_days=self.n_days,
            work_days=tuple(self.calendar.work_days),
            first_measured_day=self.calendar.first_measured_day,
            collector_supervision_usd_per_h=supervision_rates(scenario, self.collectors),
            cost_rates=cost_rates(scenario),
            team_roles=tuple(roles),
            arms=tuple(scenario.strategy.arm_names)
            if scenario.strategy is not None and len(scenario.strategy.arm_names) > 1
            else (),
        )
        self.counters = Counters.zeros(
            self.n_collectors + len(self.campaigns), len(scenario.segments), self.n_days, len(self.campaigns)
        )
        strategy = scenario.strategy
        if strategy is not None and len(strategy.arm_names) > 1:
            self.counters.arms = ArmCounts(
                len(strategy.arm_names),
                self.n_collectors + len(self.campaigns),
                len(scenario.segments),
                self.portfolio.arm,
            )
            if self.living is not None:
                self.living.attach_arms(self.counters.arms)
        build_tasks(self)
        self.channels = Channels(self) if Channels.wanted(scenario) else None
        if self.channels is not None:  # a special task of its own: the last in hook order
            self.tasks.append(self.channels)
        if self.lists.tree is not None:  # the rules' phone and channel conditions read these
            self.lists.tree.conditions.attach(self.phone_numbers, self.channels)
            if self.channels is not None:  # the rules' contact paths (world/channel_paths.py)
                self.channels.paths.follow(self.lists.tree)
        if self.recorder is not None and self.portfolio.phone is not None:
            self.recorder.phone_at_entry = list(self.portfolio.phone)
        self.responses = ResponseCalls(self) if ResponseCalls.on(self) else None
        self.kernel = DialKernel(self)
        self.dialer = DIALERS[scenario.dialer.mode](self, self.kernel)
        if self.lines is not None:
            self.lines.dialer = self.dialer
        self.inbound = InboundDesk(self, self.kernel) if scenario.inbound is not None else None
        if self.inbound is not None and scenario.inbound.callbacks is not None:
            self.inbound.callbacks = CallbackDesk(self, self.inbound)

    def trace_arrays(self) -> dict[str, np.ndarray]:
        """The whole dial trace as columns (needs ``trace=True``): coll, acct, camp, t (seconds),
        out, ring, talk, wrap (seconds), and phone with several numbers per account."""
        if self.trace is None:
            raise RuntimeError("build the World with trace=True to keep a dial trace")
        keys = ("coll", "acct", "camp", "t", "out", "ring", "talk", "wrap")
        if self.phone_numbers is not None:
            keys += ("phone",)  # the index of the number dialed among the account's (phone_numbers.py)
        if not self.trace:
            return {k: np.zeros(0) for k in keys}
        # (a day without dials has no phone column)
        return {k: np.concatenate([d[k] for d in self.trace if k in d] or [np.zeros(0)]) for k in keys}

    def run(self) -> Counters:
        """Run the replication to its end and return its counters."""
        env = self.env
        env.process(day_process(self, self.dialer))
        self.dialer.start()
        desk = self.inbound
        if desk is not None:
            desk.start()
        blend = None
        if desk is not None and desk.blend:
            if self.dialer.name == "predictive":  # blend collectors work in its campaigns' pools
                self.dialer.blend_with(desk)
            else:
                blend = BlendWork(self, desk, self.dialer)
        for c in self.collectors:
            work = self.dialer
            if desk is not None and desk.is_inbound(c):
                work = desk
            elif blend is not None and desk.is_blend(c):
                work = blend
            env.process(collector_process(self, work, c))
        with gc_tuned():
            env.run()
        self.dialer.flush(env.now)
        if len(self.log):  # calls still going at the last midnight the day process filed
            close_day(self, int(env.now // DAY_S))
        cnt = self.counters
        p = self.portfolio
        first = self.calendar.first_measured_day  # the measured window starts that midnight
        dialed = p.last_attempt_s >= first * DAY_S
        cnt.accounts_dialed[:] = np.bincount(p.segment[dialed], minlength=len(self.models))
        if self.living is not None:
            self.living.fill(cnt)
            cnt.accounts[:] = cnt.present_accounts[:, 0]  # the accounts worked (not the control group)
        else:
            cnt.accounts[:] = np.bincount(p.segment, minlength=len(self.models))
        arms = cnt.arms
        if arms is not None:
            arms.coverage("accounts_dialed", dialed)
            if self.living is not None:
                arms.accounts[:] = arms.present.sum(axis=1)
            else:
                arms.coverage("accounts", np.ones(p.n, dtype=bool))
        if isinstance(env, CountingEnvironment):
            cnt.events = env.scheduled
        worst_day, worst_30 = worst_rates(cnt.campaign_live[:, first:], cnt.campaign_abandoned[:, first:])
        cnt.blocks["compliance"] = {
            "calls_outside_window": float(self.rules.outside_window),
            "max_attempts_in_7_days": float(self.rules.max_attempts_7),
            "accounts_over_7_day_limit": float(len(self.rules.over_7)),
            "calls_over_7_day_limit": float(self.rules.calls_over_7),
            "calls_in_waiting_period": float(self.rules.in_waiting_period),
            "worst_daily_abandon_rate": worst_day,
            "worst_30_day_abandon_rate": worst_30,
        }
        numbers = self.phone_numbers
        if numbers is not None:
            cnt.blocks["compliance"]["autodialed_cells_without_consent"] = float(numbers.auto_no_consent)
            if numbers.messages_counted:  # texts and recorded calls (world/channels.py)
                comp = cnt.blocks["compliance"]
                comp["messages_to_cells_without_consent"] = float(numbers.messages_no_consent)
                comp["messages_without_usable_number"] = float(numbers.messages_held)
            cnt.blocks["phones"] = numbers.block()
        if self.rule_engine is not None:
            cnt.blocks["compliance"].update(self.rule_engine.block())
        if self.address_zones is not None:
            cnt.blocks["compliance"].update(self.address_zones.block())
        if self.lost_contacts is not None and LostContacts.on(self.scenario):
            cnt.blocks["lost_contacts"] = self.lost_contacts.block()
        if self.reputation is not None:
            cnt.blocks["reputation"] = self.reputation.block()
        if self.lists.tree is not None:
            cnt.blocks["strategy"] = self.lists.tree.block()
        for t in self.tasks:
            t.finish(cnt)
        service_at_end(self)
        return cnt


def simulate(
    scenario: Scenario, seed: int = 1, replication: int = 0, count_events: bool = False
) -> tuple[Structure, Counters]:
    """Run one replication; returns the world's structure and its counters (``count_events``:
    see :class:`World`)."""
    w = World(scenario, seed, replication, count_events=count_events)
    return w.structure, w.run()
