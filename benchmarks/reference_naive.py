"""A deliberately straightforward SimPy model of the same collection center, for comparison.

"One process per call, ``random`` draws, no batching": every dial is its own SimPy process,
every random number is drawn when it is needed from a ``random.Random(seed)`` instance, every
account is a small Python object, and every promise is a process that sleeps until its due date.

Only the *parameters* come from collectsim: the scenario TOML is read and validated with
``simulator.scenario.load_scenario`` (so the two models cannot drift apart), and the team's
schedule blocks come from the schema's ``Team.unproductive_blocks``. The simulation itself is
written from scratch here and shares no code with ``simulator.world``.

Rules implemented (those of collectsim's world, as documented in its modules):
- Working days from the calendar; each collector logs in at shift start, works, takes each
  scheduled block (meeting, breaks, lunch, training; breaks and lunch staggered by k/n of
  ``break_stagger_min`` for collector k of n) when it is due or when the call in progress ends,
  keeping its full length, and logs out at shift end or when the last call ends. Paid time is
  login to logout; productive time is paid time less the blocks.
- Each working day at midnight the call list of each segment is rebuilt: open accounts not
  blocked, broken promises first (if configured), then least recently attempted, then account
  number. A failed attempt is retried ``retry_delay_min`` (or the outcome's own delay) after the
  call ends while the account has attempts left today: at most ``max_per_day``, and (if the
  schema has ``[compliance]`` with the 7-in-7 rule on) at most ``max_attempts_in_7_days`` over
  the last 7 days; then it waits ``recycle_after_days``. Retries that are due go before the
  fresh list.
- A right-party contact blocks the account for the waiting period after the conversation
  (``compliance.wait_after_conversation_days``; ``attempts.recontact_after_rpc_days`` in older
  schemas) and
  may end in a promise (amount = payment draw capped at the balance, due ``promise_due_days``
  after the day of the conversation), which is kept or broken at the end of its due day: kept
  pays (the account is paid off and leaves the lists), broken puts the account back, first in line.
- Anything else the scenario may switch on (time zones, contact curves, segment schedules,
  reminders, other list strategies, AMD, adaptive pacing...) is refused with NotImplementedError
  (``check_supported``) rather than silently ignored.

Modes:
- ``progressive``: one call per available collector; the collector waits through the ring,
  talks, wraps up, and dials again.
- ``predictive``: per team, a pacer keeps round(``ratio`` x free collectors) lines ringing
  (``dialer.ratio`` of the scenario, default 1.5 in collectsim's schema).
  A call that is answered (machine, third party or right party) waits up to ``abandon_after_s``
  for a free collector of the team; if none takes it, it is abandoned (counted in ``abandoned``
  for a live person, in ``abandoned_machine`` for a machine; an abandoned call is not an RPC).
  Unanswered calls (no answer, busy, invalid) never reach a collector.

    python benchmarks/reference_naive.py [SCENARIO] [--mode progressive|predictive] [--seed S]
        [--set PATH=V ...]
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_SCENARIO  # noqa: E402

DAY_S = 86_400.0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OUTCOMES = ("no_answer", "busy", "machine", "invalid", "third_party", "rpc")
LIVE = ("machine", "third_party", "rpc")  # answered: needs a collector in predictive mode
OPEN, PROMISED, PAID = "open", "promised", "paid"
MODES = ("progressive", "predictive")


# --------------------------------------------------------------------------- random draws
def draw(dist: Any, rng: random.Random) -> float:
    """One draw of a scenario distribution spec with python's ``random``."""
    kind = dist.dist
    if kind == "constant":
        return float(dist.value)
    if kind == "lognormal":
        m, sd = dist.mean_, dist.sd
        if sd == 0:
            return m
        s2 = math.log(1.0 + (sd / m) ** 2)
        return rng.lognormvariate(math.log(m) - s2 / 2.0, math.sqrt(s2))
    if kind == "gamma":
        m, sd = dist.mean_, dist.sd
        if sd == 0:
            return m
        k = (m / sd) ** 2
        return rng.gammavariate(k, m / k)
    if kind == "exponential":
        return rng.expovariate(1.0 / dist.mean_)
    if kind == "uniform":
        return rng.uniform(dist.low, dist.high)
    if kind == "uniform_int":
        return float(rng.randint(dist.low, dist.high))
    if kind == "triangular":
        return rng.triangular(dist.low, dist.high, dist.mode)
    if kind == "discrete":
        return float(rng.choices(dist.values, weights=dist.weights)[0])
    raise ValueError(f"unknown distribution {kind!r}")


