"""The SimPy model. Knows nothing of files, sweeps or plots."""
from .build import Structure, World, simulate
from .counters import Counters

__all__ = ["World", "Structure", "Counters", "simulate"]
