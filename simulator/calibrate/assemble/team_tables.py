"""A team of the fitted scenario, ``[teams.NAME]``, from its fit: headcount, shift start and
length, the unproductive time placed as breaks, lunch, meeting and training, and the segments it
works, each fitted value also in ``calibration.parameters``."""

from __future__ import annotations

import copy

from ..fit.teams import TeamFit, layout_within_shift
from ..read.csv_table import CalibrationDataError
from .parameters import clean, estimate_param, param

__all__ = ["team_table", "DEFAULT_WAGE_USD"]

DEFAULT_WAGE_USD = 20.0
"""Hourly wage of a team the data introduce and no base scenario prices (wages are not in the data)."""


def team_table(
    tf: TeamFit, base: dict | None, segments: list[str], notes: list[str], params: list[dict]
) -> dict:
    """The team's scenario table: ``base`` (its table in the base scenario, or None for a team
    the data introduce) with its headcount, shift and unproductive time replaced."""
    team = copy.deepcopy(base) if base is not None else {"hourly_wage_usd": DEFAULT_WAGE_USD}
    key = f"teams.{tf.name}"
    if base is None:
        notes.append(
            f"{key}.hourly_wage_usd: wages are not in the data; set to {DEFAULT_WAGE_USD:g} "
            "(cost metrics are placeholders)"
        )
    start = f"{int(tf.shift_start_min) // 60:02d}:{int(tf.shift_start_min) % 60:02d}"
    if team.pop("shifts", None):
        notes.append(
            f"{key}.shifts: the base's several shifts are replaced by the one shift fitted from the data"
        )
    team.update(headcount=tf.headcount, shift_start_time=start, shift_length_h=tf.shift_length_h)
    if segments:
        team["segments"] = segments
    elif "segments" not in team:
        raise CalibrationDataError(
            "shifts.csv",
            None,
            "team",
            f"team {tf.name!r}: its collectors dialed no "
            "segment in dials.csv (collector_id links shifts to dials)",
        )
    unprod = tf.unproductive_min.value
    layout, placed = layout_within_shift(team, tf.shift_start_min, tf.shift_length_h, unprod, base)
    team.update(layout)
    if placed < unprod - 0.5:
        notes.append(
            f"{key}: {unprod:.0f} unproductive minutes a day do not fit as breaks inside the "
            f"{tf.shift_length_h:g}-hour shift; {placed:.0f} placed (productive rate "
            f"{tf.productive_rate.value:.3g} in shifts.csv)"
        )
    team = clean(team)
    params.append(
        param(
            f"{key}.headcount",
            tf.headcount,
            n=tf.collector_days,
            method="median collectors per day in shifts.csv",
        )
    )
    params.append(
        param(
            f"{key}.shift_length_h",
            tf.shift_length_h,
            n=tf.collector_days,
            method="median logout - login, rounded to 5 minutes",
        )
    )
    params.append(
        estimate_param(
            f"{key}.unproductive_min_per_day",
            tf.unproductive_min,
            "mean (paid_s - productive_s) per collector-day; placed as the breaks, lunch, meeting "
            "and training of the team",
            in_scenario=False,
        )
    )
    params.append(
        estimate_param(
            f"{key}.productive_rate",
            tf.productive_rate,
            "sum productive_s / sum paid_s (ratio estimator over collector-days)",
            in_scenario=False,
        )
    )
    return team
