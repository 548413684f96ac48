"""The file formats of a trace folder and of daily KPIs (``docs/data-formats.md``): each file's
columns, their kinds and checks, and the code vocabularies of its enum columns."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...base.outcomes import OUTCOME_NAMES
from ...scenario.phones import PHONE_TYPES
from ...world.phones import STATUS_WORDS

__all__ = [
    "Column",
    "FileSpec",
    "DIALS",
    "PROMISES",
    "PAYMENTS",
    "ACCOUNTS",
    "SHIFTS",
    "EVENTS",
    "KPI",
    "FILES",
    "DIAL_OUTCOMES",
    "DIALER_MODES",
    "PROMISE_KINDS",
    "PROMISE_STATUSES",
    "PAYMENT_SOURCES",
    "PHONE_STATUSES",
    "ACCOUNT_EVENTS",
    "PLAIN",
    "KEPT",
    "BROKEN",
    "PENDING",
    "SELF_CURE",
    "WRONG",
    "DISCONNECTED",
    "CURED",
    "CHARGED_OFF",
    "PLACED",
    "REDEFAULTED",
    "NAME_RE",
    "MAX_SECONDS",
    "MAX_USD",
    "MIN_USD",
    "MAX_DAYS_PAST_DUE",
    "MAX_SCORE",
    "MAX_PHONES",
    "MAX_COUNT",
]

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
"""Segment and team names become scenario names: the scenario's naming rule."""

# Plausible magnitudes: a value beyond them is a data error (a unit mix-up, an overflowed
# export, a placeholder such as -1e300), not a fact about a collection center.
MAX_SECONDS = 86_400.0
"""A dial's ring, talk or wrap time, a collector's paid time in a day: at most a day."""
MAX_USD = 1e9
"""An amount, a payment, a balance."""
MIN_USD = 1e-3
"""A tenth of a cent: a smaller amount that is not 0 is no amount of money (1e-109 USD)."""
MAX_DAYS_PAST_DUE = 36_500.0
"""A hundred years."""
MAX_SCORE = 1e6
"""A collection score, either sign."""
MAX_PHONES = 1_000.0
MAX_COUNT = 1e9
"""A day's dials, contacts, promises or hours in daily.csv."""

DIAL_OUTCOMES = OUTCOME_NAMES
"""Outcomes of dials.csv: the outcome vocabulary (base/outcomes.py), the scenario's six outcomes
then ``abandoned`` (a live answer that no collector took, the party unknown). Index = the
simulator's outcome code."""
DIALER_MODES = ("preview", "progressive", "predictive")
PROMISE_KINDS = ("promise", "plan_installment", "settlement", "reage")
PROMISE_STATUSES = ("kept", "broken", "pending")
PAYMENT_SOURCES = ("promise", "plan_installment", "settlement", "reage", "self_cure", "agency", "other")
PHONE_STATUSES = STATUS_WORDS
ACCOUNT_EVENTS = ("paid", "cured", "settled", "charged_off", "placed", "redefaulted")
"""Events of account_events.csv: the five ways an account leaves the portfolio, then coming back
to it (a cured account defaulting again)."""

# The codes the reader gives these values (the index in their vocabulary), by name.
PLAIN = PROMISE_KINDS.index("promise")
"""A plain promise, not a rearrangement's payment."""
KEPT, BROKEN, PENDING = (PROMISE_STATUSES.index(s) for s in ("kept", "broken", "pending"))
SELF_CURE = PAYMENT_SOURCES.index("self_cure")
WRONG, DISCONNECTED = (PHONE_STATUSES.index(s) for s in ("wrong", "disconnected"))
CURED, CHARGED_OFF, PLACED, REDEFAULTED = (
    ACCOUNT_EVENTS.index(e) for e in ("cured", "charged_off", "placed", "redefaulted")
)


@dataclass(frozen=True)
class Column:
    """One column of a file format.

    kind: ``datetime`` (ISO 8601 date and time, no time zone), ``date`` (YYYY-MM-DD), ``float``,
    ``int``, ``code`` (free text, turned into integer codes), ``enum`` (one of ``choices``) or
    ``flag`` (0 or 1). ``required``: the header must have it. ``blank_ok``: a row may leave it
    empty (NaN / NaT / code -1). ``nonneg``: numbers must be >= 0; ``limit``: at most this in
    absolute value; ``least``: 0 or at least this in absolute value.
    """

    name: str
    kind: str
    required: bool = True
    blank_ok: bool = False
    nonneg: bool = False
    choices: tuple[str, ...] = ()
    limit: float | None = None  # numbers: at most this in absolute value (a plausible magnitude)
    least: float | None = None  # numbers: 0 or at least this in absolute value
    codes: str = ""  # name of the shared code book (account ids, segments, collectors, ...)
    unit: str = ""
    doc: str = ""


