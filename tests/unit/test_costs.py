"""Full cost: the components add up to ``cost`` to the cent at every level, each component equals
its closed form, and net value is collected plus agency recoveries less that cost."""

from __future__ import annotations

import math

import pytest

from simulator import load_scenario, run_experiment
from simulator.scenario.load import ScenarioError

from ..conftest import SCENARIOS, small_scenario, write_toml

COMPONENTS = (
    "cost_wages",
    "cost_supervision",
    "cost_telecom",
    "cost_dialer",
    "cost_skip_trace",
    "cost_agency",
    "cost_abandon_penalty",
    "cost_channels",
)
FULL = {
    "wage_loading_share": 0.3,
    "supervisor_span": 5,
    "supervisor_hourly_wage_usd": 35.0,
    "telecom_usd_per_connected_min": 0.012,
    "telecom_usd_per_dial": 0.004,
    "dialer_seat_usd_per_day": 9.0,
    "abandon_penalty_usd": 1.5,
}
CENT = 0.005


def _units(doc):
    yield "center", "center", doc["metrics"]["center"]
    for level in ("segments", "teams", "collectors"):
        for name, stats in doc["metrics"][level].items():
            yield level, name, stats


def _at(stats, metric, r):
    return stats[metric]["values"][r]


def check_cost_sums(doc: dict) -> float:
    """Every unit, every replication: the components sum to cost to the cent; segments sum to the
    center. Returns the largest residual seen."""
    worst = 0.0
    R = doc["replications"]
    for _, _, s in _units(doc):
        for r in range(R):
            resid = abs(math.fsum(_at(s, k, r) for k in COMPONENTS) - _at(s, "cost", r))
            assert resid < CENT, (s, r)
            worst = max(worst, resid)
            assert math.isclose(
                _at(s, "net_value", r),
                _at(s, "collected", r) + _at(s, "agency_collected", r) - _at(s, "cost", r),
                abs_tol=1e-6,
            )
    center = doc["metrics"]["center"]
    for r in range(R):
        for k in (*COMPONENTS, "cost", "agency_collected"):
            segs = math.fsum(_at(s, k, r) for s in doc["metrics"]["segments"].values())
            assert abs(segs - _at(center, k, r)) < CENT, k
    return worst


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_cost_components_sum_to_cost_on_every_bundled_scenario(path):
    loaded = load_scenario(path)
    doc = run_experiment(loaded, 2, seed=1).to_dict()
    check_cost_sums(doc)
    c = doc["metrics"]["center"]
    warmup = loaded.scenario.calendar.warmup_days > 0
    for r in range(2):
        # without a costs block the cost is wages, skip-trace fees and agency commission; a
        # scenario may price abandoned calls alone (dialer_modes: docs/dialer.md)
        if "costs" not in loaded.raw:  # channels.toml prices telecom and dialer seats
            for k in ("cost_supervision", "cost_telecom", "cost_dialer"):
                assert _at(c, k, r) == 0.0, k
        rate = loaded.scenario.costs.abandon_penalty_usd
        assert math.isclose(_at(c, "cost_abandon_penalty", r), rate * _at(c, "abandoned", r), rel_tol=1e-12)
        fees = doc["skip_trace"]["cost_usd"]["values"][r] if "skip_trace" in doc else 0.0
        commission = doc["placement"]["agency_commission_usd"]["values"][r] if "placement" in doc else 0.0
        if warmup:  # the task blocks count the whole run, the metrics the measured window
            assert (
                _at(c, "cost_skip_trace", r) <= fees + 1e-6 and _at(c, "cost_agency", r) <= commission + 1e-6
            )
        else:
            assert math.isclose(_at(c, "cost_skip_trace", r), fees, abs_tol=1e-6)
            assert math.isclose(_at(c, "cost_agency", r), commission, abs_tol=1e-6)
        wages = math.fsum(_at(s, "cost_wages", r) for s in doc["metrics"]["collectors"].values())
        assert math.isclose(_at(c, "cost_wages", r), wages, rel_tol=1e-12)


@pytest.fixture(scope="module")
def full_cost_doc(tmp_path_factory):
    """Two teams on two segments (one shared), predictive, skip tracing, placement and a text
    message, every cost."""
    raw = small_scenario()
    raw["calendar"]["working_days"] = 4
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform", "low": 0.0, "high": 60.0}
    raw["segments"]["s2"] = {**raw["segments"]["s1"], "accounts": 2000}
    raw["teams"]["t1"]["headcount"] = 7
    raw["teams"]["t2"] = {
        **raw["teams"]["t1"],
        "headcount": 3,
        "segments": ["s1", "s2"],
        "hourly_wage_usd": 26.0,
    }
    raw["dialer"] = {"mode": "predictive", "ratio": 2.5}
    raw["skip_trace"] = {"cost_per_trace_usd": 3.0}
    raw["placement"] = {"at_days_past_due": 45.0, "commission_share": 0.25}
    raw["costs"] = dict(FULL)
    # a text to every s1 account on its first day, calls every day as without a path
    steps = [{"day": 1, "channel": "call", "every_days": 1}, {"day": 1, "channel": "sms"}]
    raw["channels"] = {"sms": {"cost_usd": 0.01}, "path": "p", "paths": {"p": {"s1": steps}}}
    path = write_toml(tmp_path_factory.mktemp("cost") / "s.toml", raw)
    return raw, run_experiment(load_scenario(path), 2, seed=5).to_dict()