# --------------------------------------------------------------------------- the model
class Account:
    def __init__(self, number: int, segment: str, balance: float) -> None:
        self.number = number
        self.segment = segment
        self.balance = balance
        self.status = OPEN
        self.broken = False  # broken promise awaiting follow-up
        self.blocked_until = -math.inf
        self.last_attempt = -math.inf
        self.attempts_today = 0
        self.allowed_today = 0
        self.attempts_on: dict[int, int] = {}  # calendar day -> attempts (for the 7-in-7 rule)


class CallList:
    """One segment's list for the day: fresh accounts in order, plus retries by ready time."""

    def __init__(self) -> None:
        self.fresh: deque[Account] = deque()
        self.retries: list[tuple[float, int, Account]] = []

    def next_account(self, now: float) -> Account | None:
        if self.retries and self.retries[0][0] <= now:
            return heapq.heappop(self.retries)[2]
        if self.fresh:
            return self.fresh.popleft()
        return None

    def next_ready(self) -> float:
        if self.fresh:
            return -math.inf
        return self.retries[0][0] if self.retries else math.inf


class Agent:
    def __init__(self, team: str, k: int, n: int, t: Any) -> None:
        self.team = team
        self.segments = list(t.segments)
        self.turn = 0
        offset = t.break_stagger_min * k / n if n else 0.0
        self.shift_start = t.shift_start_min * 60.0
        self.shift_end = t.shift_end_min * 60.0
        self.blocks = [(s * 60.0, length * 60.0) for s, length, _ in t.unproductive_blocks(offset)]


class Team:
    """Predictive-mode state of one team: waiting collectors, ringing lines, answered calls."""

    def __init__(self, env: simpy.Environment, segments: list[str]) -> None:
        self.segments = segments
        self.turn = 0
        self.answered = simpy.Store(env)  # answered calls waiting for a collector
        self.ringing = 0
        self.changed = env.event()


