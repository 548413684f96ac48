"""Case matching: which collectors work which segments (``[routing]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .fields import _Model

__all__ = ["Routing"]


class Routing(_Model):
    """Case matching: which collectors work which segments."""

    policy: Literal["segment_teams", "pooled", "skill_tiered", "reverse_tiered", "mapping"] = Field(
        "segment_teams",
        description=(
            "segment_teams: each team works its own segments; pooled: any free collector takes any segment; "
            "skill_tiered: the most skilled collectors work the segments of highest expected value per dial; "
            "reverse_tiered: the mismatch (least skilled on the best segments), for demonstration; "
            "mapping: the teams-to-segments table in routing.mapping, with overflow"
        ),
    )
    mapping: dict[str, list[str]] = Field(
        {}, description='policy mapping: segments worked by each team, e.g. { a = ["s1"] }'
    )
    overflow: Literal["wait", "overflow", "abandon"] = Field(
        "wait",
        description=(
            "predictive dialing, a live answer whose group has no free collector: wait (up to "
            "dialer.abandon_after_s for its own group), overflow (take a free collector of another group, "
            "else wait), abandon (abandoned at once)"
        ),
    )
