"""What a run measured, as the pyramid: counters -> metrics (pure functions), the analytic
pyramid and its targets, and the compliance limits a run exceeded."""
