"""Replications, precision-driven stopping, common random numbers, compare and the Python API."""

import json
import math
import sys

import pytest

from simulator import load_scenario, run_experiment
from simulator.base.statistics import half_width, paired_difference, replications_needed
from simulator.cli import main
from simulator.experiment.replications import parse_metric_ref, parse_precision
from simulator.studies.comparison import run_comparison

from ..conftest import tiny_scenario, write_toml


@pytest.fixture
def scen(tmp_path):
    return write_toml(tmp_path / "s.toml", tiny_scenario(days=2, collectors=4, accounts=3000))


def test_paired_difference_by_hand():
    d = paired_difference([1.0, 2.0, 3.0, None], [1.5, 2.5, 3.5, 9.0])
    assert d["n"] == 3  # the pair with an undefined value is dropped
    assert d["diff_mean"] == pytest.approx(0.5)
    assert d["var_diff"] == pytest.approx(0.0)
    assert d["var_a"] == pytest.approx(1.0) and d["var_b"] == pytest.approx(1.0)
    assert d["variance_ratio"] == pytest.approx(0.0)
    # t(0.975, 2) = 4.3027; the differences 0.5, 0.7, 0.3 have sd 0.2
    d = paired_difference([0.0, 0.0, 0.0], [0.5, 0.7, 0.3])
    assert d["diff_ci95_high"] - d["diff_mean"] == pytest.approx(4.302652729749462 * 0.2 / math.sqrt(3))
    assert paired_difference([None], [1.0])["diff_mean"] is None


def test_replications_needed_scales_with_the_square_of_the_ratio():
    vals = [9.0, 10.0, 11.0, 10.0]
    hw = half_width(vals)
    rel = hw / 10.0 / 2  # half the current relative half-width -> about 4x the replications
    assert replications_needed(vals, rel) in (16, 17)  # 4 x (hw / target)^2 = 16, up to rounding
    assert replications_needed(vals, 0.9) == 4  # already precise enough: no more than we have


def test_metric_refs():
    sc = load_scenario(None).scenario
    assert str(parse_metric_ref("value_per_paid_hour")) == "center.value_per_paid_hour"
    assert str(parse_metric_ref("center.kept_rate")) == "center.kept_rate"
    r = parse_metric_ref("segments.low_risk.promise_rate", sc)
    assert (r.level, r.unit, r.metric) == ("segments", "low_risk", "promise_rate")
    with pytest.raises(ValueError, match="did you mean 'kept_rate'"):
        parse_metric_ref("kept_rat")
    with pytest.raises(ValueError, match="no segment named 'nope'"):
        parse_metric_ref("segments.nope.kept_rate", sc)
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_precision("kept_rate=2", sc)
    with pytest.raises(ValueError, match="expected METRIC=REL"):
        parse_precision("kept_rate", sc)


def test_positional_api_and_progress(scen):
    calls = []
    res = run_experiment(load_scenario(scen), 2, 3, lambda d, t: calls.append((d, t)))
    assert res.replications == 2 and calls == [(1, 2), (2, 2)]
    assert json.loads(res.to_json())["schema"] == "collectsim.results/1"
    # a path is accepted too, and gives the same bytes
    assert run_experiment(str(scen), 2, 3).to_json() == res.to_json()


def test_summary_and_frame(scen, monkeypatch):
    res = run_experiment(load_scenario(scen), 2, 1)
    text = res.summary()
    assert "value_per_paid_hour" in text and "segment s1" in text and "team t1" in text
    pd = pytest.importorskip("pandas")
    df = res.to_frame()
    assert list(df.columns) == ["replication", "level", "unit", "metric", "value"]
    units = 1 + 1 + 1 + 4  # center, one segment, one team, four collectors
    assert len(df) == 2 * units * len(set(df["metric"]))
    row = df[(df.level == "center") & (df.metric == "collected") & (df.replication == 1)]
    assert row["value"].item() == res.values("center.collected")[1]
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        res.to_frame()
    assert pd  # pandas was there before the monkeypatch


def test_precision_stops_when_the_target_is_met(scen):
    loaded = load_scenario(scen)
    res = run_experiment(loaded, 3, 7, precision="value_per_paid_hour=0.03")
    p = res.precision
    assert p["met"] and p["stopped"] == "target met"
    t = p["targets"][0]
    assert t["half_width"] < 0.03 * abs(t["mean"])
    assert res.replications == p["replications"] >= 3
    # the replications are those of a fixed run of the same size (same seeds, same order)
    fixed = run_experiment(loaded, res.replications, 7)
    assert res.per_rep == fixed.per_rep
    if res.replications > 3:  # it did not stop later than needed: one batch earlier was not enough
        from simulator.experiment.replications import PrecisionTarget
        from simulator.experiment.replications import parse_metric_ref as ref

        target = PrecisionTarget(ref("value_per_paid_hour"), 0.03)
        earlier = [n for n in range(3, res.replications) if target.check(fixed.per_rep[:n])["met"]]
        assert len(earlier) < res.replications - 3  # not met at every earlier batch size


