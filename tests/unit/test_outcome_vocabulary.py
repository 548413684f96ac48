"""One outcome vocabulary: the scenario's outcome table, the counters, the trace files and the
calibration formats all use base/outcomes.py's names in its order."""

from simulator.base.outcomes import (
    ABANDONED,
    N_OUT,
    OUTCOME_NAMES,
    RETRY_OUTCOMES,
    RPC,
    SCENARIO_OUTCOMES,
    Outcome,
)
from simulator.calibrate.read.formats import DIAL_OUTCOMES
from simulator.scenario.schema import Outcomes


def test_scenario_outcome_table_is_the_vocabulary_without_abandoned():
    assert tuple(Outcomes.model_fields) == SCENARIO_OUTCOMES
    assert SCENARIO_OUTCOMES + ("abandoned",) == OUTCOME_NAMES
    assert OUTCOME_NAMES[ABANDONED] == "abandoned" and OUTCOME_NAMES[RPC] == "rpc"


def test_codes_are_positions_and_every_outcome_but_rpc_may_be_retried():
    assert [int(o) for o in Outcome] == list(range(N_OUT))
    assert [o.label for o in Outcome] == list(OUTCOME_NAMES)
    assert set(RETRY_OUTCOMES) == set(OUTCOME_NAMES) - {"rpc"}


def test_calibration_reads_the_same_names():
    assert DIAL_OUTCOMES == OUTCOME_NAMES
