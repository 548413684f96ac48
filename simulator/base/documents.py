"""The schema ids of the JSON documents collectsim writes (docs/contract.md). A reader checks a
document's ``"schema"`` against these; a change of a document's shape changes its id."""

RESULTS_SCHEMA = "collectsim.results/1"
"""One scenario's results: ``collectsim run --json`` and each sweep variant."""
SWEEP_SCHEMA = "collectsim.sweep/1"
"""A sweep's or a staffing study's summary.json."""
COMPARE_SCHEMA = "collectsim.compare/1"
"""A paired comparison of two scenarios: ``collectsim compare --json``."""
SENSITIVITY_SCHEMA = "collectsim.sensitivity/1"
"""The lever-by-lever sensitivity: ``collectsim sensitivity --json``."""
ERLANG_SCHEMA = "collectsim.erlang/1"
"""The Erlang B, C or A figures and the agents a target needs: ``collectsim erlang --json``."""
