"""``collectsim optimize`` as a user meets it: a bad --vary path is exit 2 with one message and
nothing written; Ctrl-C mid-run keeps every finished replication, and running the same command
again ends with the summary of an uninterrupted run, to the byte (serial and process pool)."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from ..conftest import collectsim_env, tiny_scenario, write_toml
from .processes import kill_session, start
from .test_executor_signals import interrupt, lines

pytestmark = pytest.mark.e2e

ENV = collectsim_env()


def collectsim(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *argv], env=ENV, capture_output=True, text=True, timeout=timeout
    )


def argv(scen, out, *extra):
    # six designs, three pairs a few dollars apart at delta 50: a run of a few hundred replications
    return [
        "optimize",
        str(scen),
        "--vary",
        "teams.t1.headcount=4:6:1",
        "--vary",
        "teams.t1.hourly_wage_usd=20.0,20.5",
        "--objective",
        "net_value",
        "--delta",
        "50",
        "--max-replications",
        "60",
        "--seed",
        "5",
        "--out",
        str(out),
        "-q",
        *extra,
    ]


def test_a_bad_vary_path_exits_2_and_writes_nothing(tmp_path):
    scen = write_toml(tmp_path / "s.toml", tiny_scenario())
    out = tmp_path / "o"
    p = collectsim(
        "optimize", str(scen), "--vary", "teams.t1.headcont=2,3", "--objective", "net_value",
        "--delta", "10", "--out", str(out), "-q",
    )  # fmt: skip
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("collectsim: error: 2 of 2 variant(s) are not valid scenarios")
    assert "headcont" in p.stderr and "Traceback" not in p.stderr
    assert p.stdout == "" and not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("executor", [[], ["--workers", "2"]], ids=["serial", "process"])
def test_ctrl_c_then_rerun_gives_the_uninterrupted_summary(tmp_path, executor):
    scen = write_toml(tmp_path / "s.toml", tiny_scenario(days=2, accounts=1000))
    ref = collectsim(*argv(scen, tmp_path / "ref"))
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "o"
    jsonl = out / "replications.jsonl"
    rng = random.Random(f"optimize-{len(executor)}")
    proc = start(*argv(scen, out, *executor))
    try:
        at_least = rng.randint(40, 80)
        err = interrupt(proc, lambda: lines(jsonl) >= at_least, True, rng, timeout=120, spread_s=0.0)
    finally:
        kill_session(proc)
    assert proc.returncode == 130, err
    assert "interrupted; finished replications are kept in" in err and "Traceback" not in err
    kept = lines(jsonl)
    assert not (out / "summary.json").exists()
    again = collectsim(*argv(scen, out, *executor))
    assert again.returncode == 0, again.stderr
    assert f", {kept} already done" in again.stdout
    assert (out / "summary.json").read_bytes() == (tmp_path / "ref" / "summary.json").read_bytes()
