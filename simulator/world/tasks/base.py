"""The special-task protocol: what a task may hook into, and when the world calls it.

A special task (skip tracing, rearrangement, tracking, roll rates, placement) is an optional
scenario block. Each lives in one file of this package as a subclass of :class:`Task`; the
world builds the tasks whose blocks are on, in the order of ``tasks.TASKS``, and calls only the
hooks a task overrides, so a world with every block off runs exactly as if tasks did not
exist. Hooks are called in ``TASKS`` order.

Per dial (keep them cheap): ``on_dial``; per refused right-party contact: ``on_refusal``. Per
payment or promise: ``on_payment``, ``on_promise_due``. Once a day: ``start_day``,
``end_of_day``, ``wants_day``. At the end: ``finish``, which writes the task's result block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ...scenario.schema import Scenario
    from ..collectors import Collector
    from ..counters import Counters
    from ..state import WorldState


class Task:
    """Base class of the special tasks. ``name`` is the task's scenario block (and results
    block); every hook below does nothing unless a subclass overrides it. ``state`` is the
    world's shared state, which lists the tasks as state.SpecialTask (the protocol this class
    implements)."""

    name: ClassVar[str] = ""

    def __init__(self, state: WorldState) -> None:
        self.state = state

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        """Whether the task runs in this scenario (its block present and enabled)."""
        return scenario.special_on(cls.name)

    @classmethod
    def days_counted(cls, scenario: Scenario, last_work_day: int) -> int:
        """Calendar days (from day 0) the per-day counters must cover for this task, e.g. until
        a payment plan's last installment can fall due."""
        return 0

    def hooks(self, name: str) -> bool:
        """Whether this task overrides hook ``name`` (the world calls only those)."""
        return getattr(type(self), name) is not getattr(Task, name)

    # -- per dial -----------------------------------------------------------------------------
    def on_dial(self, account: int, outcome: int, end_s: float) -> bool:
        """A dial to ``account`` ended at ``end_s`` (seconds) with ``outcome``. Return True when
        the task takes the account off the lists (then it is not retried)."""
        return False

    def on_refusal(self, collector: Collector, account: int, segment: int, end_s: float) -> None:
        """A right-party conversation ended at ``end_s`` without a promise."""

    # -- payments and promises ----------------------------------------------------------------
    def on_payment(self, account: int, amount_usd: float, day: int) -> None:
        """A kept promise paid ``amount_usd`` on calendar day ``day``."""

    # (a task that files promises of its own gives them an arrangement object with an
    # ``on_promise_due(entry, kept, day)`` method: see day.settle_due)

    # -- once a day ---------------------------------------------------------------------------
    def start_day(self, day: int) -> None:
        """Calendar day ``day`` begins (before the day's call lists are built)."""

    def end_of_day(self, day: int, dialed: np.ndarray, promises_due: int) -> None:
        """Calendar day ``day`` is closed: its dials are counted (``dialed``: the account of each
        dial, in time order) and its ``promises_due`` promises settled."""

    def start_measuring(self, day: int) -> None:
        """The warm-up is over and calendar day ``day`` is the first one measured (called only
        when there is a warm-up). A task whose block adds events up in running totals takes its
        starting point here: like every metric, a block covers the measured window."""

    def wants_day(self, day: int) -> bool:
        """Keep the world running through calendar day ``day`` even when calls and promises are
        over."""
        return False

    # -- the end ------------------------------------------------------------------------------
    def finish(self, counters: Counters) -> None:
        """The run is over: write the task's result block (``counters.blocks[name]``) and any
        per-day series (``counters.series[name]``)."""
