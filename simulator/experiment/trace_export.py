"""The dial-level trace of a replication as the CSV files a dialer and a collection system
export (docs/data-formats.md): dials, promises, payments, accounts, shifts, account events,
inbound calls (a header alone when the scenario has no ``[inbound]`` block), the rule packs'
audit trail (rules.csv: a header alone without ``compliance.rules``) and the channels' messages
(messages.csv: a header alone without ``[channels]``).

``collectsim run ... --trace DIR`` runs replication 0 with the world's recorder on
(``run_replication(..., trace=True)``: the same numbers as without it), builds the files with
:func:`trace_tables` where the replication ran and writes them into DIR.
``collectsim calibrate DIR`` reads them back.
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import numpy as np

from ..base.clock import HOUR_S
from ..base.csvcells import safe_cell
from ..base.fileio import atomic_write
from ..base.outcomes import ABANDONED, OUTCOME_NAMES
from ..scenario.phones import PHONE_TYPES
from ..scenario.schema import Scenario
from ..world.build import World
from ..world.calendar import nominal_date
from ..world.phones import EXPORTED_STATUS
from ..world.portfolio import WAITING

TRACE_FILES = (
    "dials.csv",
    "promises.csv",
    "payments.csv",
    "accounts.csv",
    "shifts.csv",
    "account_events.csv",
    "inbound_calls.csv",
    "rules.csv",
    "messages.csv",
)


DIAL_COLUMNS = (
    "call_start",
    "account_id",
    "segment",
    "tz_offset_h",
    "collector_id",
    "campaign",
    "dialer_mode",
    "outcome",
    "ring_s",
    "talk_s",
    "wrap_s",
    "abandoned",
)
"""The columns of dials.csv every export writes (docs/data-formats.md); with several numbers per
account, ``phone_type``, ``phone_index`` and ``consent`` follow."""


def traced_world(scenario: Scenario, seed: int, replication: int = 0) -> World:
    """Run one replication with its trace and recorder on; returns the finished world."""
    w = World(scenario, seed, replication, trace=True)
    w.run()
    return w


class _Clock:
    """Simulation seconds and days as the nominal dates of docs/data-formats.md."""

    def __init__(self, scenario: Scenario) -> None:
        start = nominal_date(scenario.calendar.start_weekday)
        self.origin = datetime.datetime(start.year, start.month, start.day)

    def when(self, seconds: float) -> str:
        return (self.origin + datetime.timedelta(seconds=float(seconds))).isoformat(timespec="milliseconds")

    def date(self, day: int) -> str:
        return (self.origin + datetime.timedelta(days=int(day))).date().isoformat()


def _csv(header: list[str], rows) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)
    return buf.getvalue().encode("utf-8")


def trace_tables(w: World) -> dict[str, bytes]:
    """The nine files' contents (CSV bytes) of a finished traced world."""
    sc, p, st = w.scenario, w.portfolio, w.structure
    clock = _Clock(sc)
    names = [f"A{a}" for a in range(p.n)]
    # The names are the scenario's text; made safe for spreadsheets once (base.csvcells), since
    # every other cell is a number, a date or collectsim's own vocabulary.
    segs = [safe_cell(s) for s in st.segments]
    collectors = [safe_cell(c) for c in st.collectors]
    campaigns = [safe_cell(c) for c in st.campaigns]
    offset_h = [x / HOUR_S for x in p.bucket_offset_s]
    tr = w.trace_arrays()
    n_coll = len(collectors)
    mode = sc.dialer.mode
    numbers = w.phone_numbers  # several numbers per account: dials.csv names the number dialed
    dials = []
    for coll, a, camp, t, o, ring, talk, wrap in zip(
        tr["coll"].astype(int).tolist(),
        tr["acct"].astype(int).tolist(),
        tr["camp"].astype(int).tolist(),
        tr["t"].tolist(),
        tr["out"].astype(int).tolist(),
        tr["ring"].tolist(),
        tr["talk"].tolist(),
        tr["wrap"].tolist(),
    ):
        dials.append(
            (
                clock.when(t),
                names[a],
                segs[p.segment_list[a]],
                f"{offset_h[p.bucket_list[a]]:g}",
                collectors[coll] if coll < n_coll else "",
                campaigns[camp],
                mode,
                OUTCOME_NAMES[o],
                f"{ring:.3f}",
                f"{talk:.3f}",
                f"{wrap:.3f}",
                int(o == ABANDONED),
            )
        )
    dial_columns = list(DIAL_COLUMNS)
    if numbers is not None:
        dial_columns += ["phone_type", "phone_index", "consent"]
        dials = [
            (*row, PHONE_TYPES[numbers.kind_at(a, j)], j, int(numbers.consent_at(a, j, t)))
            for row, a, j, t in zip(
                dials, tr["acct"].astype(int).tolist(), tr["phone"].astype(int).tolist(), tr["t"].tolist()
            )
        ]
    rec = w.recorder
    promises = []
    for r in sorted(rec.promises, key=lambda r: r.made_at_s):
        kept = r.status == "kept"
        promises.append(
            (
                f"P{r.promise_id}",
                clock.when(r.made_at_s),
                names[r.account],
                segs[r.segment],
                collectors[r.collector] if r.collector >= 0 else "",  # -1: made in the IVR
                f"{r.amount_usd:.2f}",
                clock.date(r.due_day),
                r.kind,
                r.status,
                f"{r.paid_usd:.2f}" if kept else "",
                clock.date(r.paid_day) if kept else "",
            )
        )
    payments = [
        (clock.date(day), names[a], segs[s], f"{x:.2f}", source, f"P{pid}" if pid >= 0 else "")
        for day, a, s, x, source, pid in sorted(rec.payments, key=lambda r: r[0])
    ]
    entered = np.flatnonzero(p.status != WAITING)
    living = w.living
    minimum = living.min_payment if living is not None else None
    phone = rec.phone_at_entry
    # Columns the model has: no past-due amount in a closed portfolio, no phones without
    # account-level behaviour (an optional column is left out rather than left empty).
    columns = (
        ["account_id", "segment", "entered_date", "balance_usd"]
        + (["past_due_usd"] if minimum is not None else [])
        + ["days_past_due", "risk_score"]
        + (["phones"] if p.phones is not None else [])
        + (["phone_status"] if phone is not None else [])
        + ["tz_offset_h", "control"]
        + (["state"] if p.state is not None else [])
    )
    states = [safe_cell(x) for x in p.state_names]
    accounts = []
    for a in entered.tolist():
        dpd = float(p.days_past_due_at_entry[a])
        # The initial portfolio was there before the run: dated the day before its first day,
        # so it is told apart from the first day's inflow; its attributes are those of day 0.
        entered_day = p.entry_day[a] - (1 if a < p.n_initial else 0)
        row = [names[a], segs[p.segment_list[a]], clock.date(entered_day), f"{p.balance_at_entry[a]:.2f}"]
        if minimum is not None:
            row.append(f"{min(minimum[a] * np.ceil(dpd / 30.0), p.balance_at_entry[a]):.2f}")
        row += [f"{dpd:g}", f"{p.risk_score[a]:g}"]
        if p.phones is not None:
            row.append(int(p.phones[a]))
        if phone is not None:
            row.append(EXPORTED_STATUS[phone[a]])
        row += [f"{offset_h[p.bucket_list[a]]:g}", int(p.control[a])]
        if p.state is not None:
            row.append(states[p.state[a]])
        accounts.append(row)
    events = [
        (clock.date(day), names[a], segs[s], event, f"{dpd:g}")
        for day, a, s, event, dpd in sorted(rec.events, key=lambda r: r[0])
    ]
    team_of = [safe_cell(st.teams[t]) for t in st.collector_team]
    shifts = [
        (
            clock.date(day),
            collectors[c],
            team_of[c],
            clock.when(login),
            clock.when(logout),
            f"{paid:.3f}",
            f"{productive:.3f}",
        )
        for day, c, login, logout, paid, productive in sorted(rec.shifts)
    ]
    inbound = [
        (
            clock.when(arrived),
            names[a] if a >= 0 else "",
            segs[s],
            "" if answered != answered else clock.when(answered),  # NaN: abandoned
            clock.when(ended),
            collectors[coll] if coll >= 0 else "",
            negotiated,
        )
        for coll, a, s, arrived, answered, ended, negotiated in sorted(rec.inbound_calls, key=lambda r: r[3])
    ]
    return {
        "dials.csv": _csv(dial_columns, dials),
        "promises.csv": _csv(
            [
                "promise_id",
                "made_at",
                "account_id",
                "segment",
                "collector_id",
                "amount_usd",
                "due_date",
                "kind",
                "status",
                "paid_usd",
                "paid_date",
            ],
            promises,
        ),
        "payments.csv": _csv(
            ["paid_date", "account_id", "segment", "amount_usd", "source", "promise_id"], payments
        ),
        "accounts.csv": _csv(columns, accounts),
        "shifts.csv": _csv(
            ["date", "collector_id", "team", "login", "logout", "paid_s", "productive_s"], shifts
        ),
        "account_events.csv": _csv(["date", "account_id", "segment", "event", "days_past_due"], events),
        "inbound_calls.csv": _csv(
            ["arrived_at", "account_id", "segment", "answered_at", "ended_at", "collector_id", "negotiated"],
            inbound,
        ),
        "rules.csv": _csv(
            ["at", "account_id", "segment", "kind", "rule", "action"], _audit_rows(w, clock, names, segs)
        ),
        "messages.csv": _csv(
            ["sent_at", "account_id", "segment", "channel", "phone_type", "action", "delivered"],
            _message_rows(w, clock, names, segs),
        ),
    }


