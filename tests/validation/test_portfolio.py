"""The living portfolio against closed forms and its own claims (docs/portfolio.md).

Closed forms: the inflow count (Poisson), the charge-off day, the self-cure rate with no calling
and the stationary number of open accounts (Little's law). Claims: Table 14-1 still holds with
account-level behaviour on, open_portfolio.toml is stationary after its warm-up, the warm-up is
left out of the metrics, and list order changes what is collected in the direction the
behaviour model implies (paired CIs).
"""

import math

import numpy as np
import pytest
from scipy import stats

from simulator import TABLE_14_1, load_scenario, run_experiment
from simulator.experiment.replications import Results
from simulator.measures.pyramid import LAYERS
from simulator.scenario import parse_scenario
from simulator.studies.comparison import Comparison
from simulator.world.build import World

from ..conftest import SCENARIOS, small_scenario


def _uncalled(**portfolio) -> dict:
    """A small center whose accounts are all in the never-called control group: what happens to
    them is the portfolio's own dynamics (inflow, aging, self-cure, exits)."""
    raw = small_scenario(calendar__working_days=20, segments__s1__accounts=2000)
    raw["segments"]["s1"]["days_past_due"] = 30.0
    raw["portfolio"] = {"control_share": 1.0, **portfolio}
    return raw


def _world(raw: dict, seed: int = 0) -> World:
    w = World(parse_scenario(raw), seed, 0)
    w.run()
    return w


def _open(w: World) -> np.ndarray:
    """Open accounts (worked and control) at the end of each calendar day."""
    return w.counters.daily_open_accounts.sum(axis=(0, 1))


def test_inflow_counts_are_poisson_with_the_weekday_profile_and_dated_days():
    raw = _uncalled()
    profile = [2.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5]
    raw["segments"]["s1"]["inflow"] = {
        "accounts_per_day": 40.0,
        "weekday_profile": profile,
        "dated": [{"day": 3, "accounts": 7}],
    }
    counts = []
    for seed in range(4):
        w = World(parse_scenario(raw), seed, 0)
        p = w.portfolio
        per_day = np.bincount(p.entry_day[p.n_initial :], minlength=w.calendar.last_work_day + 1)
        assert per_day[3] == 7  # a dated day is exact
        counts.append(per_day)
    days = np.arange(len(counts[0]))
    mean = np.array([40.0 * profile[(d % 7)] for d in days])  # day 0 is a Monday
    mean[3] = 7.0
    total, expected = sum(c.sum() for c in counts), 4 * mean.sum()
    assert abs(total - expected) <= 3 * math.sqrt(expected), (total, expected)
    mondays = np.concatenate([c[days % 7 == 0] for c in counts])
    weekends = np.concatenate([c[days % 7 >= 5] for c in counts])
    assert abs(mondays.mean() - 80.0) <= 3 * math.sqrt(80.0 / len(mondays))
    assert abs(weekends.mean() - 20.0) <= 3 * math.sqrt(20.0 / len(weekends))


def test_charge_off_day():
    """An account at 150 days past due that never pays is charged off when it reaches 180: at the
    start of calendar day 30 (one day older each midnight); a new account entering at 170 days
    past due on day 5, on day 15."""
    raw = _uncalled(charge_off_days_past_due=180.0)
    raw["calendar"]["working_days"] = 25  # calendar days 0-32
    raw["segments"]["s1"]["days_past_due"] = 150.0
    raw["segments"]["s1"]["inflow"] = {"dated": [{"day": 5, "accounts": 100}], "days_past_due": 170.0}
    w = _world(raw)
    open_ = _open(w)
    assert open_[4] == 2000 and open_[5] == 2100  # the inflow entered on day 5
    assert open_[14] == 2100 and open_[15] == 2000  # ... and left on day 15
    assert open_[29] == 2000 and open_[30] == 0  # the initial accounts left on day 30
    block = w.counters.blocks["portfolio"]
    assert block["accounts_charged_off"] == 2100.0
    assert block["balance_charged_off"] == pytest.approx(float(w.portfolio.balance_at_entry.sum()), abs=0.005)


def test_self_cure_rate_with_no_calling():
    """With a self-cure probability h per day and nobody called, an account is still open at the
    end of calendar day t with probability (1 - h)^t (a draw each midnight after day 0)."""
    h, n = 0.02, 20000
    raw = _uncalled()
    raw["segments"]["s1"].update(accounts=n, self_cure_per_day=h)
    w = _world(raw)
    open_ = _open(w)
    assert open_[0] == n
    for t in (1, 10, 20, 25):  # the run ends after its last calling day, calendar day 25
        p = (1 - h) ** t
        assert abs(open_[t] - n * p) <= 3.5 * math.sqrt(n * p * (1 - p)), (t, open_[t], n * p)
    block = w.counters.blocks["portfolio"]
    assert block["accounts_end"] == open_[w.calendar.last_work_day]
    assert block["accounts_cured"] + block["accounts_paid"] + block["accounts_end"] == n


