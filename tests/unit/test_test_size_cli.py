"""``collectsim test-size``: the pilot's sigma is Var(D_r) / mean(1/n_c + 1/n_h) of the replications
it ran, the accounts and days follow from it in closed form, and bad input exits 2."""

from __future__ import annotations

import json
import math
import statistics

import pytest

from simulator.base.documents import TEST_SIZE_SCHEMA
from simulator.experiment.replications import run_experiment
from simulator.scenario.load import load_scenario
from simulator.studies.test_size import accounts_needed, power_of
from simulator.studies.test_size_pilot import A_A_ARMS

from ..conftest import cli, small_scenario, write_toml


def _living(days: int = 6) -> dict:
    """A small living portfolio (one team of 4, 2,000 accounts, 60 new a calendar day, a 20%
    control group), without arms."""
    raw = small_scenario(calendar__working_days=days, segments__s1__accounts=2000)
    raw["segments"]["s1"]["days_past_due"] = {"dist": "uniform_int", "low": 1, "high": 29}
    raw["segments"]["s1"]["self_cure_per_day"] = 0.02
    raw["segments"]["s1"]["inflow"] = {"accounts_per_day": 60.0}
    raw["portfolio"] = {"control_share": 0.2}
    return raw


def test_a_a_pilot_sizes_the_test_from_its_own_replications(capsys, tmp_path):
    path = write_toml(tmp_path / "living.toml", _living())
    out_json = tmp_path / "size.json"
    code, out, err = cli(
        capsys,
        "test-size",
        str(path),
        "--metric",
        "collected_cash_per_account",
        "--lift",
        "0.5",
        "-r",
        "4",
        "--seed",
        "3",
        "-q",
        "--json",
        str(out_json),
    )
    assert code == 0, err
    doc = json.loads(out_json.read_text())
    assert doc["schema"] == TEST_SIZE_SCHEMA and doc["a_a"] is True
    assert (doc["champion"], doc["challenger"]) == ("champion", "challenger")
    # the same replications, run directly as the A/A split: sigma^2 = Var(D_r) / mean(1/n_c + 1/n_h)
    res = run_experiment(load_scenario(path, [A_A_ARMS]), 4, 3)
    a = res.values("arms.champion.collected_cash_per_account")
    b = res.values("arms.challenger.collected_cash_per_account")
    na, nb = res.values("arms.champion.accounts"), res.values("arms.challenger.accounts")
    d = [y - x for x, y in zip(a, b)]
    inv = statistics.fmean(1 / m + 1 / n for m, n in zip(na, nb))
    sigma2 = statistics.variance(d) / inv
    assert doc["sigma_per_account"] == pytest.approx(math.sqrt(sigma2), rel=1e-9)
    assert doc["champion_mean"] == pytest.approx(statistics.fmean(a), rel=1e-9)
    assert doc["sigma_per_account_upper"] > doc["sigma_per_account"]
    # the accounts: the closed form at alpha 0.05, power 0.8, shares 0.5/0.5, rounded up
    n = accounts_needed(sigma2, 0.5)
    assert doc["accounts_total"] == math.ceil(n)
    assert doc["accounts_champion"] == doc["accounts_challenger"] == math.ceil(n / 2)
    # days: 60 a calendar day enter, 20% of them into the control group: 48 a day into the arms
    assert doc["entries_per_day"] == pytest.approx(48.0)
    assert doc["days"] == pytest.approx(n / 48.0)
    assert doc["pilot_power"] == pytest.approx(
        power_of(sigma2, 0.5, statistics.fmean(na), statistics.fmean(nb)), rel=1e-9
    )
    assert "A/A split" in out and "calendar days" in out and "sigma per account" in out