class NaiveCenter:
    def __init__(
        self,
        scenario: Any,
        seed: int = 1,
        mode: str = "progressive",
        ratio: float = 2.0,
        abandon_after_s: float = 2.0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.sc = scenario
        self.mode = mode
        self.ratio = ratio
        self.abandon_after_s = abandon_after_s
        # collectsim's pause-before-break horizon: expected seconds to a live answer (mean ring
        # of third party and right party over segments), or the ring-out if longer, plus patience
        la = [
            o.ring_time_s.mean
            for seg in scenario.segments.values()
            for o in (seg.outcomes.third_party, seg.outcomes.rpc)
        ]
        rt = getattr(scenario.dialer, "ring_timeout_s", 0.0) or 0.0
        self.horizon = max(sum(la) / len(la), rt) + abandon_after_s
        self.rng = random.Random(seed)
        self.env = simpy.Environment()
        cal = scenario.calendar
        start = WEEKDAYS.index(cal.start_weekday)
        open_days = {WEEKDAYS.index(d) for d in cal.weekdays}
        self.work_days: list[int] = []
        d = 0
        while len(self.work_days) < cal.working_days:
            if (start + d) % 7 in open_days:
                self.work_days.append(d)
            d += 1
        check_supported(scenario, mode)
        att = scenario.attempts
        comp = getattr(scenario, "compliance", None)
        self.max_per_day = att.max_per_day
        self.retry_delay = {o: att.retry_delay_min * 60.0 for o in OUTCOMES + ("abandoned",)}
        for o, minutes in getattr(att, "retry_delay_by_outcome_min", {}).items():
            self.retry_delay[o] = minutes * 60.0
        self.recycle = getattr(att, "recycle_after_days", 1) * DAY_S
        if comp is None:  # older schema: the wait lived in [attempts], no 7-in-7 rule
            self.recontact = att.recontact_after_rpc_days * DAY_S
            self.cap_7 = 1 << 30
        else:
            self.recontact = (
                comp.wait_after_conversation_days * DAY_S if comp.enforce_wait_after_conversation else 0.0
            )
            self.cap_7 = comp.max_attempts_in_7_days if comp.enforce_7_in_7 else 1 << 30
        self.broken_first = att.broken_promise_first
        self.accounts: dict[str, list[Account]] = {}
        n = 0
        for name, seg in scenario.segments.items():
            accts = []
            for _ in range(seg.accounts):
                accts.append(Account(n, name, draw(seg.balance_usd, self.rng)))
                n += 1
            self.accounts[name] = accts
        self.lists = {name: CallList() for name in scenario.segments}
        self.agents = [
            Agent(tn, k, t.headcount, t) for tn, t in scenario.teams.items() for k in range(t.headcount)
        ]
        self.teams = {tn: Team(self.env, list(t.segments)) for tn, t in scenario.teams.items()}
        self.open_promises = 0
        self.seq = 0
        self.totals = {
            k: 0.0
            for k in (
                "dials",
                "rpc",
                "third_party",
                "machine",
                "abandoned",
                "abandoned_machine",
                "promises",
                "kept",
                "broken",
                "collected",
                "paid_s",
                "productive_s",
                "idle_s",
            )
        }

    # ---- days and lists
    def days(self):
        env = self.env
        for day in self.work_days:
            yield env.timeout(day * DAY_S - env.now)
            for name, accts in self.accounts.items():
                for a in accts:
                    a.attempts_today = 0
                    if a.attempts_on:
                        a.attempts_on = {d: k for d, k in a.attempts_on.items() if d > day - 7}
                    last6 = sum(a.attempts_on.values())
                    a.allowed_today = min(self.max_per_day, max(0, self.cap_7 - last6))
                ready = [
                    a
                    for a in accts
                    if a.status == OPEN and a.blocked_until <= env.now and a.allowed_today > 0
                ]
                if self.broken_first:
                    ready.sort(key=lambda a: (not a.broken, a.last_attempt, a.number))
                else:
                    ready.sort(key=lambda a: (a.last_attempt, a.number))
                self.lists[name].fresh = deque(ready)
                self.lists[name].retries = []

    def next_account(self, holder: Any) -> Account | None:
        """Round robin over the holder's (collector's or team's) segments."""
        now = self.env.now
        n = len(holder.segments)
        for k in range(n):
            j = (holder.turn + k) % n
            a = self.lists[holder.segments[j]].next_account(now)
            if a is not None:
                holder.turn = (j + 1) % n
                return a
        return None

    def next_ready(self, holder: Any) -> float:
        return min(self.lists[s].next_ready() for s in holder.segments)

    def attempted(self, a: Account, start: float, end: float, outcome: str) -> None:
        """After an attempt that started at ``start`` and ended at ``end``: retry it later today
        (after the outcome's retry delay) while attempts remain, else recycle it."""
        a.attempts_today += 1
        day = int(start // DAY_S)
        a.attempts_on[day] = a.attempts_on.get(day, 0) + 1
        if outcome == "rpc":
            return
        if a.attempts_today < a.allowed_today:
            self.seq += 1
            heapq.heappush(self.lists[a.segment].retries, (end + self.retry_delay[outcome], self.seq, a))
        else:
            a.blocked_until = max(a.blocked_until, (end // DAY_S) * DAY_S + self.recycle)

    # ---- promises
    def conversation(self, a: Account) -> None:
        """A right-party conversation has just ended."""
        seg = self.sc.segments[a.segment]
        now = self.env.now
        a.blocked_until = now + self.recontact
        a.broken = False
        if self.rng.random() >= seg.promise_probability:
            return
        amount = min(draw(seg.payment_usd, self.rng), a.balance)
        kept = self.rng.random() < seg.keep_probability
        due_day = int(now // DAY_S) + int(draw(seg.promise_due_days, self.rng))
        a.status = PROMISED
        self.totals["promises"] += 1
        self.open_promises += 1
        self.env.process(self.promise(a, amount, kept, due_day))

    def promise(self, a: Account, amount: float, kept: bool, due_day: int):
        # resolved at the very end of the due day, before the next day's lists are built
        yield self.env.timeout((due_day + 1) * DAY_S - 1.0 - self.env.now)
        self.open_promises -= 1
        if kept:
            self.totals["kept"] += 1
            self.totals["collected"] += amount
            a.balance -= amount
            a.status = PAID
        else:
            self.totals["broken"] += 1
            a.status = OPEN
            a.broken = True

    # ---- collectors
    def collector(self, ag: Agent):
        env = self.env
        work = self.progressive_work if self.mode == "progressive" else self.predictive_work
        for day in self.work_days:
            day0 = day * DAY_S
            if env.now < day0 + ag.shift_start:
                yield env.timeout(day0 + ag.shift_start - env.now)
            login = env.now
            off = 0.0
            for b_start, b_len in ag.blocks:
                if env.now < day0 + b_start:
                    yield from work(ag, day0 + b_start)
                t0 = env.now
                yield env.timeout(b_len)
                off += env.now - t0
            if env.now < day0 + ag.shift_end:
                yield from work(ag, day0 + ag.shift_end)
            self.totals["paid_s"] += env.now - login
            self.totals["productive_s"] += env.now - login - off

    def outcome(self, seg: Any) -> tuple[str, Any]:
        u = self.rng.random()
        acc = 0.0
        for name in OUTCOMES:
            o = getattr(seg.outcomes, name)
            acc += o.probability
            if u < acc:
                return name, o
        return OUTCOMES[-1], seg.outcomes.rpc

    # ---- progressive: the collector places one call at a time; each call is a process
    def progressive_work(self, ag: Agent, until: float):
        env = self.env
        while env.now < until:
            a = self.next_account(ag)
            if a is None:
                wait = min(self.next_ready(ag), until) - env.now
                self.totals["idle_s"] += wait
                yield env.timeout(wait)
                continue
            yield env.process(self.progressive_call(a))

    def progressive_call(self, a: Account):
        env = self.env
        seg = self.sc.segments[a.segment]
        name, o = self.outcome(seg)
        start = env.now
        a.last_attempt = start
        self.totals["dials"] += 1
        if name in ("rpc", "third_party", "machine"):
            self.totals[name] += 1
        yield env.timeout(draw(o.ring_time_s, self.rng))
        yield from self.talk_and_wrap(a, name, o)
        self.attempted(a, start, env.now, name)

    def talk_and_wrap(self, a: Account, name: str, o: Any):
        """A collector on the line: talk (a conversation if it is the debtor), then wrap up."""
        env = self.env
        talk = draw(o.talk_time_s, self.rng)
        if talk > 0:
            yield env.timeout(talk)
        if name == "rpc":
            self.conversation(a)
        wrap = draw(o.wrap_time_s, self.rng)
        if wrap > 0:
            yield env.timeout(wrap)

    # ---- predictive: per-team pacer, calls wait briefly for a collector
    def poke(self, team: Team) -> None:
        if not team.changed.triggered:
            team.changed.succeed()

    def pacer(self, team: Team):
        env = self.env
        while True:
            # Like collectsim: a collector whose break or shift end comes before a call placed now
            # could be answered is "paused after this call" and not counted.
            horizon = env.now + self.horizon
            # Free = the pending gets of the store, less those about to be served. An answered call
            # put in the store is handed to the first waiting get only when the put *event* is
            # processed, later in the same instant (Put's callback Store._trigger_get); the call's
            # ``changed`` poke is scheduled before that, so the pacer can run while the call sits in
            # ``items`` and its collector's get is still queued. The store serves gets and items
            # first in, first out, so the first len(items) gets are taken: skip them (collectsim
            # hands a live answer to a free collector at once, and pacing never counts that
            # collector; counting it here kept about one line too many ringing after a live answer).
            q = team.answered
            free = sum(1 for g in q.get_queue[len(q.items) :] if g.until > horizon)
            want = int(math.floor(self.ratio * free + 0.5)) - team.ringing  # round(ratio x free)
            waiting_for_accounts = False
            for _ in range(max(0, want)):
                a = self.next_account(team)
                if a is None:
                    waiting_for_accounts = True
                    break
                team.ringing += 1
                env.process(self.predictive_call(team, a))
            if env.now > (self.work_days[-1] + 1) * DAY_S:
                return
            team.changed = env.event()
            if waiting_for_accounts and free:
                ready = self.next_ready(team)
                if ready < math.inf:
                    yield team.changed | env.timeout(max(ready - env.now, 0.0))
                    continue
            yield team.changed

    def predictive_call(self, team: Team, a: Account):
        env = self.env
        seg = self.sc.segments[a.segment]
        name, o = self.outcome(seg)
        start = a.last_attempt = env.now
        self.totals["dials"] += 1
        yield env.timeout(draw(o.ring_time_s, self.rng))
        team.ringing -= 1
        self.poke(team)
        if name not in LIVE:
            self.attempted(a, start, env.now, name)
            return
        call = {
            "account": a,
            "name": name,
            "outcome": o,
            "taken": env.event(),
            "abandoned": False,
            "start": start,
        }
        yield team.answered.put(call)
        yield call["taken"] | env.timeout(self.abandon_after_s)
        if not call["taken"].triggered:
            call["abandoned"] = True
            if call in team.answered.items:
                team.answered.items.remove(call)
            if name == "machine":  # a machine nobody took: just a machine dial
                self.totals["abandoned_machine"] += 1
                self.attempted(a, start, env.now, "machine")
            else:
                self.totals["abandoned"] += 1
                self.attempted(a, start, env.now, "abandoned")

    def predictive_work(self, ag: Agent, until: float):
        env = self.env
        team = self.teams[ag.team]
        while env.now < until:
            get = team.answered.get()
            get.until = until
            self.poke(team)
            yield get | env.timeout(until - env.now)
            if not get.triggered:
                get.cancel()
                self.poke(team)
                break
            call = get.value
            if call["abandoned"]:
                continue
            call["taken"].succeed()
            name, o, a = call["name"], call["outcome"], call["account"]
            self.totals[name] += 1
            yield from self.talk_and_wrap(a, name, o)
            self.attempted(a, call["start"], env.now, name)

    # ---- run
    def run(self) -> dict[str, float]:
        env = self.env
        env.process(self.days())
        for ag in self.agents:
            env.process(self.collector(ag))
        if self.mode == "predictive":
            for team in self.teams.values():
                env.process(self.pacer(team))
        env.run()
        t = self.totals
        assert self.open_promises == 0
        return {
            "dials": t["dials"],
            "rpc": t["rpc"],
            "third_party": t["third_party"],
            "machine": t["machine"],
            "abandoned": t["abandoned"],
            "promises": t["promises"],
            "kept": t["kept"],
            "broken": t["broken"],
            "collected": t["collected"],
            "paid_hours": t["paid_s"] / 3600.0,
            "productive_hours": t["productive_s"] / 3600.0,
            "idle_hours": t["idle_s"] / 3600.0,
        }


def check_supported(sc: Any, mode: str) -> None:
    """The reference implements the rules listed in the module docstring and nothing else:
    refuse scenarios that switch on anything more rather than silently disagree."""
    problems = []
    for name, seg in sc.segments.items():
        tz = getattr(seg, "time_zones", None)
        if tz is not None and any(o != 0 for o in tz.offsets_h):
            problems.append(f"segments.{name}.time_zones (only offset 0)")
        cc = getattr(seg, "contact_curve", None)
        if cc is not None and any(
            v != 1.0
            for lst in (cc.answer_by_hour, cc.rpc_by_hour, cc.answer_by_weekday, cc.rpc_by_weekday)
            for v in lst
        ):
            problems.append(f"segments.{name}.contact_curve (only flat)")
        sch = getattr(seg, "schedule", None)
        if sch is not None and (
            len(sch.weekdays) < 7 or [(w.start_time, w.end_time) for w in sch.windows] != [("00:00", "24:00")]
        ):
            problems.append(f"segments.{name}.schedule (only always)")
    att, d = sc.attempts, sc.dialer
    if getattr(att, "promise_reminder", False):
        problems.append("attempts.promise_reminder")
    if getattr(d, "list_strategy", "least_recent") != "least_recent":
        problems.append("dialer.list_strategy (only least_recent)")
    if getattr(d, "amd", False):
        problems.append("dialer.amd")
    if getattr(d, "ring_timeout_s", 0.0):
        problems.append("dialer.ring_timeout_s")
    if mode == "predictive" and (getattr(d, "pacing", "fixed") != "fixed" or getattr(d, "max_lines", 0)):
        problems.append("dialer.pacing/max_lines (only fixed ratio, no line cap)")
    comp = getattr(sc, "compliance", None)
    if comp is not None:
        if comp.enforce_no_redial_after_abandon:
            problems.append("compliance.enforce_no_redial_after_abandon")
        if comp.enforce_calling_window:
            lo, hi = clock_min(comp.calling_window_start), clock_min(comp.calling_window_end)
            for tname, t in sc.teams.items():
                if t.shift_start_min < lo or t.shift_end_min > hi:
                    problems.append(f"teams.{tname}: shift outside compliance calling window")
    if problems:
        raise NotImplementedError("reference_naive does not implement: " + "; ".join(problems))


def clock_min(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def dialer_settings(scenario: Any, ratio: float | None, abandon_after_s: float | None) -> tuple[float, float]:
    """Pacing ratio and abandon wait: from the command line, else from the scenario's dialer
    section (``dialer.ratio``, ``dialer.abandon_after_s``), else 2 and 2 s."""
    d = scenario.dialer
    if ratio is None:
        ratio = next(
            (
                float(getattr(d, k))
                for k in ("ratio", "lines_per_collector", "pacing_ratio")
                if getattr(d, k, None)
            ),
            2.0,
        )
    if abandon_after_s is None:
        abandon_after_s = next(
            (
                float(getattr(d, k))
                for k in ("abandon_after_s", "max_wait_s")
                if getattr(d, k, None) is not None
            ),
            2.0,
        )
    return ratio, abandon_after_s


def simulate_naive(
    scenario: Any,
    seed: int = 1,
    mode: str | None = None,
    ratio: float | None = None,
    abandon_after_s: float | None = None,
) -> dict[str, float]:
    """One replication of the naive model; ``mode`` defaults to the scenario's dialer mode."""
    mode = mode or scenario.dialer.mode
    r, w = dialer_settings(scenario, ratio, abandon_after_s)
    return NaiveCenter(scenario, seed, mode, r, w).run()


def main(argv: list[str] | None = None) -> int:
    from simulator.scenario.load import load_scenario

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="?", default=str(BENCH_SCENARIO))
    ap.add_argument("--mode", choices=MODES, default=None, help="default: the scenario's dialer.mode")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--ratio", type=float, default=None, help="predictive: lines per free collector (default 2)"
    )
    ap.add_argument(
        "--abandon-after-s", type=float, default=None, help="predictive: wait for a collector (default 2 s)"
    )
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    a = ap.parse_args(argv)
    sc = load_scenario(a.scenario, overrides=a.set).scenario
    t0 = time.perf_counter()
    res = simulate_naive(sc, a.seed, a.mode, a.ratio, a.abandon_after_s)
    wall = time.perf_counter() - t0
    for k, v in res.items():
        print(f"{k:>18}  {v:,.2f}")
    print(f"{'wall_s':>18}  {wall:,.2f}")
    print(f"{'dials_per_s':>18}  {res['dials'] / wall:,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
