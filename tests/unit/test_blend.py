"""Blend collectors (world/blend.py): the reservation threshold, the inbound pyramid of blend
collectors, and the collector groups of the results."""

import numpy as np

from simulator.measures.metrics import replication_metrics
from simulator.scenario import parse_scenario
from simulator.world.build import World
from simulator.world.counters import ANSWER_COLUMNS, QUEUE_COLUMNS

from .test_inbound import blended_floor

A = {k: i for i, k in enumerate(ANSWER_COLUMNS)}
Q = {k: i for i, k in enumerate(QUEUE_COLUMNS)}


def floor(role: str = "blend", reserve: int = 1, **inbound) -> dict:
    raw = blended_floor(reservation_threshold=reserve, **inbound)
    raw["teams"]["desk"]["role"] = role
    return raw


def run(raw: dict, seed: int = 1) -> World:
    w = World(parse_scenario(raw), seed, 0)
    w.run()
    return w


def desk_rows(w: World) -> np.ndarray:
    return np.array([w.structure.teams[c.team] == "desk" for c in w.collectors])


def test_blend_collectors_answer_and_dial():
    w = run(floor())
    cnt, rows = w.counters, desk_rows(w)
    assert cnt.inbound_answers[: len(rows)][rows, :, A["answered"]].sum() > 50
    assert cnt.dials[: len(rows)][rows].sum() > 100  # they dial too
    # every arriving call is answered, abandoned or still waiting at the end
    q = cnt.inbound_queue.sum(axis=0)
    assert q[Q["answered"]] + q[Q["abandoned"]] <= q[Q["calls"]]


def test_reservation_threshold_trades_dials_for_service():
    """A higher threshold keeps more blend collectors free: fewer dials by the desk, more calls
    answered at once (the same seed and arrivals)."""
    low, high = run(floor(reserve=0)), run(floor(reserve=3))
    rows = desk_rows(low)
    dials = [w.counters.dials[: len(rows)][rows].sum() for w in (low, high)]
    queued = [
        w.counters.inbound_queue[:, Q["queued"]].sum() / w.counters.inbound_queue[:, Q["calls"]].sum()
        for w in (low, high)
    ]
    assert dials[1] < 0.8 * dials[0]
    assert queued[1] < queued[0]


def test_inbound_pyramid_counts_the_negotiations_of_inbound_calls_only():
    """A blend collector's promises split into inbound and outbound: the inbound columns never
    exceed the totals, and an inbound-only desk's promises are all inbound."""
    w = run(floor())
    cnt = w.counters
    ans = cnt.inbound_answers
    assert 0 < ans[:, :, A["promises"]].sum() < cnt.promises.sum()
    assert np.all(ans[:, :, A["promises"]] <= cnt.promises)
    assert np.all(ans[:, :, A["kept"]] <= cnt.kept)
    assert np.all(ans[:, :, A["collected_usd"]] <= cnt.collected + 1e-9)
    w = run(floor(role="inbound"))
    rows = desk_rows(w)
    n = len(rows)
    assert np.array_equal(
        w.counters.inbound_answers[:n][rows, :, A["promises"]], w.counters.promises[:n][rows]
    )
    assert np.allclose(w.counters.inbound_answers[:n][rows, :, A["kept"]], w.counters.kept[:n][rows])


def test_groups_level_by_role():
    w = run(floor())
    m = replication_metrics(w.structure, w.counters)
    assert set(m["groups"]) == {"blend", "outbound"}
    assert m["groups"]["outbound"]["inbound_answered"] == 0.0
    assert m["groups"]["blend"]["inbound_answered"] == m["center"]["center"]["inbound_answered"]
    assert 0.0 < m["groups"]["blend"]["inbound_work_share"] < 1.0
    total = sum(g["dials"] for g in m["groups"].values())
    assert total == m["center"]["center"]["dials"]


def predictive_floor(reserve: int) -> dict:
    raw = floor(reserve=reserve)
    raw["dialer"] = {"mode": "predictive", "pacing": "fixed", "ratio": 2.5, "abandon_after_s": 2.0}
    return raw


