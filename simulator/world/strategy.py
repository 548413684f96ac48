"""The strategy tree in the world: each morning every account eligible for the lists takes the
treatment of the first rule of ``[strategy]`` it matches (scenario/strategy.py, docs/strategy.md).

- **Match.** A rule's conditions (arms, segments, half-open bands of risk score, days past
  due and balance, and the phone and channel conditions of world/strategy_conditions.py) are
  read on the account as it stands that morning; the first rule matched wins; no match is the
  scenario's behaviour without the block.
- **Hold.** An account whose rule has ``hold_days = N`` stays off today's fresh list while
  day - entry day < N (calendar days; the initial book entered on day 0). A promise reminder
  due is still listed: a hold stops ordinary list calls, not the confirmation of a promise the
  debtor made. Call-backs the debtor asked for are not list calls and are not held.
- **Priority.** Listed after promise reminders and broken-promise follow-ups, higher first.
- **Team.** The accounts of a rule with ``team`` are listed in that team's buckets, which only
  its campaign dials (world/strategy_teams.py).
- **Contact path.** A rule's ``contact_path`` is chosen once per account, by
  world/channel_paths.py, from the rule it matches on its first working day.
- **Order.** The rule's ``list_order`` (or the dialer's ``list_strategy`` when empty): see
  world/list_order.py for how accounts under different orders interleave in one bucket and
  priority group.

Counts (the results' ``strategy`` block, over the measured window): per rule, the account-days
it treated (eligible accounts x calling days), the accounts it treated at their first match in
the window (each account counted once, under the first rule it matched), and the account-days it
held; and the account-days no rule matched.
"""

from __future__ import annotations

import numpy as np

from ..scenario.schema import Scenario
from .list_order import ListOrder
from .portfolio import Portfolio
from .strategy_conditions import PhoneAndChannelConditions
from .strategy_teams import TeamBuckets

REMINDER_FIRST = 11
"""Priority group of promise reminders (listed first), above broken promises and every rule."""
BROKEN_FIRST = 10
"""Priority group of broken-promise follow-ups (with ``attempts.broken_promise_first``)."""