def test_precision_stops_at_the_cap(scen):
    res = run_experiment(load_scenario(scen), 2, 7, precision=["center.collected=0.0001"], max_replications=5)
    assert res.replications == 5
    assert res.precision["stopped"] == "cap reached" and not res.precision["met"]
    assert json.loads(res.to_json())["precision"]["replications"] == 5


def test_cli_precision_messages(scen, capsys):
    assert (
        main(["run", str(scen), "-r", "3", "--seed", "2", "--precision", "value_per_paid_hour=0.03", "-q"])
        == 0
    )
    out = capsys.readouterr().out
    assert "stopped: target met after" in out
    assert (
        main(
            ["run", str(scen), "-r", "2", "--precision", "collected=0.0001", "--max-replications", "3", "-q"]
        )
        == 0
    )
    assert "cap of --max-replications 3 reached (3 replications)" in capsys.readouterr().out
    assert main(["run", str(scen), "--precision", "nope=0.1", "-q"]) == 2
    assert "unknown metric 'nope'" in capsys.readouterr().err


def test_common_random_numbers_reduce_the_variance_of_a_difference(tmp_path):
    a = load_scenario(write_toml(tmp_path / "a.toml", tiny_scenario(days=2, collectors=4, accounts=3000)))
    b = load_scenario(write_toml(tmp_path / "b.toml", tiny_scenario(days=2, collectors=5, accounts=3000)))
    cmp = run_comparison(a, b, 8, 3)
    for metric in ("collected", "net_value", "value_per_paid_hour"):
        d = cmp.paired("center", "center", metric)
        assert d["n"] == 8
        assert d["var_diff"] < d["var_a"] + d["var_b"], metric
        assert d["variance_ratio"] < 1
    # the paired replications are exactly those of separate runs at the same seed
    assert cmp.b.per_rep == run_experiment(b, 8, 3).per_rep
    # more collectors collect more: the paired CI of B - A is clearly above 0
    d = cmp.paired("center", "center", "collected")
    assert d["diff_ci95_low"] > 0


def test_cli_compare(scen, tmp_path, capsys):
    out = tmp_path / "cmp.json"
    rc = main(["compare", str(scen), "--set-b", "teams.t1.headcount=5", "-r", "3", "--json", str(out), "-q"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "var ratio" in text and "segment s1" in text and "team t1" in text
    doc = json.loads(out.read_text())
    assert doc["schema"] == "collectsim.compare/1"
    assert doc["b"]["overrides"] == ["teams.t1.headcount=5"] and doc["a"]["overrides"] == []
    c = doc["metrics"]["center"]["collected"]
    assert c["diff_mean"] == pytest.approx(c["b_mean"] - c["a_mean"])
    assert set(doc["metrics"]["segments"]) == {"s1"} and set(doc["metrics"]["teams"]) == {"t1"}
    # two files
    other = write_toml(tmp_path / "b.toml", tiny_scenario(days=2, collectors=5, accounts=3000))
    assert main(["compare", str(scen), str(other), "-r", "3", "-q"]) == 0
    assert "B: 'small'" in capsys.readouterr().out
    # one file and no variants: bad input
    assert main(["compare", str(scen), "-q"]) == 2
    assert "--set-b" in capsys.readouterr().err


def test_mser5_finds_the_warmup_of_a_transient_and_none_in_a_stationary_series():
    """A series with an exponential start-up transient of time constant tau (height 10 noise
    sd): MSER-5 drops about the time the transient takes to fall below the noise, and nothing of
    a stationary series."""
    import numpy as np

    from simulator.experiment.warmup import mser5_truncation

    rng = np.random.default_rng(7)
    t = np.arange(300)
    flat = (100 + rng.normal(0, 5, 300)).tolist()
    assert mser5_truncation(flat) <= 10
    for tau in (10.0, 30.0):
        y = (100 + 50 * np.exp(-t / tau) + rng.normal(0, 5, 300)).tolist()
        cut = mser5_truncation(y)
        assert tau * np.log(50 / 5) - 15 <= cut <= tau * np.log(50 / 5) + 3 * tau, (tau, cut)
    assert mser5_truncation([1.0, 2.0, 3.0]) == 0  # too short to judge


def test_t_interval_of_values_near_the_float_range():
    """A ratio with a tiny denominator (cost per dollar of a 1e-299 dollar payment) squares past
    the float range: the interval is computed without overflowing, or undefined, never an error."""
    from simulator.base.statistics import sample_variance, stat, t_interval

    mean, lo, hi = t_interval([3.2e299, 1.1e299])
    assert mean == (3.2e299 + 1.1e299) / 2 and lo is not None and lo < mean < hi
    mean, lo, hi = t_interval([1.7e308, -1.7e308, 1.7e308])
    assert lo is None and hi is None
    assert sample_variance([3.2e299, 1.1e299]) is None
    assert stat([3.2e299, None, 1.1e299])["values"] == [3.2e299, None, 1.1e299]
