"""Call-backs at a set time (world/callbacks.py): how many are asked for, their set times inside
the calling window, made by inbound and blend collectors, on time, and outside the waiting
period's count."""

import numpy as np
import pytest

from simulator.scenario import ScenarioError, parse_scenario
from simulator.world.build import World
from simulator.world.callbacks import CB_DUE, CB_MADE, CB_ON_TIME
from simulator.world.portfolio import PAID, PROMISED

from .test_blend import floor


def run(raw: dict, seed: int = 1) -> World:
    w = World(parse_scenario(raw), seed, 0)
    w.run()
    return w


def with_callbacks(probability: float = 0.5, reserve: int = 1, **over) -> dict:
    raw = floor(reserve=reserve)
    # the desk works 09:00-17:00: set times inside those hours
    raw["compliance"]["calling_window_start"] = "09:00"
    raw["compliance"]["calling_window_end"] = "17:00"
    raw["inbound"]["callbacks"] = {"probability": probability, **over}
    return raw


def test_callbacks_are_made_on_time_by_the_desk():
    w = run(with_callbacks())
    cb = w.counters.callbacks.sum(axis=0)
    assert cb[CB_DUE] > 20
    assert cb[CB_ON_TIME] <= cb[CB_MADE] <= cb[CB_DUE]
    assert cb[CB_MADE] >= 0.9 * cb[CB_DUE]  # due ones wait only for the next free collector


def test_share_of_refusals_asking_for_a_callback():
    """Each refusal asks with the probability: the call-backs asked for are Binomial(refusals, p);
    the set times count those the run reaches (due) and open accounts only, so due <= asked."""
    w = World(parse_scenario(with_callbacks(0.3, delay_s=60.0)), 1, 0)
    desk = w.inbound.callbacks
    asked, refusals = [], []
    original = desk.asked

    def spy(c, a, s, end_s):
        refusals.append(a)
        n = len(w.env._queue)
        original(c, a, s, end_s)
        asked.append(len(w.env._queue) > n)

    w.kernel.refusal_hooks = tuple(spy if h == original else h for h in w.kernel.refusal_hooks)
    w.run()
    n, k = len(refusals), sum(asked)
    assert n > 200
    half = 1.96 * np.sqrt(0.3 * 0.7 / n) * n
    assert abs(k - 0.3 * n) <= half + 1


def test_set_time_moves_into_the_calling_window():
    w = World(parse_scenario(with_callbacks()), 1, 0)
    desk = w.inbound.callbacks
    day = w.calendar.work_days[0]
    lo, hi = desk.win_lo_s, desk.win_hi_s
    assert desk.set_time(day * 86400 + lo - 10) == day * 86400 + lo
    assert desk.set_time(day * 86400 + lo + 10) == day * 86400 + lo + 10
    nxt = w.calendar.work_days[1]
    assert desk.set_time(day * 86400 + hi + 10) == nxt * 86400 + lo
    assert desk.set_time((w.calendar.last_work_day + 1) * 86400 + hi + 10) is None


