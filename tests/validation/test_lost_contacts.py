"""Lost contacts against their closed form (world/lost_contacts.py).

A degenerate center where every live answer is the right party (outcomes: no answer or right
party, probability p) and right parties are hung up on by chance: answering-machine detection
that mistakes a share 1 - accuracy of them for machines (progressive dialing, the kernel's
inlined copy), or a predictive dialer with too few collectors. Each abandon multiplies the
account's answer probability by f, so a dial to an account hung up on k times before reaches
the right party with probability p f^k; with a half-life H, a multiplier m set at t0 stands at
1 - (1 - m) 2^(-(t - t0) / H) at t. The trace gives each dial's history, hence its probability,
and the reached dials must match it within binomial sampling error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.base.clock import DAY_S
from simulator.base.outcomes import ABANDONED, RPC
from simulator.scenario import parse_scenario
from simulator.world.build import World

from ..conftest import small_scenario

P_RPC = 0.4
FACTOR = 0.5
Z = 4.0  # fixed seeds: a bound that a correct model passes and a wrong factor fails (see below)


def _center(mode: str, half_life_days: float | None) -> dict:
    raw = small_scenario(teams__t1__headcount=6, segments__s1__accounts=800, calendar__working_days=5)
    outs = raw["segments"]["s1"]["outcomes"]
    for o in ("busy", "invalid", "machine", "third_party"):
        outs[o]["probability"] = 0.0
    outs["no_answer"]["probability"] = 1.0 - P_RPC
    outs["rpc"]["probability"] = P_RPC
    raw["attempts"].update(max_per_day=6, retry_delay_min=20.0)
    raw["compliance"].update(max_attempts_in_7_days=40)
    dialer: dict = {"abandon_answer_factor": FACTOR}
    if half_life_days is not None:
        dialer["abandon_answer_half_life_days"] = half_life_days
    if mode == "amd":
        dialer.update(mode="progressive", amd=True, amd_accuracy=0.6)
    else:
        dialer.update(mode="predictive", pacing="fixed", ratio=4.0, abandon_after_s=0.0)
    raw["dialer"] = dialer
    return raw


def _replay(
    tr: dict, factor: float, half_life_days: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per dial, in account then time order: the answer multiplier the model gives it from the
    account's earlier abandons, the abandons before it, and whether it reached the right party
    (answered, whether or not it was then abandoned)."""
    order = np.lexsort((tr["t"], tr["acct"]))
    acct, t = tr["acct"][order], tr["t"][order]
    out, ring = tr["out"][order], tr["ring"][order]
    h = half_life_days * DAY_S if half_life_days is not None else None
    mult = np.empty(len(order))
    k = np.zeros(len(order), dtype=int)
    prev, m, since, n_ab = -1, 1.0, 0.0, 0

    def at(m: float, since: float, t: float) -> float:
        return m if h is None or m >= 1.0 else 1.0 - (1.0 - m) * 0.5 ** ((t - since) / h)

    for i in range(len(order)):
        if acct[i] != prev:
            prev, m, since, n_ab = acct[i], 1.0, 0.0, 0
        mult[i], k[i] = at(m, since, t[i]), n_ab
        if out[i] == ABANDONED:  # hung up on when it was answered: placed + ring
            end = t[i] + ring[i]
            m, since, n_ab = at(m, since, end) * factor, end, n_ab + 1
    reached = (out == RPC) | (out == ABANDONED)
    return mult, k, reached


def _z(reached: np.ndarray, p: np.ndarray) -> float:
    """Standardised difference between right parties reached and their expected number."""
    return float((reached.sum() - p.sum()) / math.sqrt((p * (1 - p)).sum()))


def _run(mode: str, half_life_days: float | None, seed: int = 3):
    w = World(parse_scenario(_center(mode, half_life_days)), seed, 0, trace=True)
    cnt = w.run()
    return w.trace_arrays(), cnt


@pytest.mark.parametrize("mode", ["amd", "predictive"])
def test_after_k_abandons_the_right_party_answers_with_p_times_f_to_the_k(mode):
    tr, cnt = _run(mode, None)
    mult, k, reached = _replay(tr, FACTOR, None)
    np.testing.assert_allclose(mult, FACTOR**k)
    for kk in (0, 1, 2):
        sel = k == kk
        n = int(sel.sum())
        assert n > 150, (kk, n)
        p = P_RPC * FACTOR**kk
        rate = reached[sel].mean()
        assert abs(rate - p) < Z * math.sqrt(p * (1 - p) / n), (kk, n, rate, p)
    # over every dial, and not at the rate a model without the effect would give
    assert abs(_z(reached, P_RPC * mult)) < Z
    assert abs(_z(reached, np.full(len(mult), P_RPC))) > 2 * Z
    assert abs(_z(reached, P_RPC * _replay(tr, 0.7, None)[0])) > Z  # a wrong factor is rejected
    # the block counts every right party hung up on (here every abandon) and the dials the
    # effect silenced: those are binomial with mean p (1 - m) per dial
    lost = cnt.blocks["lost_contacts"]
    assert lost["right_parties_abandoned"] == float((tr["out"] == ABANDONED).sum())
    q = P_RPC * (1 - mult)
    assert abs(lost["dials_unanswered"] - q.sum()) < Z * math.sqrt((q * (1 - q)).sum())


def test_the_lost_answer_rate_comes_back_with_its_half_life():
    """A half-life of a third of a day: most of what an abandon takes is back by the next
    calling day, and the reached dials follow the recovering multiplier, not the permanent one."""
    half_life = 1.0 / 3.0
    tr, _ = _run("amd", half_life)
    mult, k, reached = _replay(tr, FACTOR, half_life)
    assert (k > 0).sum() > 300
    assert abs(_z(reached, P_RPC * mult)) < Z
    permanent, _, _ = _replay(tr, FACTOR, None)
    assert abs(_z(reached, P_RPC * permanent)) > Z


def test_off_by_default_and_the_same_draws_as_without_the_feature():
    """Factor 1 (the default) is no feature at all: the same dials as a scenario without the
    key, and no block."""
    raw = _center("amd", None)
    raw["dialer"].pop("abandon_answer_factor")
    plain = World(parse_scenario(raw), 3, 0, trace=True)
    plain_cnt = plain.run()
    raw["dialer"]["abandon_answer_factor"] = 1.0
    one = World(parse_scenario(raw), 3, 0, trace=True)
    one_cnt = one.run()
    assert "lost_contacts" not in plain_cnt.blocks and "lost_contacts" not in one_cnt.blocks
    a, b = plain.trace_arrays(), one.trace_arrays()
    for col in ("acct", "t", "out", "ring", "talk", "wrap"):
        np.testing.assert_array_equal(a[col], b[col])
