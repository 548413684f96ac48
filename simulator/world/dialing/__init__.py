"""Dialer modes, by the name ``dialer.mode`` takes in a scenario (see base.Dialer)."""

from __future__ import annotations

from .base import Dialer
from .predictive import PredictiveDialer
from .preview import PreviewDialer
from .progressive import ProgressiveDialer

DIALERS: dict[str, type[Dialer]] = {
    "preview": PreviewDialer,
    "progressive": ProgressiveDialer,
    "predictive": PredictiveDialer,
}

__all__ = ["DIALERS", "Dialer", "PreviewDialer", "ProgressiveDialer", "PredictiveDialer"]
