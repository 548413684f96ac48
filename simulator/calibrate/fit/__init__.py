"""Calibration's second stage: every estimate a trace identifies, with its standard error and 95%
interval. :func:`.trace_fit.fit_trace` fits a whole trace, segment by segment and team by team;
the other modules are its parts (distributions, regressions, the contact curve, behaviour, the
book of accounts, the living portfolio, the teams)."""
