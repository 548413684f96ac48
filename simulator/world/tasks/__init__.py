"""The seed's special collection tasks, each an optional scenario block (off by default).

``TASKS`` lists them in the order the world calls their hooks and writes their result blocks.
Adding a task: one file here with a :class:`~.base.Task` subclass, its line in ``TASKS``, and
its block in scenario/schema.py (docs/extending.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .aging import Aging
from .base import Task
from .placement import Placement
from .rearrangement import Rearrangement
from .skip_trace import SkipTrace
from .tracking import Tracking

if TYPE_CHECKING:  # pragma: no cover
    from ...scenario.schema import Scenario
    from ..state import WorldState

TASKS: tuple[type[Task], ...] = (SkipTrace, Rearrangement, Tracking, Aging, Placement)


def build_tasks(state: WorldState) -> list[Task]:
    """The tasks whose blocks are on, in hook order (the state's ``tasks`` is filled first, so a
    task may look another up at any time after construction)."""
    state.tasks = []
    for cls in TASKS:
        if cls.wanted(state.scenario):
            state.tasks.append(cls(state))
    return state.tasks


def days_counted(scenario: Scenario, last_work_day: int) -> int:
    """Calendar days (from day 0) that the tasks on need the per-day counters to cover."""
    return max(
        [cls.days_counted(scenario, last_work_day) for cls in TASKS if cls.wanted(scenario)], default=0
    )


__all__ = ["TASKS", "Task", "build_tasks", "days_counted"]