@dataclass(frozen=True)
class FileSpec:
    """A file format: its name, its columns and the column whose values must not decrease."""

    name: str
    columns: tuple[Column, ...]
    order_by: str | None
    doc: str = ""
    may_be_empty: bool = False  # a header with no rows is valid (nothing of the kind happened)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_LIMITS = {
    **dict.fromkeys(("ring_s", "talk_s", "wrap_s", "paid_s", "productive_s"), MAX_SECONDS),
    **dict.fromkeys(("amount_usd", "paid_usd", "balance_usd", "past_due_usd", "collected_usd"), MAX_USD),
    "days_past_due": MAX_DAYS_PAST_DUE,
    "risk_score": MAX_SCORE,
    "phones": MAX_PHONES,
    "phone_index": MAX_PHONES,
    **dict.fromkeys(
        ("paid_hours", "productive_hours", "dials", "connects", "rpc", "promises", "kept"), MAX_COUNT
    ),
}


def _c(name, kind, **kw) -> Column:
    if kind in ("float", "int"):
        kw.setdefault("limit", _LIMITS.get(name))
        if kw.get("unit") == "USD":
            kw.setdefault("least", MIN_USD)
    return Column(name, kind, **kw)


DIALS = FileSpec(
    "dials.csv",
    (
        _c("call_start", "datetime", doc="when the dial was placed, center clock"),
        _c("account_id", "code", codes="account", doc="the account dialed"),
        _c("segment", "code", codes="segment", doc="the account's segment (a scenario segment name)"),
        _c(
            "tz_offset_h",
            "float",
            required=False,
            unit="h",
            doc="account local time = center time + this offset (hours; absent: 0)",
        ),
        _c(
            "collector_id",
            "code",
            required=False,
            blank_ok=True,
            codes="collector",
            doc="the collector who took the call; empty when none did (no answer, predictive abandon)",
        ),
        _c(
            "campaign", "code", required=False, blank_ok=True, codes="campaign", doc="dialer campaign or list"
        ),
        _c(
            "dialer_mode",
            "enum",
            required=False,
            blank_ok=True,
            choices=DIALER_MODES,
            doc="dialer mode of the campaign",
        ),
        _c("outcome", "enum", choices=DIAL_OUTCOMES, doc="what the dial reached"),
        _c("ring_s", "float", nonneg=True, unit="s", doc="seconds from dialing until the outcome was known"),
        _c("talk_s", "float", nonneg=True, unit="s", doc="seconds of conversation (0 when nobody talked)"),
        _c("wrap_s", "float", nonneg=True, unit="s", doc="seconds of after-call work"),
        _c(
            "abandoned",
            "flag",
            required=False,
            doc="1: a live answer no collector took within the abandon limit",
        ),
        _c(
            "phone_type",
            "enum",
            required=False,
            blank_ok=True,
            choices=PHONE_TYPES,
            doc="the type of the number dialed (cell, home, work), with several numbers per account",
        ),
        _c(
            "phone_index",
            "int",
            required=False,
            blank_ok=True,
            nonneg=True,
            doc="which of the account's numbers was dialed (0 = its first)",
        ),
    ),
    order_by="call_start",
    doc="one row per dial",
)

PROMISES = FileSpec(
    "promises.csv",
    (
        _c("promise_id", "code", codes="promise", doc="unique id of the promise"),
        _c("made_at", "datetime", doc="when the promise was taken, center clock"),
        _c("account_id", "code", codes="account"),
        _c("segment", "code", codes="segment"),
        _c("collector_id", "code", required=False, blank_ok=True, codes="collector"),
        _c("amount_usd", "float", nonneg=True, unit="USD", doc="amount promised"),
        _c("due_date", "date", doc="date the payment is due"),
        _c(
            "kind",
            "enum",
            required=False,
            choices=PROMISE_KINDS,
            doc="plain promise or a rearrangement's payment",
        ),
        _c(
            "status",
            "enum",
            choices=PROMISE_STATUSES,
            doc="kept or broken; pending when due after the data end",
        ),
        _c(
            "paid_usd",
            "float",
            required=False,
            blank_ok=True,
            nonneg=True,
            unit="USD",
            doc="amount paid (kept only)",
        ),
        _c("paid_date", "date", required=False, blank_ok=True, doc="date paid (kept only)"),
    ),
    order_by="made_at",
    doc="one row per promise to pay",
)

