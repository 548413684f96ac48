"""open_portfolio.toml against the published industry ranges of docs/portfolio.md ("Calibration").

The ranges are read from the table in docs/portfolio.md itself, so the documentation and this
test cannot drift apart. Each figure is simulated with a fixed seed and enough replications for
a tight 95% CI; its mean must lie in the documented range (so the CI overlaps it). On main's
open_portfolio.toml before the recalibration (control self-cure 12%, incremental share 85%,
payments 3.4 x the minimum due) most figures fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from simulator import load_scenario, run_experiment
from simulator.base.statistics import stat
from simulator.scenario.distributions import Dist

from ..conftest import ROOT, SCENARIOS

DOC = ROOT / "docs" / "portfolio.md"
SEED = 23
REPLICATIONS = 8
VARIANT_REPLICATIONS = 3
VARIANT = ["placement.enabled=false", "calendar.working_days=130"]
"""The flagship with accounts kept past 30 days past due: where the later roll rates are measured."""

_ROW = re.compile(r"^\|[^|]*\|\s*`([^`]+)`[^|]*\|\s*([\d.]+)\s*[–-]\s*([\d.]+)\s*(%|pp|×)\s*\|")


def documented_ranges() -> dict[str, tuple[float, float]]:
    """{figure key: (low, high)} from the calibration table of docs/portfolio.md (percent and
    percentage points as fractions)."""
    out = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m:
            key, lo, hi, unit = m.groups()
            scale = 100.0 if unit in ("%", "pp") else 1.0
            out[key] = (float(lo) / scale, float(hi) / scale)
    return out


def _minimum_due_usd(dist: Dist, floor_usd: float, share: float) -> float:
    """Mean one-cycle minimum payment max(floor, share x balance) over a balance distribution."""
    balance = dist.sample(np.random.default_rng(0), 200_000)
    return float(np.maximum(floor_usd, share * balance).mean())


def flagship_figures(
    overrides: list[str], replications: int, seed: int = SEED, path: Path = SCENARIOS / "open_portfolio.toml"
) -> dict[str, dict]:
    """Every figure of the calibration table that a run of open_portfolio.toml gives: the
    center's metrics, the roll-rate block, and per replication the right-party contacts per
    dial and the average kept payment over the mean one-cycle minimum due. STATs (mean, 95% CI)."""
    loaded = load_scenario(path, overrides)
    sc = loaded.scenario
    doc = run_experiment(loaded, replications, seed).to_dict()
    center = doc["metrics"]["center"]
    out = dict(center)
    out.update({f"roll_rates.{k}": v for k, v in doc["roll_rates"].items()})
    out["rpc / dials"] = stat([r / d for r, d in zip(center["rpc"]["values"], center["dials"]["values"])])
    pf = sc.portfolio
    due = {
        name: _minimum_due_usd(seg.balance_usd, pf.min_payment_usd, pf.min_payment_share)
        for name, seg in sc.segments.items()
    }
    segs = doc["metrics"]["segments"]
    kept = {s: np.array(segs[s]["kept"]["values"]) for s in due}
    dollars = {s: np.array(segs[s]["avg_payment"]["values"]) * kept[s] for s in due}
    ratio = sum(dollars.values()) / sum(kept[s] * due[s] for s in due)  # per replication
    out["avg_payment / minimum due"] = stat(ratio.tolist())
    return out


@pytest.fixture(scope="module")
def flagship():
    return flagship_figures([], REPLICATIONS)


@pytest.fixture(scope="module")
def variant():
    return flagship_figures(VARIANT, VARIANT_REPLICATIONS)


LATER_ROLLS = ("roll_rates.roll_30_59_to_60_89", "roll_rates.roll_60_89_to_90p")


def test_the_table_documents_every_pinned_figure():
    ranges = documented_ranges()
    for key in (
        "cure_rate_control",
        "roll_rate_treated",
        "roll_rates.roll_1_29_to_30_59_usd",
        "roll_lift",
        "roll_lift_usd",
        "incremental_share",
        "rpc / dials",
        "promise_rate",
        "kept_rate",
        "avg_payment / minimum due",
        *LATER_ROLLS,
    ):
        assert key in ranges, key
        lo, hi = ranges[key]
        assert 0 <= lo < hi, key


def _check(figures: dict, key: str, ranges: dict) -> None:
    lo, hi = ranges[key]
    s = figures[key]
    assert s["mean"] is not None, key
    # a figure of the flagship, not noise: its CI is narrow against the range
    assert s["ci95_high"] - s["ci95_low"] < (hi - lo), (key, s)
    assert lo <= s["mean"] <= hi, (
        f"{key}: {s['mean']:.4f} [{s['ci95_low']:.4f}, {s['ci95_high']:.4f}] not in [{lo}, {hi}]"
    )


@pytest.mark.slow
def test_flagship_figures_fall_in_the_documented_ranges(flagship):
    ranges = documented_ranges()
    keys = [k for k in ranges if k not in LATER_ROLLS]
    failures = []
    for key in keys:
        try:
            _check(flagship, key, ranges)
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, failures


@pytest.mark.slow
def test_incremental_collected_never_exceeds_its_cash(flagship):
    inc = flagship["incremental_collected"]["values"]
    cash = flagship["collected_cash"]["values"]
    assert all(0 < i <= c for i, c in zip(inc, cash))


@pytest.mark.slow
def test_later_roll_rates_fall_in_the_documented_ranges_when_accounts_stay(variant):
    ranges = documented_ranges()
    for key in LATER_ROLLS:
        _check(variant, key, ranges)
