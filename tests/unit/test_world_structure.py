"""The world declares what it holds: phone status is a declared part of the portfolio and the
segment models (world/phones.py), tasks see a typed state through a protocol the state declares,
and the world counts SimPy events through SimPy's public API only, and only when asked."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest

from simulator.scenario import load_scenario
from simulator.world.build import World
from simulator.world.phones import DISCONNECTED, TRACED, VALID, WRONG, model_phone_status, not_working
from simulator.world.state import SpecialTask
from simulator.world.tasks.base import Task

from ..conftest import ROOT, SCENARIOS


def _world(name: str, *overrides: str, **kw) -> World:
    return World(load_scenario(SCENARIOS / name, list(overrides)).scenario, 1, 0, **kw)


# -- phone status -----------------------------------------------------------------------------
def test_phone_status_is_not_modelled_unless_a_block_models_it():
    w = _world("table_14_1.toml")
    assert w.portfolio.phone is None
    assert all(m.cum_phone is None for m in w.models)


def test_skip_tracing_models_phone_status_and_its_tables():
    w = _world("skip_trace.toml", "calendar.working_days=2")
    phone = w.portfolio.phone
    assert isinstance(phone, list) and len(phone) == w.portfolio.n
    assert set(phone) == {VALID, DISCONNECTED}
    assert w.kernel.phone is phone and w.task("skip_trace").phone is phone
    for m in w.models:
        valid, disconnected, traced = m.cum_phone
        assert len(valid) == len(disconnected) == len(traced) == 7 * 24
        assert all(c[-1] == 2.0 for c in valid + disconnected + traced)
    assert w.counters.blocks == {}  # built, not run
    w.run()
    assert TRACED in phone  # traces found fresh numbers in the same list the dials read


def test_account_level_behaviour_models_phone_status_without_segment_tables():
    w = _world("open_portfolio.toml", "calendar.working_days=2", "calendar.warmup_days=0")
    assert set(w.portfolio.phone) <= {VALID, DISCONNECTED, WRONG}
    assert w.behaviour.phone is w.portfolio.phone
    assert all(m.cum_phone is None for m in w.models)  # the behaviour's own tables are read
    with_trace = _world(
        "open_portfolio.toml", "calendar.working_days=2", "calendar.warmup_days=0", "skip_trace.enabled=true"
    )
    assert with_trace.portfolio.phone == w.portfolio.phone  # skip tracing keeps the behaviour's numbers
    assert with_trace.task("skip_trace").phone is with_trace.portfolio.phone
    assert all(m.cum_phone is None for m in with_trace.models)


def test_phone_status_is_modelled_once():
    w = _world("table_14_1.toml")
    states = np.array([VALID, DISCONNECTED, WRONG, TRACED] * (w.portfolio.n // 4 + 1))[: w.portfolio.n]
    phone = model_phone_status(w.portfolio, states)
    assert phone is w.portfolio.phone and type(phone[0]) is int
    assert not_working(phone) == int(((states == DISCONNECTED) | (states == WRONG)).sum())
    with pytest.raises(RuntimeError, match="modelled already"):
        model_phone_status(w.portfolio, states)


def test_no_world_module_grafts_phone_attributes():
    """Only phones.py assigns the phone fields that other modules declare."""
    writers = set()
    for path in (ROOT / "simulator" / "world").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr in ("phone", "cum_phone"):
                    owner = t.value.id if isinstance(t.value, ast.Name) else ""
                    if owner != "self":
                        writers.add(path.name)
    assert writers == {"phones.py"}


# -- the task protocol ------------------------------------------------------------------------
def test_task_implements_the_protocol_the_state_declares():
    hooks = {n for n, v in vars(SpecialTask).items() if callable(v) and not n.startswith("_")}
    assert hooks == {
        "hooks",
        "on_dial",
        "on_refusal",
        "on_payment",
        "start_day",
        "end_of_day",
        "start_measuring",
        "wants_day",
        "finish",
    }
    for name in hooks:
        assert inspect.signature(getattr(Task, name)) == inspect.signature(getattr(SpecialTask, name)), name
    assert inspect.signature(Task.__init__).parameters["state"].annotation == "WorldState"


# -- SimPy events -----------------------------------------------------------------------------
def test_nothing_reads_simpy_private_attributes():
    """No module of the simulator reads an underscored attribute of a SimPy environment or event."""
    bad = []
    for path in (ROOT / "simulator").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Attribute) and node.attr in ("_eid", "_queue", "_now", "_value", "_ok"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.Constant) and node.value in ("_eid", "_queue"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert bad == []


def test_events_are_counted_only_when_asked_and_change_nothing():
    plain = _world("table_14_1.toml", "calendar.working_days=2").run()
    w = _world("table_14_1.toml", "calendar.working_days=2", count_events=True)
    counted = w.run()
    assert plain.events == 0
    # at least each collector's process start and a timeout per shift start and block
    assert counted.events > len(w.collectors) * 2 * 5
    for k in ("dials", "handle_s", "promises", "kept", "collected", "idle_s", "paid_s"):
        np.testing.assert_array_equal(getattr(plain, k), getattr(counted, k), err_msg=k)
