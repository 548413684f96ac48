"""Recovery: data drawn from known parameters (fixed seeds) come back inside their intervals."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from simulator.calibrate import calibrate
from simulator.calibrate.fit.contact_curve import in_fit_convention
from simulator.calibrate.fit.regression import Z95, fit_logistic, fit_loglinear
from simulator.calibrate.synthetic import SyntheticLinks, write_synthetic_trace
from simulator.scenario import load_scenario
from simulator.scenario.load import parse_scenario
from simulator.scenario.schema import OUTCOMES
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def curved(tmp_path_factory):
    """campaign_time_of_day: two segments with opposite hour curves, two time zones; weekday
    effects added so every curve has something to find."""
    raw = copy.deepcopy(dict(load_scenario(SCENARIOS / "campaign_time_of_day.toml").raw))
    raw["calendar"]["working_days"] = 10
    raw["segments"]["employed"]["contact_curve"]["answer_by_weekday"] = [0.9, 1.0, 1.05, 1.0, 1.15, 1.0, 1.0]
    raw["segments"]["retired"]["contact_curve"]["rpc_by_weekday"] = [1.1, 1.0, 0.95, 1.0, 0.9, 1.0, 1.0]
    truth = parse_scenario(raw)
    folder = tmp_path_factory.mktemp("curved")
    write_synthetic_trace(folder, truth, seed=11)
    return truth, calibrate(folder)


@pytest.mark.slow
def test_outcome_probabilities_within_001_or_inside_their_ci(curved):
    truth, fitted = curved
    checked = 0
    for name, sf in fitted.fit.segments.items():
        true = in_fit_convention(truth.segments[name], sf.outcomes)["base"]
        of = sf.outcomes
        for i, o in enumerate(OUTCOMES):
            err = abs(of.base[i] - true[i])
            inside = err <= Z95 * of.base_se[i]
            assert err <= 0.01 or inside, (name, o, of.base[i], true[i], of.base_se[i])
            checked += 1
        # the written scenario holds the same numbers
        written = [o.probability for o in fitted.scenario.segments[name].outcomes.as_list()]
        assert np.allclose(written, of.base, atol=1e-6)
    assert checked == 12


@pytest.mark.slow
def test_hour_and_weekday_curves_cover_the_truth(curved):
    """95% bands: at least 90% of the hours covered over the four hour curves together, at least
    80% on each (one curve has only 10 hours: two misses are ordinary), and 90% over every curve
    and weekday."""
    truth, fitted = curved
    covered = total = 0
    hour_ok = hour_n = 0
    for name, sf in fitted.fit.segments.items():
        of = sf.outcomes
        true = in_fit_convention(truth.segments[name], of)
        for curve, w in (
            ("answer_by_hour", of.hour_weights),
            ("rpc_by_hour", of.hour_weights),
            ("answer_by_weekday", of.weekday_weights),
            ("rpc_by_weekday", of.weekday_weights),
        ):
            seen = np.flatnonzero(w > 0)
            ci = getattr(of, curve + "_ci")
            ok = (ci[0, seen] <= true[curve][seen]) & (true[curve][seen] <= ci[1, seen])
            if "hour" in curve:
                assert ok.mean() >= 0.8, (name, curve, ok.mean())
                hour_ok += int(ok.sum())
                hour_n += len(seen)
                # and the intervals are informative: half-widths of a few percent to ~20%
                half = (ci[1, seen] - ci[0, seen]) / 2 / getattr(of, curve)[seen]
                assert np.median(half) < 0.15
            covered += int(ok.sum())
            total += len(seen)
        # the curve is not flat where the truth is not: the peak hour is found
        hours = np.flatnonzero(of.hour_weights > 0)
        assert hours[np.argmax(of.rpc_by_hour[hours])] in hours[np.argsort(true["rpc_by_hour"][hours])[-3:]]
    assert hour_ok / hour_n >= 0.9
    assert covered / total >= 0.9
    assert total == 2 * (2 * 10 + 2 * 5)  # 10 local hours (two zones), 5 weekdays


@pytest.mark.slow
def test_the_fitted_curve_reproduces_every_cell_probability(curved):
    truth, fitted = curved
    worst = 0.0
    for name, sf in fitted.fit.segments.items():
        seg = fitted.scenario.segments[name]
        for h in np.flatnonzero(sf.outcomes.hour_weights > 0):
            for d in range(5):
                worst = max(
                    worst,
                    np.abs(
                        np.subtract(
                            seg.outcome_probabilities(h, d), truth.segments[name].outcome_probabilities(h, d)
                        )
                    ).max(),
                )
    assert worst < 0.03


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    raw = copy.deepcopy(dict(load_scenario(SCENARIOS / "table_14_1.toml").raw))
    raw["calendar"]["working_days"] = 10
    for s in raw["segments"].values():
        s["risk_score"] = {"dist": "uniform", "low": 0.0, "high": 1.0}
        s["days_past_due"] = {"dist": "uniform_int", "low": 1, "high": 90}
    truth = parse_scenario(raw)
    links = SyntheticLinks(
        promise={"risk_score": 1.5},
        keep={"risk_score": 2.0, "days_past_due": -0.01},
        payment={"log_balance_usd": 0.3},
    )
    folder = tmp_path_factory.mktemp("linked")
    info = write_synthetic_trace(
        folder,
        truth,
        seed=5,
        links=links,
        inflow_per_day=40.0,
        self_cure_per_account_day=0.002,
        control_share=0.05,
    )
    return truth, links, info, calibrate(folder)


@pytest.mark.slow
def test_links_recover_their_coefficients(linked):
    truth, links, info, fitted = linked
    cal = fitted.calibration
    assert {(ln.segment, ln.response) for ln in cal.links} == {
        (s, r) for s in ("low_risk", "high_risk") for r in ("rpc", "promise", "keep", "payment_usd")
    }
    for ln in cal.links:
        true = {"rpc": {}, "promise": links.promise, "keep": links.keep, "payment_usd": links.payment}[
            ln.response
        ]
        for j, term in enumerate(ln.terms, start=1):
            b = true.get(term, 0.0)
            assert abs(ln.coef[j] - b) <= 2.576 * ln.se[j], (
                ln.segment,
                ln.response,
                term,
                ln.coef[j],
                b,
                ln.se[j],
            )


@pytest.mark.slow
def test_rates_and_amounts_within_their_intervals(linked):
    truth, links, info, fitted = linked
    params = {p.key: p for p in fitted.calibration.parameters}
    for name, seg in truth.segments.items():
        # with the links on, the average account's rates are the scenario's; the marginal rate
        # over the accounts that are contacted differs a little: compare within 0.03
        assert abs(params[f"segments.{name}.promise_probability"].value - seg.promise_probability) < 0.03
        assert abs(params[f"segments.{name}.keep_probability"].value - seg.keep_probability) < 0.03
        due = fitted.scenario.segments[name].promise_due_days
        assert due.dist == "discrete" and due.values == [float(v) for v in range(1, 15)]
        p = params[f"segments.{name}.accounts"]
        assert p.value == seg.accounts
        # inflow, self-cure and the control group: the data show a living portfolio, so these
        # are written to the scenario's keys
        inflow = params[f"segments.{name}.inflow.accounts_per_day"]
        assert inflow.ci95_low <= 40.0 <= inflow.ci95_high and inflow.in_scenario
        assert fitted.scenario.segments[name].inflow.accounts_per_day == pytest.approx(inflow.value, rel=1e-5)
        cure = params[f"segments.{name}.self_cure_per_day"]
        assert cure.ci95_low <= 0.002 <= cure.ci95_high
    ctrl = params["portfolio.control_share"]
    assert ctrl.ci95_low <= 0.05 <= ctrl.ci95_high
    for team in truth.teams:
        pr = params[f"teams.{team}.productive_rate"]
        assert pr.ci95_low - 0.002 <= 0.85 <= pr.ci95_high + 0.002  # logout overtime: a few seconds a day
        assert params[f"teams.{team}.headcount"].value == 12
        got = fitted.scenario.teams[team]
        assert (got.shift_start_time, got.shift_length_h) == ("09:00", 8.0)
        blocks = sum(b[1] for b in got.unproductive_blocks())
        assert abs(blocks - 72.0) < 0.5


def test_logistic_and_loglinear_regressions_on_direct_draws():
    rng = np.random.default_rng(7)
    n = 40_000
    X = np.column_stack([rng.random(n), rng.integers(1, 91, n).astype(float)])
    beta = np.array([0.4, 1.2, -0.015])
    eta = beta[0] + (X - X.mean(axis=0)) @ beta[1:]
    y = rng.random(n) < 1 / (1 + np.exp(-eta))
    ln = fit_logistic(X, y, None, ["risk_score", "days_past_due"], "promise")
    for j in range(3):
        assert abs(ln.coef[j] - beta[j]) <= Z95 * ln.se[j] * 1.3
    # binomial trials give the same fit as the expanded rows
    grouped = fit_logistic(X[:2000], y[:2000].astype(float), np.ones(2000), ["a", "b"], "x")
    single = fit_logistic(X[:2000], y[:2000], None, ["a", "b"], "x")
    assert np.allclose(grouped.coef, single.coef) and np.allclose(grouped.se, single.se)
    amount = np.exp(4.8 + 0.3 * (X[:, 0] - X[:, 0].mean()) + rng.normal(0, 0.5, n))
    ll = fit_loglinear(X[:, :1], amount, ["risk_score"], "payment_usd")
    assert abs(ll.coef[1] - 0.3) <= Z95 * ll.se[1] * 1.3 and abs(ll.residual_sd - 0.5) < 0.01
