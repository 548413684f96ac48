"""Replication results in bounded memory: the same documents as from every replication's dict,
exact means at any count, and per-replication values kept up to a bound."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from simulator.base.statistics import Stat, moments_of, stat
from simulator.experiment import replications
from simulator.experiment.accumulate import VALUES_KEPT, ExactSums, ReplicationStore, kept_replications
from simulator.experiment.replications import run_experiment, run_jobs, run_replication
from simulator.experiment.results import Results
from simulator.measures.breaches import breaches
from simulator.measures.pyramid import flag_layers
from simulator.scenario.load import LoadedScenario, load_scenario

from ..conftest import tiny_scenario, write_toml


def _units(metrics):
    """(level, unit, {metric: STAT}) of a results document's metrics."""
    yield "center", "center", metrics["center"]
    for level in ("segments", "teams", "collectors"):
        for unit, ms in metrics[level].items():
            yield level, unit, ms


def _mean_series(reps):
    """The element-wise mean the results document's series are defined as (math.fsum / count)."""
    first = reps[0]
    if isinstance(first, dict):
        return {k: _mean_series([r[k] for r in reps]) for k in first}
    if isinstance(first, list):
        return [_mean_series([r[i] for r in reps]) for i in range(len(first))]
    return math.fsum(float(r) for r in reps) / len(reps)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> LoadedScenario:
    # an abandon limit of 0 makes every replication breach (a predictive dialer abandons calls)
    raw = tiny_scenario(days=2, collectors=3, accounts=400, dialer={"mode": "predictive", "ratio": 2.0})
    raw["dialer"]["max_abandon_rate"] = 0.0
    return load_scenario(write_toml(tmp_path_factory.mktemp("s") / "tiny.toml", raw))


@pytest.fixture(scope="module")
def reps(tiny) -> list[dict]:
    return [run_replication(tiny.scenario, 5, r) for r in range(12)]


def test_exact_sums_give_the_bits_of_fsum_whatever_the_count():
    rng = random.Random(3)
    cols = 5
    data = [
        [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 12) for _ in range(cols)] + [rng.lognormvariate(4, 1)]
        for _ in range(5000)
    ]
    acc = ExactSums(cols + 1)
    for row in data:
        acc.add(np.array(row))
    got = acc.sums()
    for j in range(cols + 1):
        assert got[j] == math.fsum(row[j] for row in data)
        assert math.fsum(acc.partials(j)) == math.fsum(row[j] for row in data)


def test_the_document_is_that_of_every_replications_values(tiny, reps):
    """STATs from stat() over the values, series as fsum / count: as when every dict was kept."""
    doc = Results(tiny, 5, reps).to_dict()
    assert doc["replications"] == 12 and "values_kept" not in doc
    for level, unit, ms in _units(doc["metrics"]):
        for metric, s in ms.items():
            assert s == stat([r["metrics"][level][unit][metric] for r in reps]), (level, unit, metric)
    for block in reps[0]["blocks"]:
        for k, s in doc[block].items():
            assert s == stat([r["blocks"][block][k] for r in reps])
    assert doc["series"] == _mean_series([r["series"] for r in reps])
    assert json.dumps(doc["series"]) == json.dumps(_mean_series([r["series"] for r in reps]))


def test_beyond_the_bound_values_are_the_first_ones_and_the_summaries_cover_all(tiny, reps):
    full = Results(tiny, 5, reps).to_dict()
    cut = Results(tiny, 5, reps, keep=3)
    doc = cut.to_dict()
    assert cut.values_kept == 3 and cut.replications == 12
    assert doc["values_kept"]["replications"] == 3 and doc["values_kept"]["of"] == 12
    fulls = {(level, unit): ms for level, unit, ms in _units(full["metrics"])}
    for level, unit, ms in _units(doc["metrics"]):
        for metric, s in ms.items():
            f = fulls[(level, unit)][metric]
            assert s["values"] == f["values"][:3]
            assert s["mean"] == f["mean"]  # the exact sum: the same bits
            if f["ci95_low"] is None:
                assert s["ci95_low"] is None
            else:
                assert s["ci95_low"] == pytest.approx(f["ci95_low"], rel=1e-9, abs=1e-9)
                assert s["ci95_high"] == pytest.approx(f["ci95_high"], rel=1e-9, abs=1e-9)
    assert doc["series"] == full["series"]
    # breaches: the worst replication and the count over the limit are of every replication
    assert full["breaches"] and doc["breaches"] == full["breaches"]
    assert doc["breaches"][0]["replications"] == 12
    assert cut.per_rep == Results(tiny, 5, reps).per_rep[:3]
    assert json.loads(cut.to_json())["replications"] == 12


def test_checks_read_the_moments_of_every_replication(tiny, reps):
    full = Results(tiny, 5, reps).to_dict()["metrics"]["center"]
    cut = Results(tiny, 5, reps, keep=2).to_dict()["metrics"]["center"]
    assert isinstance(cut["kept_rate"], Stat) and not isinstance(full["kept_rate"], Stat)
    m_full, m_cut = moments_of(full["kept_rate"]), moments_of(cut["kept_rate"])
    assert m_cut.n == m_full.n == 12 and m_cut.mean == m_full.mean
    assert m_cut.variance == pytest.approx(m_full.variance, rel=1e-9)
    targets = {"promise_rate": 0.99, "kept_rate": 0.99}
    a = flag_layers({"c": (full, targets)}, min_rpc=0)
    b = flag_layers({"c": (cut, targets)}, min_rpc=0)
    assert a["c"]["flagged_layers"] == b["c"]["flagged_layers"]
    for k, p in a["c"]["flag_p_values"].items():
        assert b["c"]["flag_p_values"][k] == pytest.approx(p, rel=1e-6, abs=1e-12)


