"""Issue 25's done-when, on the trace of scenarios/channels.toml (both contact paths): the rule
packs hold on every dial and message, no cell without consent is autodialed, and with enforcement
off the compliance block's counts are those found again on the trace (dials.csv, messages.csv,
inbound_calls.csv, accounts.csv)."""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from pathlib import Path

import pytest

from simulator.experiment.trace_export import trace_tables, traced_world
from simulator.scenario.load import load_scenario
from simulator.scenario.rules import shipped_packs

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "channels.toml"
SEED = 11
NOT_CONNECTING = {"busy", "invalid"}
MESSAGE_KIND = {
    "sms": "sms",
    "voicemail": "voicemail",
    "ivr_call": "ivr",
    "email": "email",
    "letter": "letter",
}


def _rows(tables: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(tables[name].decode())))


def _run(path: str, enforce: bool):
    over = [f"channels.path={path}"]
    if not enforce:
        over += ["compliance.enforce_rules=false", "compliance.enforce_cell_consent=false"]
    sc = load_scenario(SCENARIO, over).scenario
    w = traced_world(sc, SEED)
    return sc, w, trace_tables(w)


class Actions:
    """The counted actions of a trace: (day, seconds, account, kind, number class, connected) per
    dial and message made, and the end (s) of each right-party conversation per account."""

    def __init__(self, tables: dict[str, bytes]) -> None:
        first = _rows(tables, "accounts.csv")[0]["entered_date"]
        # the initial accounts are dated the day before day 0
        self.origin = datetime.datetime.fromisoformat(first) + datetime.timedelta(days=1)
        self.state = {r["account_id"]: r["state"] for r in _rows(tables, "accounts.csv")}
        self.actions: list[tuple[int, float, str, str, str, bool]] = []
        self.conversations: dict[str, list[float]] = defaultdict(list)
        self.dials = _rows(tables, "dials.csv")
        for r in self.dials:
            t = self._s(r["call_start"])
            number = "other" if r["phone_type"] == "work" else "personal"
            self.actions.append(
                (int(t // 86400), t, r["account_id"], "call", number, r["outcome"] not in NOT_CONNECTING)
            )
            if r["outcome"] == "rpc":
                self.conversations[r["account_id"]].append(t + float(r["ring_s"]) + float(r["talk_s"]))
        self.messages = _rows(tables, "messages.csv")
        for r in self.messages:
            if r["action"] == "blocked":
                continue
            t = self._s(r["sent_at"])
            number = "other" if r["phone_type"] in ("work", "") else "personal"
            kind = MESSAGE_KIND[r["channel"]]
            self.actions.append((int(t // 86400), t, r["account_id"], kind, number, r["delivered"] == "1"))
        for r in _rows(tables, "inbound_calls.csv"):
            if r["account_id"] and r["negotiated"] == "1":
                self.conversations[r["account_id"]].append(self._s(r["ended_at"]))
        for ends in self.conversations.values():
            ends.sort()

    def _s(self, when: str) -> float:
        return (datetime.datetime.fromisoformat(when) - self.origin).total_seconds()

    def applies(self, pack: str, a: str) -> bool:
        states = shipped_packs()[pack].states
        return states is None or self.state[a] in states

    def counts(self, pack: str, measured_from: int) -> dict[str, float]:
        """The compliance block's figures of ``pack`` found on the trace: the counted actions'
        largest count in a window, the actions beyond a limit and the accounts over one (actions
        from day ``measured_from`` on), and the calls inside the wait after a conversation."""
        p = shipped_packs()[pack]
        over: set[str] = set()
        beyond, largest, waiting = 0, 0, 0
        for lim in p.limits:
            days: dict[str, list[int]] = defaultdict(list)
            for day, _t, a, kind, number, connected in sorted(self.actions, key=lambda x: x[1]):
                if not self.applies(pack, a) or kind not in lim.kinds:
                    continue
                if lim.numbers != "any" and lim.numbers != number:
                    continue
                if lim.basis == "connecting" and not connected:
                    continue
                d = days[a]
                d.append(day)
                n = sum(1 for x in d if x > day - lim.window_days)
                if day >= measured_from:
                    largest = max(largest, n)
                    if n > lim.max:
                        beyond += 1
                        over.add(a)
        if p.wait_after_conversation_days:
            for day, t, a, kind, _number, _c in self.actions:
                if (
                    day < measured_from
                    or not self.applies(pack, a)
                    or kind not in ("call", "ivr", "voicemail")
                ):
                    continue
                before = [e for e in self.conversations.get(a, ()) if e < t]
                if before and day - int(before[-1] // 86400) < p.wait_after_conversation_days:
                    waiting += 1
        return {
            f"{pack}_accounts_over_limit": float(len(over)),
            f"{pack}_actions_over_limit": float(beyond),
            f"{pack}_largest_count": float(largest),
            f"{pack}_calls_in_waiting_period": float(waiting),
        }


def _max_in_window(
    actions: Actions, pack: str, kinds: set[str], number: str | None, window: int, connecting: bool
):
    """The largest count of ``kinds`` actions (to ``number`` numbers, None: any) any account of
    ``pack`` receives in ``window`` consecutive days, over the whole run."""
    days: dict[str, list[int]] = defaultdict(list)
    for day, _t, a, kind, num, connected in actions.actions:
        if actions.applies(pack, a) and kind in kinds and (number is None or num == number):
            if connected or not connecting:
                days[a].append(day)
    return max((sum(1 for x in d if day - window < x <= day) for d in days.values() for day in d), default=0)


@pytest.mark.slow
@pytest.mark.parametrize("path", ["digital_first", "call_first"])
def test_the_rules_hold_on_the_trace_of_channels_toml(path):
    """(a) no Massachusetts account gets more than two calls, texts or recorded messages to its
    personal numbers in any seven days; (b) no cell without consent is dialed by the progressive
    dialer; (c) no account more than seven connecting calls (and voicemails) in seven days;
    (d) no call or recorded message inside the seven days after a conversation. The packs bind:
    each blocked some actions, and the trace holds MA accounts that reached two."""
    sc, w, tables = _run(path, enforce=True)
    t = Actions(tables)
    ma = {a for a, s in t.state.items() if s == "MA"}
    assert 0.2 < len(ma) / len(t.state) < 0.3
    phone = {"call", "sms", "ivr", "voicemail"}
    assert _max_in_window(t, "massachusetts", phone, "personal", 7, connecting=False) == 2  # (a)
    assert _max_in_window(t, "massachusetts", phone, "other", 30, connecting=False) <= 2
    auto = [r for r in t.dials if r["dialer_mode"] != "preview"]
    assert len(auto) > 1000
    assert not [r for r in auto if r["phone_type"] == "cell" and r["consent"] == "0"]  # (b)
    assert {r["phone_type"] for r in auto} == {"cell", "home", "work"}
    assert _max_in_window(t, "reg_f", {"call", "ivr", "voicemail"}, None, 7, connecting=True) <= 7  # (c)
    found = t.counts("reg_f", 0)
    assert found["reg_f_calls_in_waiting_period"] == 0  # (d)
    assert found["reg_f_largest_count"] >= 5
    block = w.counters.blocks["compliance"]
    assert block["reg_f_actions_blocked"] > 0 and block["massachusetts_actions_blocked"] > 0
    assert block["autodialed_cells_without_consent"] == 0
    blocked = [r for r in t.messages if r["action"] == "blocked"]
    if path == "digital_first":  # texts and voicemails were held back by a pack
        assert {r["channel"] for r in blocked} >= {"sms", "voicemail"}
    audit = _rows(tables, "rules.csv")
    assert len([r for r in audit if r["kind"] != "call"]) == len(blocked)
    assert {r["action"] for r in audit} == {"blocked"}


@pytest.mark.slow
@pytest.mark.parametrize("path", ["digital_first", "call_first"])
def test_unenforced_compliance_counts_equal_the_trace(path):
    """With the packs and the consent rule measured only, the compliance block's counts per pack
    are those recomputed from the trace's dials and messages over the measured window, and the
    autodialed cells without consent those of dials.csv."""
    sc, w, tables = _run(path, enforce=False)
    t = Actions(tables)
    block = w.counters.blocks["compliance"]
    first = w.calendar.first_measured_day
    for pack in ("reg_f", "massachusetts"):
        found = t.counts(pack, first)
        assert {k: block[k] for k in found} == found, pack
        assert block[f"{pack}_actions_blocked"] == 0
    assert block["massachusetts_accounts_over_limit"] > 0
    assert block["reg_f_calls_in_waiting_period"] > 0
    origin = t.origin
    cells = sum(
        1
        for r in t.dials
        if r["phone_type"] == "cell"
        and r["consent"] == "0"
        and (datetime.datetime.fromisoformat(r["call_start"]) - origin).days >= first
    )
    assert cells > 0 and block["autodialed_cells_without_consent"] == cells
    assert {r["action"] for r in t.messages} <= {"sent", "not_enforced"}
