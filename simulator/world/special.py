"""The seed's special collection tasks, each an optional scenario block (off by default).

- :class:`SkipTracer`: per-account phone validity, the skip-trace queue, traces and fresh numbers.
- :class:`Rearranger`: payment plans, settlements and re-ages offered at a right-party contact.
- :class:`Aging`: days past due by calendar day, cures on payment, buckets and roll rates.
- :class:`Placer`: placement of unresolved accounts with an agency; its recovery curve.
- :class:`Tracker`: daily tracking series and per-collector daily counters for the MIS.

:class:`SpecialTasks` holds whichever are on and is the world's single entry point: the dialer
sees only ``skip.phone`` / ``skip.after_dial`` (per dial) and ``rearrange.offer`` (per refused
right-party contact); everything else runs once per calendar day over numpy arrays. Every new
source of randomness is a new named stream, so with every block off the world draws exactly
what it drew before.
"""
from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from .accounts import OPEN, PAID, PROMISED
from .calendar import DAY_S
from ..counters import INVALID, RPC, THIRD_PARTY
from .promises import ACCT, AMOUNT, COLL, P_KEEP, SEG, U_KEEP

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario
    from .build import World

TRACING, UNREACHABLE, PLACED = 3, 4, 5
"""Further account statuses (accounts.py has OPEN, PROMISED, PAID): waiting for a skip trace;
off the lists with no number and no trace left; placed with an agency. None is on the lists."""

GOOD, BAD, TRACED_GOOD = 0, 1, 2
"""Phone states of an account (skip tracing on): which outcome table its dials use."""

KIND, STATE = 6, 7
"""Extra fields of a rearrangement's promise entry: option code and its mutable state."""
OPTIONS = ("settlement", "plan", "reage")
BUCKETS = ("current", "1_29", "30_59", "60_89", "90p")


def extra_days(sc: "Scenario") -> int:
    """Calendar days the world's daily arrays need beyond the usual (plans, roll periods)."""
    out = 0
    r = sc.rearrangement
    if sc.special_on("rearrangement"):
        for opt in OPTIONS:
            o = getattr(r, opt)
            if o is not None:
                span = o.due_days + (o.installments - 1) * o.interval_days if opt == "plan" else o.due_days
                out = max(out, span)
    return out


def _cum(probs: list[float]) -> list[float]:
    cum = list(itertools.accumulate(probs))
    cum[-1] = 2.0
    return cum


