"""The README says what the code does: its Table 14-1 figures are what `collectsim run` prints,
its quickstart has exactly two set-up commands and CI runs the test one verbatim."""

import re

import pytest

from simulator.cli import main

from ..conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.e2e


def _quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_quickstart_has_two_commands_and_ci_runs_the_test_one_verbatim():
    install_and_run, install_and_test = _quickstart_commands()
    assert install_and_run == "python3 -m pip install . && collectsim run"
    assert "pytest" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install_and_test in ci.splitlines()


@pytest.mark.slow
def test_table_14_1_figures_are_what_collectsim_run_prints(capsys):
    assert main(["run", "-q"]) == 0  # the bundled default scenario, 10 replications, seed 1
    printed = {}
    for line in capsys.readouterr().out.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 4:
            printed[cells[0]] = cells[1:3]  # low_risk, high_risk
    table = README.split("### Table 14-1", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| ") and not r.startswith("| layer")]
    assert len(rows) == 6
    for row in rows:
        layer, low, high = (c.strip() for c in row.strip("|").split("|"))
        shown = [re.sub(r" \([0-9.]+\)$", "", low), re.sub(r" \([0-9.]+\)$", "", high)]
        assert printed[layer] == shown, layer