class StrategyTree:
    """The rules of ``[strategy]`` over a portfolio, applied each calling morning."""

    __slots__ = (
        "account_days",
        "conditions",
        "first_measured_day",
        "first_rule",
        "held_days",
        "hold_days",
        "lo_hi",
        "names",
        "orders",
        "order_of_rule",
        "p",
        "priority",
        "rule",
        "rule_arms",
        "rule_segments",
        "rules",
        "teams",
    )

    def __init__(self, scenario: Scenario, portfolio: Portfolio, first_measured_day: int) -> None:
        strategy = scenario.strategy
        assert strategy is not None
        self.p = portfolio
        self.first_measured_day = first_measured_day
        rules = self.rules = strategy.rules
        # the phone and channel conditions (attach gives them the world's numbers and channels)
        self.conditions = PhoneAndChannelConditions(rules, portfolio.n)
        # the teams rules name (world/strategy_teams.py: adds their buckets to the portfolio's)
        self.teams = TeamBuckets(scenario, portfolio) if any(r.team is not None for r in rules) else None
        arms, segs = strategy.arm_names, scenario.segment_names
        self.names = [r.name for r in rules]
        self.rule_arms = [np.array([arms.index(a) for a in r.arms], dtype=np.int8) for r in rules]
        self.rule_segments = [np.array([segs.index(s) for s in r.segments], dtype=np.int32) for r in rules]
        # (attribute, lo, hi) bands of each rule
        self.lo_hi = [
            [
                (attr, band.lo, band.hi)
                for attr, band in (
                    ("risk_score", r.risk_score),
                    ("days_past_due", r.days_past_due),
                    ("balance", r.balance_usd),
                )
                if band is not None
            ]
            for r in rules
        ]
        self.hold_days = np.array([r.hold_days for r in rules] + [0], dtype=np.int64)  # [-1]: no rule
        self.priority = np.array([r.priority for r in rules] + [0], dtype=np.int8)
        # Distinct orders: 0 the dialer's; a rule without list_order follows it.
        self.orders: list[tuple[str, ...]] = [scenario.dialer.list_order]
        order_of_rule = []
        for r in rules:
            o = tuple(r.list_order) or scenario.dialer.list_order
            if o not in self.orders:
                self.orders.append(o)
            order_of_rule.append(self.orders.index(o))
        self.order_of_rule = np.array(order_of_rule + [0], dtype=np.int64)
        self.rule = np.full(portfolio.n, -1, dtype=np.int16)  # today's rule of each eligible account
        self.first_rule = np.full(portfolio.n, -1, dtype=np.int16)  # first rule matched when measured
        n_rules = len(rules)
        self.account_days = np.zeros(n_rules + 1, dtype=np.int64)  # [-1]: no rule
        self.held_days = np.zeros(n_rules + 1, dtype=np.int64)

    def match(self, idx: np.ndarray, day: int) -> np.ndarray:
        """The first rule each account of ``idx`` matches on the morning of calendar day ``day``
        (-1: none)."""
        p = self.p
        out = np.full(len(idx), -1, dtype=np.int16)
        free = np.ones(len(idx), dtype=bool)
        attrs = {"risk_score": p.risk_score, "days_past_due": p.days_past_due, "balance": p.balance}
        for k in range(len(self.names)):
            m = free.copy()
            if len(self.rule_arms[k]):
                m &= np.isin(p.arm[idx], self.rule_arms[k])
            if len(self.rule_segments[k]):
                m &= np.isin(p.segment[idx], self.rule_segments[k])
            for attr, lo, hi in self.lo_hi[k]:
                x = attrs[attr][idx]
                m &= (x >= lo) & (x < hi)
            if self.conditions.used_by(self.rules[k]):
                m &= self.conditions.mask(self.rules[k], idx, day)
            out[m] = k
            free &= ~m
        return out

    def hold(self, day: int, ok: np.ndarray) -> None:
        """Match today's eligible accounts (``ok``, one flag per account) to their rules and
        clear the flag of those on hold (not a promise reminder due); count the day."""
        p = self.p
        idx = np.flatnonzero(ok)
        rule = self.match(idx, day)
        self.rule[:] = -1
        self.rule[idx] = rule
        held = (day - p.entry_day[idx] < self.hold_days[rule]) & (p.reminder_due[idx] == 0)
        ok[idx[held]] = False
        if day >= self.first_measured_day:
            nr = len(self.names) + 1
            slot = np.where(rule < 0, nr - 1, rule)
            self.account_days += np.bincount(slot, minlength=nr)
            self.held_days += np.bincount(slot[held], minlength=nr)
            new = (self.first_rule[idx] < 0) & (rule >= 0)
            self.first_rule[idx[new]] = rule[new]

    def first_and_key(
        self, idx: np.ndarray, broken_first: bool, order: ListOrder
    ) -> tuple[np.ndarray, np.ndarray]:
        """Priority group (higher first) and sort key (smaller first) of today's listed accounts
        ``idx`` (ascending), from the rules matched by :meth:`hold`."""
        p = self.p
        rule = self.rule[idx]
        first = np.where(
            p.reminder_due[idx] == 1,
            REMINDER_FIRST,
            np.where((p.priority[idx] == 1) & broken_first, BROKEN_FIRST, self.priority[rule]),
        ).astype(np.int8)
        oid = self.order_of_rule[rule]
        used = np.flatnonzero(np.bincount(oid, minlength=len(self.orders)))
        if len(used) == 1 and len(self.orders[used[0]]) == 1:  # one order of one key: the key itself
            return first, order.key(self.orders[used[0]][0], idx)
        key = np.empty(len(idx))
        # ranks within (bucket, priority group), each order apart: orders interleave in a group
        groups = p.bucket[idx].astype(np.int64) * 256 + (first.astype(np.int64) + 128)
        for o in used.tolist():
            mine = np.flatnonzero(oid == o)
            key[mine] = order.ranked(self.orders[o], idx[mine], groups[mine])
        return first, key

    def block(self) -> dict[str, float]:
        """The results' ``strategy`` block (measured window)."""
        nr = len(self.names)
        accounts = np.bincount(self.first_rule[self.first_rule >= 0], minlength=nr)
        out: dict[str, float] = {}
        for k, name in enumerate(self.names):
            out[f"rules.{name}.account_days"] = float(self.account_days[k])
            out[f"rules.{name}.accounts"] = float(accounts[k])
            out[f"rules.{name}.held_account_days"] = float(self.held_days[k])
        out["no_rule.account_days"] = float(self.account_days[nr])
        return out