def test_breaches_from_moments_and_from_values_agree(tiny, reps):
    full = Results(tiny, 5, reps)
    cut = Results(tiny, 5, reps, keep=1)
    comp_full = full.to_dict()["compliance"]
    comp_cut = cut.to_dict()["compliance"]
    assert breaches(tiny.scenario, comp_cut) == breaches(tiny.scenario, comp_full)


def test_the_bound_on_kept_values():
    assert kept_replications(1_000) == VALUES_KEPT // 1_000
    assert kept_replications(VALUES_KEPT * 4) == 1
    store = ReplicationStore()
    one = {
        "metrics": {"center": {"center": {"x": 1.0, "y": None}}},
        "blocks": {"b": {"z": 2.0}},
        "series": {},
    }
    store.add(one)
    assert store.keep == VALUES_KEPT // 3


def test_run_jobs_hands_results_in_job_order_and_keeps_none(tiny):
    got = []
    jobs = [(tiny.scenario, 1, r) for r in range(4)]
    assert run_jobs(jobs, sink=got.append) == []
    assert [g["metrics"]["center"]["center"]["dials"] for g in got] == [
        run_replication(tiny.scenario, 1, r)["metrics"]["center"]["center"]["dials"] for r in range(4)
    ]


def test_a_run_holds_no_replication_dict(tiny, monkeypatch):
    """run_experiment keeps each replication's numbers in the store's rows, not its dict."""
    seen = []
    real = replications.run_replication

    def recording(scenario, seed, replication, trace=False):
        out = real(scenario, seed, replication, trace=trace)
        seen.append(out)
        return out

    monkeypatch.setattr(replications, "run_replication", recording)
    res = run_experiment(tiny, 5, 5)
    assert res.replications == 5 and len(res.store.rows) == 5
    assert all(isinstance(row, np.ndarray) for row in res.store.rows)
    assert res.to_json() == Results(tiny, 5, seen).to_json()


def test_series_of_different_lengths_are_padded_with_zeros():
    store = ReplicationStore()
    base = {"metrics": {"center": {"center": {"x": 1.0}}}, "blocks": {}}
    store.add({**base, "series": {"d": [1.0, 2.0, 3.0], "k": 4}})
    store.add({**base, "series": {"d": [5.0], "k": 6}})
    store.add({**base, "series": {"d": [1.0, 1.0, 1.0, 9.0], "k": 8}})
    assert store.series_mean() == {"d": [7 / 3, 1.0, 4 / 3], "k": 6.0}


def test_compare_pairs_every_replication_beyond_the_bound(tiny, tmp_path):
    from simulator.studies.comparison import Comparison, Pairs, run_comparison

    raw_b = tiny_scenario(days=2, collectors=4, accounts=400, dialer={"mode": "predictive", "ratio": 2.0})
    lb = load_scenario(write_toml(tmp_path / "b.toml", raw_b))
    full = run_comparison(tiny, lb, 6, 5)
    cut = Comparison(Results(tiny, 5, keep=2), Results(lb, 5, keep=2))
    for r in range(6):
        row_a = cut.a.add(run_replication(tiny.scenario, 5, r))
        row_b = cut.b.add(run_replication(lb.scenario, 5, r))
        cut.pairs = cut.pairs or Pairs(cut.a, cut.b)
        cut.pairs.add(row_a, row_b)
    for metric in ("collected", "kept_rate", "dials"):
        f, c = full.paired("center", "center", metric), cut.paired("center", "center", metric)
        assert c["n"] == f["n"] == 6 and c["a_mean"] == f["a_mean"] and c["b_mean"] == f["b_mean"]
        for k in ("diff_mean", "diff_ci95_low", "diff_ci95_high", "var_a", "var_b", "var_diff"):
            assert c[k] == pytest.approx(f[k], rel=1e-9, abs=1e-9), (metric, k)
    doc = cut.to_dict()
    assert doc["replications"] == 6 and len(doc["metrics"]["center"]["collected"]["a_values"]) == 2
    with pytest.raises(ValueError, match="not all kept"):
        Comparison(cut.a, cut.b).paired("center", "center", "collected")


@pytest.mark.slow
def test_sensitivity_beyond_the_bound_reads_the_moments(tiny, monkeypatch):
    from simulator.studies import sensitivity

    full = sensitivity.simulated_sensitivity(tiny, 4, 2)
    monkeypatch.setattr(sensitivity, "kept_replications", lambda n: 1)
    cut = sensitivity.simulated_sensitivity(tiny, 4, 2)
    base = full["baseline_value_per_paid_hour"]
    assert cut["baseline_value_per_paid_hour"] == pytest.approx(base, rel=1e-12)
    for a, b in zip(full["levers"], cut["levers"]):
        assert a["layer"] == b["layer"] and a["simulated"]["n"] == b["simulated"]["n"] == 4
        for k in ("diff_mean", "diff_ci95_low", "diff_ci95_high", "variance_ratio"):
            assert b["simulated"][k] == pytest.approx(a["simulated"][k], rel=1e-9, abs=1e-9), k


def test_exact_sums_stay_small_whatever_the_values():
    rng = random.Random(7)
    acc = ExactSums(1)
    values = []
    for _ in range(3000):
        v = rng.uniform(-1, 1) * 10 ** rng.randint(-300, 300)
        values.append(v)
        acc.add(np.array([v]))
    assert len(acc.spill.get(0, [])) <= ExactSums.SPILL
    assert acc.sums()[0] == math.fsum(values)