@pytest.mark.slow
def test_open_accounts_obey_littles_law():
    """Inflow of lam accounts a day at 1 day past due, self-cure h a day, placement with an agency
    at 30 days past due, nobody called: an account is open at the end of its k-th day (k = 0 the
    day it enters) with probability (1 - h)^k for k <= 28, so the mean time in the portfolio is
    W = sum_k (1 - h)^k days and the stationary number open is L = lam W (Little's law)."""
    lam, h = 50.0, 0.05
    raw = _uncalled()
    raw["calendar"]["working_days"] = 65
    raw["segments"]["s1"].update(accounts=1, days_past_due=1.0, self_cure_per_day=h)
    raw["segments"]["s1"]["inflow"] = {"accounts_per_day": lam, "days_past_due": 1.0}
    raw["placement"] = {"at_days_past_due": 30.0}
    W = sum((1 - h) ** k for k in range(29))
    means = []
    for seed in range(5):
        w = World(parse_scenario(raw), seed, 0)
        w.run()
        last = w.calendar.last_work_day
        means.append(_open(w)[35 : last + 1].mean())  # after 35 days nothing of the start is left
    means = np.array(means)
    half = stats.t.ppf(0.975, len(means) - 1) * means.std(ddof=1) / math.sqrt(len(means))
    assert abs(means.mean() - lam * W) <= half, (means.mean(), lam * W, half)


# -------------------------------------------------------------------- Table 14-1, behaviour on


@pytest.fixture(scope="module", params=["living", "behaviour"])
def table_living(request):
    portfolio = "portfolio={}" if request.param == "living" else "portfolio={behaviour={}}"
    return run_experiment(load_scenario(SCENARIOS / "table_14_1.toml", [portfolio]), 10, 1).to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("segment", ["low_risk", "high_risk"])
def test_table_14_1_holds_with_a_living_portfolio_and_account_behaviour(table_living, segment):
    """Every layer within 5% of the seed's table with the living portfolio on, with and without
    account-level behaviour at the default spread (segment averages at entry are the set rates)."""
    target = TABLE_14_1[segment].as_dict()
    got = table_living["metrics"]["segments"][segment]
    for layer in (*LAYERS, "value_per_paid_hour"):
        assert got[layer]["mean"] == pytest.approx(target[layer], rel=0.05), layer


# ------------------------------------------------------------------------ open_portfolio.toml


@pytest.mark.slow
def test_open_portfolio_is_stationary_after_its_warmup():
    """Per replication, the mean daily open accounts (and dials) over the second half of the
    measured calling days lies inside the 95% CI (over replications) of the first half's."""
    sc = load_scenario(SCENARIOS / "open_portfolio.toml").scenario
    first, second = {"open": [], "dials": []}, {"open": [], "dials": []}
    for r in range(6):
        w = World(sc, 1, r)
        cnt = w.run()
        days = np.array(w.calendar.work_days[sc.calendar.warmup_days :])
        half = len(days) // 2
        for name, series in (
            ("open", cnt.daily_open_accounts.sum(axis=(0, 1))),
            ("dials", cnt.daily_dials.sum(axis=(0, 2))),
        ):
            first[name].append(series[days[:half]].mean())
            second[name].append(series[days[half:]].mean())
    for name in ("open", "dials"):
        a, b = np.array(first[name]), np.array(second[name])
        half_width = stats.t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a))
        assert abs(b.mean() - a.mean()) <= half_width, (name, a.mean(), half_width, b.mean())


def test_warmup_days_are_left_out_of_every_metric():
    """5 working days with 2 of warm-up: the metrics count 3 days of shifts, and only the promises
    made after the warm-up (the daily series keep all 5 days)."""
    raw = small_scenario(calendar__working_days=5)
    raw["calendar"]["warmup_days"] = 2
    w = World(parse_scenario(raw), 4, 0)
    cnt = w.run()
    full = World(parse_scenario(small_scenario(calendar__working_days=5)), 4, 0).run()
    first = w.calendar.first_measured_day
    assert first == 2
    assert cnt.paid_s.sum() == pytest.approx(full.paid_s.sum() * 3 / 5, rel=0.01)
    assert cnt.promises.sum() == cnt.daily_promises[:, first:].sum() < full.promises.sum()
    assert cnt.dials.sum() == cnt.daily_dials[:, first:].sum()
    assert cnt.kept.sum() + cnt.broken.sum() == cnt.promises.sum()  # only those promises settle


@pytest.fixture(scope="module")
def list_order():
    """open_portfolio.toml over 50 working days (20 of warm-up) with three collectors a team,
    random list order against highest score first and largest balance first, 6 replications at
    the same seeds. List order decides who is called only where the team cannot call everyone:
    with five a team, most accounts are reached whatever the order."""
    base = ["calendar.working_days=50", "teams.early_team.headcount=3", "teams.risk_team.headcount=3"]
    loaded = {
        s: load_scenario(SCENARIOS / "open_portfolio.toml", base + [f"dialer.list_strategy={s}"])
        for s in ("random", "risk_score", "balance")
    }
    return {s: Results(lo, 1, run_experiment(lo, 6, 1).per_rep) for s, lo in loaded.items()}


def _paired(a: Results, b: Results, metric: str) -> dict:
    return Comparison(a, b).paired("center", "center", metric)


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["collected", "promise_rate"])
def test_highest_score_first_collects_more_than_random_order(list_order, metric):
    """The behaviour model gives high-score accounts higher promise and keep probabilities, so
    calling them first raises the promise rate and the dollars collected: the paired 95% CI of
    risk_score - random lies above 0. (Not the incremental dollars: high scores also self-cure
    more, so part of what calling them first collects they would have paid uncalled.)"""
    d = _paired(list_order["random"], list_order["risk_score"], metric)
    assert d["diff_ci95_low"] > 0, d


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["collected", "incremental_collected", "avg_payment"])
def test_largest_balance_first_collects_more_than_random_order(list_order, metric):
    """Promise amounts follow the past-due amount, which follows the balance: calling the largest
    balances first raises the average payment and the dollars collected."""
    d = _paired(list_order["random"], list_order["balance"], metric)
    assert d["diff_ci95_low"] > 0, d
