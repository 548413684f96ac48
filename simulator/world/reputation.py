"""Caller-ID reputation: the carriers label the center's numbers as spam after an abusive day.

Call analytics engines (Hiya, TNS, First Orion, for the US carriers) label outbound numbers
whose traffic looks like robocalling, above all many short or silent calls, and the people
called then answer far less. The world models it with one daily check, on at
``dialer.spam_label_abandon_rate`` = q:

- at each midnight, the calling day just closed is checked: when its abandon rate (abandoned
  calls / live answers, all campaigns together, as the compliance block's daily figure,
  ``compliance.abandon_rate``) exceeds q, the numbers are labelled for the next
  ``dialer.spam_label_days`` = N calendar days; a later day over q labels them again from then;
- while labelled, every person's answer (right party or third party) stands with probability
  ``dialer.spam_label_answer_factor`` = g and is otherwise a no answer; machines still pick up
  (the thinning lives in world/lost_contacts.py, which the dial kernel applies).

Closed form: calendar day d is labelled if and only if some calling day d' with
d - N <= d' <= d - 1 was over q. With every calling day over q, every calling day after the
first is labelled when no gap between calling days exceeds N; a labelled day's dials reach a
person with probability g x p, p being what they would reach unlabelled.

The results' ``reputation`` block counts, over the measured window, the calling days labelled,
the calling days over the threshold, the dials placed while labelled and the dials the label
turned into no answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .compliance import abandon_rate

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario
    from .counters import Counters
    from .lost_contacts import LostContacts


class CallerReputation:
    """The spam label's daily check and the counts of the measured window (days are calendar
    days from day 0)."""

    __slots__ = (
        "threshold",
        "label_days",
        "factor",
        "lost",
        "labelled_until",
        "days_labelled",
        "days_over",
        "dials_labelled",
    )

    def __init__(self, scenario: Scenario, lost: LostContacts) -> None:
        d = scenario.dialer
        self.threshold = float(d.spam_label_abandon_rate or 0.0)
        self.label_days = d.spam_label_days
        self.factor = d.spam_label_answer_factor
        self.lost = lost  # whose ``label`` multiplier the dial kernel reads
        self.labelled_until = 0  # the numbers are labelled on calendar days before this one
        self.reset()

    @staticmethod
    def on(scenario: Scenario) -> bool:
        """Whether ``scenario`` models the spam label."""
        return scenario.dialer.spam_label_abandon_rate is not None

    def reset(self) -> None:
        """Count from zero (the end of the warm-up); the label stays."""
        self.days_labelled = 0  # calling days on which the numbers were labelled
        self.days_over = 0  # calling days whose abandon rate exceeded the threshold
        self.dials_labelled = 0  # dials placed while labelled

    def labelled(self, day: int) -> bool:
        """Whether the numbers are labelled on calendar day ``day``."""
        return day < self.labelled_until

    def close_day(self, day: int, counters: Counters, dials: int, calling_day: bool) -> None:
        """Midnight after calendar day ``day`` (its dials already folded into ``counters``;
        ``dials``: how many it made): count the day, check its abandon rate, and set the label
        for day + 1."""
        if calling_day:
            if self.labelled(day):
                self.days_labelled += 1
                self.dials_labelled += dials
            live = float(counters.campaign_live[:, day].sum())
            abandoned = float(counters.campaign_abandoned[:, day].sum())
            if float(abandon_rate(live, abandoned)) > self.threshold:
                self.days_over += 1
                self.labelled_until = max(self.labelled_until, day + 1 + self.label_days)
        self.lost.label = self.factor if self.labelled(day + 1) else 1.0

    def block(self) -> dict[str, float]:
        """The results' ``reputation`` block (measured window)."""
        return {
            "days_labelled": float(self.days_labelled),
            "days_over_threshold": float(self.days_over),
            "dials_labelled": float(self.dials_labelled),
            "dials_unanswered": float(self.lost.label_unanswered),
        }
