"""Distribution specs: what a scenario writes, and samplers that know their moments.

A distribution is written in a scenario either as a bare number (a constant) or as a table with a
``dist`` key, for example ``talk_time_s = {dist = "lognormal", mean = 180, sd = 90}``. The unit is
the unit of the key that holds it. Each spec exposes ``mean``, ``variance`` and ``lower`` (the
smallest value it can produce) so analytic checks and validation come free, and
``sample(rng, n)`` which returns a numpy array.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "Dist",
    "Constant",
    "Exponential",
    "LogNormal",
    "Gamma",
    "Uniform",
    "UniformInt",
    "Triangular",
    "Discrete",
    "DIST_NAMES",
    "scale_spec",
]


class _DistBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @property
    def mean(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def lower(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def integer_valued(self) -> bool:
        return False

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class Constant(_DistBase):
    """Always the same value."""

    dist: Literal["constant"] = "constant"
    value: float = Field(allow_inf_nan=False, description="the value")

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    @property
    def lower(self) -> float:
        return self.value

    @property
    def integer_valued(self) -> bool:
        return float(self.value).is_integer()

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value, dtype=float)


class Exponential(_DistBase):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mean_: float = Field(allow_inf_nan=False, alias="mean", gt=0, description="mean (> 0)")

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.mean_**2

    @property
    def lower(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)


class _MeanSd(_DistBase):
    mean_: float = Field(alias="mean", gt=0, allow_inf_nan=False, description="mean of the variable (> 0)")
    sd: float = Field(ge=0, allow_inf_nan=False, description="standard deviation of the variable (>= 0)")

    @model_validator(mode="after")
    def _spread(self) -> _MeanSd:
        if self.sd > 1e6 * self.mean_:
            raise ValueError(f"sd ({self.sd:g}) is more than a million times the mean ({self.mean_:g})")
        return self

    @property
    def _degenerate(self) -> bool:
        # A spread far below the mean's precision would overflow the shape parameters.
        return self.sd <= 1e-9 * self.mean_

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.sd**2

    @property
    def lower(self) -> float:
        return 0.0 if self.sd > 0 else self.mean_


class LogNormal(_MeanSd):
    """Log-normal given the mean and standard deviation of the variable itself (not of its log)."""

    dist: Literal["lognormal"]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self._degenerate:
            return np.full(n, self.mean_, dtype=float)
        s2 = math.log1p((self.sd / self.mean_) ** 2)
        mu = math.log(self.mean_) - s2 / 2
        return rng.lognormal(mu, math.sqrt(s2), n)


class Gamma(_MeanSd):
    """Gamma given its mean and standard deviation."""

    dist: Literal["gamma"]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self._degenerate:
            return np.full(n, self.mean_, dtype=float)
        shape = (self.mean_ / self.sd) ** 2
        return rng.gamma(shape, self.mean_ / shape, n)


class Uniform(_DistBase):
    """Continuous uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float = Field(allow_inf_nan=False, description="lower bound")
    high: float = Field(allow_inf_nan=False, description="upper bound (>= low)")

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    @property
    def lower(self) -> float:
        return self.low

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


class UniformInt(_DistBase):
    """Whole numbers low, low+1, ..., high, equally likely."""

    dist: Literal["uniform_int"]
    low: int = Field(description="smallest value")
    high: int = Field(description="largest value (>= low)")

    @model_validator(mode="after")
    def _order(self) -> UniformInt:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        k = self.high - self.low + 1
        return (k * k - 1) / 12

    @property
    def lower(self) -> float:
        return float(self.low)

    @property
    def integer_valued(self) -> bool:
        return True

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.integers(self.low, self.high, n, endpoint=True).astype(float)


class Triangular(_DistBase):
    """Triangular on [low, high] with the given mode."""

    dist: Literal["triangular"]
    low: float = Field(allow_inf_nan=False, description="lower bound")
    mode: float = Field(allow_inf_nan=False, description="most likely value (low <= mode <= high)")
    high: float = Field(allow_inf_nan=False, description="upper bound")

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError(
                f"need low <= mode <= high and low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    @property
    def lower(self) -> float:
        return self.low

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)


class Discrete(_DistBase):
    """A finite set of values with weights (normalised to sum to 1)."""

    dist: Literal["discrete"]
    values: list[float] = Field(min_length=1, description="the possible values")
    weights: list[float] = Field(min_length=1, description="their relative weights (>= 0, not all 0)")

    @model_validator(mode="after")
    def _check(self) -> Discrete:
        if len(self.values) != len(self.weights):
            raise ValueError(f"values has {len(self.values)} entries but weights has {len(self.weights)}")
        if any(w < 0 or not math.isfinite(w) for w in self.weights) or sum(self.weights) <= 0:
            raise ValueError("weights must be finite, >= 0 and not all 0")
        return self

    @property
    def _p(self) -> np.ndarray:
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    @property
    def mean(self) -> float:
        return float(np.dot(self._p, self.values))

    @property
    def variance(self) -> float:
        v = np.asarray(self.values, dtype=float)
        return float(np.dot(self._p, (v - self.mean) ** 2))

    @property
    def lower(self) -> float:
        return float(min(self.values))

    @property
    def integer_valued(self) -> bool:
        return all(float(v).is_integer() for v in self.values)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.asarray(self.values, dtype=float)[rng.choice(len(self.values), n, p=self._p)]


def _number_is_constant(v: Any) -> Any:
    # A bare number is the common case for a fixed time or amount; a bool is not a number here.
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"dist": "constant", "value": float(v)}
    return v


_Tagged = Annotated[
    Constant | Exponential | LogNormal | Gamma | Uniform | UniformInt | Triangular | Discrete,
    Field(discriminator="dist"),
]
Dist = Annotated[_Tagged, BeforeValidator(_number_is_constant)]
"""A distribution: a bare number (constant) or a table with ``dist`` and its parameters."""

DIST_NAMES = (
    "constant",
    "exponential",
    "lognormal",
    "gamma",
    "uniform",
    "uniform_int",
    "triangular",
    "discrete",
)


def scale_spec(spec: Any, factor: float) -> Any:
    """A distribution as written in a scenario (a bare number or a ``{dist = ...}`` table) with
    every value multiplied by ``factor`` and its shape kept. A ``uniform_int`` becomes a
    ``uniform`` (its scaled bounds are no longer whole numbers)."""
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return float(spec) * factor
    out = dict(spec)
    for k in ("value", "mean", "sd", "low", "high", "mode"):
        if k in out:
            out[k] = out[k] * factor
    if "values" in out:
        out["values"] = [v * factor for v in out["values"]]
    if out.get("dist") == "uniform_int":
        out = {"dist": "uniform", "low": out["low"], "high": out["high"]}
    return out


def check_durations(model: object, keys: tuple[str, ...]) -> None:
    """Raise ValueError naming the first of ``model``'s distributions ``keys`` (seconds) that can
    draw a negative value: durations and delays must be >= 0."""
    for key in keys:
        d = getattr(model, key)
        if d.lower < 0:
            raise ValueError(f"{key} can be negative (smallest value {d.lower:g}); durations must be >= 0")
