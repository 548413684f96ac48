"""The one place where a Scenario becomes a running world: build, run, collect."""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

import numpy as np
import simpy

from ..rng import Streams
from ..scenario.schema import Scenario
from .accounts import OPEN, PAID, CallLists, Portfolio
from .calendar import DAY_S, WorkCalendar
from .collectors import Collector, collector_process
from .compliance import RuleCounters, worst_rates
from .contact import SegmentModel
from ..counters import Counters, Structure
from .dial_log import DialLog, float_rows
from .dialer import DIALERS
from .promises import ACCT, AMOUNT, COLL, P_KEEP, SEG, U_KEEP, PromiseBook
from .routing import build_campaigns
from .special import SpecialTasks, Tracker, extra_days


_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] | None = None
RUN_GC_THRESHOLD = (1_000_000, 50, 100)
"""Cyclic-GC thresholds while a world runs. A run allocates millions of short-lived objects and
holds large lists (the portfolio's per-account state); with the default thresholds (700, 10, 10)
the collector runs hundreds of times per simulated month and each full pass walks every account
list, which cost about a fifth of a progressive run and grew with portfolio size x dials. At
100,000 a 1000-seat center still paid ~30 ms a young collection (each one walks the day's call
lists and pending retries, a cache miss per item), 2 s of a 48-s month. A run makes no cycles as
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


def _tier_of_each(team, n: int) -> list[str | None]:
    """Tier names for collectors 1..n: shares by largest remainder in tier order, then overrides."""
    out: list[str | None] = [None] * n
    tiers = team.skill.tiers
    total = sum(tiers.values())
    if tiers and total > 0 and n:
        exact = [n * v / total for v in tiers.values()]
        counts = [int(x) for x in exact]
        for i in sorted(range(len(exact)), key=lambda i: -(exact[i] - counts[i]))[: n - sum(counts)]:
            counts[i] += 1
        k = 0
        for name, c in zip(tiers, counts):
            for _ in range(c):
                out[k] = name
                k += 1
    for num, name in team.skill.collectors.items():
        if 1 <= int(num) <= n:
            out[int(num) - 1] = name
    return out


def collector_roster(scenario: Scenario, streams: Streams | None = None) -> list[Collector]:
    """Collectors with stable readable ids ``<team>-NN`` in team order, with skill profiles."""
    out: list[Collector] = []
    seg_index = {s: i for i, s in enumerate(scenario.segment_names)}
    for ti, (tname, team) in enumerate(scenario.teams.items()):
        width = max(2, len(str(team.headcount)))
        tiers = _tier_of_each(team, team.headcount)
        sd = team.skill.individual_sd
        noise = np.ones((team.headcount, 4))
        if sd > 0 and streams is not None:
            # mean-preserving log-normal spread around the tier
            noise = streams.generator(f"skill/{tname}").lognormal(-sd * sd / 2, sd, (team.headcount, 4))
        for k in range(team.headcount):
            offset = team.break_stagger_min * k / team.headcount if team.headcount else 0.0
            blocks = [(s * 60.0, length * 60.0, kind) for s, length, kind in team.unproductive_blocks(offset)]
            out.append(Collector(
                idx=len(out), name=f"{tname}-{k + 1:0{width}d}", team=ti,
                hourly_wage_usd=team.hourly_wage_usd, segments=[seg_index[s] for s in team.segments],
                shift_start_s=team.shift_start_min * 60.0, shift_end_s=team.shift_end_min * 60.0,
                blocks=blocks))
            c = out[-1]
            tier = scenario.skill_tiers[tiers[k]] if tiers[k] else None
            if tier is not None:
                c.tier = tiers[k]
                c.promise_mult, c.keep_mult = tier.promise_multiplier, tier.keep_multiplier
                c.payment_mult, c.talk_mult = tier.payment_multiplier, tier.talk_time_multiplier
            c.promise_mult *= noise[k, 0]
            c.keep_mult *= noise[k, 1]
            c.payment_mult *= noise[k, 2]
            c.talk_mult *= noise[k, 3]
    return out


class World:
    """A collection center for one replication."""

    def __init__(self, scenario: Scenario, seed: int, replication: int, trace: bool = False) -> None:
        self.scenario = scenario
        # Optional event trace of every dial (small runs, tests and training demos only).
        self.trace: list[dict[str, np.ndarray]] | None = [] if trace else None
        self.streams = Streams(seed, replication)
        self.env = simpy.Environment()
        self.calendar = WorkCalendar(scenario.calendar)
        self.portfolio = Portfolio(scenario, self.streams)
        self.lists = CallLists(scenario, self.portfolio, self.streams)
        self.models = [SegmentModel(n, s, self.streams) for n, s in scenario.segments.items()]
        # The seed's special tasks (skip tracing, rearrangement, tracking, roll rates, placement):
        # None unless a block is on, so the default world does exactly what it did before.
        self.special = SpecialTasks(self) if SpecialTasks.wanted(scenario) else None
        self.collectors = collector_roster(scenario, self.streams)
        self.n_collectors = len(self.collectors)
        # Promise-confirmation calls are the only reason to look a promise up by account.
        self.book = PromiseBook(track_accounts=scenario.attempts.promise_reminder)
        self.log = DialLog()
        self.promises_today: list[tuple[int, int, float, int]] = []   # (collector, segment, amount, day)
        self.rules = RuleCounters()
        # Calendar days counted: the calling days and then until the last promise (or a special
        # task's last event) can fall due.
        horizon = max_due_days(scenario)
        if self.special is not None:
            horizon = max(horizon, extra_days(scenario))
        self.n_days = self.calendar.last_work_day + horizon + 2
        if self.special is not None and scenario.special_on("roll_rates"):
            self.n_days = max(self.n_days, scenario.roll_rates.period_days + 2)
        self.campaigns = build_campaigns(self)   # also sets each collector's campaign and segments
        self.structure = Structure(
            segments=tuple(scenario.segment_names), teams=tuple(scenario.team_names),
            collectors=tuple(c.name for c in self.collectors),
            collector_team=tuple(c.team for c in self.collectors),
            collector_wage_usd=tuple(c.hourly_wage_usd for c in self.collectors),
            collector_segments=tuple(tuple(c.segments) for c in self.collectors),
            campaigns=tuple(k.name for k in self.campaigns),
            campaign_team=tuple(k.team for k in self.campaigns),
            campaign_segments=tuple(tuple(k.segments) for k in self.campaigns), n_days=self.n_days)
        self.counters = Counters.zeros(self.n_collectors + len(self.campaigns), len(scenario.segments),
                                       self.n_days, len(self.campaigns))
        if self.special is not None and scenario.special_on("tracking"):
            self.special.tracker = Tracker(self)
        self.dialer = DIALERS[scenario.dialer.mode](self)
        att = scenario.attempts
        self.reminder_lead = att.reminder_days_before_due if att.promise_reminder else None

    def day_process(self):
        """At each midnight: fold yesterday's dials, resolve promises due yesterday, and on a
        working day rebuild the call lists. Runs past the last calling day until every promise
        has been resolved."""
        env, cal = self.env, self.calendar
        work = set(cal.work_days)
        day = 0
        while True:
            if day > 0:
                self.dialer.flush(env.now)
                self.close_day(day - 1)
            sp = self.special
            if day > cal.last_work_day and self.book.open == 0 and (sp is None or not sp.wants_day(day)):
                return
            if sp is not None:
                sp.start_day(day)
            if day in work:
                self.mark_reminders(day)
                self.lists.rebuild(day)
            day += 1
            yield env.timeout(day * DAY_S - env.now)

    def mark_reminders(self, day: int) -> None:
        """Flag accounts whose promise falls due ``reminder_days_before_due`` days from now."""
        p = self.portfolio
        p.reminder_due[:] = 0
        if self.reminder_lead is None:
            return
        comp = self.scenario.compliance
        wait_s = comp.wait_after_conversation_days * DAY_S
        for e in self.book.due_on(day + self.reminder_lead):
            a = e[ACCT]
            if comp.exempt_promise_confirmation or not comp.enforce_wait_after_conversation \
                    or p.last_conversation_end_s[a] + wait_s <= day * DAY_S:
                p.reminder_due[a] = 1

    def close_day(self, day: int) -> None:
        cnt, p = self.counters, self.portfolio
        log = self.log
        cols = log.to_numpy()
        log.clear()
        cnt.ensure_day(day)
        if len(cols["acct"]):
            np.maximum.at(p.last_attempt_s, cols["acct"], cols["t"])
        if self.promises_today:
            pr = float_rows(self.promises_today, 4)
            coll, seg, day_made = pr[:, 0].astype(np.int64), pr[:, 1].astype(np.int64), pr[:, 3].astype(np.int64)
            cnt.ensure_day(int(day_made.max()))
            np.add.at(cnt.promises, (coll, seg), 1)
            np.add.at(cnt.promised_usd, (coll, seg), pr[:, 2])
            np.add.at(cnt.daily_promises, (seg, day_made), 1)
            self.promises_today.clear()
        sp = self.special
        if sp is not None:
            sp.before_fold(day, cols["acct"])
        self.lists.file_spent()   # before the next rebuild reads blocked_until_s
        dialed = p.record_day(day, cols["acct"])
        self.rules.close_day(p.attempts_7_total, dialed)
        cnt.fold(cols, p.segment, day, self.calendar.weekday(day))
        if self.trace is not None and len(cols["out"]):
            self.trace.append(cols)
        due = self.book.take_due(day)
        if sp is None:
            if due:
                self._resolve(due, day)
            return
        for e in due:   # with special tasks, one by one: a payment may be a rearrangement's
            coll, a, s, amount = e[COLL], e[ACCT], e[SEG], e[AMOUNT]
            if len(e) > 6:  # a rearrangement's payment
                sp.rearrange.resolve(e, day)
                continue
            if e[U_KEEP] < min(1.0, e[P_KEEP]):
                cnt.kept[coll, s] += 1
                cnt.collected[coll, s] += amount
                cnt.daily_kept[s, day] += 1
                cnt.daily_collected[s, day] += amount
                p.balance[a] -= amount
                p.status[a] = PAID
                sp.on_paid(a, amount, day)
            else:
                cnt.broken[coll, s] += 1
                p.status[a] = OPEN
                p.priority[a] = 1
        sp.end_of_day(day, len(due))

    def _resolve(self, due: list[list], day: int) -> None:
        """Promises due on ``day`` (no special task on): kept ones pay, broken ones go back to
        the lists first in line. close_day's loop for special tasks, vectorized (one promise per
        account)."""
        cnt, p = self.counters, self.portfolio
        e = float_rows(due, 6)
        coll, a, s = e[:, COLL].astype(np.int64), e[:, ACCT].astype(np.int64), e[:, SEG].astype(np.int64)
        amount = e[:, AMOUNT]
        kept = e[:, U_KEEP] < np.minimum(1.0, e[:, P_KEEP])
        broken = ~kept
        S = cnt.daily_kept.shape[0]
        np.add.at(cnt.kept, (coll[kept], s[kept]), 1)
        np.add.at(cnt.collected, (coll[kept], s[kept]), amount[kept])
        cnt.daily_kept[:, day] += np.bincount(s[kept], minlength=S)
        cnt.daily_collected[:, day] += np.bincount(s[kept], weights=amount[kept], minlength=S)
        np.subtract.at(p.balance, a[kept], amount[kept])
        p.status[a[kept]] = PAID
        np.add.at(cnt.broken, (coll[broken], s[broken]), 1)
        p.status[a[broken]] = OPEN
        p.priority[a[broken]] = 1

    def trace_arrays(self) -> dict[str, np.ndarray]:
        """The whole dial trace as columns (needs ``trace=True``): coll, acct, camp, t, out, ring, talk, wrap."""
        if self.trace is None:
            raise RuntimeError("build the World with trace=True to keep a dial trace")
        keys = ("coll", "acct", "camp", "t", "out", "ring", "talk", "wrap")
        if not self.trace:
            return {k: np.zeros(0) for k in keys}
        return {k: np.concatenate([d[k] for d in self.trace]) for k in keys}

    def run(self) -> Counters:
        env = self.env
        env.process(self.day_process())
        self.dialer.start()
        for c in self.collectors:
            env.process(collector_process(self, c))
        with gc_tuned():
            env.run()
        self.dialer.flush(env.now)
        if len(self.log):   # calls still going at the last midnight the day process filed
            self.close_day(int(env.now // DAY_S))
        cnt = self.counters
        p = self.portfolio
        dialed = p.last_attempt_s > -np.inf
        cnt.accounts_dialed[:] = np.bincount(p.segment[dialed], minlength=len(self.models))
        cnt.accounts[:] = np.bincount(p.segment, minlength=len(self.models))
        eid = getattr(env, "_eid", None)  # events scheduled: a private SimPy counter, for benchmarks only
        cnt.events = next(eid) if eid is not None else 0
        worst_day, worst_30 = worst_rates(cnt.campaign_live, cnt.campaign_abandoned)
        cnt.blocks["compliance"] = {
            "calls_outside_window": float(self.rules.outside_window),
            "max_attempts_in_7_days": float(self.rules.max_attempts_7),
            "calls_in_waiting_period": float(self.rules.in_waiting_period),
            "worst_daily_abandon_rate": worst_day,
            "worst_30_day_abandon_rate": worst_30,
        }
        if self.special is not None:
            self.special.finish(cnt)
        return cnt


def simulate(scenario: Scenario, seed: int = 1, replication: int = 0) -> tuple[Structure, Counters]:
    """Run one replication; returns the world's structure and its counters."""
    w = World(scenario, seed, replication)
    return w.structure, w.run()
