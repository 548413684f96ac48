"""The one outcome vocabulary: how a dial ends, by name and by code.

Every layer imports it from here: the scenario's outcome tables, the world's dial kernel and
counters, the metrics, the trace files and calibration.
"""

from __future__ import annotations

from enum import IntEnum


class Outcome(IntEnum):
    """How a dial ended: the scenario's six outcomes (schema.OUTCOMES, same order) plus
    ``ABANDONED``, a live answer nobody took (or a live person hung up on by AMD)."""

    NO_ANSWER = 0
    BUSY = 1
    MACHINE = 2
    INVALID = 3
    THIRD_PARTY = 4
    RPC = 5
    ABANDONED = 6

    @property
    def label(self) -> str:
        """The outcome's name in results and scenario files (``no_answer``, ..., ``abandoned``)."""
        return self.name.lower()


N_OUT = len(Outcome)
OUTCOME_NAMES = tuple(o.label for o in Outcome)
# Plain ints of the outcomes, for hot loops: indexing a list with an IntEnum member goes through
# __index__ and costs about 60% more than with an int.
NO_ANSWER, BUSY, MACHINE, INVALID, THIRD_PARTY, RPC, ABANDONED = (int(o) for o in Outcome)
LIVE = (THIRD_PARTY, RPC, ABANDONED)
"""Outcomes that are live answers (``connects``)."""

SCENARIO_OUTCOMES = OUTCOME_NAMES[: int(Outcome.ABANDONED)]
"""The six outcomes a scenario gives probabilities for (its ``outcomes`` table), in code order;
``abandoned`` is not among them: the dialer makes it."""
RETRY_OUTCOMES = tuple(name for name in OUTCOME_NAMES if name != Outcome.RPC.label)
"""The outcomes after which an account may be dialed again (every one but a right-party contact)."""
