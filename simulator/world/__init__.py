"""The SimPy model. Knows nothing of files, sweeps or plots."""
from .counters import Counters, Structure
from .build import World, simulate

__all__ = ["World", "Structure", "Counters", "simulate"]
