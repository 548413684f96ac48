"""Several phone numbers per account (``segments.<name>.phone_numbers``; scenario/phones.py): which
number a dial tries, what it reaches, and the TCPA's consent rule for cell phones.

Each account holds one to eight numbers, each with a type (cell, home, work), a state (the codes
of phones.PhoneState: valid, disconnected, or traced: a fresh number a skip trace found), a
consent flag and its own outcome table by local slot (weekday * 24 + hour).

**Which number a dial tries** (:meth:`AccountPhones.pick`): among the account's numbers the
dialer may dial (below), those not found invalid; of them, the one with the highest answer
multiplier at the account's local hour and weekday, leaving out the number of the account's
last dial when another is left (ties: the first listed). A number is found invalid after one
invalid dial (after ``skip_trace.invalid_attempts`` with skip tracing on). When every number the
dialer may dial has been found invalid, the first of them is dialed again (and ends invalid
again: skip tracing, when on, takes the account off the lists).

**Consent** (``compliance.cell_without_consent``, ``enforce_cell_consent``): a cell number
without consent is not dialed by the progressive or predictive dialer (``manual_only``), nor by a
collector in preview mode (``never``). An account with no number its dialer may dial is kept off
the lists for the whole run (``blocked_until_s`` = infinity) and counted. With enforcement off
every number may be dialed; the dials to cells without consent are counted either way
(``autodialed_cells_without_consent`` in the compliance block, ``manual_dials_cells_without_
consent`` in the ``phones`` block). A number a skip trace finds has no consent.

The kernel (DialKernel.draw, and its inlined copy through :meth:`outcome`) calls :meth:`dial`,
and :meth:`note` when the dial ends (DialKernel.finish; after a run of dials for the run's
dials): the number used goes to the dial log's ``phone`` column (the trace's ``phone_type`` and
``phone_index``) and the measured dials are counted by type.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..base.outcomes import BUSY, INVALID, MACHINE, NO_ANSWER, RPC, THIRD_PARTY
from ..scenario.phones import PHONE_TYPES
from .phones import DISCONNECTED, TRACED, VALID, _cumulative, valid_number_probabilities

if TYPE_CHECKING:  # pragma: no cover
    from ..base.rng import Streams
    from ..scenario.phones import PhoneNumber
    from ..scenario.schema import Scenario, Segment
    from .portfolio import Portfolio

CELL = PHONE_TYPES.index("cell")
HOME = PHONE_TYPES.index("home")
WORK = PHONE_TYPES.index("work")
LIVE = (THIRD_PARTY, RPC)


def number_table(
    seg: Segment, number: PhoneNumber, rpc_multiplier: float = 1.0
) -> tuple[list[list[float]], list[float]]:
    """A working number's cumulative outcome probabilities by local slot (weekday * 24 + hour)
    and its answer multiplier by slot: the segment's probabilities without invalid dials,
    renormalised, both live outcomes times the number's multiplier and the right party's also
    times ``rpc_multiplier`` (a traced number), cut to a live probability of at most 1; no
    answer, busy and machine rescaled to make up the rest."""
    by_hour, by_weekday = number.hour_multipliers(), number.weekday_multipliers()
    tables, mults = [], []
    for wd in range(7):
        for h in range(24):
            g = valid_number_probabilities(seg, h, wd)
            m = by_hour[h] * by_weekday[wd]
            mults.append(m)
            tp, rpc = g[THIRD_PARTY] * m, min(1.0, g[RPC] * m * rpc_multiplier)
            live = tp + rpc
            if live > 1.0:
                tp, rpc, live = tp / live, rpc / live, 1.0
            unanswered = 1.0 - g[THIRD_PARTY] - g[RPC]
            scale = (1.0 - live) / unanswered if unanswered > 0 else 0.0
            out = [x * scale for x in g]
            out[THIRD_PARTY], out[RPC] = tp, rpc
            if unanswered <= 0 and live < 1.0:
                out[NO_ANSWER] = 1.0 - live
            tables.append(_cumulative(out))
    return tables, mults


class Propensities(Protocol):
    """What a dial reads of account-level behaviour (behaviour.AccountBehaviour)."""

    def answer_propensity(self, a: int) -> float: ...


def scaled_outcome(cum: list[float], m: float, u: float) -> int:
    """The outcome drawn from uniform ``u`` of a number's cumulative table ``cum`` (number_table)
    with both live outcomes times ``m`` (an account's answer propensity, behaviour.py), cut to a
    live probability of at most 1, no answer, busy and machine rescaled to make up the rest."""
    na, busy, machine = cum[NO_ANSWER], cum[BUSY] - cum[NO_ANSWER], cum[MACHINE] - cum[BUSY]
    tp, rpc = (cum[THIRD_PARTY] - cum[INVALID]) * m, (1.0 - cum[THIRD_PARTY]) * m  # cum[RPC]: 2
    live = tp + rpc
    if live > 1.0:
        tp, rpc, live = tp / live, rpc / live, 1.0
    unanswered = na + busy + machine
    scale = (1.0 - live) / unanswered if unanswered > 0 else 0.0
    x = na * scale if unanswered > 0 else 1.0 - live
    if u < x:
        return NO_ANSWER
    x += busy * scale
    if u < x:
        return BUSY
    x += machine * scale
    if u < x:
        return MACHINE
    return THIRD_PARTY if u < x + tp else RPC


class AccountPhones:
    """Every account's phone numbers, in flat lists indexed by number (an account's numbers are
    ``first[a]`` to ``first[a] + count[a] - 1``)."""

    __slots__ = (
        "automatic",
        "count",
        "consent",
        "dialable",
        "dials_by_type",
        "first",
        "first_measured_s",
        "invalid_after",
        "invalid_n",
        "kind",
        "last",
        "live_by_type",
        "manual_no_consent",
        "auto_no_consent",
        "callbacks_dropped",
        "revoked",
        "revoked_at",
        "message_screen",
        "messages_held",
        "messages_no_consent",
        "messages_counted",
        "behaviour",
        "mults",
        "no_dialable_phone",
        "rpc_by_type",
        "screen",
        "state",
        "table",
        "tables",
        "traced_tables",
        "invalid_by_type",
    )

    def __init__(
        self, scenario: Scenario, portfolio: Portfolio, streams: Streams, first_measured_s: float
    ) -> None:
        sc, p = scenario, portfolio
        comp = sc.compliance
        self.automatic = sc.dialer.mode != "preview"
        # a cell without consent may not be dialed by this world's dialer
        self.screen = comp.enforce_cell_consent and (self.automatic or comp.cell_without_consent == "never")
        skip = sc.skip_trace if sc.special_on("skip_trace") else None
        self.invalid_after = skip.invalid_attempts if skip is not None else 1
        traced_mult = skip.new_number_rpc_multiplier if skip is not None else 1.0
        self.first_measured_s = first_measured_s
        # account-level behaviour (behaviour.py), whose answer propensity scales each dial's live
        # outcomes (the builder sets it), or None
        self.behaviour: Propensities | None = None
        n = p.n
        width = max(len(seg.phone_numbers) for seg in sc.segments.values())
        present = np.zeros((n, width), dtype=bool)
        valid = np.zeros((n, width), dtype=bool)
        consent = np.zeros((n, width), dtype=bool)
        table_of = np.zeros((n, width), dtype=np.int64)
        kinds = np.zeros((n, width), dtype=np.int64)
        self.tables: list[list[list[float]]] = []
        self.traced_tables: list[list[list[float]]] = []
        self.mults: list[list[float]] = []
        for i, (name, seg) in enumerate(sc.segments.items()):
            mine = np.flatnonzero(p.segment == i)  # the initial accounts, then those entering later
            nums = seg.phone_numbers
            k = len(nums)
            u_has = streams.generator(f"phones/{name}/present").random((len(mine), k))
            u_valid = streams.generator(f"phones/{name}/valid").random((len(mine), k))
            u_consent = streams.generator(f"phones/{name}/consent").random((len(mine), k))
            has = u_has < np.array([x.share for x in nums])
            has[~has.any(axis=1), 0] = True  # an account with none drawn has the first listed
            q_valid = [1.0 - seg.outcomes.invalid.probability if x.valid is None else x.valid for x in nums]
            present[mine, :k] = has
            valid[mine, :k] = u_valid < np.array(q_valid)
            consent[mine, :k] = u_consent < np.array([x.consent for x in nums])
            kinds[mine, :k] = [PHONE_TYPES.index(x.type) for x in nums]
            table_of[mine, :k] = len(self.tables) + np.arange(k)
            for x in nums:
                tables, mults = number_table(seg, x)
                self.tables.append(tables)
                self.mults.append(mults)
                self.traced_tables.append(
                    number_table(seg, x, traced_mult)[0] if traced_mult != 1.0 else tables
                )
        at = present.ravel()  # row-major: each account's numbers together, in the listed order
        count = present.sum(axis=1)
        self.count: list[int] = count.tolist()
        p.phones = count  # accounts.csv's phones column
        self.first: list[int] = (np.cumsum(count) - count).tolist()
        self.kind: list[int] = kinds.ravel()[at].tolist()
        self.state: list[int] = np.where(valid.ravel()[at], VALID, DISCONNECTED).tolist()
        self.consent: list[bool] = consent.ravel()[at].tolist()
        self.table: list[int] = table_of.ravel()[at].tolist()
        self.invalid_n = [0] * len(self.kind)
        self.dialable = [not self.screen or k != CELL or c for k, c in zip(self.kind, self.consent)]
        self.last = [-1] * n  # the number of each account's last dial
        self.no_dialable_phone = 0
        for a in range(n):
            self._check_dialable(a, p)
        types = len(PHONE_TYPES)
        self.dials_by_type = [0] * types
        self.live_by_type = [0] * types
        self.rpc_by_type = [0] * types
        self.invalid_by_type = [0] * types
        self.auto_no_consent = self.manual_no_consent = 0
        self.callbacks_dropped = 0
        self.revoked = 0  # cells whose consent an opt-out revoked (revoke)
        self.revoked_at: dict[int, float] = {}  # number (flat index) -> when (s) revoke took its consent
        # texts and recorded messages (message_to): a cell without consent is not used when the
        # consent rule is enforced; the messages to such cells (not enforced) and those held for
        # want of a number are counted by the channels (world/channels.py), which set
        # messages_counted
        self.message_screen = comp.enforce_cell_consent
        self.messages_held = self.messages_no_consent = 0
        self.messages_counted = False

    def _check_dialable(self, a: int, p: Portfolio) -> None:
        """Keep account ``a`` off the lists for good when its dialer may dial none of its numbers."""
        f = self.first[a]
        if not any(self.dialable[f : f + self.count[a]]):
            p.blocked_until_s[a] = np.inf
            self.no_dialable_phone += 1

    def has_dialable(self, a: int) -> bool:
        """Whether the dialer may dial some number of account ``a`` (a dial needs one: the lists
        leave out an account with none; a call-back to it is dropped, callbacks.py)."""
        f = self.first[a]
        return any(self.dialable[f : f + self.count[a]])

    def pick(self, a: int, slot: int) -> int:
        """The number (flat index) a dial to account ``a`` at local slot ``slot`` tries (the
        module's rule); account ``a`` has a number the dialer may dial (:meth:`has_dialable`)."""
        f = self.first[a]
        last = self.last[a]
        dialable, invalid_n, after = self.dialable, self.invalid_n, self.invalid_after
        best, best_m, again, fallback = -1, -1.0, -1, -1
        for i in range(f, f + self.count[a]):
            if not dialable[i]:
                continue
            if fallback < 0:
                fallback = i
            if invalid_n[i] >= after:
                continue
            if i == last:
                again = i
                continue
            m = self.mults[self.table[i]][slot]
            if m > best_m:
                best, best_m = i, m
        if best >= 0:
            return best
        return again if again >= 0 else fallback

    def message_to(self, a: int, sms: bool) -> int:
        """The number (flat index) a text (``sms``) or a pre-recorded call to account ``a`` goes
        to, -1 when none may be used: a text to the account's first cell number, a recorded
        call to its first personal (cell or home) number, either to its first number when it has
        none of those; with ``enforce_cell_consent`` (TCPA: an autodialed text or a prerecorded
        call to a cell needs prior express consent) cells without consent are left out, so an
        account whose only numbers are such cells gets none."""
        f = self.first[a]
        kinds, consent = self.kind, self.consent
        screen = self.message_screen
        first = -1
        for i in range(f, f + self.count[a]):
            k = kinds[i]
            if screen and k == CELL and not consent[i]:
                continue
            if k == CELL or (k == HOME and not sms):
                return i
            if first < 0:
                first = i
        return first

    def dial(self, a: int, slot: int, u: float) -> int:
        """A dial to account ``a`` at local slot ``slot``: picks its number and returns the outcome
        drawn from uniform ``u``."""
        i = self.pick(a, slot)
        if i < 0:  # the lists, call-backs and reminders leave such accounts out (has_dialable)
            raise RuntimeError(f"account {a} has no number the dialer may dial")
        self.last[a] = i
        st = self.state[i]
        if st == DISCONNECTED:
            self.invalid_n[i] += 1
            return INVALID
        cum = (self.traced_tables if st == TRACED else self.tables)[self.table[i]][slot]
        if self.behaviour is not None:
            return scaled_outcome(cum, self.behaviour.answer_propensity(a), u)
        return bisect_right(cum, u)

    def outcome(self, a: int, s: int, slot: int, u: float) -> int:
        """:meth:`dial` with the signature of AccountBehaviour.outcome (``s``, the account's
        segment, unused), for the inlined kernel (ProgressiveDialer.run_of_dials)."""
        return self.dial(a, slot, u)

    def note(self, a: int, o: int, t: float) -> int:
        """The dial to account ``a`` placed at ``t`` ended in outcome ``o``: counted by type (and
        against the consent rule) when ``t`` is measured. Returns the index of its number among
        the account's, for the dial log's ``phone`` column."""
        i = self.last[a]
        j = i - self.first[a]
        if t < self.first_measured_s:
            return j
        k = self.kind[i]
        self.dials_by_type[k] += 1
        if o == RPC:
            self.rpc_by_type[k] += 1
        if o in LIVE:
            self.live_by_type[k] += 1
        elif o == INVALID:
            self.invalid_by_type[k] += 1
        if k == CELL and not self.consent[i]:
            if self.automatic:
                self.auto_no_consent += 1
            else:
                self.manual_no_consent += 1
        return j

    def consent_at(self, a: int, j: int, t: float) -> bool:
        """Whether account ``a``'s ``j``-th number had consent at ``t`` (s): its consent now, or
        one an opt-out revoked after ``t`` (the trace's ``consent`` column)."""
        i = self.first[a] + j
        return self.consent[i] or self.revoked_at.get(i, -1.0) > t

    def revoke(self, a: int, p: Portfolio, t: float) -> None:
        """Account ``a``'s opt-out (STOP to a text or an IVR call, world/channels.py) revokes its
        consent on every cell number of the account (FCC: consent may be revoked by any
        reasonable means, 47 CFR 64.1200(a)(10)): neither the dialer (under the consent rule)
        nor a text or an IVR call uses them again; an account left with no number the dialer
        may dial goes off the lists for good. ``t``: now (s)."""
        f = self.first[a]
        mine = range(f, f + self.count[a])
        had = any(self.dialable[i] for i in mine)
        for i in mine:
            if self.kind[i] == CELL and self.consent[i]:
                self.consent[i] = False
                self.revoked += 1
                self.revoked_at[i] = t
                self.dialable[i] = not self.screen
        if had and not any(self.dialable[i] for i in mine):
            p.blocked_until_s[a] = np.inf
            self.no_dialable_phone += 1

    # skip tracing (tasks/skip_trace.py)

    def all_found_invalid(self, a: int) -> bool:
        """Whether every number of account ``a`` its dialer may dial has been found invalid."""
        f = self.first[a]
        after = self.invalid_after
        return all(self.invalid_n[i] >= after for i in range(f, f + self.count[a]) if self.dialable[i])

    def working(self, a: int) -> bool:
        """Whether some number of account ``a`` its dialer may dial reaches the debtor's line."""
        f = self.first[a]
        return any(self.state[i] != DISCONNECTED and self.dialable[i] for i in range(f, f + self.count[a]))

    def traced(self, a: int, bad: bool, p: Portfolio) -> None:
        """A skip trace found account ``a`` a fresh number (``bad``: one that does not work): it
        replaces the account's first number found invalid (else that of its last dial), keeps its
        type, has no consent, and is untried."""
        f = self.first[a]
        mine = range(f, f + self.count[a])
        i = next((j for j in mine if self.invalid_n[j] >= self.invalid_after), max(self.last[a], f))
        self.state[i] = DISCONNECTED if bad else TRACED
        self.invalid_n[i] = 0
        self.consent[i] = False
        self.dialable[i] = not self.screen or self.kind[i] != CELL
        if not any(self.dialable[j] for j in mine):
            p.blocked_until_s[a] = np.inf
            self.no_dialable_phone += 1

    def block(self) -> dict[str, float]:
        """The results' ``phones`` block: measured dials, live answers, right-party contacts and
        invalid dials by phone type, the accounts no number of which the dialer may dial, the
        preview dials to cells without consent, and the call-backs dropped (set in the measured
        period) because the dialer may dial none of the account's numbers."""
        out: dict[str, float] = {}
        for k, name in enumerate(PHONE_TYPES):
            out[f"dials_{name}"] = float(self.dials_by_type[k])
            out[f"live_answers_{name}"] = float(self.live_by_type[k])
            out[f"rpc_{name}"] = float(self.rpc_by_type[k])
            out[f"invalid_{name}"] = float(self.invalid_by_type[k])
        out["numbers_per_account"] = float(np.mean(self.count)) if self.count else 0.0
        out["accounts_without_dialable_phone"] = float(self.no_dialable_phone)
        out["manual_dials_cells_without_consent"] = float(self.manual_no_consent)
        out["callbacks_without_dialable_phone"] = float(self.callbacks_dropped)
        out["cells_consent_revoked"] = float(self.revoked)
        return out

    def kind_at(self, a: int, j: int) -> int:
        """The type code of account ``a``'s ``j``-th number (0 = its first)."""
        return self.kind[self.first[a] + j]
