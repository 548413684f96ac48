"""The inbound queue: scenario rules, conservation of calls, the conversation of an inbound
caller, handling time in occupancy, retrials, and the metrics at every level."""

import numpy as np
import pytest

from simulator.measures.metrics import replication_metrics
from simulator.scenario import ScenarioError, parse_scenario
from simulator.world.build import World
from simulator.world.counters import QUEUE_COLUMNS

from ..conftest import small_scenario

Q = {k: i for i, k in enumerate(QUEUE_COLUMNS)}


def blended_floor(**inbound) -> dict:
    """small_scenario with its outbound team and a 4-seat inbound desk over the same hours."""
    raw = small_scenario(calendar__working_days=2)
    raw["teams"]["desk"] = {
        "headcount": 4,
        "segments": ["s1"],
        "hourly_wage_usd": 20.0,
        "shift_start_time": "09:00",
        "shift_length_h": 8.0,
        "role": "inbound",
    }
    raw["inbound"] = {"calls_per_hour": {"s1": 30.0}, **inbound}
    return raw


def run(raw: dict, seed: int = 1) -> World:
    w = World(parse_scenario(raw), seed, 0)
    w.run()
    return w


def test_inbound_block_rules_name_the_key():
    raw = blended_floor()
    raw["inbound"]["calls_per_hour"] = {"s9": 3.0}
    with pytest.raises(ScenarioError, match=r"inbound\.calls_per_hour.*unknown segment"):
        parse_scenario(raw)
    raw = blended_floor()
    raw["teams"]["desk"]["role"] = "outbound"
    with pytest.raises(ScenarioError, match='no team has role = "inbound"'):
        parse_scenario(raw)
    raw = blended_floor()
    del raw["inbound"]
    with pytest.raises(ScenarioError, match=r"no \[inbound\] block"):
        parse_scenario(raw)
    raw = blended_floor(hour_multipliers=[1.0] * 23)
    with pytest.raises(ScenarioError, match="hour_multipliers"):
        parse_scenario(raw)


def test_every_call_is_answered_abandoned_or_still_waiting():
    w = run(blended_floor(retrial_probability=0.5, retrial_delay_s={"dist": "exponential", "mean": 300.0}))
    q = w.counters.inbound_queue[0]
    waiting = sum(1 for line in w.inbound.queues for c in line if c[3] == 0)
    assert q[Q["calls"]] > 300
    assert q[Q["calls"]] == q[Q["answered"]] + q[Q["abandoned"]] + waiting
    assert 0 < q[Q["retrials"]] < q[Q["abandoned"]]
    assert q[Q["answered"]] == w.counters.inbound_answers[:, :, 0].sum()


def test_inbound_collectors_never_dial_and_their_time_adds_up():
    """Inbound collectors make no dials; their handling plus idle time is their productive time,
    so occupancy counts inbound talk and wrap."""
    w = run(blended_floor())
    cnt, desk = w.counters, [c.idx for c in w.collectors if w.inbound.is_inbound(c)]
    assert cnt.dials[desk].sum() == 0
    handled = cnt.handle_s[desk].sum()
    assert handled > 0
    assert handled + cnt.idle_s[desk].sum() == pytest.approx(cnt.productive_s[desk].sum(), rel=1e-6)
    m = replication_metrics(w.structure, cnt)
    desk_m = m["teams"]["desk"]
    assert desk_m["occupancy"] == pytest.approx(handled / cnt.productive_s[desk].sum())
    assert desk_m["dials"] == 0.0


def test_inbound_callers_negotiate_with_their_multipliers():
    """The desk's promises are the inbound pyramid; with promise_multiplier 0 there are none, and
    the rate promises / inbound rpc follows promise_probability x multiplier."""
    w = run(blended_floor(promise_multiplier=1.2))  # 0.8 x 1.2 = 0.96
    m = replication_metrics(w.structure, w.counters)
    c, desk = m["center"]["center"], m["teams"]["desk"]
    rpc, promises = c["inbound_rpc"], c["inbound_promises"]
    assert promises == desk["promises"] == desk["inbound_promises"]
    assert abs(promises / rpc - 0.96) < 4 * np.sqrt(0.96 * 0.04 / rpc)
    assert c["inbound_kept"] == desk["kept"] and c["inbound_collected"] == desk["collected"]
    assert c["rpc"] == m["teams"]["t1"]["rpc"] + rpc  # rpc counts both channels
    assert c["connects"] == m["teams"]["t1"]["connects"]  # connects only dials
    w = run(blended_floor(promise_multiplier=0.0))
    assert replication_metrics(w.structure, w.counters)["center"]["center"]["inbound_promises"] == 0.0


def test_metrics_at_each_level():
    w = run(blended_floor(patience_s={"dist": "exponential", "mean": 30.0}))
    m = replication_metrics(w.structure, w.counters)
    c, s, desk = m["center"]["center"], m["segments"]["s1"], m["teams"]["desk"]
    q = w.counters.inbound_queue[0]
    for k in ("inbound_calls", "inbound_abandon_rate", "service_level", "asa_s", "inbound_queued_share"):
        assert c[k] == s[k]
    assert c["inbound_abandon_rate"] == q[Q["abandoned"]] / q[Q["calls"]] > 0
    assert c["service_level"] == q[Q["answered_in_sl"]] / q[Q["calls"]]
    assert desk["inbound_answered"] == c["inbound_answered"] and desk["asa_s"] == c["asa_s"]
    assert desk["inbound_calls"] is None and desk["service_level"] is None  # a queue's measures
    assert m["teams"]["t1"]["inbound_answered"] == 0.0 and m["teams"]["t1"]["asa_s"] is None


def test_no_inbound_block_gives_zero_counts_and_no_ratios():
    w = run(small_scenario(calendar__working_days=1))
    c = replication_metrics(w.structure, w.counters)["center"]["center"]
    assert c["inbound_calls"] == 0.0 and c["inbound_promises"] == 0.0
    assert c["service_level"] is None and c["asa_s"] is None
    assert w.inbound is None and w.counters.inbound_queue is None


def test_arrivals_stay_inside_the_calling_window():
    raw = blended_floor()
    raw["compliance"]["calling_window_start"] = "10:00"
    raw["compliance"]["calling_window_end"] = "14:00"
    w = World(parse_scenario(raw), 1, 0)
    times = []
    arrive = w.inbound.arrive
    w.inbound.arrive = lambda a, s, r, _e=None: (times.append(w.env.now), arrive(a, s, r))
    w.run()
    clock = np.asarray(times) % 86400
    assert len(times) > 100 and clock.min() >= 36000 and clock.max() < 50400
