"""An abandon-rate limit that answering-machine detection alone breaks is named before the run:
AMD hangs up on a share 1 - amd_accuracy of live answers, whatever the pacing."""

import pytest

from simulator.measures.breaches import infeasible_limits
from simulator.scenario.load import load_scenario
from simulator.world.build import simulate

from ..conftest import ROOT, cli

DIALER_MODES = ROOT / "scenarios" / "dialer_modes.toml"
ADAPTIVE = ['dialer.mode="predictive"', 'dialer.pacing="adaptive"', "dialer.amd=true"]


@pytest.mark.parametrize(
    ("accuracy", "limit", "warned"),
    [(0.95, 0.03, True), (0.97, 0.03, True), (0.98, 0.03, False), (0.95, 0.06, False)],
)
def test_the_amd_floor_against_the_limit(accuracy, limit, warned):
    sc = load_scenario(
        DIALER_MODES, [*ADAPTIVE, f"dialer.amd_accuracy={accuracy}", f"dialer.max_abandon_rate={limit}"]
    ).scenario
    lines = infeasible_limits(sc)
    assert bool(lines) is warned
    if warned:
        assert lines[0].startswith("warning: dialer.max_abandon_rate = 3.0% cannot be met")
        assert f"{1 - accuracy:.1%} of live answers" in lines[0]


def test_amd_off_has_no_floor():
    sc = load_scenario(DIALER_MODES, ['dialer.mode="predictive"', "dialer.amd_accuracy=0.5"]).scenario
    assert infeasible_limits(sc) == []


def test_validate_and_run_print_the_warning(capsys):
    sets = [a for s in [*ADAPTIVE, "dialer.amd_accuracy=0.95"] for a in ("--set", s)]
    code, out, err = cli(capsys, "validate", str(DIALER_MODES), *sets)
    assert code == 0 and "cannot be met" in err and "5.0% of live answers" in err


def test_run_on_dialer_modes_warns_before_it_simulates(capsys):
    """The bundled scenario as shipped (adaptive pacing, amd_accuracy 0.95, limit 3%) with AMD
    switched on: `run` names the infeasible target on stderr, figure included, and still runs."""
    code, out, err = cli(
        capsys,
        "run",
        str(DIALER_MODES),
        "-r",
        "1",
        "-q",
        "--set",
        "dialer.amd=true",
        "--set",
        "calendar.working_days=1",
        "--set",
        "teams.collectors.headcount=4",
    )
    assert code == 0 and "value per paid hour" in out
    line = next(x for x in err.splitlines() if "cannot be met" in x)
    assert line == (
        "warning: dialer.max_abandon_rate = 3.0% cannot be met: with dialer.amd_accuracy = 0.95, "
        "answering-machine detection alone hangs up on 5.0% of live answers (abandoned calls), "
        "whatever the pacing"
    )


@pytest.mark.slow
def test_the_simulated_abandon_rate_sits_at_the_amd_floor():
    """Two days of the adaptive dialer at accuracy 0.95: the daily abandon rate of live answers
    is the floor the warning names, 5%, within sampling error (about 4,000 live answers a
    day: a binomial standard error near 0.35 point), and over the 3% limit."""
    sc = load_scenario(
        DIALER_MODES, [*ADAPTIVE, "dialer.amd_accuracy=0.95", "calendar.working_days=2"]
    ).scenario
    _, counters = simulate(sc, 1, 0)
    rate = counters.blocks["compliance"]["worst_daily_abandon_rate"]
    assert 0.03 < rate and rate == pytest.approx(0.05, abs=0.01)
