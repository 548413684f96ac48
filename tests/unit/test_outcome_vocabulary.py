"""One vocabulary for each fact of the files: the scenario's outcome table, the counters, the
trace files and the calibration formats use base/outcomes.py's outcome names in its order, and
the trace export writes only phone statuses that calibration reads."""

from simulator.base.outcomes import (
    ABANDONED,
    N_OUT,
    OUTCOME_NAMES,
    RETRY_OUTCOMES,
    RPC,
    SCENARIO_OUTCOMES,
    Outcome,
)
from simulator.calibrate.read.formats import DIAL_OUTCOMES, PHONE_STATUSES
from simulator.scenario.schema import Outcomes
from simulator.world.phones import EXPORTED_STATUS, PhoneState


def test_scenario_outcome_table_is_the_vocabulary_without_abandoned():
    assert tuple(Outcomes.model_fields) == SCENARIO_OUTCOMES
    assert SCENARIO_OUTCOMES + ("abandoned",) == OUTCOME_NAMES
    assert OUTCOME_NAMES[ABANDONED] == "abandoned" and OUTCOME_NAMES[RPC] == "rpc"


def test_codes_are_positions_and_every_outcome_but_rpc_may_be_retried():
    assert [int(o) for o in Outcome] == list(range(N_OUT))
    assert [o.label for o in Outcome] == list(OUTCOME_NAMES)
    assert set(RETRY_OUTCOMES) == set(OUTCOME_NAMES) - {"rpc"}


def test_the_trace_export_writes_only_words_calibration_reads():
    assert set(EXPORTED_STATUS.values()) <= set(PHONE_STATUSES)
    assert set(EXPORTED_STATUS) == {int(s) for s in PhoneState}
    assert DIAL_OUTCOMES is OUTCOME_NAMES
