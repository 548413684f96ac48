"""Presentation of saved results; never runs the model.

* :mod:`.table`, :mod:`.coaching`: plain-text tables for the terminal (the pyramid, volumes,
  actual against target and the coaching it calls for);
* :mod:`.plots`, :mod:`.heatmap`, :mod:`.portfolio`: matplotlib figures (pyramid funnel, league
  table, daily series, right-party heat map, staffing curve, pacing frontier, the living
  portfolio), each a function of a results document;
* :mod:`.html` and :mod:`.sections`: the self-contained HTML MIS page; :mod:`.calibration`: the
  calibration page; :mod:`.style`: the CSS they share;
* :mod:`.data`: reading and checking documents, targets and the weakest-layer diagnosis.

``collectsim report`` is :mod:`simulator.cli.report`. Only the tables are imported here, so the
command line starts without loading matplotlib.
"""

from .table import pyramid_table, volume_table

__all__ = ["pyramid_table", "volume_table"]
