"""Inbound traffic beyond the background rate (world/inbound_traffic.py): calls back after
outbound dials, caller classes and priorities in the queue, and the IVR."""

import csv
import io
import math

import numpy as np
import pytest

from simulator.base.clock import DAY_S
from simulator.base.outcomes import ABANDONED, MACHINE, THIRD_PARTY
from simulator.experiment.trace_export import trace_tables, traced_world
from simulator.measures.metrics import replication_metrics
from simulator.scenario import ScenarioError, parse_scenario
from simulator.world.build import World
from simulator.world.counters import QUEUE_COLUMNS
from simulator.world.inbound_traffic import BACKGROUND, RESPONSE
from simulator.world.portfolio import OPEN, PAID

from .test_inbound import blended_floor

Q = {k: i for i, k in enumerate(QUEUE_COLUMNS)}
Z = 3.29  # two-sided 99.9% normal quantile: the tolerance of the binomial checks


def binomial_ok(x: float, n: float, p: float) -> bool:
    """Whether ``x`` successes of ``n`` lie within Z standard deviations of Binomial(n, p)."""
    return abs(x - n * p) <= Z * math.sqrt(n * p * (1 - p))


def build(raw: dict, seed: int = 1) -> World:
    return World(parse_scenario(raw), seed, 0)


def test_new_keys_are_checked_by_name():
    raw = blended_floor(priorities={"vip": 1})
    with pytest.raises(ScenarioError, match=r"inbound\.priorities.*'background' or 'response'"):
        parse_scenario(raw)
    raw = blended_floor(responses={"machine": {"probability": 1.5}})
    with pytest.raises(ScenarioError, match=r"inbound\.responses\.machine\.probability"):
        parse_scenario(raw)
    raw = blended_floor(ivr_share=-0.1)
    with pytest.raises(ScenarioError, match=r"inbound\.ivr_share"):
        parse_scenario(raw)


def test_without_responses_the_kernel_has_no_hook_and_runs_stay_on():
    """The response hook costs nothing when off: no dial hook, progressive runs of dials on; a
    zero probability is off too. With responses on, the hook is the kernel's first."""
    for inbound in ({}, {"responses": {"machine": {"probability": 0.0}}}):
        w = build(blended_floor(**inbound))
        assert w.responses is None
        assert w.kernel.dial_hooks == ()
        assert w.dialer.runs is True
    w = build(blended_floor(responses={"machine": {"probability": 0.1}}))
    assert w.kernel.dial_hooks == (w.responses.on_dial,)
    assert w.dialer.runs is False


def test_a_call_back_outside_the_window_waits_for_the_next_opening():
    """Inside a calling day's window: on time; before it opens: at the opening; after it closes
    or on a day off: the next calling day's opening; after the last calling day: dropped."""
    raw = blended_floor(responses={"machine": {"probability": 0.5}})
    raw["calendar"] = {"working_days": 3, "start_weekday": "fri"}  # Fri, (Sat, Sun off), Mon, Tue
    w = build(raw)
    r = w.responses
    days = r.work_days
    assert days == [0, 3, 4]
    lo, hi = r.win_lo_s, r.win_hi_s
    assert r.moment(lo + 100.0) == lo + 100.0
    assert r.moment(lo - 1.0) == lo
    assert r.moment(hi + 1.0) == 3 * DAY_S + lo  # Friday evening -> Monday's opening
    assert r.moment(DAY_S + lo + 5.0) == 3 * DAY_S + lo  # Saturday -> Monday
    assert r.moment(3 * DAY_S + hi - 1.0) == 3 * DAY_S + hi - 1.0
    assert r.moment(4 * DAY_S + hi) is None


