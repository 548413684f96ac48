"""Calibration's first stage: an operation's record files read and checked (the formats of
docs/data-formats.md) into a :class:`~.trace.Trace` of numpy columns."""
