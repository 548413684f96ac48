"""The dial kernel (world/dial.py) and its one inlined copy (ProgressiveDialer.run_of_dials).

With a single collector nobody else takes accounts from the lists, so a run of dials must make
exactly the dials the kernel makes one at a time: the same accounts, at the same times, with the
same outcomes, durations, promises and rule counts. (Times agree to the last bits only: a run
adds a dial's ring, talk and wrap to its clock one by one, SimPy adds their sum.) Each scenario
below switches on a branch of draw, rules or settle (flat and hourly outcome tables, random and
fixed durations, ring-out, AMD, the waiting-period and no-redial rules measured and enforced,
retries by outcome, the daily cap); if the inlined copy and the kernel ever differ on one of
them, its trace differs.
"""

import numpy as np
import pytest

from simulator.base.outcomes import ABANDONED, NO_ANSWER, RPC
from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario


def _one_collector(**over) -> dict:
    raw = small_scenario(teams__t1__headcount=1, segments__s1__accounts=400, calendar__working_days=4)
    for path, value in over.items():
        node = raw
        keys = path.split("__")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return raw


def _flat():
    return _one_collector()


def _hourly_curve():
    """A contact curve that varies by hour: outcomes drawn by bisecting the hour's table."""
    curve = [1.0] * 24
    for h in range(9, 18):
        curve[h] = 0.6 + 0.1 * (h - 9)
    return _one_collector(segments__s1__contact_curve={"answer_by_hour": curve})


def _ringout_amd_random():
    """Ring-out, AMD (false positives abandon), random rings that ring-out can cut."""
    raw = _one_collector()
    outs = raw["segments"]["s1"]["outcomes"]
    for o in ("rpc", "third_party", "machine"):
        outs[o]["ring_time_s"] = {"dist": "uniform", "low": 5.0, "high": 30.0}
    raw["dialer"] = {"ring_timeout_s": 20.0, "amd": True, "amd_accuracy": 0.8}
    return raw


def _lost_contacts():
    """AMD hangs up on right parties, who then answer less (the lost-contact thinning, on its own
    stream), the lost answer rate coming back with a half-life of a day."""
    raw = _ringout_amd_random()
    raw["dialer"].update(abandon_answer_factor=0.3, abandon_answer_half_life_days=1.0)
    return raw


def _spam_label():
    """AMD abandons a fifth of live answers every day, over the spam-label threshold, so the
    numbers are labelled from the second day: right and third parties answer half as often (the
    label's thinning, on the lost contacts' stream), on top of the lost contacts."""
    raw = _lost_contacts()
    raw["dialer"].update(spam_label_abandon_rate=0.05, spam_label_days=2, spam_label_answer_factor=0.5)
    return raw


def _rules_measured():
    """The waiting period measured but not enforced, and the no-redial rule after an abandon
    enforced: accounts come back inside their waiting period, and abandons block redials."""
    raw = _ringout_amd_random()
    raw["compliance"].update(
        enforce_wait_after_conversation=False,
        enforce_no_redial_after_abandon=True,
        no_redial_after_abandon_h=20.0,
        exempt_promise_confirmation=False,
    )
    raw["attempts"].update(max_per_day=5, retry_delay_by_outcome_min={"busy": 61.0, "no_answer": 90.0})
    raw["segments"]["s1"]["accounts"] = 120  # the lists run dry: retries and the daily cap bind
    return raw


def _reminders():
    """Promise reminders: calls to accounts holding a promise, inside the waiting period."""
    raw = _one_collector(attempts__promise_reminder=True, attempts__reminder_keep_multiplier=1.2)
    raw["segments"]["s1"]["promise_due_days"] = {"dist": "uniform_int", "low": 2, "high": 3}
    return raw


def _account_behaviour():
    """A living portfolio with account-level behaviour: each account's own outcome table (its
    phone, answer multiplier and fatigue), promise, keep and payment; inflow and self-cure."""
    raw = _hourly_curve()
    seg = raw["segments"]["s1"]
    seg.update(
        risk_score={"dist": "uniform", "low": 300.0, "high": 800.0},
        days_past_due={"dist": "uniform", "low": 1.0, "high": 90.0},
        phones={"dist": "uniform_int", "low": 1, "high": 3},
        wrong_number_share=0.05,
        self_cure_per_day=0.01,
        inflow={"accounts_per_day": 30.0},
    )
    raw["portfolio"] = {"control_share": 0.1, "behaviour": {"spread": 1.5, "fatigue_per_attempt": 0.1}}
    return raw


def _phone_numbers():
    """Three numbers per account with their own answer curves, changing every hour (the
    segment's is flat, so only the numbers' curves end a run at the hour), a work number that
    often does not work, cells without consent: each dial picks its number, whose table
    decides the outcome."""
    return _one_collector(
        segments__s1__phone_numbers=[
            {"type": "cell", "share": 0.8, "consent": 0.6},
            {"type": "home", "share": 0.6, "answer_by_hour": [0.5 + 0.1 * (h % 7) for h in range(24)]},
            {
                "type": "work",
                "share": 0.5,
                "valid": 0.6,
                "answer_by_hour": [1.4 - 0.1 * (h % 5) for h in range(24)],
            },
        ]
    )


