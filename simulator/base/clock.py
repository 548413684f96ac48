"""The simulation clock's units. Simulated time is in seconds from midnight of calendar day 0,
in the center's own time zone."""

DAY_S = 86_400.0
"""Seconds in a calendar day."""
HOUR_S = 3_600.0
"""Seconds in an hour."""
