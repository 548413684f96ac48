"""The spam label (world/reputation.py) against its closed form.

A degenerate center where answering-machine detection hangs up on half the people who answer
(accuracy 0.5), so every calling day's abandon rate is about 50%, far over the threshold. Then
calendar day d is labelled if and only if a calling day falls in [d - N, d - 1]: with ten
calling days Monday to Friday from a Monday, N = 2 leaves the first Monday and the second Monday
(3 days after Friday) clean, 8 labelled days; N = 3 leaves only the first day clean, 9. On a
labelled day each dial reaches a person (right party or third party, kept or hung up on by AMD)
with probability g (p_rpc + p_tp) and a machine with p_machine, as on a clean day; outcome
probabilities are flat, so the trace gives binomial counts to check against.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.base.clock import DAY_S
from simulator.base.outcomes import ABANDONED, MACHINE, RPC, THIRD_PARTY
from simulator.scenario import parse_scenario
from simulator.scenario.problems import ScenarioError
from simulator.world.build import World

from ..conftest import small_scenario

P_RPC, P_TP, P_MACHINE = 0.25, 0.15, 0.2
G = 0.4  # answer factor while labelled
Z = 4.0  # fixed seeds: a bound a correct model passes and a wrong factor fails (asserted below)
DAYS = 10


def _center(label_days: int) -> dict:
    raw = small_scenario(teams__t1__headcount=6, segments__s1__accounts=2500, calendar__working_days=DAYS)
    raw["calendar"]["start_weekday"] = "mon"
    outs = raw["segments"]["s1"]["outcomes"]
    outs["busy"]["probability"] = outs["invalid"]["probability"] = 0.0
    outs["rpc"]["probability"], outs["third_party"]["probability"] = P_RPC, P_TP
    outs["machine"]["probability"] = P_MACHINE
    outs["no_answer"]["probability"] = 1.0 - P_RPC - P_TP - P_MACHINE
    raw["dialer"] = {
        "mode": "progressive",
        "amd": True,
        "amd_accuracy": 0.5,
        "spam_label_abandon_rate": 0.2,
        "spam_label_days": label_days,
        "spam_label_answer_factor": G,
    }
    return raw


def _run(label_days: int, seed: int = 5):
    w = World(parse_scenario(_center(label_days)), seed, 0, trace=True)
    cnt = w.run()
    return w, w.trace_arrays(), cnt


def _labelled_days(work_days: list[int], n: int) -> set[int]:
    """The closed form when every calling day is over the threshold: day d is labelled iff some
    calling day lies in [d - n, d - 1]."""
    return {d for d in work_days if any(d - n <= e <= d - 1 for e in work_days)}


@pytest.mark.parametrize(("label_days", "expected"), [(2, 8), (3, 9)])
def test_labelled_days_and_the_answer_rate_on_them_follow_the_closed_form(label_days, expected):
    w, tr, cnt = _run(label_days)
    work = w.calendar.work_days
    assert work == [0, 1, 2, 3, 4, 7, 8, 9, 10, 11]
    labelled = _labelled_days(work, label_days)
    assert len(labelled) == expected
    day = (tr["t"] // DAY_S).astype(int)
    out = tr["out"]
    person = (out == RPC) | (out == THIRD_PARTY) | (out == ABANDONED)
    # the premise: every calling day is far over the threshold (AMD hangs up on about half)
    for d in work:
        on_day = person[day == d]
        assert (out[day == d] == ABANDONED).sum() / on_day.sum() > 0.35, d
    rep = cnt.blocks["reputation"]
    assert rep["days_over_threshold"] == DAYS
    assert rep["days_labelled"] == expected
    on = np.isin(day, sorted(labelled))
    assert rep["dials_labelled"] == float(on.sum())
    p = P_RPC + P_TP
    for sel, want in ((on, G * p), (~on, p)):
        n = int(sel.sum())
        assert n > 2000
        rate = person[sel].mean()
        assert abs(rate - want) < Z * math.sqrt(want * (1 - want) / n), (rate, want, n)
    # a wrong factor is rejected: 0.5 instead of 0.4 is far outside the bound
    n_on = int(on.sum())
    wrong = 0.5 * p
    assert abs(person[on].mean() - wrong) > Z * math.sqrt(wrong * (1 - wrong) / n_on)
    # machines still pick up on labelled days
    m = (out == MACHINE)[on].mean()
    assert abs(m - P_MACHINE) < Z * math.sqrt(P_MACHINE * (1 - P_MACHINE) / n_on)
    # the dials the label silenced: binomial, p (1 - g) per labelled dial
    q = p * (1 - G)
    assert abs(rep["dials_unanswered"] - n_on * q) < Z * math.sqrt(n_on * q * (1 - q))
    # no lost contacts of accounts in this scenario, so no such block
    assert "lost_contacts" not in cnt.blocks


def test_a_day_under_the_threshold_does_not_label():
    """Accurate AMD (no abandons in progressive mode): no day is over, nothing is labelled, and
    the dials are exactly those of the same center without the key."""
    raw = _center(3)
    raw["dialer"]["amd_accuracy"] = 1.0
    w = World(parse_scenario(raw), 5, 0, trace=True)
    cnt = w.run()
    rep = cnt.blocks["reputation"]
    assert set(rep.values()) == {0.0}
    assert set(rep) == {"days_labelled", "days_over_threshold", "dials_labelled", "dials_unanswered"}
    raw["dialer"].pop("spam_label_abandon_rate")
    plain = World(parse_scenario(raw), 5, 0, trace=True)
    plain_cnt = plain.run()
    assert "reputation" not in plain_cnt.blocks
    a, b = w.trace_arrays(), plain.trace_arrays()
    for col in ("acct", "t", "out", "ring", "talk", "wrap"):
        np.testing.assert_array_equal(a[col], b[col])


@pytest.mark.parametrize(
    ("key", "value"),
    [("spam_label_abandon_rate", 1.5), ("spam_label_days", 0), ("spam_label_answer_factor", 0.0)],
)
def test_bad_values_are_refused_with_the_key_named(key, value):
    raw = _center(3)
    raw["dialer"][key] = value
    with pytest.raises(ScenarioError, match=key):
        parse_scenario(raw)
