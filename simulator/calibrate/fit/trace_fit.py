"""Fitting a trace: every estimate the data identify, segment by segment and team by team.

:func:`fit_trace` returns a :class:`TraceFit`; :mod:`..assemble` turns it into a scenario.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np

from ...base.outcomes import ABANDONED, INVALID
from ...scenario.schema import OUTCOMES
from ..read.formats import DIALER_MODES
from ..read.screen import Exclusion
from ..read.trace import Source, Trace
from .account_behaviour import ConversionFit, behaviour_mode, fit_answer, fit_conversion
from .contact_by_account import AnswerLink
from .contact_curve import (
    OutcomeFit,
    cell_counts,
    fit_outcomes,
    flat_outcomes,
    local_hour_weekday,
    make_feasible,
)
from .curve_model import NON_LIVE
from .distribution_fit import DistFit, fit_distribution
from .living_portfolio import LivingFit, fit_living
from .regression import Estimate, proportion
from .segment_behaviour import Behaviour, Portfolio, fit_behaviour, fit_portfolio
from .teams import TeamFit, fit_teams

__all__ = ["SegmentFit", "TraceFit", "fit_trace", "DURATIONS"]

DURATIONS = ("ring", "talk", "wrap")
"""Handling-time columns of dials.csv (seconds), fitted per segment and outcome."""


@dataclass
class SegmentFit:
    name: str
    outcomes: OutcomeFit
    durations: dict[str, dict[str, DistFit | None]]  # outcome -> ring/talk/wrap -> fit
    behaviour: Behaviour
    portfolio: Portfolio
    dials: int
    bad_number_share: Estimate | None = None  # per-account invalid numbers (skip tracing)
    answer: AnswerLink | None = None  # account-level behaviour: the answer link
    conversion: ConversionFit | None = None  # ... promise, keep and amount links


@dataclass
class TraceFit:
    """Everything fitted from a trace folder."""

    folder: str
    sources: list[Source]
    first_date: datetime.date
    last_date: datetime.date
    start_weekday: int
    working_days: int
    weekdays: list[int]
    segments: dict[str, SegmentFit]
    teams: dict[str, TeamFit]
    dialer_mode: str | None
    calls_by_local_hour: np.ndarray  # dials per local hour, all segments
    notes: list[str] = field(default_factory=list)
    living: LivingFit | None = None  # the living portfolio, when the files show one
    exclusions: list[Exclusion] = field(default_factory=list)  # rows left out (lenient reading)


def _durations(tr: Trace, dm: np.ndarray) -> dict[str, dict[str, DistFit | None]]:
    """Ring, talk and wrap fits per outcome. Abandoned calls (party unknown, nobody talked) are
    left out; a dial abandoned after its party was known gives its ring time only."""
    d = tr.dials
    out: dict[str, dict[str, DistFit | None]] = {}
    for code, name in enumerate(OUTCOMES):
        m = dm & (d["out"] == code)
        talked = m & ~d["abandoned"]
        fits: dict[str, DistFit | None] = {}
        for col in DURATIONS:
            sel = m if col == "ring" else talked
            x = d[col][sel]
            fits[col] = fit_distribution(x) if len(x) else None
        out[name] = fits
    return out


def _per_account_invalid(of: OutcomeFit, tr: Trace, dm: np.ndarray) -> Estimate:
    """With skip tracing, an invalid number belongs to the account, not the dial: a bad number
    is taken off the lists after its first invalid dial, so invalid dials are rarer than bad
    numbers. The share of accounts whose first dial in the data was invalid estimates the
    segment's invalid probability (the simulator's default bad-number share); ``of`` was fitted
    without invalid dials (the good numbers' outcomes) and is rescaled to leave room for it."""
    d = tr.dials
    _, first = np.unique(d["acct"][dm], return_index=True)
    q = proportion(float((d["out"][dm][first] == INVALID).sum()), float(len(first)))
    of.base = of.base * (1.0 - q.value)
    of.base_se = np.sqrt(
        (of.base_se * (1.0 - q.value)) ** 2 + (of.base / max(1 - q.value, 1e-12) * q.se) ** 2
    )
    of.base[INVALID], of.base_se[INVALID] = q.value, q.se
    return q


def _outcomes(counts: np.ndarray, key: str, notes: list[str]) -> OutcomeFit:
    """The contact-curve fit of ``counts``, or the outcome shares with flat curves when the dials
    leave the model nothing to fit (a note says which)."""
    if not counts[..., list(NON_LIVE)].any():
        notes.append(
            f"{key}.outcomes: every dial was a live answer, so the outcome probabilities are the dials' "
            "shares and the contact curve is flat (a curve needs unanswered dials to compare with)"
        )
        return flat_outcomes(counts)
    try:
        return fit_outcomes(counts)
    except np.linalg.LinAlgError:  # a singular information matrix
        notes.append(
            f"{key}.outcomes: too few dials to fit the contact curve (its information matrix is "
            "singular); the outcome probabilities are the dials' shares and the curve is flat"
        )
        return flat_outcomes(counts)


def fit_trace(tr: Trace, per_account_invalid: bool = False) -> TraceFit:
    """Fit every segment and team of ``tr`` (see the package doc for the methods).
    ``per_account_invalid``: the scenario has skip tracing on, so invalid numbers are fitted per
    account (see :func:`_per_account_invalid`)."""
    d = tr.dials
    days = tr.dial_days
    last_day = int(days[-1])
    hour, weekday = local_hour_weekday(d["t"], d["tz_h"], tr.origin_weekday)
    segments: dict[str, SegmentFit] = {}
    notes: list[str] = [e.note() for e in tr.exclusions]
    links = behaviour_mode(tr)
    living = fit_living(tr, last_day, links)
    for s, name in enumerate(tr.segments):
        dm = d["seg"] == s
        if not dm.any():
            continue  # a segment named only in accounts/promises: nothing to fit contact from
        account_level = None
        if living is not None and links and name in living.segments:
            try:
                account_level = fit_answer(tr, s, dm, hour, weekday, living.segments[name], living.book)
            except np.linalg.LinAlgError:  # a singular information matrix: too few dials
                notes.append(
                    f"segments.{name}: the dials do not identify the account-level answer model (its "
                    "information matrix is singular); the segment's outcomes are fitted without it"
                )
        if account_level is not None:
            of, answer, q_dead, _ = account_level
            sf = SegmentFit(
                name,
                of,
                _durations(tr, dm),
                fit_behaviour(tr, s),
                fit_portfolio(tr, s, last_day),
                int(dm.sum()),
                None,
                answer,
                fit_conversion(tr, s, living.book),
            )
            if per_account_invalid:
                notes.append(
                    f"segments.{name}: skip tracing with account-level behaviour: invalid numbers are the "
                    "accounts' disconnected phones (accounts.csv), not refitted per first dial"
                )
        else:
            keep = dm & (d["out"] != INVALID) if per_account_invalid else dm
            if not keep.any():  # every dial invalid: no good number to fit the other outcomes to
                keep = dm
            of = _outcomes(cell_counts(d["out"][keep], hour[keep], weekday[keep]), f"segments.{name}", notes)
            q = _per_account_invalid(of, tr, dm) if per_account_invalid else None
            sf = SegmentFit(
                name,
                of,
                _durations(tr, dm),
                fit_behaviour(tr, s),
                fit_portfolio(tr, s, last_day),
                int(dm.sum()),
                q,
            )
        repair = make_feasible(sf.outcomes)
        if repair:
            notes.append(f"segments.{name}.outcomes: {repair}")
        segments[name] = sf
    teams = fit_teams(tr) if tr.shifts is not None else {}
    mode = None
    if (d["mode"] >= 0).any():
        counts = np.bincount(d["mode"][d["mode"] >= 0], minlength=3)
        mode = DIALER_MODES[int(np.argmax(counts))]
        if (counts > 0).sum() > 1:
            mix = ", ".join(f"{m} {c / counts.sum():.0%}" for m, c in zip(DIALER_MODES, counts) if c)
            notes.append(f"dialer modes are mixed ({mix}); the scenario uses the most common, {mode}")
    weekdays_c = sorted({int((tr.origin_weekday + int(x)) % 7) for x in days})
    if living is not None:
        notes += living.notes
    return TraceFit(
        tr.folder,
        tr.sources,
        tr.date_of(int(days[0])),
        tr.date_of(last_day),
        int((tr.origin_weekday + int(days[0])) % 7),
        len(days),
        weekdays_c,
        segments,
        teams,
        mode,
        np.bincount(hour[d["out"] != ABANDONED], minlength=24),
        notes,
        living,
        list(tr.exclusions),
    )