def test_every_component_equals_its_closed_form(full_cost_doc):
    raw, doc = full_cost_doc
    m = doc["metrics"]
    c = m["center"]
    days = raw["calendar"]["working_days"]
    assert check_cost_sums(doc) < 1e-6
    for r in range(2):

        def at(k, r=r):
            return _at(c, k, r)

        for k in COMPONENTS:
            assert at(k) > 0, k
        assert math.isclose(
            at("cost_telecom"), at("talk_hours") * 60 * 0.012 + at("dials") * 0.004, rel_tol=1e-9
        )
        assert math.isclose(at("cost_dialer"), (7 + 3) * days * 9.0, rel_tol=1e-12)
        assert math.isclose(at("cost_abandon_penalty"), at("abandoned") * 1.5, rel_tol=1e-12)
        sent = doc["channels"]["sms/sent"]["values"][r]
        assert sent > 1000 and math.isclose(at("cost_channels"), sent * 0.01, rel_tol=1e-12)
        assert math.isclose(at("cost_skip_trace"), doc["skip_trace"]["cost_usd"]["values"][r], rel_tol=1e-9)
        assert math.isclose(
            at("cost_agency"), doc["placement"]["agency_commission_usd"]["values"][r], rel_tol=1e-9
        )
        assert math.isclose(
            at("agency_collected"), doc["placement"]["agency_recovered_usd"]["values"][r], rel_tol=1e-9
        )
        for team, h, wage in (("t1", 7, 20.0), ("t2", 3, 26.0)):
            t = m["teams"][team]
            paid = _at(t, "paid_hours", r)
            assert math.isclose(_at(t, "cost_wages", r), paid * wage * 1.3, rel_tol=1e-9)
            # ceil(7 / 5) = 2 supervisors for t1, 1 for t2, each paid the team's mean paid hours
            assert math.isclose(
                _at(t, "cost_supervision", r), math.ceil(h / 5) * 35.0 * 1.3 * paid / h, rel_tol=1e-9
            )
        coll = math.fsum(_at(s, "cost", r) for s in m["collectors"].values())
        teams = math.fsum(_at(s, "cost", r) for s in m["teams"].values())
        assert abs(teams - at("cost")) < CENT  # no multi-team campaign: teams cover every row
        assert coll < teams  # calls no collector took are the campaigns' rows
        assert math.isclose(at("cost_per_dollar"), at("cost") / (at("collected") + at("agency_collected")))


def test_agency_and_trace_costs_leave_the_warmup_out(tmp_path):
    """With a warm-up, skip-trace fees and agency dollars count only traces and placements after
    it, like every other metric and the task blocks; the same world without a warm-up (the
    warm-up changes what is counted, not what happens) counts more."""
    raw = small_scenario()
    raw["calendar"].update(working_days=8, warmup_days=3)
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform", "low": 30.0, "high": 60.0}
    raw["skip_trace"] = {"cost_per_trace_usd": 3.0}
    raw["placement"] = {"at_days_past_due": 55.0}
    path = write_toml(tmp_path / "s.toml", raw)
    doc = run_experiment(load_scenario(path), 2, seed=3).to_dict()
    whole = run_experiment(load_scenario(path, ["calendar.warmup_days=0"]), 2, seed=3).to_dict()
    c = doc["metrics"]["center"]
    for r in range(2):
        block_fees = doc["skip_trace"]["cost_usd"]["values"][r]
        block_commission = doc["placement"]["agency_commission_usd"]["values"][r]
        assert _at(c, "cost_skip_trace", r) == pytest.approx(block_fees, abs=0.005)
        assert _at(c, "cost_agency", r) == pytest.approx(block_commission, abs=0.005)
        assert 0 < block_fees < whole["skip_trace"]["cost_usd"]["values"][r]
        assert 0 < block_commission < whole["placement"]["agency_commission_usd"]["values"][r]
    check_cost_sums(doc)


def test_costs_block_is_checked(tmp_path):
    raw = small_scenario()
    raw["costs"] = {"supervisor_hourly_wage_usd": 30.0}
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_toml(tmp_path / "s.toml", raw))
    assert "supervisor_span" in str(info.value)
    raw["costs"] = {"telecom_usd_per_dial": -0.1}
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_toml(tmp_path / "s.toml", raw))
    assert "costs.telecom_usd_per_dial" in str(info.value)