class SkipTracer:
    """Phone validity per account and the skip-trace queue (see schema.SkipTrace for the model)."""

    def __init__(self, world: "World") -> None:
        sc = world.scenario
        cfg = self.cfg = sc.skip_trace
        p = self.p = world.portfolio
        self.world = world
        n = p.n
        phone = np.zeros(n, dtype=np.int8)
        for i, (name, seg) in enumerate(sc.segments.items()):
            lo, hi = int(p.first[i]), int(p.first[i + 1])
            q = cfg.bad_number_share_by_segment.get(name, seg.outcomes.invalid.probability)
            phone[lo:hi] = world.streams.generator(f"skip_trace/{name}/bad_number").random(hi - lo) < q
            m = world.models[i]
            good, bad, traced = [], [], []
            for wd in range(7):
                for h in range(24):
                    probs = seg.outcome_probabilities(h, wd)
                    rest = 1.0 - probs[INVALID]
                    g = [x / rest if rest > 0 else 0.0 for x in probs]
                    g[INVALID] = 0.0
                    if rest <= 0:
                        g[0] = 1.0
                    good.append(_cum(g))
                    bad.append(_cum([0.0, 0.0, 0.0, 1.0, 0.0, 0.0]))
                    t = list(g)
                    t[RPC] = min(1.0, g[RPC] * cfg.new_number_rpc_multiplier)
                    others = 1.0 - g[RPC]
                    scale = (1.0 - t[RPC]) / others if others > 0 else 0.0
                    t = [x * scale if k != RPC else x for k, x in enumerate(t)]
                    traced.append(_cum(t))
            m.cum_phone = (good, bad, traced)
        self.bad_at_start = int(phone.sum())
        self.phone: list[int] = phone.tolist()      # read per dial
        self.invalid_n = [0] * n
        self.tp_n = [0] * n
        self.rpc_seen = [0] * n
        self.traces_n = np.zeros(n, dtype=np.int32)
        self.traced = np.zeros(n, dtype=bool)        # a trace has hit for this account
        self.queue: dict[int, list[int]] = defaultdict(list)
        self.history: list[tuple[int, float, int]] = []   # (account, queued at s, result day) per trace
        self.u_hit = world.streams.batched("skip_trace/hit", lambda rng, k: rng.random(k))
        self.u_number = world.streams.batched("skip_trace/number", lambda rng, k: rng.random(k))
        self.traces = self.hits = self.misses = 0
        self.cost_usd = 0.0
        self.collected_traced_usd = 0.0

    def after_dial(self, a: int, o: int, end_s: float) -> bool:
        """Count the dial's outcome for account ``a``; True if the account went to the queue
        (then it leaves today's lists: no retry)."""
        if o == RPC:
            self.rpc_seen[a] = 1
            return False
        if o == INVALID:
            k = self.invalid_n[a] + 1
            self.invalid_n[a] = k
            if k >= self.cfg.invalid_attempts:
                return self._enqueue(a, end_s)
        elif o == THIRD_PARTY and self.cfg.third_party_attempts and not self.rpc_seen[a]:
            k = self.tp_n[a] + 1
            self.tp_n[a] = k
            if k >= self.cfg.third_party_attempts:
                return self._enqueue(a, end_s)
        return False

    def _enqueue(self, a: int, end_s: float) -> bool:
        p = self.p
        if p.status[a] != OPEN:
            return False
        if self.traces_n[a] >= self.cfg.max_traces_per_account:
            p.status[a] = UNREACHABLE
            return True
        self.traces_n[a] += 1
        self.traces += 1
        self.cost_usd += self.cfg.cost_per_trace_usd
        p.status[a] = TRACING
        due = int(end_s // DAY_S) + self.cfg.delay_days
        self.queue[due].append(a)
        self.history.append((a, end_s, due))
        return True

    def resolve(self, day: int) -> None:
        """Traces whose result is known at the end of ``day``: hits return to the lists from the
        next calendar day with a fresh number; misses are traced again or become unreachable."""
        p, cfg = self.p, self.cfg
        for a in self.queue.pop(day, []):
            if self.u_hit.next() < cfg.hit_probability:
                self.hits += 1
                self.traced[a] = True
                self.phone[a] = BAD if self.u_number.next() < cfg.new_number_bad_probability else TRACED_GOOD
                self.invalid_n[a] = self.tp_n[a] = 0
                p.status[a] = OPEN
                p.blocked_until_s[a] = max(p.blocked_until_s[a], (day + 1) * DAY_S)
            else:
                self.misses += 1
                p.status[a] = OPEN
                if not self._enqueue(a, (day + 1) * DAY_S):   # traced again from tomorrow, if traces remain
                    p.status[a] = UNREACHABLE

    def block(self, cnt) -> dict[str, float]:
        resolved = self.hits + self.misses
        p = self.p
        return {
            "bad_number_accounts_start": float(self.bad_at_start),
            "traces": float(self.traces),
            "accounts_traced": float((self.traces_n > 0).sum()),
            "hits": float(self.hits),
            "misses": float(self.misses),
            "pending": float(self.traces - resolved),
            "hit_rate": self.hits / resolved if resolved else None,
            "cost_usd": self.cost_usd,
            "collected_traced_usd": self.collected_traced_usd,
            "net_usd": self.collected_traced_usd - self.cost_usd,
            "unreachable_accounts": float((p.status == UNREACHABLE).sum()),
            "invalid_dials": float(cnt.dials[:, :, INVALID].sum()),
        }


class Rearranger:
    """Settlements, payment plans and re-ages (see schema.Rearrangement)."""

    def __init__(self, world: "World") -> None:
        sc = world.scenario
        self.world = world
        cfg = sc.rearrangement
        names = sc.segment_names
        self.options = []   # (code, name, cfg, acceptance by segment, keep by segment or None)
        for opt in cfg.order:
            o = getattr(cfg, opt)
            if o is None:
                continue
            acc = [o.acceptance_by_segment.get(s, o.acceptance_probability) for s in names]
            keep = [o.keep_probability if o.keep_probability is not None else sc.segments[s].keep_probability
                    for s in names]
            self.options.append((OPTIONS.index(opt), opt, o, acc, keep))
        uni = lambda rng, k: rng.random(k)  # noqa: E731
        self.u_accept = {opt: world.streams.batched(f"rearrange/{opt}/accept", uni) for opt in OPTIONS}
        self.u_keep = {opt: world.streams.batched(f"rearrange/{opt}/keep", uni) for opt in OPTIONS}
        self.stats = {opt: dict.fromkeys(("offers", "accepted", "offered_balance_usd", "accepted_balance_usd",
                                          "payments_kept", "payments_broken", "collected_usd", "discount_usd",
                                          "completed", "broken_arrangements"), 0.0) for opt in OPTIONS}
        self.plans_in_force = 0
        self.days_forgiven = 0.0

    def offer(self, c, a: int, s: int, end_s: float) -> None:
        """A right-party contact ended without a promise: offer the eligible options in order."""
        w = self.world
        p = w.portfolio
        bal = float(p.balance[a])
        dpd = float(w.special.aging.dpd[a])
        for code, opt, o, acc, keep in self.options:
            if bal < o.min_balance_usd or bal <= 0 or not o.min_days_past_due <= dpd <= o.max_days_past_due:
                continue
            st = self.stats[opt]
            st["offers"] += 1
            st["offered_balance_usd"] += bal
            if self.u_accept[opt].next() >= acc[s]:
                continue
            st["accepted"] += 1
            st["accepted_balance_usd"] += bal
            day = int(end_s // DAY_S)
            if opt == "settlement":
                amount, state = bal * (1.0 - o.discount_share), [bal * o.discount_share]
            elif opt == "plan":
                amount = bal / o.installments
                state = [amount, o.installments, 0]      # installment, remaining, broken so far
                self.plans_in_force += 1
            else:
                amount, state = min(o.qualifying_payment_usd, bal), [dpd]
            self._promise(c.idx, a, s, amount, day, day + o.due_days, code, state, keep[s] * c.keep_mult)
            return

    def _promise(self, coll: int, a: int, s: int, amount: float, day: int, due: int, code: int, state,
                 p_keep: float) -> None:
        w = self.world
        cnt = w.counters
        w.portfolio.status[a] = PROMISED
        cnt.promises[coll, s] += 1
        cnt.promised_usd[coll, s] += amount
        cnt.ensure_day(day)
        cnt.daily_promises[s, day] += 1
        w.book.add(due, coll, a, s, amount, self.u_keep[OPTIONS[code]].next(), p_keep, extra=(code, state))

    def resolve(self, e: list, day: int) -> None:
        """A rearrangement payment falls due on ``day``: kept or broken, and what follows."""
        w = self.world
        cnt, p = w.counters, w.portfolio
        coll, a, s, amount, code = e[COLL], e[ACCT], e[SEG], e[AMOUNT], e[KIND]
        opt = OPTIONS[code]
        st, state = self.stats[opt], e[STATE]
        kept = e[U_KEEP] < min(1.0, e[P_KEEP])
        if kept:
            st["payments_kept"] += 1
            st["collected_usd"] += amount
            cnt.kept[coll, s] += 1
            cnt.collected[coll, s] += amount
            cnt.daily_kept[s, day] += 1
            cnt.daily_collected[s, day] += amount
            p.balance[a] = max(0.0, p.balance[a] - amount)
            w.special.on_paid(a, amount, day)
        else:
            st["payments_broken"] += 1
            cnt.broken[coll, s] += 1
        o = [x for x in self.options if x[0] == code][0][2]
        if opt == "plan":
            inst, remaining, broken = state
            remaining -= 1
            broken += 0 if kept else 1
            if broken > o.breaks_allowed:
                self.plans_in_force -= 1
                st["broken_arrangements"] += 1
                p.status[a], p.priority[a] = OPEN, 1
                return
            if remaining <= 0:
                self.plans_in_force -= 1
                st["completed"] += 1
                p.status[a] = PAID
                return
            self._promise(coll, a, s, min(inst, float(p.balance[a])) or inst, day, day + o.interval_days, code,
                          [inst, remaining, broken], e[P_KEEP])
            return
        if kept:
            st["completed"] += 1
            p.status[a] = PAID
            if opt == "settlement":
                st["discount_usd"] += state[0]
                p.balance[a] = 0.0
                w.special.aging.settle(a)
            else:
                self.days_forgiven += float(w.special.aging.dpd[a])
                w.special.aging.settle(a)
        else:
            st["broken_arrangements"] += 1
            p.status[a], p.priority[a] = OPEN, 1

    def block(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for _, opt, _o, _a, _k in self.options:
            st = self.stats[opt]
            for k, v in st.items():
                out[f"{opt}_{k}"] = float(v)
            out[f"{opt}_acceptance_rate"] = st["accepted"] / st["offers"] if st["offers"] else None
            paid = st["payments_kept"] + st["payments_broken"]
            out[f"{opt}_kept_rate"] = st["payments_kept"] / paid if paid else None
            out[f"{opt}_collected_per_offer_usd"] = st["collected_usd"] / st["offers"] if st["offers"] else None
        if any(x[1] == "reage" for x in self.options):
            out["reage_days_past_due_forgiven"] = self.days_forgiven
        out["plans_in_force_at_end"] = float(self.plans_in_force)
        return out


def bucket_of(dpd: np.ndarray) -> np.ndarray:
    """Delinquency bucket codes: 0 current, 1 = 1-29, 2 = 30-59, 3 = 60-89, 4 = 90+ days past due."""
    return np.searchsorted(np.array([1.0, 30.0, 60.0, 90.0]), dpd, side="right").astype(np.int8)


class Aging:
    """Days past due per account by calendar day; with roll rates on, cures and roll rates."""

    def __init__(self, world: "World") -> None:
        sc = world.scenario
        p = world.portfolio
        self.world = world
        self.dpd = np.maximum(p.days_past_due, 0.0).astype(float)
        self.roll = sc.roll_rates if sc.special_on("roll_rates") else None
        if self.roll is not None:
            r = self.roll
            self.min_payment = np.maximum(r.min_payment_usd, r.min_payment_share * p.balance)
            self.snap = bucket_of(self.dpd)
            self.start_counts = np.bincount(self.snap, minlength=5)
            self.trans = np.zeros((5, 5), dtype=np.int64)
            self.periods = 0

    def settle(self, a: int) -> None:
        """The account is paid off or re-aged: current from now on."""
        self.dpd[a] = 0.0

    def on_paid(self, a: int, amount: float) -> None:
        """A kept payment of ``amount``: cure or partly cure (roll rates on)."""
        if self.roll is None:
            return
        d = self.dpd[a]
        if d <= 0:
            return
        m = self.min_payment[a]
        if amount >= m * math.ceil(d / 30.0) - 1e-9:
            self.dpd[a] = 0.0
        else:
            self.dpd[a] = max(0.0, d - 30.0 * math.floor(amount / m + 1e-12))

    def end_of_day(self, day: int, placed: np.ndarray | None) -> None:
        d = self.dpd
        d[d > 0] += 1.0
        r = self.roll
        if r is not None and (day + 1) % r.period_days == 0:
            now = bucket_of(d)
            keep = np.ones(len(d), bool) if placed is None else ~placed
            self.trans += np.bincount(self.snap[keep].astype(np.int64) * 5 + now[keep], minlength=25).reshape(5, 5)
            self.snap = now
            self.periods += 1

    def wants_day(self, day: int) -> bool:
        """Keep the world running until the first roll period is complete."""
        return self.roll is not None and day < self.roll.period_days

    def block(self, cnt, placed: np.ndarray | None) -> dict[str, float]:
        t = self.trans
        rows = t.sum(axis=1)
        r = lambda a, b: float(a) / float(b) if b else None  # noqa: E731
        out = {"periods": float(self.periods)}
        for i, (lo, hi) in enumerate(zip(BUCKETS[1:4], BUCKETS[2:5]), start=1):
            out[f"roll_{lo}_to_{hi}"] = r(t[i, i + 1:].sum(), rows[i])
        out["forward_roll_rate"] = r(sum(t[i, i + 1:].sum() for i in (1, 2, 3)), rows[1:4].sum())
        out["cure_rate"] = r(t[1:, 0].sum(), rows[1:].sum())
        out["collected_usd"] = float(cnt.collected.sum())
        end = bucket_of(self.dpd)
        if placed is not None:
            end = end[~placed]
        end_counts = np.bincount(end, minlength=5)
        for i, b in enumerate(BUCKETS):
            out[f"accounts_{b}_start"] = float(self.start_counts[i])
            out[f"accounts_{b}_end"] = float(end_counts[i])
        return out


class Placer:
    """Placement with an agency and its recovery curve (see schema.Placement)."""

    def __init__(self, world: "World") -> None:
        self.world = world
        self.cfg = world.scenario.placement
        n = world.portfolio.n
        self.placed = np.zeros(n, dtype=bool)
        self.placed_day = np.full(n, -1, dtype=np.int64)
        self.placed_balance = np.zeros(n)
        # one uniform per account, drawn up front: common random numbers across placement rules
        self.u_recover = world.streams.generator("placement/recovery").random(n)
        self.dialed_after = 0

    def start_day(self, day: int, dpd: np.ndarray) -> None:
        cfg, p = self.cfg, self.world.portfolio
        rule = np.zeros(p.n, dtype=bool)
        if cfg.at_days_past_due > 0:
            rule |= dpd >= cfg.at_days_past_due
        if cfg.after_days > 0 and day >= cfg.after_days:
            rule[:] = True
        new = rule & ~self.placed & ((p.status == OPEN) | (p.status == UNREACHABLE))
        if new.any():
            self.placed |= new
            self.placed_day[new] = day
            self.placed_balance[new] = p.balance[new]
            p.status[new] = PLACED

    def check_log(self, day: int, acct: np.ndarray) -> None:
        """Conservation: count dials today to accounts placed on or before today (should be 0)."""
        pd = self.placed_day[acct]
        self.dialed_after += int(((pd >= 0) & (pd <= day)).sum())

    def block(self, cnt, inhouse_cost_usd: float) -> dict[str, float]:
        cfg = self.cfg
        share = float(cfg.curve(cfg.horizon_days))
        rec = self.placed & (self.u_recover < share)
        gross = float(self.placed_balance[rec].sum())
        commission = gross * cfg.commission_share
        placed_bal = float(self.placed_balance.sum())
        collected = float(cnt.collected.sum())
        agency_net = gross - commission
        return {
            "placed_accounts": float(self.placed.sum()),
            "placed_balance_usd": placed_bal,
            "agency_recovered_usd": gross,
            "agency_commission_usd": commission,
            "agency_net_usd": agency_net,
            "expected_agency_net_usd": placed_bal * share * (1.0 - cfg.commission_share),
            "inhouse_collected_usd": collected,
            "inhouse_cost_usd": inhouse_cost_usd,
            "inhouse_net_usd": collected - inhouse_cost_usd,
            "total_net_usd": collected - inhouse_cost_usd + agency_net,
            "dialed_after_placement": float(self.dialed_after),
        }


class Tracker:
    """Daily tracking series and per-collector daily counters (see schema.Tracking)."""

    def __init__(self, world: "World") -> None:
        self.world = world
        D = world.n_days
        C = world.n_collectors
        self.daily = {k: np.zeros(D) for k in ("open_promises", "due_today", "broken_awaiting", "plans_in_force")}
        self.per_collector = world.scenario.tracking.per_collector
        self.coll = {k: np.zeros((C, D)) for k in ("dials", "rpc", "promises", "kept", "collected")}
        self.last = {k: np.zeros(C) for k in self.coll}

    def _cumulative(self) -> dict[str, np.ndarray]:
        cnt, C = self.world.counters, self.world.n_collectors
        return {"dials": cnt.dials[:C].sum(axis=(1, 2)), "rpc": cnt.dials[:C, :, RPC].sum(axis=1),
                "promises": cnt.promises[:C].sum(axis=1), "kept": cnt.kept[:C].sum(axis=1),
                "collected": cnt.collected[:C].sum(axis=1)}

    def end_of_day(self, day: int, due_today: int) -> None:
        w = self.world
        p = w.portfolio
        if day >= len(self.daily["due_today"]):
            return
        self.daily["due_today"][day] = due_today
        self.daily["open_promises"][day] = w.book.open
        self.daily["broken_awaiting"][day] = int(((p.status == OPEN) & (p.priority == 1)).sum())
        sp = w.special
        self.daily["plans_in_force"][day] = sp.rearrange.plans_in_force if sp.rearrange is not None else 0
        if self.per_collector:
            now = self._cumulative()
            for k, v in now.items():
                self.coll[k][:, day] = v - self.last[k]
            self.last = now

    def series(self) -> dict:
        out = {"daily": {k: v.tolist() for k, v in self.daily.items()}}
        if self.per_collector:
            names = self.world.structure.collectors
            out["collectors"] = {name: {k: v[i].tolist() for k, v in self.coll.items()} for i, name in enumerate(names)}
        return out

    def block(self) -> dict[str, float]:
        d = self.daily
        return {"peak_open_promises": float(d["open_promises"].max()),
                "mean_open_promises": float(d["open_promises"].mean()),
                "mean_broken_awaiting": float(d["broken_awaiting"].mean()),
                "peak_plans_in_force": float(d["plans_in_force"].max())}


class SpecialTasks:
    """Whichever special-task blocks are on, and the world's hooks into them."""

    def __init__(self, world: "World") -> None:
        sc = world.scenario
        self.world = world
        self.skip = SkipTracer(world) if sc.special_on("skip_trace") else None
        self.rearrange = Rearranger(world) if sc.special_on("rearrangement") else None
        self.placer = Placer(world) if sc.special_on("placement") else None
        self.aging = Aging(world)
        self.tracker: Tracker | None = None      # needs n_days and counters: set by the world

    @staticmethod
    def wanted(sc: "Scenario") -> bool:
        return any(sc.special_on(b) for b in ("skip_trace", "rearrangement", "tracking", "roll_rates", "placement"))

    # -- hooks ---------------------------------------------------------------------------------
    def on_paid(self, a: int, amount: float, day: int) -> None:
        """A kept payment (ordinary promise or rearrangement)."""
        self.aging.on_paid(a, amount)
        if self.skip is not None and self.skip.traced[a]:
            self.skip.collected_traced_usd += amount

    def before_fold(self, day: int, acct: np.ndarray) -> None:
        if self.placer is not None and len(acct):
            self.placer.check_log(day, acct)

    def end_of_day(self, day: int, due_today: int) -> None:
        if self.skip is not None:
            self.skip.resolve(day)
        self.aging.end_of_day(day, self.placer.placed if self.placer is not None else None)
        if self.tracker is not None:
            self.tracker.end_of_day(day, due_today)

    def start_day(self, day: int) -> None:
        if self.placer is not None:
            self.placer.start_day(day, self.aging.dpd)

    def wants_day(self, day: int) -> bool:
        return self.aging.wants_day(day)

    def finish(self, cnt) -> None:
        w = self.world
        sc = w.scenario
        if self.skip is not None:
            cnt.blocks["skip_trace"] = self.skip.block(cnt)
        if self.rearrange is not None:
            cnt.blocks["rearrangement"] = self.rearrange.block()
        if self.tracker is not None:
            cnt.blocks["tracking"] = self.tracker.block()
            cnt.series["tracking"] = self.tracker.series()
        placed = self.placer.placed if self.placer is not None else None
        if sc.special_on("roll_rates"):
            cnt.blocks["roll_rates"] = self.aging.block(cnt, placed)
        if self.placer is not None:
            wage = np.asarray([c.hourly_wage_usd for c in w.collectors])
            cost = float((cnt.paid_s[: w.n_collectors] * wage).sum() / 3600.0)
            cnt.blocks["placement"] = self.placer.block(cnt, cost)
