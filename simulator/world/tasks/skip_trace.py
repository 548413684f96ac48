"""Skip tracing: per-account phone validity, the skip-trace queue, traces and fresh numbers
(see schema.SkipTrace for the model).

With several numbers per account (world/phone_numbers.py) the numbers' own validity replaces
the per-account draw: an account goes to the queue once every number its dialer may dial has
been found invalid (``invalid_attempts`` invalid dials each), and a hit replaces one of them."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from ...base.clock import DAY_S
from ...base.outcomes import INVALID, RPC, THIRD_PARTY
from ..phones import DISCONNECTED, TRACED, VALID, model_phone_status, model_phone_tables, not_working
from ..portfolio import OPEN, TRACING, UNREACHABLE
from .base import Task

if TYPE_CHECKING:  # pragma: no cover
    from ..counters import Counters
    from ..state import WorldState


class SkipTrace(Task):
    """An account whose number is bad (or reaches only third parties) goes to the skip-trace
    queue, off the lists; a trace a few days later finds a fresh number or misses."""

    name = "skip_trace"

    def __init__(self, state: WorldState) -> None:
        super().__init__(state)
        sc = state.scenario
        cfg = self.cfg = sc.skip_trace
        p = self.p = state.portfolio
        n = p.n
        # With several numbers per account (phone_numbers.py) those are traced, one at a time
        self.numbers = state.phone_numbers
        if self.numbers is None and p.phone is None:  # else behaviour.py modelled the numbers
            phone = np.zeros(n, dtype=np.int8)
            for i, (name, seg) in enumerate(sc.segments.items()):
                mine = np.flatnonzero(p.segment == i)  # the initial accounts, then those entering later
                q = cfg.bad_number_share_by_segment.get(name, seg.outcomes.invalid.probability)
                u = state.streams.generator(f"skip_trace/{name}/bad_number").random(len(mine))
                phone[mine] = np.where(u < q, DISCONNECTED, VALID)
            model_phone_status(p, phone)
        if state.behaviour is None and self.numbers is None:  # behaviour: each account's own table
            model_phone_tables(state.models, sc.segments.values(), cfg.new_number_rpc_multiplier)
        self.phone = p.phone  # read per dial (DialKernel.draw); a trace that finds the debtor writes it
        self.bad_at_start = self._not_working()
        self.invalid_n = [0] * n
        self.tp_n = [0] * n
        self.rpc_seen = [0] * n
        self.traces_n = np.zeros(n, dtype=np.int32)
        self.queue: dict[int, list[int]] = defaultdict(list)
        self.history: list[tuple[int, float, int]] = []  # (account, queued at s, result day) per trace
        self.u_hit = state.streams.batched("skip_trace/hit", lambda rng, k: rng.random(k))
        self.u_number = state.streams.batched("skip_trace/number", lambda rng, k: rng.random(k))
        # The block counts the traces ordered in the measured window (after any warm-up): their
        # fees, their results whenever they come, and the payments of the accounts they found;
        # unreachable accounts are read at the end.
        self.traces = self.hits = self.misses = self.unresolved = 0
        self.cost_usd = 0.0
        self.fees_by_segment = np.zeros(len(sc.segments))  # by the account's segment (cost_skip_trace)
        self.first_measured_s = state.calendar.first_measured_day * DAY_S
        self.measured_trace = np.zeros(n, dtype=bool)  # the account's latest trace was ordered in the window
        self.measured_traced = np.zeros(n, dtype=bool)  # accounts traced in the window
        self.measured_hit = np.zeros(n, dtype=bool)  # ... and found by such a trace
        self.collected_traced_usd = 0.0

    def _not_working(self) -> int:
        """Accounts none of whose numbers (that the dialer may dial) reaches the debtor."""
        if self.numbers is None:
            return not_working(self.phone)
        return sum(1 for a in range(self.p.n) if not self.numbers.working(a))

    def start_measuring(self, day: int) -> None:
        self.bad_at_start = self._not_working()

    def on_dial(self, account: int, outcome: int, end_s: float) -> bool:
        """Count the dial's outcome; True if the account went to the queue (it leaves today's
        lists: no retry)."""
        a = account
        if outcome == RPC:
            self.rpc_seen[a] = 1
            return False
        if outcome == INVALID and self.numbers is not None:  # traced once every number is found bad
            return self.numbers.all_found_invalid(a) and self._enqueue(a, end_s)
        if outcome == INVALID:
            k = self.invalid_n[a] + 1
            self.invalid_n[a] = k
            if k >= self.cfg.invalid_attempts:
                return self._enqueue(a, end_s)
        elif outcome == THIRD_PARTY and self.cfg.third_party_attempts and not self.rpc_seen[a]:
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
        measured = end_s >= self.first_measured_s
        self.measured_trace[a] = measured
        if measured:
            self.traces += 1
            self.unresolved += 1
            self.measured_traced[a] = True
            self.cost_usd += self.cfg.cost_per_trace_usd
            self.fees_by_segment[p.segment_list[a]] += self.cfg.cost_per_trace_usd
            arms = self.state.counters.arms
            if arms is not None:
                arms.skip_trace_fees_usd[arms.arm_list[a]] += self.cfg.cost_per_trace_usd
        p.status[a] = TRACING
        due = int(end_s // DAY_S) + self.cfg.delay_days
        self.queue[due].append(a)
        self.history.append((a, end_s, due))
        return True

    def on_payment(self, account: int, amount_usd: float, day: int) -> None:
        if self.measured_hit[account]:
            self.collected_traced_usd += amount_usd

    def end_of_day(self, day: int, dialed: np.ndarray, promises_due: int) -> None:
        """Traces whose result is known at the end of ``day``: hits return to the lists from the
        next calendar day with a fresh number; misses are traced again or become unreachable."""
        p, cfg = self.p, self.cfg
        for a in self.queue.pop(day, []):
            if p.status[a] != TRACING:  # it left the portfolio meanwhile (charged off, self-cured)
                continue
            measured = bool(self.measured_trace[a])
            self.unresolved -= measured
            if self.u_hit.next() < cfg.hit_probability:
                self.hits += measured
                self.measured_hit[a] |= measured
                bad = self.u_number.next() < cfg.new_number_bad_probability
                if self.numbers is None:
                    self.phone[a] = DISCONNECTED if bad else TRACED
                else:  # the number found replaces one found bad (phone_numbers.py)
                    self.numbers.traced(a, bad, p)
                self.invalid_n[a] = self.tp_n[a] = 0
                p.status[a] = OPEN
                p.blocked_until_s[a] = max(p.blocked_until_s[a], (day + 1) * DAY_S)
            else:
                self.misses += measured
                p.status[a] = OPEN
                if not self._enqueue(a, (day + 1) * DAY_S):  # traced again from tomorrow, if traces remain
                    p.status[a] = UNREACHABLE

    def finish(self, counters: Counters) -> None:
        counters.skip_trace_fees_usd[:] = self.fees_by_segment
        resolved = self.hits + self.misses
        counters.blocks[self.name] = {
            "bad_number_accounts_start": float(self.bad_at_start),
            "traces": float(self.traces),
            "accounts_traced": float(self.measured_traced.sum()),
            "hits": float(self.hits),
            "misses": float(self.misses),
            "pending": float(self.unresolved),
            "hit_rate": self.hits / resolved if resolved else None,
            "cost_usd": self.cost_usd,
            "collected_traced_usd": self.collected_traced_usd,
            "net_usd": self.collected_traced_usd - self.cost_usd,
            "unreachable_accounts": float((self.p.status == UNREACHABLE).sum()),
            "invalid_dials": float(counters.dials[:, :, INVALID].sum()),
        }
