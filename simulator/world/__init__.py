"""The SimPy model. Knows nothing of files, sweeps or plots."""

from .build import World, simulate
from .counters import Counters, Structure

__all__ = ["World", "Structure", "Counters", "simulate"]
