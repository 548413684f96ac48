"""Clock times of the center: ``"HH:MM"`` text, minutes after midnight."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

__all__ = ["Clock", "clock_minutes", "hhmm"]

_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def clock_minutes(text: str) -> int:
    """Minutes after midnight of an ``"HH:MM"`` clock time (``"24:00"`` is allowed)."""
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _clock(v: str) -> str:
    if not _CLOCK.match(v) or clock_minutes(v) > 24 * 60:
        raise ValueError(f'expected a clock time "HH:MM" between 00:00 and 24:00, got {v!r}')
    return v


def hhmm(minutes: float) -> str:
    """``"HH:MM"`` of minutes after midnight, rounded to the minute."""
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


Clock = Annotated[str, AfterValidator(_clock)]
