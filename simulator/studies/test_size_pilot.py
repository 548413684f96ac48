"""The pilot of ``collectsim test-size``: run the scenario's replications and turn each into the
challenger-minus-champion difference of a per-account figure and the arms' sizes, for
:func:`~simulator.studies.test_size.pilot_variance`.

A scenario with two arms or more is piloted as it is (its champion against one challenger). A
scenario without arms is piloted as an **A/A test**: the same scenario with the called accounts
split 50/50 into two arms that get the same treatment (a ``strategy.arms`` override), so the
differences are pure noise and their variance is the noise a real test on this floor sees.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .._version import __version__
from ..base.documents import TEST_SIZE_SCHEMA
from ..experiment.replications import ExecutorSpec, Results, run_experiment
from ..measures.arms import CHALLENGER_METRICS
from ..scenario.load import LoadedScenario, load_scenario
from .test_size import TestSize, accounts_needed, check_design, pilot_variance, power_of

__all__ = [
    "A_A_ARMS",
    "Pilot",
    "pilot_scenario",
    "run_pilot",
    "size_test",
    "entries_per_day",
    "TEST_SIZE_SCHEMA",
]

A_A_ARMS = "strategy.arms={champion=0.5, challenger=0.5}"
"""The override that turns a scenario without arms into an A/A test (half the called accounts
each, the same treatment)."""


def pilot_scenario(loaded: LoadedScenario) -> tuple[LoadedScenario, bool]:
    """The scenario the pilot runs and whether it is an A/A split: ``loaded`` itself when it has
    two arms or more, else the same file and overrides plus :data:`A_A_ARMS`. ValueError when a
    rule of a one-arm block names its arm (the A/A challenger would not get that rule)."""
    strategy = loaded.scenario.strategy
    if strategy is not None and len(strategy.arm_names) > 1:
        return loaded, False
    if strategy is not None and any(rule.arms for rule in strategy.rules):
        named = [rule.name or str(k) for k, rule in enumerate(strategy.rules) if rule.arms]
        raise ValueError(
            f"the scenario's strategy rules {named} name an arm, so an A/A split would treat the two "
            "arms differently; give the scenario two arms (strategy.arms) or drop the rules' arms"
        )
    if loaded.source.startswith("<bundled"):
        return load_scenario(None, [*loaded.overrides, A_A_ARMS]), True
    return load_scenario(loaded.source, [*loaded.overrides, A_A_ARMS]), True


def entries_per_day(loaded: LoadedScenario, arms: Sequence[str] | None = None) -> float | None:
    """Accounts entering the arms per calendar day: each segment's inflow (``accounts_per_day``
    times the mean of its weekday profile; dated counts left out) less the never-called control
    group's share, times the shares of the book of the arms named in ``arms`` (the champion and
    the challenger of the test: with three arms or more, the others' inflow does not enrol in
    it; None: every arm). None for a closed portfolio (no inflow: a test enrols the accounts
    there are)."""
    sc = loaded.scenario
    if not sc.portfolio_on:
        return None
    total = 0.0
    for seg in sc.segments.values():
        inflow = getattr(seg, "inflow", None)
        if inflow is None:
            continue
        total += inflow.accounts_per_day * math.fsum(inflow.weekday_profile) / len(inflow.weekday_profile)
    total *= 1.0 - sc.portfolio.control_share
    strategy = sc.strategy
    if arms is not None and strategy is not None and len(strategy.arm_names) > 1:
        shares = dict(zip(strategy.arm_names, strategy.arm_shares))
        total *= math.fsum(shares[a] for a in arms)
    return total or None


@dataclass(frozen=True)
class Pilot:
    """The per-replication figures of a pilot: ``differences`` (challenger - champion, units of
    the metric), ``inverse_sizes`` (1/n_champion + 1/n_challenger, per account), the arms' mean
    values and accounts; replications where the metric is undefined in an arm are left out."""

    loaded: LoadedScenario
    a_a: bool
    champion: str
    challenger: str
    metric: str
    differences: list[float]
    inverse_sizes: list[float]
    champion_mean: float
    challenger_mean: float
    champion_accounts: float
    challenger_accounts: float
    replications_run: int


def check_metric(metric: str) -> str:
    """The arm metric ``metric`` if the test can be sized on it, else ValueError naming those it can."""
    if metric not in CHALLENGER_METRICS:
        import difflib

        close = difflib.get_close_matches(metric, CHALLENGER_METRICS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"--metric {metric!r}: not a per-account figure or rate of an arm; {hint}"
            f"expected one of: {', '.join(CHALLENGER_METRICS)}"
        )
    return metric


def read_pilot(
    res: Results, metric: str, a_a: bool, challenger: str | None = None, runs: int | None = None
) -> Pilot:
    """The pilot's figures from the Results of its replications (``res``, a scenario with arms)."""
    strategy = res.loaded.scenario.strategy
    assert strategy is not None and len(strategy.arm_names) > 1
    names = strategy.arm_names
    champ = names[0]
    chal = challenger if challenger is not None else names[1]
    if chal not in names[1:]:
        raise ValueError(f"--challenger {chal!r}: expected one of the challengers {names[1:]}")
    a = res.values(f"arms.{champ}.{metric}")
    b = res.values(f"arms.{chal}.{metric}")
    na = res.values(f"arms.{champ}.accounts")
    nb = res.values(f"arms.{chal}.accounts")
    rows = [
        (x, y, m, n)
        for x, y, m, n in zip(a, b, na, nb)
        if x is not None and y is not None and m and n and math.isfinite(x) and math.isfinite(y)
    ]
    if not rows:
        raise ValueError(f"{metric} is undefined in every pilot replication")
    k = len(rows)
    return Pilot(
        loaded=res.loaded,
        a_a=a_a,
        champion=champ,
        challenger=chal,
        metric=metric,
        differences=[y - x for x, y, _, _ in rows],
        inverse_sizes=[1.0 / m + 1.0 / n for _, _, m, n in rows],
        champion_mean=math.fsum(r[0] for r in rows) / k,
        challenger_mean=math.fsum(r[1] for r in rows) / k,
        champion_accounts=math.fsum(r[2] for r in rows) / k,
        challenger_accounts=math.fsum(r[3] for r in rows) / k,
        replications_run=runs if runs is not None else res.replications,
    )