@pytest.mark.parametrize(
    ("mode", "outcome", "key", "p"),
    [
        ("progressive", MACHINE, "machine", 0.3),
        ("preview", THIRD_PARTY, "third_party", 0.5),
        ("predictive", ABANDONED, "abandoned", 0.4),
    ],
)
def test_calls_back_are_binomial_in_the_dials_that_prompt_them(mode, outcome, key, p):
    """Of N dials to open accounts ending in the outcome, Binomial(N, p) call back; every one
    drawn and not dropped reaches the queue as a response caller from that account."""
    raw = blended_floor(
        responses={key: {"probability": p, "delay_s": {"dist": "exponential", "mean": 600.0}}}
    )
    raw["dialer"] = {"mode": mode}
    if mode == "predictive":
        raw["dialer"].update(pacing="fixed", ratio=3.0)  # plenty of abandoned calls to count
    w = build(raw)
    eligible = []
    hook = w.responses.on_dial
    status = w.portfolio.status

    def counting(a, o, end_s):
        if o == outcome and status[a] == OPEN:
            eligible.append(a)
        return hook(a, o, end_s)

    w.kernel.dial_hooks = (counting,)
    callers = []
    arrive = w.inbound.arrive

    def record(a, s, retrial, _event=None, klass=BACKGROUND, patient=False):
        if klass == RESPONSE:
            callers.append(a)
        arrive(a, s, retrial, _event, klass, patient)

    w.responses.arrive = record
    w.run()
    r, q = w.responses, w.counters.inbound_queue.sum(axis=0)
    n = len(eligible)
    assert n > 150
    assert binomial_ok(r.prompted, n, p), (r.prompted, n, p)
    assert len(callers) == r.prompted - r.dropped == q[Q["response_calls"]]
    assert r.late == 0  # every dial was settled before its call back's moment
    assert set(callers) <= set(eligible)
    assert 0 < q[Q["response_answered"]] <= q[Q["response_calls"]] < q[Q["calls"]]


def test_a_retrial_keeps_its_class():
    """Response callers who hang up and call again come back as response callers: the queue's
    response calls exceed the calls back drawn by the retrials among them."""
    raw = blended_floor(
        responses={"machine": {"probability": 0.8, "delay_s": 60.0}},
        retrial_probability=1.0,
        retrial_delay_s=60.0,
        patience_s=5.0,
        calls_per_hour={"s1": 0.0},
    )
    raw["teams"]["desk"]["headcount"] = 1
    w = build(raw)
    w.run()
    q = w.counters.inbound_queue.sum(axis=0)
    r = w.responses
    assert q[Q["retrials"]] > 50
    # no background calls: every call is a response caller, first call or retrial
    assert q[Q["response_calls"]] == q[Q["calls"]] == r.prompted - r.dropped + q[Q["retrials"]]


def test_priorities_serve_the_high_class_first():
    """A nearly saturated desk (3 collectors, about 26 calls an hour of 330 s each: 0.8 busy):
    response callers ahead of background ones wait less than background callers, and behind
    them more; their wait ahead is under half their wait behind."""
    asa = {}
    for first in ("response", "background"):
        other = "background" if first == "response" else "response"
        raw = blended_floor(
            responses={"machine": {"probability": 0.3, "delay_s": 30.0}},
            calls_per_hour={"s1": 20.0},
            patience_s={"dist": "exponential", "mean": 900.0},
            priorities={first: 0, other: 1},
        )
        raw["compliance"].update(calling_window_start="09:00", calling_window_end="17:00")  # the desk's hours
        raw["calendar"]["working_days"] = 5
        raw["teams"]["desk"]["headcount"] = 3
        w = build(raw)
        w.run()
        q = w.counters.inbound_queue.sum(axis=0)
        resp = q[Q["response_wait_s"]] / q[Q["response_answered"]]
        back = (q[Q["wait_answered_s"]] - q[Q["response_wait_s"]]) / (
            q[Q["answered"]] - q[Q["response_answered"]]
        )
        asa[first] = (resp, back)
    resp_first, back_last = asa["response"]
    resp_last, back_first = asa["background"]
    assert resp_first < 0.75 * back_last
    assert back_first < 0.75 * resp_last
    assert resp_first < 0.5 * resp_last


def test_equal_priorities_are_first_come_first_served():
    """Naming every class at one level changes nothing: the same results as no priorities."""
    base = blended_floor(responses={"machine": {"probability": 0.2}}, retrial_probability=0.5)
    same = blended_floor(
        responses={"machine": {"probability": 0.2}},
        retrial_probability=0.5,
        priorities={"background": 4, "response": 4},
    )
    out = []
    for raw in (base, same):
        w = build(raw)
        w.run()
        out.append(replication_metrics(w.structure, w.counters))
    assert out[0] == out[1]
    assert out[0]["center"]["center"]["inbound_response_calls"] > 0


