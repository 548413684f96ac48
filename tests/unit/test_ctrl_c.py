"""Ctrl-C in this process: one line and exit 130 whatever the command was doing, even when the
library it interrupted turned the KeyboardInterrupt into an error of its own (pydantic does, while
it builds its validators at import). The end-to-end tests, with real signals to real process
groups, are in tests/e2e/test_executor_signals.py."""

from __future__ import annotations

import os
import signal
import time

import pytest

from simulator.cli import main

from ..conftest import small_scenario, write_toml


@pytest.fixture
def scen(tmp_path):
    return str(write_toml(tmp_path / "s.toml", small_scenario(calendar__working_days=1)))


def ctrl_c_turned_into(error: Exception):
    """A stand-in for a library call that a Ctrl-C interrupts and that reports it as ``error``."""

    def call(*a, **k):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the handler runs here, inside the library
        except KeyboardInterrupt:
            raise error from None
        raise AssertionError("no KeyboardInterrupt")

    return call


@pytest.mark.parametrize("error", [ValueError("schema error"), OSError(5, "I/O error")])
def test_a_ctrl_c_a_library_reported_as_its_own_error_is_still_one_line(scen, capsys, monkeypatch, error):
    monkeypatch.setattr("simulator.cli.run.load", ctrl_c_turned_into(error))
    assert main(["run", scen, "-q", "-r", "1"]) == 130
    assert capsys.readouterr().err.splitlines() == ["collectsim: interrupted"]


def test_the_same_error_without_a_ctrl_c_is_reported_as_it_is(scen, capsys, monkeypatch):
    def fails(*a, **k):
        raise ValueError("schema error")

    monkeypatch.setattr("simulator.cli.run.load", fails)
    assert main(["run", scen, "-q", "-r", "1"]) == 1
    assert "internal error: ValueError: schema error" in capsys.readouterr().err


def test_main_leaves_python_s_sigint_handler_as_it_found_it(scen, capsys, monkeypatch):
    monkeypatch.setattr("simulator.cli.run.load", ctrl_c_turned_into(ValueError("x")))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    main(["run", scen, "-q", "-r", "1"])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
