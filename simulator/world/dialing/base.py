"""The dialer contract: how a collector's ready time turns into dials.

A dialer mode is one class in this package, subclassing :class:`Dialer`, listed in
``dialing.DIALERS`` under the name ``dialer.mode`` takes in a scenario. The world builds it once,
calls :meth:`start`, runs each collector's working day (shift.collector_process), which
yields from :meth:`work` for every stretch of ready time between breaks, and calls
:meth:`flush` and :meth:`lines_in_flight` before each midnight's close. Every dial goes through
the dial kernel (world/dial.py): draw, rules, settle, log.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Generator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..collectors import Collector
    from ..dial import DialKernel
    from ..routing import Campaign
    from ..state import WorldState


class Dialer(ABC):
    """A dialer mode. Times are seconds from midnight of calendar day 0 (center clock).

    A mode must say how a collector works (:meth:`work`, abstract); :meth:`start` and
    :meth:`flush` are optional hooks that do nothing unless the mode has processes of its own or
    defers bookkeeping (the predictive dialer does both)."""

    name = ""
    # Slots on the dialers: their attributes are read on every call (faster than an instance dict).
    __slots__ = ("state", "env", "kernel")

    def __init__(self, state: WorldState, kernel: DialKernel) -> None:
        self.state = state
        self.env = state.env
        self.kernel = kernel

    def start(self) -> None:  # noqa: B027 - an optional hook, empty by design
        """Start any processes the mode needs (called once the world is built)."""

    @abstractmethod
    def work(self, c: Collector, until: float) -> Generator:
        """Collector ``c`` is ready from now until ``until``: dial (a SimPy process body the
        collector's process yields from). The last call may run past ``until``."""

    def one_dial(self, c: Collector, until: float) -> Generator:
        """One dial by collector ``c`` from now, for a blend collector (world/blend.py): a
        SimPy process body that returns True once the call is over, or False at once when no
        account of the campaign is ready. Modes that cannot dial one call for one collector
        (the predictive dialer paces lines for a pool) do not offer it."""
        raise NotImplementedError(f"the {self.name} dialer does not dial for blend collectors")
        yield  # pragma: no cover - a generator

    def flush(self, now: float) -> None:  # noqa: B027 - an optional hook, empty by design
        """Bring any deferred bookkeeping up to ``now`` (called before each midnight's close)."""

    def catch_up_to(self, now: float) -> None:  # noqa: B027 - an optional hook, empty by design
        """Play any events the mode keeps for itself up to ``now``, before something outside
        reads or changes an account (the inbound desk: world/account_lines.py)."""

    def lines_in_flight(self) -> Collection[int]:
        """Accounts whose call is placed but not yet settled (DialKernel.finish), asked at each
        midnight: the new day's list leaves them off (CallLists.rebuild). None unless the mode
        settles a call after placing it (the predictive dialer)."""
        return ()


def wait_for_account(state: WorldState, c: Collector, camp: Campaign, now: float, until: float) -> float:
    """No account is ready for collector ``c``: seconds to wait (until an account may be ready,
    or ``until``), counted as the collector's idle time."""
    wait_to = min(camp.next_ready_s(now), until)
    state.counters.idle_s[c.idx] += wait_to - now
    return wait_to - now
