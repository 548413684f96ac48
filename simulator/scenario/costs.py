"""Costs of the operation beyond the collectors' wages (``[costs]``)."""

from __future__ import annotations

from pydantic import Field, model_validator

from .fields import NonNeg, _Model

__all__ = ["Costs"]


class Costs(_Model):
    """The full cost of the operation beyond the collectors' wages (all 0 when omitted: then cost
    is wages alone). Skip-trace fees (``skip_trace.cost_per_trace_usd``) and agency commission
    (``placement.commission_share``) are set in their own blocks and counted in cost too.

    Supervisors: each team has ceil(headcount / supervisor_span) supervisors, paid
    supervisor_hourly_wage_usd for the hours its collectors are paid on average; their cost is
    shared by the team's collectors in proportion to paid hours. Telecom is billed per second of
    connected (talk) time and per dial placed. Wage loading applies to collectors' and
    supervisors' wages.
    """

    wage_loading_share: NonNeg = Field(
        0.0,
        description=(
            "benefits and payroll taxes as a share of wages (0.3: every wage dollar costs $1.30); applies to "
            "collectors and supervisors"
        ),
    )
    supervisor_span: int = Field(
        0,
        ge=0,
        le=1000,
        description=(
            "collectors per supervisor (span of control, often 10-15); each team has ceil(headcount / span) "
            "supervisors (0: supervision not costed)"
        ),
    )
    supervisor_hourly_wage_usd: NonNeg = Field(
        0.0, description="a supervisor's wage per paid hour, US dollars"
    )
    telecom_usd_per_connected_min: NonNeg = Field(
        0.0,
        description=("telecom charge per minute of connected (talk) time, billed by the second, US dollars"),
    )
    telecom_usd_per_dial: NonNeg = Field(
        0.0, description="telecom charge per dial placed, answered or not, US dollars"
    )
    dialer_seat_usd_per_day: NonNeg = Field(
        0.0, description=("dialer seat licence per collector per working day logged in, US dollars")
    )
    abandon_penalty_usd: NonNeg = Field(
        0.0,
        description=(
            "optional cost per abandoned call (e.g. the expected fine or complaint handling), US dollars "
            "(docs/dialer.md gives a basis)"
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Costs:
        """`supervisor_hourly_wage_usd` above 0 needs `supervisor_span` above 0 (the collectors per
        supervisor)."""
        if self.supervisor_span == 0 and self.supervisor_hourly_wage_usd > 0:
            raise ValueError(
                "supervisor_hourly_wage_usd is set but supervisor_span is 0: give the number of "
                "collectors per supervisor (e.g. 12)"
            )
        return self
