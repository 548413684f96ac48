"""Shared fixtures: small scenarios built as dicts, so each test states what it changes."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    """Every in-process test sees collectsim's user-facing errors, whatever the developer's
    shell sets (tests that start collectsim as a subprocess give it collectsim_env())."""
    monkeypatch.delenv("COLLECTSIM_DEBUG", raising=False)


def collectsim_env() -> dict[str, str]:
    """The environment for collectsim started as a subprocess: this checkout's ``simulator`` comes
    first on the path (whatever is installed), and COLLECTSIM_DEBUG is unset as in-process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("COLLECTSIM_DEBUG", None)
    return env


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``collectsim *argv`` in this process: (exit code, standard output, standard error)."""
    from simulator.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def small_scenario(**over) -> dict:
    """A one-team, one-segment center small enough for unit tests (well under a second)."""
    raw = {
        "scenario": {"name": "small"},
        "calendar": {"working_days": 3},
        "attempts": {"max_per_day": 3, "retry_delay_min": 60.0},
        "compliance": {"wait_after_conversation_days": 7.0},
        "teams": {
            "t1": {
                "headcount": 4,
                "segments": ["s1"],
                "hourly_wage_usd": 20.0,
                "shift_start_time": "09:00",
                "shift_length_h": 8.0,
                "breaks": [
                    {"start_time": "10:30", "length_min": 15.0},
                    {"start_time": "15:00", "length_min": 15.0},
                ],
                "lunch": {"start_time": "12:30", "length_min": 30.0},
                "meeting_min_per_day": 6.0,
                "training_min_per_day": 6.0,
            }
        },
        "segments": {
            "s1": {
                "accounts": 3000,
                "balance_usd": {"dist": "lognormal", "mean": 1000.0, "sd": 400.0},
                "outcomes": {
                    "no_answer": {"probability": 0.40, "ring_time_s": 30.0},
                    "busy": {"probability": 0.05, "ring_time_s": 4.0},
                    "invalid": {"probability": 0.10, "ring_time_s": 6.0},
                    "machine": {
                        "probability": 0.15,
                        "ring_time_s": 14.0,
                        "talk_time_s": 20.0,
                        "wrap_time_s": 5.0,
                    },
                    "third_party": {
                        "probability": 0.10,
                        "ring_time_s": 12.0,
                        "talk_time_s": 40.0,
                        "wrap_time_s": 10.0,
                    },
                    "rpc": {
                        "probability": 0.20,
                        "ring_time_s": 12.0,
                        "talk_time_s": {"dist": "exponential", "mean": 180.0},
                        "wrap_time_s": {"dist": "gamma", "mean": 45.0, "sd": 15.0},
                    },
                },
                "promise_probability": 0.8,
                "keep_probability": 0.6,
                "payment_usd": {"dist": "lognormal", "mean": 120.0, "sd": 50.0},
                "promise_due_days": {"dist": "uniform_int", "low": 0, "high": 10},
            }
        },
    }
    for path, value in over.items():
        node = raw
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return copy.deepcopy(raw)


def tiny_scenario(*, days: int = 1, collectors: int = 2, accounts: int = 200, **over) -> dict:
    """``small_scenario`` cut down for tests that run it: ``days`` working days, ``collectors``
    collectors in team t1, ``accounts`` accounts in segment s1; ``over`` as in ``small_scenario``."""
    return small_scenario(
        **{
            "calendar__working_days": days,
            "teams__t1__headcount": collectors,
            "segments__s1__accounts": accounts,
            **over,
        }
    )


def write_toml(path: Path, raw: dict) -> Path:
    """Write a scenario dict to ``path`` as TOML; returns ``path``."""
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


def fill_device(path: Path) -> None:
    """Write zeros to ``path`` until its device is full (ENOSPC), for tests of a full disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def write_trace(folder: Path, scenario, seed: int) -> Path:
    """The trace files (collectsim run --trace) of replication 0 of ``scenario``, in ``folder``."""
    from simulator.experiment.trace_export import trace_tables, traced_world

    for name, data in trace_tables(traced_world(scenario, seed)).items():
        (folder / name).write_bytes(data)
    return folder
