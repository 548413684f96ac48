"""Presentation of saved results: tables now, plots and HTML later. Never runs the model."""
from .table import pyramid_table, volume_table

__all__ = ["pyramid_table", "volume_table"]