def run_pilot(
    loaded: LoadedScenario,
    metric: str,
    replications: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    *,
    challenger: str | None = None,
    executor: ExecutorSpec = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Pilot:
    """Run the pilot: ``replications`` of the scenario (as an A/A split without arms) at ``seed``."""
    check_metric(metric)
    if replications < 2:
        raise ValueError(f"-r {replications}: the pilot needs at least 2 replications")
    run, a_a = pilot_scenario(loaded)
    res = run_experiment(
        run, replications, seed, progress, executor=executor, workers=workers, scheduler=scheduler
    )
    return read_pilot(res, metric, a_a, challenger)


def size_test(
    pilot: Pilot,
    lift: float | None = None,
    lift_relative: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    shares: tuple[float, float] = (0.5, 0.5),
    level: float = 0.9,
) -> TestSize:
    """The test's size from a pilot: give ``lift`` (absolute, units of the metric) or
    ``lift_relative`` (of the champion's pilot mean). ValueError on a zero lift or fewer than 2
    replications with a value."""
    if (lift is None) == (lift_relative is None):
        raise ValueError("give exactly one of --lift and --lift-relative")
    if lift is None:
        assert lift_relative is not None
        if pilot.champion_mean == 0:
            raise ValueError("--lift-relative: the champion's mean is 0 in the pilot; give --lift")
        lift = lift_relative * pilot.champion_mean
    check_design(alpha, power, lift)
    pv = pilot_variance(pilot.differences, pilot.inverse_sizes, level)
    total = accounts_needed(pv.sigma2, lift, alpha, power, shares)
    upper = accounts_needed(pv.sigma2_upper, lift, alpha, power, shares)
    if not (math.isfinite(total) and math.isfinite(upper)):
        raise ValueError(
            f"lift {lift:g}: the accounts needed are not a finite number (sigma per account "
            f"{math.sqrt(pv.sigma2):g}); give a larger lift"
        )
    return TestSize(
        metric=pilot.metric,
        lift=lift,
        lift_relative=lift_relative,
        alpha=alpha,
        power=power,
        shares=shares,
        pilot=pv,
        champion_mean=pilot.champion_mean,
        accounts_total=total,
        accounts_total_upper=upper,
        entries_per_day=entries_per_day(pilot.loaded, (pilot.champion, pilot.challenger)),
    )


def pilot_power(pilot: Pilot, size: TestSize) -> float:
    """The power of one replication of the pilot's scenario as the test (its arms' mean sizes)."""
    return power_of(
        size.pilot.sigma2, size.lift, pilot.champion_accounts, pilot.challenger_accounts, size.alpha
    )


def test_size_document(pilot: Pilot, size: TestSize, seed: int) -> dict[str, Any]:
    """The ``collectsim.test-size/1`` document (docs/contract.md)."""
    ld = pilot.loaded
    return {
        "schema": TEST_SIZE_SCHEMA,
        "collectsim_version": __version__,
        "scenario": {
            "name": ld.scenario.scenario.name,
            "sha256": ld.sha256,
            "source": ld.source,
            "overrides": list(ld.overrides),
        },
        "seed": seed,
        "a_a": pilot.a_a,
        "champion": pilot.champion,
        "challenger": pilot.challenger,
        "pilot_champion_accounts": pilot.champion_accounts,
        "pilot_challenger_accounts": pilot.challenger_accounts,
        "pilot_challenger_mean": pilot.challenger_mean,
        "pilot_power": pilot_power(pilot, size),
        **size.to_json(),
    }


def parse_shares(text: str) -> tuple[float, float]:
    """``"0.5,0.5"`` -> (champion, challenger) shares of the test's accounts, each in (0, 1),
    summing to 1 (to 1e-9). ValueError otherwise."""
    parts = [p.strip() for p in text.split(",")]
    try:
        vals: Sequence[float] = [float(p) for p in parts]
    except ValueError:
        raise ValueError(
            f"--shares {text!r}: expected two numbers CHAMPION,CHALLENGER, e.g. 0.5,0.5"
        ) from None
    if len(vals) != 2 or not all(0 < v < 1 for v in vals) or abs(math.fsum(vals) - 1) > 1e-9:
        raise ValueError(f"--shares {text!r}: expected two shares in (0, 1) that sum to 1, e.g. 0.8,0.2")
    return vals[0], vals[1]
