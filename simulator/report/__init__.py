"""Presentation of saved results; never runs the model.

* :mod:`.table`: plain-text tables for the terminal;
* :mod:`.plots`: matplotlib figures (pyramid funnel, league table, daily series, right-party heat
  map, staffing curve, pacing frontier), each a function of a results document;
* :mod:`.html`: the self-contained HTML MIS page; :mod:`.command`: ``collectsim report``;
* :mod:`.data`: reading and checking documents, targets and the weakest-layer diagnosis.

Only the tables are imported here, so the command line starts without loading matplotlib.
"""

from .table import pyramid_table, volume_table

__all__ = ["pyramid_table", "volume_table"]