def test_callbacks_are_not_waiting_period_violations():
    """The debtor asked for the call: a call-back adds nothing to the waiting-period count, and
    one that does not reach the debtor is not retried the same day."""
    raw = with_callbacks(0.8, delay_s=600.0)
    # call-backs asked for in outbound conversations only (an inbound caller's account is
    # another matter: tests/properties/test_one_line_per_account.py)
    raw["inbound"]["calls_per_hour"] = {"s1": 0.0}
    w = World(parse_scenario(raw), 1, 0, trace=True)
    desk = w.inbound.callbacks
    added, accounts = [], []
    original = desk.make

    def spy(c, job):
        before = w.rules.in_waiting_period
        dur = original(c, job)
        added.append(w.rules.in_waiting_period - before)
        accounts.append((job[1], w.env.now))
        return dur

    desk.make = spy
    w.run()
    assert len(added) > 20
    assert sum(added) == 0
    tr = w.trace_arrays()
    made = set(accounts)  # a call-back that reaches the debtor may end in another call-back
    redialed = 0
    for a, t in accounts:
        later = np.flatnonzero((tr["acct"] == a) & (tr["t"] > t) & (tr["t"] // 86400 == t // 86400))
        redialed += sum((a, float(tr["t"][i])) not in made for i in later)
    assert redialed == 0


def test_callbacks_compete_with_dialing():
    """Call-backs are dials the blend collectors make ahead of their lists: with them on, the
    blend team's list dials fall by a good part of the call-backs made."""
    off, on = run(floor(reserve=0)), run(with_callbacks(1.0, delay_s=600.0, reserve=0))
    rows = np.array([on.structure.teams[c.team] == "desk" for c in on.collectors])
    n = len(rows)
    made = on.counters.callbacks[:, CB_MADE].sum()
    list_dials = [w.counters.dials[:n][rows].sum() for w in (off,)] + [
        on.counters.dials[:n][rows].sum() - made
    ]
    assert made > 50
    assert list_dials[0] - list_dials[1] > 0.5 * made, (list_dials, made)


def test_callbacks_need_a_dialing_team():
    raw = with_callbacks()
    raw["teams"]["desk"]["role"] = "inbound"
    raw["teams"]["t1"]["headcount"] = 0
    del raw["teams"]["t1"]
    with pytest.raises(ScenarioError, match="call-backs need a team that dials"):
        parse_scenario(raw)


def test_consented_dials_leave_the_7_day_count():
    from simulator.world.day import without_consented

    acct = np.array([5, 7, 5, 9, 5])
    assert without_consented(acct, [5, 9]).tolist() == [7, 5, 5]
    assert without_consented(acct, [5, 5, 5, 5]).tolist() == [7, 9]


def test_callbacks_keep_the_7_in_7_cap():
    """Call-backs on every refusal, a cap of 3 calls in 7 days: the count of the rule never goes
    over the cap, though call-backs are made on top of it."""
    raw = with_callbacks(1.0, delay_s=600.0)
    raw["compliance"]["max_attempts_in_7_days"] = 3
    raw["calendar"]["working_days"] = 4
    w = run(raw)
    assert w.counters.callbacks[:, CB_MADE].sum() > 50
    assert w.rules.max_attempts_7 <= 3


def test_consent_lasts_seven_days():
    """DialKernel.consented: a call-back made within seven days of being asked for is a dial with
    the debtor's consent (12 CFR 1006.14(b)(3)(i)), one made later is not; consent_done ends it."""
    from simulator.world.dial import CONSENT_S

    w = World(parse_scenario(with_callbacks()), 1, 0)
    k = w.inbound.callbacks.kernel
    assert CONSENT_S == 7 * 86400.0
    assert k.consented(3, 100.0, 100.0 + CONSENT_S - 1.0) and k.consent_for == 3
    k.consent_done()
    assert k.consent_for == -1
    assert not k.consented(3, 100.0, 100.0 + CONSENT_S) and k.consent_for == -1


def test_rule_packs_do_not_count_callbacks():
    """Under compliance.rules = ["reg_f"] (measured, not enforced) a call-back adds nothing to
    the pack's wait count nor to the account's 7-day count, though ordinary dials do."""
    raw = with_callbacks(0.8, delay_s=600.0)
    raw["inbound"]["calls_per_hour"] = {"s1": 0.0}
    raw["compliance"]["rules"] = ["reg_f"]
    raw["compliance"]["enforce_rules"] = False
    w = World(parse_scenario(raw), 1, 0)
    desk, engine = w.inbound.callbacks, w.rule_engine
    pack = engine.packs[0]
    count = pack.counts[0]
    grew, made = [], []
    original = desk.make

    def spy(c, job):
        a = job[1]
        before = (pack.waiting, len(count.days.get(a, ())))
        dur = original(c, job)
        if dur > 0:
            made.append(a)
            grew.append((pack.waiting - before[0], len(count.days.get(a, ())) - before[1]))
        return dur

    desk.make = spy
    w.run()
    assert len(made) > 20
    assert set(grew) == {(0, 0)}
    assert sum(len(d) for d in count.days.values()) > 100  # the ordinary dials are counted


def test_no_callback_to_an_account_without_a_number_to_dial():
    """Cells without consent (and a home number on 30% of accounts): the accounts left without a
    number the dialer may dial still call in and may ask for a call-back; each such request is
    dropped and counted (asked with probability 1: one per refusal), and no dial reaches them."""
    raw = with_callbacks(1.0, delay_s=600.0)
    for seg in raw["segments"].values():
        seg["phone_numbers"] = [{"type": "cell", "consent": 0.0}, {"type": "home", "share": 0.3}]
    w = World(parse_scenario(raw), 1, 0, trace=True)
    desk, ph = w.inbound.callbacks, w.phone_numbers
    undialable = []
    original = desk.asked

    def spy(c, a, s, end_s):
        if not ph.has_dialable(a) and end_s >= ph.first_measured_s:
            undialable.append(a)
        original(c, a, s, end_s)

    w.kernel.refusal_hooks = tuple(spy if h == original else h for h in w.kernel.refusal_hooks)
    cnt = w.run()
    assert len(undialable) > 10
    assert cnt.blocks["phones"]["callbacks_without_dialable_phone"] == len(undialable)
    tr = w.trace_arrays()
    dialed = {int(a) for a in tr["acct"]}
    assert not dialed & set(undialable)
    assert w.counters.callbacks[:, CB_MADE].sum() > 20  # those with a home number are called back


def test_no_promise_reminder_to_an_account_without_a_number_to_dial():
    """Promise reminders on, cells without consent (a home number on 30%): an inbound caller
    with no number the dialer may dial can promise, but no reminder (no dial at all) goes to
    them; reminders go to the others."""
    raw = floor()
    raw.setdefault("attempts", {})["promise_reminder"] = True
    for seg in raw["segments"].values():
        seg["phone_numbers"] = [{"type": "cell", "consent": 0.0}, {"type": "home", "share": 0.3}]
    w = World(parse_scenario(raw), 1, 0, trace=True)
    w.run()
    ph, p, tr = w.phone_numbers, w.portfolio, w.trace_arrays()
    undialable = {a for a in range(p.n) if not ph.has_dialable(a)}
    # inbound callers among them promised (some paid since)
    assert sum(p.status[a] in (PROMISED, PAID) for a in undialable) > 5
    assert not {int(a) for a in tr["acct"]} & undialable
    assert w.portfolio.n - len(undialable) > 100