def test_the_ivr_takes_its_share_and_promises_outside_the_collectors_pyramid():
    """ivr_share of the calls go to the IVR, never to the queue; of those, a Binomial share
    promises, and the promises are kept with the inbound keep multiplier. The collectors'
    pyramid stays closed (kept + broken = promises = daily promises), and every kept promise,
    IVR or collector, leaves one account paid."""
    raw = blended_floor(ivr_share=0.3, ivr_promise_probability=0.5, keep_multiplier=0.5)
    w = build(raw)
    arrivals = []
    arrive = w.inbound.arrive

    def record(a, s, retrial, _event=None, klass=BACKGROUND, patient=False):
        arrivals.append(a)
        arrive(a, s, retrial, _event, klass, patient)

    w.inbound.arrive = record
    cnt = w.run()
    q = cnt.inbound_queue.sum(axis=0)
    n = len(arrivals)
    assert all(a >= 0 for a in arrivals)  # every caller has an open account here
    assert q[Q["calls"]] + q[Q["ivr_calls"]] == n
    assert binomial_ok(q[Q["ivr_calls"]], n, 0.3)
    assert binomial_ok(q[Q["ivr_promises"]], q[Q["ivr_calls"]], 0.5)
    assert binomial_ok(q[Q["ivr_kept"]], q[Q["ivr_promises"]], 0.6 * 0.5)
    assert q[Q["ivr_kept"]] > 20 and q[Q["ivr_collected"]] > 0
    assert cnt.kept.sum() + cnt.broken.sum() == cnt.promises.sum() == cnt.daily_promises.sum()
    assert (w.portfolio.status == PAID).sum() == cnt.kept.sum() + q[Q["ivr_kept"]]
    m = replication_metrics(w.structure, cnt)
    center, team = m["center"]["center"], m["teams"]["desk"]
    assert center["ivr_calls"] == q[Q["ivr_calls"]]
    assert center["ivr_promises"] == q[Q["ivr_promises"]]
    assert center["ivr_kept"] == q[Q["ivr_kept"]]
    assert center["ivr_collected"] == pytest.approx(q[Q["ivr_collected"]])
    assert team["ivr_calls"] is None and team["inbound_response_calls"] is None


def test_response_promise_share_counts_the_promises_of_response_callers():
    """inbound_response_promise_share = promises made in response calls / inbound promises: in
    (0, 1) with both classes, and the response callers' promise rate is the background's
    within sampling error (the same behaviour)."""
    raw = blended_floor(
        responses={"machine": {"probability": 1.0, "delay_s": 60.0}}, calls_per_hour={"s1": 20.0}
    )
    w = build(raw)
    cnt = w.run()
    q = cnt.inbound_queue.sum(axis=0)
    m = replication_metrics(w.structure, cnt)["center"]["center"]
    share = m["inbound_response_promise_share"]
    assert share == pytest.approx(q[Q["response_promises"]] / m["inbound_promises"])
    assert 0.0 < share < 1.0
    rpc = cnt.inbound_answers.sum(axis=(0, 1))[3]
    resp_p = q[Q["response_promises"]]
    total_p = m["inbound_promises"]
    # the promises of the response callers among all inbound promises, against their share of
    # the answered calls (nearly every answered call here negotiates)
    frac = q[Q["response_answered"]] / q[Q["answered"]]
    assert binomial_ok(resp_p, total_p, frac), (resp_p, total_p, frac, rpc)
    assert np.isfinite(m["inbound_response_asa_s"])


def test_ivr_promises_have_no_collector_in_the_trace():
    """promises.csv names no collector for a promise made in the IVR, and a collector for the
    others: as many empty collector cells as IVR promises."""
    w = traced_world(parse_scenario(blended_floor(ivr_share=0.5, ivr_promise_probability=0.8)), 1)
    rows = list(csv.DictReader(io.StringIO(trace_tables(w)["promises.csv"].decode())))
    ivr = w.counters.inbound_queue.sum(axis=0)[Q["ivr_promises"]]
    assert ivr > 20
    assert sum(r["collector_id"] == "" for r in rows) == ivr
    assert set(r["collector_id"] for r in rows) - {""} <= set(w.structure.collectors)