def _rule_packs(enforce: bool = True):
    """Rule packs: Reg F everywhere and Massachusetts for 40% of the accounts, enforced (dials
    blocked at the take) or measured only."""
    raw = _rules_measured()
    raw["compliance"].update(
        enforce_no_redial_after_abandon=False, rules=["reg_f", "massachusetts"], enforce_rules=enforce
    )
    raw["segments"]["s1"]["states"] = {"MA": 0.4, "other": 0.6}
    raw["segments"]["s1"]["accounts"] = 200
    return raw


SCENARIOS = {
    "flat": _flat,
    "hourly_curve": _hourly_curve,
    "ringout_amd_random": _ringout_amd_random,
    "lost_contacts": _lost_contacts,
    "spam_label": _spam_label,
    "rules_measured": _rules_measured,
    "reminders": _reminders,
    "account_behaviour": _account_behaviour,
    "phone_numbers": _phone_numbers,
    "rule_packs": _rule_packs,
    "rule_packs_measured": lambda: _rule_packs(enforce=False),
}


def _run(raw: dict, seed: int, runs: bool):
    w = World(parse_scenario(raw), seed, 0, trace=True)
    w.dialer.runs = runs
    cnt = w.run()
    return w, cnt


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("seed", [0, 1])
def test_runs_of_dials_make_exactly_the_kernels_dials(name, seed):
    raw = SCENARIOS[name]()
    w_run, run = _run(raw, seed, runs=True)
    w_one, one = _run(raw, seed, runs=False)
    tr_run, tr_one = w_run.trace_arrays(), w_one.trace_arrays()
    # the runs path really made (most of) the dials: a run logs into the run columns
    assert w_run.dialer.runs and not w_one.dialer.runs
    assert len(tr_one["out"]) > 500
    for col in ("coll", "acct", "camp", "out", "ring", "talk", "wrap", "phone"):
        if col in tr_one or col in tr_run:
            np.testing.assert_array_equal(tr_run[col], tr_one[col], err_msg=col)
    np.testing.assert_allclose(tr_run["t"], tr_one["t"], rtol=0, atol=1e-6)
    for field in ("dials", "handle_s", "promises", "promised_usd", "kept", "broken", "collected"):
        np.testing.assert_array_equal(getattr(run, field), getattr(one, field), err_msg=field)
    for field in ("paid_s", "productive_s", "idle_s"):
        np.testing.assert_allclose(getattr(run, field), getattr(one, field), rtol=0, atol=1e-6, err_msg=field)
    assert run.blocks["compliance"] == one.blocks["compliance"]
    assert run.blocks.get("lost_contacts") == one.blocks.get("lost_contacts")
    assert run.blocks.get("reputation") == one.blocks.get("reputation")
    assert run.blocks.get("phones") == one.blocks.get("phones")
    assert run.reminders_reached == one.reminders_reached


def test_the_scenarios_reach_the_branches_they_are_for():
    """Each scenario of the pin test exercises what it claims (else the pin has no teeth)."""
    _, cnt = _run(_ringout_amd_random(), 0, runs=True)
    assert cnt.dials[..., ABANDONED].sum() > 0  # AMD false positives
    _, cnt = _run(_lost_contacts(), 0, runs=True)
    lost = cnt.blocks["lost_contacts"]
    assert lost["right_parties_abandoned"] > 20 and lost["dials_unanswered"] > 5
    _, cnt = _run(_spam_label(), 0, runs=True)
    rep = cnt.blocks["reputation"]
    assert rep["days_labelled"] == 3 and rep["dials_unanswered"] > 20  # days 2-4 of 4
    _, cnt = _run(_rules_measured(), 0, runs=True)
    comp = cnt.blocks["compliance"]
    assert comp["calls_in_waiting_period"] > 0
    w, cnt = _run(_rules_measured(), 0, runs=True)
    tr = w.trace_arrays()
    assert (tr["ring"][tr["out"] == NO_ANSWER] == 20.0).all()  # ring-out
    _, cnt = _run(_rule_packs(), 0, runs=True)
    assert cnt.blocks["compliance"]["reg_f_actions_blocked"] > 0
    assert cnt.blocks["compliance"]["massachusetts_actions_blocked"] > 0
    _, cnt = _run(_rule_packs(enforce=False), 0, runs=True)
    assert cnt.blocks["compliance"]["massachusetts_actions_over_limit"] > 0
    assert cnt.blocks["compliance"]["reg_f_calls_in_waiting_period"] > 0
    _, cnt = _run(_reminders(), 0, runs=True)
    assert cnt.reminders_reached > 0
    assert cnt.dials[..., RPC].sum() > 50


def test_the_pin_fails_when_the_inlined_copy_differs(monkeypatch):
    """Change one rule in the kernel only (ring-out at 19 s instead of 20 s): the run path keeps
    the old rule and the traces differ. The pin would catch such a drift."""
    from simulator.world.dial import DialKernel

    raw = _ringout_amd_random()
    inner = DialKernel.draw

    def drifted(self, a, now):
        s, o, ring, talk, wrap = inner(self, a, now)
        return s, o, (19.0 if o == NO_ANSWER else ring), talk, wrap

    w_run, _ = _run(raw, 0, runs=True)
    monkeypatch.setattr(DialKernel, "draw", drifted)
    w_one, _ = _run(raw, 0, runs=False)
    assert not np.array_equal(w_run.trace_arrays()["ring"], w_one.trace_arrays()["ring"])
