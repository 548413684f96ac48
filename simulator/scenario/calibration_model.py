"""Provenance of a fitted scenario (``[calibration]``), written by ``collectsim calibrate``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .fields import _Model

__all__ = ["CalibrationSource", "FittedParameter", "FittedLink", "Calibration"]


# ------------------------------------------------------------------ calibration provenance
# Written by `collectsim calibrate` (simulator/calibrate); the simulation itself never reads it.


class CalibrationSource(_Model):
    """A data file a calibration read."""

    file: str = Field(min_length=1, description="file name (as given to collectsim calibrate)")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file's bytes")
    rows: int = Field(ge=0, description="data rows read (the header not counted)")


class FittedParameter(_Model):
    """One fitted number with its uncertainty.

    ``key`` is the scenario key path the value was written to (for example
    ``segments.low_risk.outcomes.rpc.probability`` or ``segments.low_risk.contact_curve.answer_by_hour[9]``),
    or, for quantities the scenario has no key for yet, a path under ``portfolio.`` or ``kpi.``.
    """

    key: str = Field(
        min_length=1, description="scenario key path (or portfolio./kpi. quantity) the value belongs to"
    )
    value: float = Field(allow_inf_nan=False, description="the fitted value, in the key's unit")
    se: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="standard error (omit: not available)"
    )
    ci95_low: float | None = Field(None, allow_inf_nan=False, description="lower end of the 95% interval")
    ci95_high: float | None = Field(None, allow_inf_nan=False, description="upper end of the 95% interval")
    n: int = Field(
        0, ge=0, description="observations the estimate rests on (dials, promises, collector-days...)"
    )
    method: str = Field("", description="how it was estimated")
    in_scenario: bool = Field(
        True, description="the value was written to the scenario key (false: provenance only)"
    )


class FittedLink(_Model):
    """A regression of an account-level behaviour on account attributes at entry:
    link(response) = coef[0] + sum_j coef[j] (x_j - center[j-1]) with logit for probabilities
    (rpc per dial, promise per right-party contact, keep per promise) and log for payment_usd."""

    segment: str = Field(min_length=1, description="segment name")
    response: Literal["rpc", "answer", "promise", "keep", "payment_usd", "self_cure"] = Field(
        description="what is modelled: rpc per dial, the answer multiplier, promise per right-party contact, "
        "keep per promise, the promised amount, the daily self-cure rate"
    )
    link: Literal["logit", "log"] = Field(description="logit (probabilities) or log (amounts)")
    terms: list[str] = Field(
        description=(
            "covariates: risk_score, days_past_due (at entry, or the day of the event with account-level "
            "behaviour), log_balance_usd, log_phones, log_past_due_usd"
        )
    )
    center: list[float] = Field(description="mean of each covariate (the intercept is at these values)")
    coef: list[float] = Field(description="intercept, then one slope per term (per unit of the covariate)")
    se: list[float] = Field(description="standard errors of coef")
    n: int = Field(ge=0, description="observations")
    residual_sd: float = Field(
        0.0, ge=0, description="log link: standard deviation of the residual log amount"
    )


class Calibration(_Model):
    """Provenance of a fitted scenario (``[calibration]``): the data, the method, every fitted
    number with its standard error and 95% interval, and what the data could not identify."""

    method: str = Field(min_length=1, description="the estimation method, in words")
    data: Literal["trace", "kpi"] = Field(
        description="trace: event files (dials.csv ...); kpi: daily aggregates"
    )
    collectsim_version: str = Field("", description="version of collectsim that fitted it")
    base: str = Field("", description="base scenario the fit started from, with its SHA-256 (empty: none)")
    sources: list[CalibrationSource] = Field(min_length=1, description="files read")
    first_date: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}$", description="first date of the data used, YYYY-MM-DD"
    )
    last_date: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}$", description="last date of the data used, YYYY-MM-DD"
    )
    parameters: list[FittedParameter] = Field(
        [], description="fitted values with standard errors and 95% intervals"
    )
    links: list[FittedLink] = Field([], description="regressions of behaviour on account attributes")
    not_identified: list[str] = Field(
        [], description="what the data could not identify (kept from the base or defaults)"
    )
