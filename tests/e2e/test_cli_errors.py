"""How the real command fails on bad input: ``python -m simulator`` and the installed
``collectsim`` as subprocesses exit 2 with the message and no traceback (the in-process cases are
in tests/unit/test_cli_errors.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from ..conftest import ROOT, collectsim_env
from ..unit.test_cli_errors import bad_files

pytestmark = pytest.mark.e2e


@pytest.mark.slow
def test_bad_scenarios_exit_2_as_subprocesses(tmp_path):
    """The real command for one representative of each kind (one process per command)."""
    files = bad_files(tmp_path)
    for case, command in (("probability", ["validate"]), ("non_utf8", ["run", "-r", "1"])):
        path, fragments = files[case]
        p = subprocess.run(
            [sys.executable, "-m", "simulator", *command, path],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env=collectsim_env(),
        )
        assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
        assert "Traceback" not in p.stdout + p.stderr
        for frag in fragments:
            assert frag in p.stderr


def test_bundled_scenario_validates_with_the_installed_command():
    exe = shutil.which("collectsim")
    cmd = [exe] if exe else [sys.executable, "-m", "simulator"]
    p = subprocess.run(
        [*cmd, "validate", "scenarios/table_14_1.toml"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=collectsim_env(),
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("ok: scenarios/table_14_1.toml")
    assert "Traceback" not in p.stderr
