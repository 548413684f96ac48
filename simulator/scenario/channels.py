"""The scenario's ``[channels]`` block: messages as actions (SMS, email, letter, limited-content
voicemail, pre-recorded/IVR call), contact paths, opt-outs and suppression flags.

**Channels.** ``[channels.sms]`` (and ``email``, ``letter``, ``voicemail``, ``ivr_call``) turn a
channel on. Each send costs ``cost_usd`` and reaches the debtor with ``delivery_probability``,
``delivery_delay_days`` calendar days after the send (a letter's postal delay; 0 for the
others). A delivered message brings at most one response, each kind with its probability (they
sum to at most 1; the rest bring nothing) and its delay in hours after delivery: ``payment`` (a
self-service payment, sized as a promise's amount), ``promise`` (filed in the promise book, kept
with the segment's keep probability), ``inbound_call`` (a call into the inbound queue) or
``opt_out`` (STOP: the channel stops for the account after ``opt_out_business_days``). Limits:
at most ``max_per_period`` sends to an account in ``period_days`` days and ``max_per_account``
in the whole run.

**Paths.** ``paths.NAME.SEGMENT`` is a list of steps ``{day, channel, every_days, until_day,
days_past_due}``; ``path = "NAME"`` picks the set of paths in use (``compare`` can set one
against another with ``--set-a channels.path=...``). A step acts on path day ``day`` (day 1 = the
day the account enters the portfolio) and, with ``every_days``, every that many days after, up
to ``until_day``; ``days_past_due = [lo, hi]`` limits it to accounts in that band. Channel
``call`` puts the account on the dialer's lists: an account whose segment has a path is called
only on its call days. A step that falls on a day the center does not work acts on the next
working day. A segment without a path is called every day, as without the block.

**Suppressions.** ``suppressions.SEGMENT`` (or ``suppressions.all``) draws per account, at build,
the flags ``cease_communication``, ``dispute`` and ``bankruptcy`` with their probabilities:
cease-communication and bankruptcy stop every channel and every call; a dispute stops calls and
every channel but letters (the verification goes by mail).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .clock import Clock, clock_minutes
from .distributions import Constant, Dist
from .fields import NonNeg, Probability, _Model

__all__ = [
    "CHANNELS",
    "CALL",
    "SUPPRESSION_FLAGS",
    "STOPS",
    "RESPONSE_KINDS",
    "ChannelResponse",
    "MessageChannel",
    "PathStep",
    "Suppressions",
    "Channels",
]

CHANNELS: tuple[str, ...] = ("sms", "email", "letter", "voicemail", "ivr_call")
"""The message channels, in the order the results list them."""
CALL = "call"
"""A path step's channel that puts the account on the dialer's lists."""
RESPONSE_KINDS: tuple[str, ...] = ("payment", "promise", "inbound_call", "opt_out")
"""What a delivered message may bring, in the order one uniform draw picks them."""
SUPPRESSION_FLAGS: tuple[str, ...] = ("cease_communication", "dispute", "bankruptcy")
STOPS: dict[str, frozenset[str]] = {
    "cease_communication": frozenset((*CHANNELS, CALL)),
    "dispute": frozenset(("sms", "email", "voicemail", "ivr_call", CALL)),
    "bankruptcy": frozenset((*CHANNELS, CALL)),
}
"""What each suppression flag stops: FDCPA 15 U.S.C. 1692c(c) (cease communication) and the
bankruptcy stay (11 U.S.C. 362) stop everything; a dispute (1692g(b)) stops collection until the
verification is mailed, so letters go on."""


class ChannelResponse(_Model):
    """One kind of response to a delivered message."""

    probability: Probability = Field(description="probability a delivered message brings it")
    delay_h: Dist = Field(Constant(value=0.0), description="hours from delivery to the response (>= 0)")

    @model_validator(mode="after")
    def _check(self) -> ChannelResponse:
        if self.delay_h.lower < 0:
            raise ValueError("delay_h can be negative; a response comes after the delivery")
        return self


class MessageChannel(_Model):
    """A message channel: its cost, delivery, responses and limits."""

    cost_usd: NonNeg = Field(description="cost of one send, US dollars")
    delivery_probability: Probability = Field(1.0, description="probability a send reaches the debtor")
    delivery_delay_days: Dist = Field(
        Constant(value=0.0), description="calendar days from send to delivery (a letter's postal delay)"
    )
    send_time: Clock = Field(
        "10:00",
        description=(
            "clock time of the day's sends, local to each account (HH:MM); inside the calling window "
            "except for letters"
        ),
    )
    max_per_period: int | None = Field(
        None, ge=0, description="most sends to one account in period_days days (omit: no limit)"
    )
    period_days: int = Field(7, ge=1, description="the window of max_per_period, calendar days")
    max_per_account: int | None = Field(
        None, ge=0, description="most sends to one account in the whole run (omit: no limit)"
    )
    payment: ChannelResponse | None = Field(None, description="a self-service payment (omit: none)")
    promise: ChannelResponse | None = Field(None, description="a promise to pay (omit: none)")
    inbound_call: ChannelResponse | None = Field(
        None, description="a call into the inbound queue (omit: none)"
    )
    opt_out: ChannelResponse | None = Field(
        None, description="an opt-out (STOP) of this channel (omit: none)"
    )

    @model_validator(mode="after")
    def _check(self) -> MessageChannel:
        total = sum(r.probability for r in self.responses() if r is not None)
        if total > 1.0 + 1e-12:
            raise ValueError(f"the response probabilities sum to {total:.4g}; at most 1")
        if self.delivery_delay_days.lower < 0:
            raise ValueError("delivery_delay_days can be negative")
        return self

    def responses(self) -> list[ChannelResponse | None]:
        """The responses in RESPONSE_KINDS order (None: that kind never comes)."""
        return [getattr(self, k) for k in RESPONSE_KINDS]


class PathStep(_Model):
    """One step of a contact path."""

    day: int = Field(ge=1, description="path day the step acts (1 = the account's entry day)")
    channel: Literal["sms", "email", "letter", "voicemail", "ivr_call", "call"] = Field(
        description="the channel, or call (on the dialer's lists that day)"
    )
    every_days: int | None = Field(None, ge=1, description="repeat every that many days (omit: once)")
    until_day: int | None = Field(None, ge=1, description="last path day of a repeat (omit: no end)")
    days_past_due: list[float] | None = Field(
        None, min_length=2, max_length=2, description="[lo, hi): only accounts in this band (omit: all)"
    )


class Suppressions(_Model):
    """Probabilities of the suppression flags an account carries (drawn at build)."""

    cease_communication: Probability = Field(0.0, description="the debtor asked to cease communication")
    dispute: Probability = Field(0.0, description="the debt is disputed, verification pending")
    bankruptcy: Probability = Field(0.0, description="the debtor filed for bankruptcy")


class Channels(_Model):
    """The ``[channels]`` block (see the module docstring)."""

    sms: MessageChannel | None = Field(None, description="text messages (omit: off)")
    email: MessageChannel | None = Field(None, description="email (omit: off)")
    letter: MessageChannel | None = Field(None, description="letters by post (omit: off)")
    voicemail: MessageChannel | None = Field(None, description="limited-content voicemail (omit: off)")
    ivr_call: MessageChannel | None = Field(None, description="pre-recorded or IVR calls (omit: off)")
    path: str = Field("", description="the name of the paths in use (empty: none, call every day)")
    paths: dict[str, dict[str, list[PathStep]]] = Field(
        {}, description="contact paths: paths.NAME.SEGMENT = list of steps"
    )
    opt_out_business_days: int = Field(
        10, ge=0, description="business days within which an opt-out is honoured (FCC: 10)"
    )
    suppressions: dict[str, Suppressions] = Field(
        {}, description="suppression flag probabilities by segment name, or 'all' for every segment"
    )

    @model_validator(mode="after")
    def _check(self) -> Channels:
        if self.path and self.path not in self.paths:
            raise ValueError(f"path {self.path!r} is not among paths: {sorted(self.paths)}")
        for name, by_seg in self.paths.items():
            for seg, steps in by_seg.items():
                for k, st in enumerate(steps):
                    where = f"paths.{name}.{seg}.{k}"
                    if st.channel != CALL and getattr(self, st.channel) is None:
                        raise ValueError(
                            f"{where}: channel {st.channel!r} has no [channels.{st.channel}] block"
                        )
                    if st.until_day is not None and st.until_day < st.day:
                        raise ValueError(f"{where}: until_day {st.until_day} before day {st.day}")
                    if st.days_past_due is not None and st.days_past_due[0] >= st.days_past_due[1]:
                        raise ValueError(f"{where}: days_past_due band must have lo < hi")
        return self

    def problems(self, segments: list[str]) -> list[tuple[str, str]]:
        """Unknown segment names, as (key path, message) pairs."""
        out = []
        for name, by_seg in self.paths.items():
            for seg in by_seg:
                if seg not in segments:
                    out.append(
                        (f"channels.paths.{name}.{seg}", f"unknown segment; expected one of {segments}")
                    )
        for seg in self.suppressions:
            if seg != "all" and seg not in segments:
                out.append(
                    (f"channels.suppressions.{seg}", f"unknown segment; expected 'all' or one of {segments}")
                )
        return out

    def window_problems(self, compliance: Any) -> list[tuple[str, str]]:
        """Send times outside the calling window (12 CFR 1006.6(b)(1): no communication at a time
        inconvenient to the consumer, before 8 a.m. or after 9 p.m. local; letters excepted), as
        (key path, message) pairs. ``compliance``: the scenario's compliance block."""
        lo, hi = compliance.calling_window_start, compliance.calling_window_end
        out = []
        for name in self.on():
            if name == "letter":
                continue
            t = getattr(self, name).send_time
            if not clock_minutes(lo) <= clock_minutes(t) < clock_minutes(hi):
                out.append(
                    (
                        f"channels.{name}.send_time",
                        f"{t} is outside the calling window {lo}-{hi} (local to the account; "
                        "compliance.calling_window_start/_end)",
                    )
                )
        return out

    def on(self) -> list[str]:
        """The channels that are on, in CHANNELS order."""
        return [c for c in CHANNELS if getattr(self, c) is not None]

    def active_paths(self) -> dict[str, list[PathStep]]:
        """The paths in use, by segment name (empty without ``path``)."""
        return self.paths.get(self.path, {}) if self.path else {}

    def suppression_of(self, segment: str) -> Suppressions:
        """The flag probabilities of ``segment`` (its own, else ``all``, else none)."""
        return self.suppressions.get(segment) or self.suppressions.get("all") or Suppressions()