def test_relative_lift_and_shares_on_a_scenario_with_arms(capsys, tmp_path):
    raw = _living()
    raw["strategy"] = {"arms": {"champion": 0.7, "challenger": 0.3}}
    path = write_toml(tmp_path / "arms.toml", raw)
    code, out, err = cli(
        capsys,
        "test-size",
        str(path),
        "--metric",
        "cost_per_account",
        "--lift-relative",
        "0.05",
        "-r",
        "3",
        "-q",
        "--json",
        "-",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["a_a"] is False
    # the scenario's own shares are the default; the lift is 5% of the champion's pilot mean
    assert doc["shares"] == {"champion": pytest.approx(0.7), "challenger": pytest.approx(0.3)}
    assert doc["lift"] == pytest.approx(0.05 * doc["champion_mean"])
    n = accounts_needed(doc["sigma_per_account"] ** 2, doc["lift"], shares=(0.7, 0.3))
    assert doc["accounts_total"] == math.ceil(n)
    assert doc["accounts_challenger"] == math.ceil(0.3 * n)
    assert "sigma per account" in err  # the text goes to stderr with --json -


def test_a_closed_portfolio_has_no_days(capsys, tmp_path):
    path = write_toml(tmp_path / "closed.toml", small_scenario(calendar__working_days=2))
    code, out, err = cli(capsys, "test-size", str(path), "--metric", "rpc_per_account", "--lift", "0.01")
    assert code == 0, err
    assert "days of inflow: none" in out


@pytest.mark.parametrize(
    "args, words",
    [
        (["--lift", "0"], "a lift of 0 cannot be detected"),
        (["--lift-relative", "0"], "a lift of 0 cannot be detected"),
        (["--lift", "1", "--power", "1"], "--power 1: expected a probability in (0, 1)"),
        (["--lift", "1", "--power", "0"], "--power 0"),
        (["--lift", "1", "--alpha", "1.5"], "--alpha 1.5"),
        (["--lift", "1", "-r", "1"], "needs at least 2 replications"),
        (["--lift", "1", "--lift-relative", "0.1"], "exactly one of --lift X and --lift-relative R"),
        ([], "exactly one of --lift X and --lift-relative R"),
        (["--lift", "1", "--shares", "0.5,0.6"], "sum to 1"),
        (["--lift", "1", "--challenger", "nobody"], "--challenger 'nobody'"),
        # refused before the pilot: a lift that squares to 0, a quantile that is infinite
        (["--lift", "1e-200"], "--lift 1e-200: expected a finite lift other than 0 whose square"),
        (["--lift-relative", "1e-300"], "--lift-relative 1e-300: expected a finite lift"),
        (["--lift", "1", "--alpha", "1e-17"], "--alpha 1e-17: too small for double precision"),
    ],
)
def test_bad_input_exits_2(capsys, tmp_path, args, words, monkeypatch):
    import simulator.experiment.replications as replications

    def no_pilot(*a, **k):
        raise AssertionError("the pilot ran")

    if "--challenger" not in args:  # every other bad input is refused before the pilot
        monkeypatch.setattr(replications, "run_experiment", no_pilot)
    path = write_toml(tmp_path / "closed.toml", small_scenario(calendar__working_days=1))
    code, out, err = cli(capsys, "test-size", str(path), "--metric", "collected_per_account", *args)
    assert code == 2 and words in err and "Traceback" not in err, err


def test_a_lift_too_small_for_a_finite_size_exits_2(capsys, tmp_path):
    """--lift 1e-160 squares to about 1e-320: sigma^2 ... / lift^2 overflows to infinity, which is
    refused after the pilot with the pilot's sigma (it was an OverflowError traceback)."""
    path = write_toml(tmp_path / "closed.toml", small_scenario(calendar__working_days=1))
    code, out, err = cli(capsys, "test-size", str(path), "--metric", "rpc_per_account", "--lift", "1e-160")
    assert code == 2 and "the accounts needed are not a finite number" in err and "Traceback" not in err, err


@pytest.mark.parametrize("challenger, share", [("challenger", 0.8), ("other", 0.7)])
def test_days_count_the_inflow_of_the_two_arms_tested(capsys, tmp_path, challenger, share):
    """Three arms (0.5, 0.3, 0.2): the test enrols only its champion's and challenger's share of
    the 48 accounts a day that enter the arms (60 a day less the 20% control group)."""
    raw = _living(days=3)
    raw["strategy"] = {"arms": {"champion": 0.5, "challenger": 0.3, "other": 0.2}}
    path = write_toml(tmp_path / "three.toml", raw)
    code, out, err = cli(
        capsys,
        "test-size",
        str(path),
        "--metric",
        "cost_per_account",
        "--lift",
        "0.1",
        "--challenger",
        challenger,
        "-r",
        "2",
        "-q",
        "--json",
        "-",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["entries_per_day"] == pytest.approx(48.0 * share)
    shares = (doc["shares"]["champion"], doc["shares"]["challenger"])
    assert shares[0] == pytest.approx(0.5 / share)  # the two arms' own split, by default
    n = accounts_needed(doc["sigma_per_account"] ** 2, 0.1, shares=shares)
    assert n > 0 and doc["days"] == pytest.approx(n / (48.0 * share), rel=1e-9)


def test_unknown_or_non_per_account_metric_exits_2(capsys, tmp_path):
    path = write_toml(tmp_path / "closed.toml", small_scenario(calendar__working_days=1))
    code, _, err = cli(capsys, "test-size", str(path), "--metric", "colected_per_account", "--lift", "1")
    assert code == 2 and "did you mean 'collected_per_account'" in err
    code, _, err = cli(capsys, "test-size", str(path), "--metric", "dials", "--lift", "1")
    assert code == 2 and "not a per-account figure or rate" in err


def test_a_one_arm_rule_naming_its_arm_is_not_split_a_a(capsys, tmp_path):
    raw = small_scenario(calendar__working_days=1)
    raw["strategy"] = {"rules": [{"name": "r", "arms": ["champion"], "list_order": ["balance"]}]}
    path = write_toml(tmp_path / "rule.toml", raw)
    code, _, err = cli(capsys, "test-size", str(path), "--metric", "collected_per_account", "--lift", "1")
    assert code == 2 and "name an arm" in err
