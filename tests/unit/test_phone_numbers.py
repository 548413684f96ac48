"""Several phone numbers per account (segments.<name>.phone_numbers, world/phone_numbers.py): the
documented choice rule in a closed form, the TCPA consent rule on traces, skip tracing per
number, and bad input refused."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict

import numpy as np
import pytest

from simulator.base.outcomes import INVALID, RPC, THIRD_PARTY
from simulator.measures.breaches import breaches
from simulator.scenario import parse_scenario
from simulator.scenario.phones import PHONE_TYPES, PhoneNumber
from simulator.scenario.problems import ScenarioError
from simulator.world.build import World
from simulator.world.phone_numbers import CELL, number_table, scaled_outcome
from simulator.world.phones import outcome_tables
from tests.conftest import tiny_scenario

P_RPC, P_INVALID = 0.20, 0.10  # the small scenario's segment


def _world(numbers: list[dict], seed: int = 3, days: int = 3, accounts: int = 1500, **over) -> World:
    raw = tiny_scenario(
        days=days, collectors=4, accounts=accounts, segments__s1__phone_numbers=numbers, **over
    )
    w = World(parse_scenario(raw), seed, 0, trace=True)
    w.run()
    return w


def _dials(w: World) -> list[tuple[int, int, int]]:
    """(account, number's flat index, outcome) of every dial, in time order."""
    tr = w.trace_arrays()
    first = w.phone_numbers.first
    return [
        (a, first[a] + j, o)
        for a, j, o in zip(
            tr["acct"].astype(int).tolist(), tr["phone"].astype(int).tolist(), tr["out"].tolist()
        )
    ]


def test_one_number_with_the_segment_curve_is_the_valid_number_of_skip_tracing():
    """A number with multiplier 1 has the segment's outcomes without invalid dials, renormalised:
    the table skip tracing's valid numbers use (phones.outcome_tables)."""
    seg = parse_scenario(tiny_scenario()).segments["s1"]
    tables, mults = number_table(seg, PhoneNumber(type="cell"))
    assert tables == outcome_tables(seg, 1.0)[0]
    assert set(mults) == {1.0}


def test_a_number_multiplier_scales_the_live_answers_and_caps_them_at_one():
    seg = parse_scenario(tiny_scenario()).segments["s1"]
    tables, _ = number_table(seg, PhoneNumber(type="home", answer_by_hour=[1.5] * 24))
    probs = np.diff([0.0] + tables[0][:-1] + [1.0])
    assert probs[RPC] == pytest.approx(1.5 * P_RPC / (1 - P_INVALID))
    assert probs[INVALID] == 0.0 and probs.sum() == pytest.approx(1.0)
    tables, _ = number_table(seg, PhoneNumber(type="home", answer_by_hour=[4.0] * 24))
    probs = np.diff([0.0] + tables[0][:-1] + [1.0])
    assert probs[RPC] + probs[THIRD_PARTY] == pytest.approx(1.0)  # third party + right party
    assert probs[RPC] / probs[THIRD_PARTY] == pytest.approx(2.0)  # their ratio kept


def test_an_invalid_number_is_tried_once_then_never_and_the_valid_one_has_its_table():
    """Two numbers: a work number that never works, with the higher answer multiplier at every
    hour, and a home number that always works. The rule tries the work number first, finds it
    invalid on that dial and never tries it again; every later dial goes to the home number,
    whose right-party rate per attempt is P_RPC / (1 - P_INVALID) (4 standard errors)."""
    flat = {"answer_by_hour": [1.0] * 24, "answer_by_weekday": [1.0] * 7}
    w = _world(
        [
            {"type": "home", "valid": 1.0, **flat},
            {"type": "work", "valid": 0.0, **flat, "answer_by_hour": [1.2] * 24},
        ]
    )
    ph = w.phone_numbers
    by_account = defaultdict(list)
    for a, i, o in _dials(w):
        by_account[a].append((PHONE_TYPES[ph.kind[i]], o))
    assert len(by_account) > 1000
    home_dials = home_rpc = 0
    for dials in by_account.values():
        assert dials[0] == ("work", INVALID)  # the work number first, and it does not work
        assert all(kind == "home" for kind, _ in dials[1:])  # then never again
        home_dials += len(dials) - 1
        home_rpc += sum(o == RPC for _, o in dials[1:])
    p = P_RPC / (1 - P_INVALID)
    assert home_dials > 1500
    assert abs(home_rpc / home_dials - p) < 4 * math.sqrt(p * (1 - p) / home_dials)


def test_two_working_numbers_alternate():
    """Two numbers that always work and answer alike: no number is tried twice in a row."""
    flat = {"answer_by_hour": [1.0] * 24, "answer_by_weekday": [1.0] * 7}
    w = _world([{"type": "home", "valid": 1.0, **flat}, {"type": "cell", "valid": 1.0, **flat}], days=2)
    last: dict[int, int] = {}
    repeats = n = 0
    for a, i, _ in _dials(w):
        repeats += last.get(a) == i
        n += a in last
        last[a] = i
    assert n > 500 and repeats == 0


NUMBERS = [
    {"type": "cell", "share": 0.9, "consent": 0.5},
    {"type": "home", "share": 0.5},
    {"type": "work", "share": 0.3, "valid": 0.7},
]


def _cells_without_consent(w: World) -> int:
    ph = w.phone_numbers
    return sum(ph.kind[i] == CELL and not ph.consent[i] for _, i, _ in _dials(w))


@pytest.mark.parametrize("mode", ["progressive", "predictive"])
def test_no_cell_without_consent_is_autodialed(mode):
    """On the trace, no automatic dial goes to a cell without consent; an account whose only
    number is such a cell is never dialed; the compliance block counts 0."""
    w = _world(NUMBERS, dialer={"mode": mode})
    ph = w.phone_numbers
    assert len(_dials(w)) > 1000
    assert _cells_without_consent(w) == 0
    assert w.counters.blocks["compliance"]["autodialed_cells_without_consent"] == 0
    only_bad_cell = {
        a
        for a in range(w.portfolio.n)
        if ph.count[a] == 1 and ph.kind[ph.first[a]] == CELL and not ph.consent[ph.first[a]]
    }
    assert len(only_bad_cell) > 50
    assert w.counters.blocks["phones"]["accounts_without_dialable_phone"] == len(only_bad_cell)
    assert not only_bad_cell & {a for a, _, _ in _dials(w)}


def test_with_enforcement_off_the_count_is_the_traces():
    w = _world(NUMBERS, compliance={"enforce_cell_consent": False})
    found = _cells_without_consent(w)
    assert found > 100
    assert w.counters.blocks["compliance"]["autodialed_cells_without_consent"] == found
    assert w.counters.blocks["phones"]["accounts_without_dialable_phone"] == 0
    (found_breach,) = breaches(w.scenario, {"autodialed_cells_without_consent": {"values": [float(found)]}})
    assert "enforce_cell_consent: not enforced" in found_breach["message"]


@pytest.mark.parametrize(("rule", "dialed"), [("manual_only", True), ("never", False)])
def test_preview_dials_cells_without_consent_only_when_manual_dialing_is_allowed(rule, dialed):
    w = _world(NUMBERS, dialer={"mode": "preview"}, compliance={"cell_without_consent": rule})
    found = _cells_without_consent(w)
    assert (found > 50) if dialed else (found == 0)
    assert w.counters.blocks["phones"]["manual_dials_cells_without_consent"] == found
    assert w.counters.blocks["compliance"]["autodialed_cells_without_consent"] == 0


def test_skip_tracing_goes_by_number():
    """An account goes to the skip-trace queue only once each of its numbers has had an invalid
    dial; a hit replaces one number with a fresh one without consent, of the same type."""
    skip = {"hit_probability": 1.0, "delay_days": 1, "new_number_bad_probability": 0.0}
    numbers = [{"type": "home", "valid": 0.5}, {"type": "work", "share": 0.6, "valid": 0.5}]
    w = _world(numbers, days=5, skip_trace=skip)
    ph, st = w.phone_numbers, w.tasks[0]
    invalid_at: dict[int, float] = {}
    tr = w.trace_arrays()
    for a, j, o, t in zip(tr["acct"].astype(int), tr["phone"].astype(int), tr["out"], tr["t"]):
        if o == INVALID:
            invalid_at.setdefault(ph.first[a] + j, t)
    assert len(st.history) > 50
    for a, queued_s, _ in st.history:
        mine = range(ph.first[a], ph.first[a] + ph.count[a])
        assert all(invalid_at.get(i, np.inf) <= queued_s for i in mine)
    assert st.hits > 0 and sum(s == 2 for s in ph.state) == st.hits  # TRACED numbers
    assert w.counters.blocks["skip_trace"]["hits"] == st.hits


def test_phone_numbers_on_one_segment_only_are_refused():
    raw = tiny_scenario(segments__s1__phone_numbers=[{"type": "cell"}])
    raw["segments"]["s2"] = dict(raw["segments"]["s1"], phone_numbers=[])
    raw["teams"]["t1"]["segments"] = ["s1", "s2"]
    with pytest.raises(ScenarioError, match="segments.s2.phone_numbers"):
        parse_scenario(raw)


def test_an_unknown_phone_type_is_refused():
    with pytest.raises(ScenarioError, match="cell"):
        parse_scenario(tiny_scenario(segments__s1__phone_numbers=[{"type": "fax"}]))


def test_the_trace_names_the_number_and_calibration_reads_it(tmp_path):
    """dials.csv gains phone_type, phone_index and consent with phone numbers (and only then); the
    calibration reader accepts the file with and without them."""
    from simulator.calibrate.api import read_trace
    from simulator.experiment.trace_export import trace_tables

    w = _world(NUMBERS, days=1, accounts=300)
    header, *rows = trace_tables(w)["dials.csv"].decode().splitlines()
    assert header.endswith(",abandoned,phone_type,phone_index,consent")
    ph = w.phone_numbers
    for line, (a, i, _) in zip(rows, _dials(w)):
        kind, j, consent = line.split(",")[-3:]
        assert (kind, int(j), int(consent)) == (PHONE_TYPES[ph.kind[i]], i - ph.first[a], int(ph.consent[i]))
    plain = World(parse_scenario(tiny_scenario(accounts=300)), 3, 0, trace=True)
    plain.run()
    for name, world in (("with", w), ("without", plain)):
        folder = tmp_path / name
        folder.mkdir()
        for file, data in trace_tables(world).items():
            (folder / file).write_bytes(data)
        assert read_trace(folder) is not None
    assert not trace_tables(plain)["dials.csv"].decode().splitlines()[0].endswith("phone_index")


@pytest.mark.parametrize(
    ("block", "key"),
    [
        (
            {"skip_trace": {"bad_number_share_by_segment": {"s1": 0.2}}},
            "skip_trace.bad_number_share_by_segment",
        ),
        ({"segments__s1__phones": {"dist": "uniform_int", "low": 1, "high": 3}}, "segments.s1.phones"),
    ],
)
def test_settings_that_phone_numbers_replace_are_refused(block, key):
    raw = tiny_scenario(segments__s1__phone_numbers=[{"type": "cell"}], **block)
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        parse_scenario(raw)


def test_a_scaled_number_table_draws_its_closed_form():
    """scaled_outcome: with m = 1 the number's own table; with m the live outcomes times m (cut at
    1) and the unanswered ones rescaled, read at the boundaries of the uniform."""
    seg = parse_scenario(tiny_scenario()).segments["s1"]
    cum = number_table(seg, PhoneNumber(type="cell"))[0][10]
    us = np.linspace(0.0, 0.999999, 2001)
    assert [scaled_outcome(cum, 1.0, u) for u in us] == [bisect_right(cum, u) for u in us]
    probs = np.diff([0.0] + cum[:-1] + [1.0])
    for m in (0.5, 1.7, 50.0):
        tp, rpc = probs[THIRD_PARTY] * m, probs[RPC] * m
        live = min(1.0, tp + rpc)
        tp, rpc = tp * live / (tp + probs[RPC] * m), rpc * live / (probs[THIRD_PARTY] * m + rpc)
        drawn = np.array([scaled_outcome(cum, m, u) for u in us])
        assert np.mean(drawn == RPC) == pytest.approx(rpc, abs=1e-3)
        assert np.mean(drawn == THIRD_PARTY) == pytest.approx(tp, abs=1e-3)
        assert not np.any(drawn == INVALID)


def test_phone_numbers_with_account_level_behaviour():
    """Several numbers with portfolio.behaviour: the behaviour counts the account's numbers and
    leaves their states to them, and each dial's live answers follow the account's answer
    multiplier times the number's curve: accounts with a high multiplier answer more."""
    from simulator.world.phone_numbers import AccountPhones

    numbers = [{"type": "cell", "share": 1.0, "valid": 1.0}, {"type": "home", "share": 0.5, "valid": 1.0}]
    w = _world(
        numbers,
        days=5,
        accounts=1500,
        portfolio={"behaviour": {"spread": 1.5, "phones_on_answer": 0.5}},
    )
    ph, beh = w.phone_numbers, w.behaviour
    assert isinstance(ph, AccountPhones) and ph.behaviour is beh and beh.phone is None
    assert w.portfolio.phone is None and list(w.portfolio.phones) == ph.count
    mult = np.array(beh.answer_mult)
    assert mult[np.array(ph.count) == 2].mean() > mult[np.array(ph.count) == 1].mean()
    live, dials = np.zeros(len(mult)), np.zeros(len(mult))
    for a, _i, o in _dials(w):
        dials[a] += 1
        live[a] += o in (RPC, THIRD_PARTY)
    hi, lo = mult >= np.quantile(mult, 0.75), mult <= np.quantile(mult, 0.25)
    share_hi, share_lo = live[hi].sum() / dials[hi].sum(), live[lo].sum() / dials[lo].sum()
    # the multipliers' ratio is 1.68; fatigue and the contacts that take the most responsive
    # accounts off the lists pull the live shares' ratio down (1.40 here, about 0.06 its SE)
    assert mult[hi].mean() / mult[lo].mean() > 1.5
    assert share_hi > 1.2 * share_lo