def test_predictive_blend_answers_first_and_counts_mismatches():
    """Blend collectors in a predictive campaign: they answer inbound calls and their campaign's
    live answers; answers that found no collector are the outbound mismatches, all of them
    abandoned calls of the dial log."""
    w = run(predictive_floor(1))
    cnt, rows = w.counters, desk_rows(w)
    n = len(rows)
    assert cnt.inbound_answers[:n][rows, :, A["answered"]].sum() > 50
    assert cnt.dials[:n][rows].sum() > 100
    m = replication_metrics(w.structure, cnt)["center"]["center"]
    assert 0 < m["outbound_mismatches"] <= m["abandoned"]
    q = cnt.inbound_queue.sum(axis=0)
    assert q[Q["answered"]] + q[Q["abandoned"]] <= q[Q["calls"]]


def test_predictive_blend_reserve_protects_inbound():
    """A reserve of 3 instead of 0: fewer calls queue, fewer dials by the blend team."""
    low, high = run(predictive_floor(0)), run(predictive_floor(3))
    rows = desk_rows(low)
    n = len(rows)
    queued = [
        w.counters.inbound_queue[:, Q["queued"]].sum() / w.counters.inbound_queue[:, Q["calls"]].sum()
        for w in (low, high)
    ]
    dials = [w.counters.dials[:n][rows].sum() for w in (low, high)]
    assert queued[1] < queued[0]
    assert dials[1] < dials[0]


def test_preview_blend_runs():
    raw = floor()
    raw["dialer"] = {"mode": "preview"}
    w = run(raw)
    rows = desk_rows(w)
    assert w.counters.dials[: len(rows)][rows].sum() > 50


def blend_floor_file(**edits) -> dict:
    """scenarios/inbound_blend.toml as a dict, shortened to 3 days, with ``edits`` (a__b keys)."""
    import tomllib

    from ..conftest import ROOT

    raw = tomllib.loads((ROOT / "scenarios" / "inbound_blend.toml").read_text())
    raw["calendar"]["working_days"], raw["calendar"]["warmup_days"] = 3, 1
    for path, value in edits.items():
        node = raw
        *head, last = path.split("__")
        for k in head:
            node = node[k]
        node[last] = value
    return raw


def test_predictive_blend_wake_up_at_the_end_of_a_work_stretch():
    """A call-back due at the calling window's opening wakes a reserved blend collector at the
    very moment its work stretch ends for a break: it is served, then the break starts (this
    raised ValueError when the end of the stretch removed it from the reserve first)."""
    raw = blend_floor_file(
        dialer__mode="predictive",
        compliance__calling_window_start="09:00",
        teams__blend__breaks=[{"start_time": "09:00", "length_min": 15.0}],
        teams__blend__break_stagger_min=0.0,
        inbound__reservation_threshold=20,
        inbound__callbacks={"probability": 1.0, "delay_s": {"dist": "exponential", "mean": 40000.0}},
    )
    w = run(raw)
    assert w.counters.callbacks[:, 1].sum() > 0  # call-backs were made


def test_reserve_never_holds_more_than_the_threshold_and_no_collector_is_in_two_pools():
    """Sampled every 30 s: with accounts always ready, at most r blend collectors wait in the
    reserve; with the predictive dialer none of them is also in a campaign's free pool."""
    for mode, r in (("progressive", 2), ("predictive", 2)):
        raw = floor(reserve=r)
        raw["teams"]["desk"]["headcount"] = 6
        if mode == "predictive":
            raw["dialer"] = {"mode": "predictive", "pacing": "fixed", "ratio": 2.0}
        w = World(parse_scenario(raw), 1, 0)
        desk, seen = w.inbound, []

        def watch(w=w, desk=desk, seen=seen, mode=mode):
            env, end = w.env, (w.calendar.last_work_day + 1) * 86400.0
            while env.now < end:
                yield env.timeout(30.0)
                reserve = {c.idx for c, _ in desk.free_blend}
                pools = set()
                if mode == "predictive":
                    pools = {c.idx for pc in w.dialer.campaigns for c in pc.free}
                seen.append((len(reserve), len(reserve & pools)))

        w.env.process(watch())
        w.run()
        assert max(n for n, _ in seen) <= r, mode
        assert max(n for n, _ in seen) == r  # the reserve does fill up to r
        assert all(both == 0 for _, both in seen), mode
