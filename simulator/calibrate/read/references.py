"""References between the files of a folder (rule 7 of :mod:`.consistency`).

With accounts.csv, every account of dials.csv, promises.csv, payments.csv and
account_events.csv is listed there, with the same segment, and nothing happens to it before it
entered. A promise's account was dialed; a promise, payment or account event names a segment of
dials.csv; a payment's promise is in promises.csv, of the same account, and not paid before it
was made. With shifts.csv, every collector of dials.csv has a shift.
"""

from __future__ import annotations

import numpy as np

from .csv_table import Codes, Table
from .formats import ACCOUNTS, DIALS, EVENTS, PAYMENTS, PROMISES, SHIFTS
from .screen import Screen

__all__ = ["check_references", "DATE_OF"]

DATE_OF = {
    DIALS.name: "call_start",
    PROMISES.name: "made_at",
    PAYMENTS.name: "paid_date",
    EVENTS.name: "date",
}
"""The column that dates each row of a file (account references are checked at it)."""


def _day(a: np.ndarray) -> np.ndarray:
    return a.astype("datetime64[D]")


def _lookup(n: int, codes: np.ndarray, values: np.ndarray, fill) -> np.ndarray:
    """An array over ``n`` codes holding ``values`` at ``codes`` and ``fill`` elsewhere."""
    out = np.full(n, fill, dtype=np.asarray(values).dtype)
    out[codes] = values
    return out


def check_references(tables: dict[str, Table], codes: Codes, screen: Screen) -> None:
    """The references between the files (see the module doc), in place."""
    n_acct = len(codes.labels("account"))
    d = tables[DIALS.name]
    sh = tables.get(SHIFTS.name)
    if sh is not None:
        on_shift = _lookup(len(codes.labels("collector")) + 1, sh["collector_id"], np.ones(sh.n, bool), False)
        coll = d["collector_id"] if d.has("collector_id") else np.full(d.n, -1)
        names = codes.labels("collector")
        d.reject(
            screen,
            (coll >= 0) & ~on_shift[coll],
            "collector_id",
            "collector with no shift in shifts.csv",
            lambda i: (
                f"collector {names[coll[i]]!r} has no shift in shifts.csv; expected a collector of shifts.csv"
            ),
        )
    acc = tables.get(ACCOUNTS.name)
    accounts = codes.labels("account")
    segments = codes.labels("segment")
    if acc is not None:
        known = _lookup(n_acct, acc["account_id"], np.ones(acc.n, bool), False)
        seg_of = _lookup(n_acct, acc["account_id"], acc["segment"], -1)
        entered = _lookup(n_acct, acc["account_id"], acc["entered_date"], np.datetime64("NaT", "D"))
        for name in (DIALS.name, PROMISES.name, PAYMENTS.name, EVENTS.name):
            t = tables.get(name)
            if t is None:
                continue
            a = t["account_id"]
            t.reject(
                screen,
                ~known[a],
                "account_id",
                "account not in accounts.csv (or its row was excluded)",
                lambda i, a=a: (
                    f"account {accounts[a[i]]!r} is not in accounts.csv; expected an account listed there"
                ),
            )
            a, s = t["account_id"], t["segment"]
            t.reject(
                screen,
                seg_of[a] != s,
                "segment",
                "segment differs from the account's in accounts.csv",
                lambda i, a=a, s=s: (
                    f"segment {segments[s[i]]!r} differs from the segment of account {accounts[a[i]]!r} "
                    f"in accounts.csv ({segments[seg_of[a[i]]]!r}); expected the same segment"
                ),
            )
            a, when = t["account_id"], t[DATE_OF[name]]
            t.reject(
                screen,
                _day(when) < entered[a],
                DATE_OF[name],
                "before the account entered",
                lambda i, a=a, when=when: (
                    f"{when[i]} is before account {accounts[a[i]]!r} entered "
                    f"({entered[a[i]]} in accounts.csv)"
                ),
            )
    dialed = _lookup(n_acct, d["account_id"], np.ones(d.n, bool), False)
    seg_dialed = _lookup(len(segments), d["segment"], np.ones(d.n, bool), False)
    p = tables.get(PROMISES.name)
    if p is not None:
        a = p["account_id"]
        p.reject(
            screen,
            ~dialed[a],
            "account_id",
            "account with no dial in dials.csv",
            lambda i: (
                f"account {accounts[a[i]]!r} has no dial in dials.csv; expected a promise made in a "
                "conversation with a dialed account"
            ),
        )
    for name in (PROMISES.name, PAYMENTS.name, EVENTS.name):
        t = tables.get(name)
        if t is not None:
            s = t["segment"]
            t.reject(
                screen,
                ~seg_dialed[s],
                "segment",
                "segment with no dial in dials.csv",
                lambda i, s=s: (
                    f"segment {segments[s[i]]!r} has no dial in dials.csv; expected a segment of dials.csv"
                ),
            )
    pay = tables.get(PAYMENTS.name)
    if p is not None and pay is not None and pay.has("promise_id"):
        _payment_promises(pay, p, codes, screen)


def _payment_promises(pay: Table, p: Table, codes: Codes, screen: Screen) -> None:
    n = len(codes.labels("promise")) + 1
    ids = codes.labels("promise")
    known = _lookup(n, p["promise_id"], np.ones(p.n, bool), False)
    acct = _lookup(n, p["promise_id"], p["account_id"], -1)
    made = _lookup(n, p["promise_id"], _day(p["made_at"]), np.datetime64("NaT", "D"))
    pid = pay["promise_id"]
    pay.reject(
        screen,
        (pid >= 0) & ~known[pid],
        "promise_id",
        "promise not in promises.csv (or its row was excluded)",
        lambda i: f"promise {ids[pid[i]]!r} is not in promises.csv; expected a promise listed there",
    )
    pid, a = pay["promise_id"], pay["account_id"]
    accounts = codes.labels("account")
    pay.reject(
        screen,
        (pid >= 0) & (acct[pid] != a),
        "account_id",
        "account differs from the promise's",
        lambda i: (
            f"account {accounts[a[i]]!r} is not the account of promise {ids[pid[i]]!r} "
            f"({accounts[acct[pid[i]]]!r}); expected the account that made the promise"
        ),
    )
    pid, paid = pay["promise_id"], pay["paid_date"]
    with np.errstate(invalid="ignore"):
        early = (pid >= 0) & (paid < made[pid])
    pay.reject(
        screen,
        early,
        "paid_date",
        "paid before the promise was made",
        lambda i: f"{paid[i]} is before promise {ids[pid[i]]!r} was made ({made[pid[i]]})",
    )
