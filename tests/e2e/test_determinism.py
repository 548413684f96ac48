"""The same seed gives the same results file, byte for byte, from two collectsim processes."""

import subprocess
import sys

import pytest

from ..conftest import collectsim_env, small_scenario, write_toml

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_cli_json_is_byte_identical_across_processes(tmp_path):
    path = write_toml(tmp_path / "s.toml", small_scenario())
    outs = []
    for name in ("a.json", "b.json"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "simulator",
                "run",
                str(path),
                "-r",
                "2",
                "--seed",
                "5",
                "--json",
                str(tmp_path / name),
            ],
            check=True,
            capture_output=True,
            env=collectsim_env(),
        )
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1]
