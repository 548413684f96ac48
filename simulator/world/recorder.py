"""What a dialer and a collection system would export, recorded as the world runs (``trace=True``):
every promise made and how it ended, every payment, every account leaving or coming back, and
every collector's shift. The dials themselves are the day's dial-log columns (World.trace).
experiment/trace_export.py writes these as the CSV files of docs/data-formats.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..base.clock import DAY_S

KINDS = {None: "promise", "plan": "plan_installment", "settlement": "settlement", "reage": "reage"}
"""A promise's kind in promises.csv, by the option of its arrangement (None: a conversation's)."""


@dataclass
class PromiseRecord:
    promise_id: int
    made_at_s: float
    account: int
    segment: int
    collector: int
    amount_usd: float
    due_day: int
    kind: str
    status: str = "pending"  # kept, broken, or pending (still open when the run ended)
    paid_usd: float = 0.0
    paid_day: int = -1


@dataclass
class Recorder:
    """Records of one replication, in the order things happened."""

    promises: list[PromiseRecord] = field(default_factory=list)
    payments: list[tuple[int, int, int, float, str, int]] = field(default_factory=list)
    """(day, account, segment, amount_usd, source, promise_id or -1)"""
    shifts: list[tuple[int, int, float, float, float, float]] = field(default_factory=list)
    """(day, collector, login_s, logout_s, paid_s, productive_s)"""
    events: list[tuple[int, int, int, str, float]] = field(default_factory=list)
    """(day, account, segment, event, days_past_due): an account leaving the portfolio (paid,
    cured, settled, charged_off, placed) or coming back to it (redefaulted)"""
    inbound_calls: list[tuple[int, int, int, float, float, float, int]] = field(default_factory=list)
    """(collector, account, segment, arrived_s, answered_s, ended_s, negotiated): an inbound call
    answered by collector row ``collector`` (talk over at ``ended_s``), or abandoned (collector
    -1, ``answered_s`` NaN, hung up at ``ended_s``); account -1: a caller with no account;
    ``negotiated`` 1 when the caller's account was open (world/account_lines.py)"""
    phone_at_entry: list[int] | None = None  # Portfolio.phone as the world was built
    _open: dict[int, PromiseRecord] = field(default_factory=dict)  # id(book entry) -> its record

    def promise_made(self, entry: list, made_at_s: float, due_day: int, option: str | None = None) -> None:
        """A promise book entry was filed (promises.PromiseBook.add) at ``made_at_s``."""
        rec = PromiseRecord(
            len(self.promises), made_at_s, entry[1], entry[2], entry[0], entry[3], due_day, KINDS[option]
        )
        self.promises.append(rec)
        self._open[id(entry)] = rec

    def promise_settled(self, entry: list, kept: bool, paid_usd: float, day: int) -> None:
        rec = self._open.pop(id(entry))
        rec.status = "kept" if kept else "broken"
        if kept:
            rec.paid_usd, rec.paid_day = paid_usd, day
            self.payments.append((day, rec.account, rec.segment, paid_usd, rec.kind, rec.promise_id))

    def self_cure(self, day: int, accounts: list[int], segments: list[int], amounts: list[float]) -> None:
        for a, s, x in zip(accounts, segments, amounts):
            self.payments.append((day, a, s, x, "self_cure", -1))

    def accounts_moved(
        self, day: int, accounts: list[int], segments: list[int], event: str, days_past_due: list[float]
    ) -> None:
        """Accounts left the portfolio (or came back: ``redefaulted``) on calendar day ``day``."""
        for a, s, d in zip(accounts, segments, days_past_due):
            self.events.append((day, a, s, event, d))

    def shift(
        self, collector: int, login_s: float, logout_s: float, paid_s: float, productive_s: float
    ) -> None:
        self.shifts.append((int(login_s // DAY_S), collector, login_s, logout_s, paid_s, productive_s))