def _message_rows(w: World, clock: _Clock, names: list[str], segs: list[str]) -> list[list]:
    """messages.csv: each message a channel sent, or a rule pack blocked (world/channels.py), in
    time order."""
    ch = w.channels
    if ch is None or ch.messages is None:
        return []
    seg = w.portfolio.segment
    return [
        [
            clock.when(t),
            names[a],
            segs[seg[a]],
            channel,
            PHONE_TYPES[kind] if kind >= 0 else "",
            action,
            int(got),
        ]
        for t, channel, a, kind, action, got in sorted(ch.messages, key=lambda r: (r[0], r[2]))
    ]


def _audit_rows(w: World, clock: _Clock, names: list[str], segs: list[str]) -> list[list[str]]:
    """rules.csv: each action a rule pack did not permit (world/rule_engine.py) and each account
    held for its address's calling window (world/address_zones.py), in time order."""
    rows = [
        *(w.rule_engine.audit or [] if w.rule_engine is not None else []),
        *(w.address_zones.audit or [] if w.address_zones is not None else []),
    ]
    seg = w.portfolio.segment
    return [
        [clock.when(t), names[a], segs[seg[a]], kind, safe_cell(rule), action]
        for t, a, kind, rule, action in sorted(rows, key=lambda r: (r[0], r[1]))
    ]


def write_trace(w: World, folder: Path) -> list[Path]:
    """Write the nine files of a finished traced world into ``folder`` (which must exist and
    have been checked for writing); returns their paths."""
    out = []
    for name, data in trace_tables(w).items():
        path = Path(folder) / name
        atomic_write(path, data)
        out.append(path)
    return out


__all__ = ["TRACE_FILES", "traced_world", "trace_tables", "write_trace"]