PAYMENTS = FileSpec(
    "payments.csv",
    (
        _c("paid_date", "date"),
        _c("account_id", "code", codes="account"),
        _c("segment", "code", codes="segment"),
        _c("amount_usd", "float", nonneg=True, unit="USD"),
        _c("source", "enum", choices=PAYMENT_SOURCES, doc="what the payment was for"),
        _c("promise_id", "code", required=False, blank_ok=True, codes="promise"),
    ),
    order_by="paid_date",
    doc="one row per payment received",
)

ACCOUNTS = FileSpec(
    "accounts.csv",
    (
        _c("account_id", "code", codes="account"),
        _c("segment", "code", codes="segment"),
        _c("entered_date", "date", doc="date the account entered the portfolio (or the data start)"),
        _c("balance_usd", "float", required=False, nonneg=True, unit="USD"),
        _c("past_due_usd", "float", required=False, nonneg=True, unit="USD"),
        _c("days_past_due", "float", required=False, nonneg=True, unit="days"),
        _c("risk_score", "float", required=False, doc="collection score, higher = more likely to pay"),
        _c("phones", "int", required=False, nonneg=True, doc="number of phone numbers on file"),
        _c("phone_status", "enum", required=False, choices=PHONE_STATUSES),
        _c("tz_offset_h", "float", required=False, unit="h"),
        _c("control", "flag", required=False, doc="1: a control account that is never called"),
    ),
    order_by=None,
    doc="one row per account, attributes at entry (any order)",
)

SHIFTS = FileSpec(
    "shifts.csv",
    (
        _c("date", "date"),
        _c("collector_id", "code", codes="collector"),
        _c("team", "code", codes="team"),
        _c("login", "datetime"),
        _c("logout", "datetime"),
        _c("paid_s", "float", nonneg=True, unit="s", doc="paid seconds (login to logout)"),
        _c(
            "productive_s",
            "float",
            nonneg=True,
            unit="s",
            doc="paid seconds less breaks, lunch, meetings, training, not-ready",
        ),
    ),
    order_by="date",
    doc="one row per collector per working day",
)

KPI = FileSpec(
    "daily.csv",
    (
        _c("date", "date"),
        _c("team", "code", required=False, codes="team"),
        _c("collector_id", "code", required=False, blank_ok=True, codes="collector"),
        _c("paid_hours", "float", nonneg=True, unit="h"),
        _c("productive_hours", "float", nonneg=True, unit="h"),
        _c("dials", "float", nonneg=True),
        _c(
            "connects",
            "float",
            required=False,
            nonneg=True,
            doc="live answers (checked: between rpc and dials; not fitted)",
        ),
        _c("rpc", "float", nonneg=True, doc="right-party contacts"),
        _c("promises", "float", nonneg=True),
        _c("kept", "float", nonneg=True, doc="promises made that day that were kept (cohort basis)"),
        _c(
            "collected_usd",
            "float",
            nonneg=True,
            unit="USD",
            doc="dollars paid on the promises made that day",
        ),
    ),
    order_by="date",
    doc="one row per collector or team per day",
)

EVENTS = FileSpec(
    "account_events.csv",
    (
        _c("date", "date", doc="date the account left the portfolio or came back to it"),
        _c("account_id", "code", codes="account"),
        _c("segment", "code", codes="segment"),
        _c("event", "enum", choices=ACCOUNT_EVENTS, doc="how it left (or redefaulted: it came back)"),
        _c(
            "days_past_due",
            "float",
            required=False,
            nonneg=True,
            unit="days",
            doc="days past due at the event",
        ),
    ),
    order_by="date",
    doc="one row per account leaving the portfolio or coming back to it",
    may_be_empty=True,
)

FILES = (DIALS, PROMISES, PAYMENTS, ACCOUNTS, SHIFTS, EVENTS)
"""The files of a trace folder; only dials.csv is required."""
