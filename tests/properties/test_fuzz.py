"""Fuzzing the scenario input.

Hypothesis writes scenario files, valid ones (random but valid values around the small test
scenario) and broken ones (wrong types, out-of-range and huge values, missing sections, unknown
keys, empty strings, deleted keys, random and non-UTF-8 bytes, truncated files, bad ``--set``).
For each, ``collectsim validate`` must exit 0 or 2 with a message, never 1 or a traceback; a
scenario that validates and is cheap must also ``run -r 1`` with exit 0.

The CLI is called in-process (``simulator.cli.main``) with ``COLLECTSIM_DEBUG=1``, so an internal
error surfaces here as the exception itself, with its traceback. ``benchmarks/fuzz.py`` runs the
same strategies for many more examples.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import io
import json
import math
import os
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.scenario import schema

from ..conftest import small_scenario, tiny_scenario

# --------------------------------------------------------------------------- TOML writing

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _key(k: str) -> str:
    return k if k and set(k) <= _BARE else _str(k)


def _str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # JSON escapes are valid TOML basic-string escapes


def _val(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_val(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(doc: dict) -> str:
    """Top-level tables as ``[section]`` blocks, everything below as inline values."""
    lines = [f"{_key(k)} = {_val(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    for k, v in doc.items():
        if isinstance(v, dict):
            lines.append(f"[{_key(k)}]")
            lines += [f"{_key(k2)} = {_val(v2)}" for k2, v2 in v.items()]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- valid scenarios


def _literal_options(model: type, name: str) -> list:
    f = model.model_fields.get(name)
    if f is None or get_origin(f.annotation) is not Literal:
        return []
    return list(get_args(f.annotation))


finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def duration(draw, max_mean: float = 300.0) -> Any:
    """A distribution that never goes negative (durations, amounts)."""
    kind = draw(
        st.sampled_from(
            [
                "number",
                "int",
                "exponential",
                "lognormal",
                "gamma",
                "uniform",
                "uniform_int",
                "triangular",
                "discrete",
            ]
        )
    )
    m = draw(st.floats(0.5, max_mean, **finite))
    if kind == "number":
        return m
    if kind == "int":
        return int(m)
    if kind == "exponential":
        return {"dist": "exponential", "mean": m}
    if kind in ("lognormal", "gamma"):
        return {"dist": kind, "mean": m, "sd": draw(st.floats(0, 2 * m, **finite))}
    if kind == "uniform":
        lo = draw(st.floats(0, m, **finite))
        return {"dist": "uniform", "low": lo, "high": lo + draw(st.floats(0, m, **finite))}
    if kind == "uniform_int":
        lo = draw(st.integers(0, int(m)))
        return {"dist": "uniform_int", "low": lo, "high": lo + draw(st.integers(0, 20))}
    if kind == "triangular":
        lo = draw(st.floats(0, m, **finite))
        hi = lo + draw(st.floats(0.5, m, **finite))
        return {"dist": "triangular", "low": lo, "mode": draw(st.floats(lo, hi, **finite)), "high": hi}
    n = draw(st.integers(1, 4))
    return {
        "dist": "discrete",
        "values": draw(st.lists(st.floats(0, m, **finite), min_size=n, max_size=n)),
        "weights": draw(st.lists(st.floats(0.1, 5, **finite), min_size=n, max_size=n)),
    }


@st.composite
def whole_days(draw) -> Any:
    kind = draw(st.sampled_from(["int", "uniform_int", "discrete"]))
    if kind == "int":
        return draw(st.integers(0, 30))
    if kind == "uniform_int":
        lo = draw(st.integers(0, 10))
        return {"dist": "uniform_int", "low": lo, "high": lo + draw(st.integers(0, 20))}
    vals = draw(st.lists(st.integers(0, 30), min_size=1, max_size=4))
    return {"dist": "discrete", "values": [float(v) for v in vals], "weights": [1.0] * len(vals)}


@st.composite
def outcomes(draw) -> dict:
    names = list(schema.OUTCOMES)
    weights = draw(st.lists(st.floats(0.0, 1.0, **finite), min_size=6, max_size=6))
    if sum(weights) < 1e-3:
        weights[-1] = 1.0
    total = sum(weights)
    probs = [w / total for w in weights]
    probs[-1] = max(0.0, 1.0 - sum(probs[:-1]))
    out = {}
    for name, p in zip(names, probs):
        o: dict = {"probability": p, "ring_time_s": draw(duration(40.0))}
        if name in ("machine", "third_party", "rpc") or draw(st.booleans()):
            o["talk_time_s"] = draw(duration(300.0))
            o["wrap_time_s"] = draw(duration(60.0))
        out[name] = o
    # Keep a dial from taking (almost) no time: at least the no-answer ring-out is real.
    out["no_answer"]["ring_time_s"] = draw(st.floats(5.0, 40.0, **finite))
    return out


@st.composite
def valid_scenarios(draw) -> dict:
    raw = small_scenario()
    raw["scenario"]["name"] = draw(st.text(min_size=1, max_size=20).filter(lambda s: s.strip()))
    cal = raw["calendar"]
    cal["working_days"] = draw(st.integers(1, 2))
    if draw(st.booleans()):
        cal["weekdays"] = draw(
            st.lists(st.sampled_from(schema.WEEKDAYS), min_size=1, max_size=7, unique=True)
        )
        cal["start_weekday"] = draw(st.sampled_from(schema.WEEKDAYS))
    team = raw["teams"]["t1"]
    team["headcount"] = draw(st.integers(1, 5))
    team["hourly_wage_usd"] = draw(st.floats(0, 100, **finite))
    team["break_stagger_min"] = draw(st.sampled_from([0.0, 10.0, 30.0]))
    team["meeting_min_per_day"] = draw(st.floats(0, 20, **finite))
    team["training_min_per_day"] = draw(st.floats(0, 14, **finite))
    if draw(st.booleans()):
        team["shift_length_h"] = draw(st.floats(7.5, 8.0, **finite))  # last break ends 15:45
    if draw(st.booleans()):
        del team["lunch"]
    seg = raw["segments"]["s1"]
    seg["accounts"] = draw(st.integers(1, 400))
    seg["outcomes"] = draw(outcomes())
    seg["balance_usd"] = draw(duration(2000.0))
    seg["payment_usd"] = draw(duration(300.0))
    seg["promise_due_days"] = draw(whole_days())
    seg["promise_probability"] = draw(st.floats(0, 1, **finite))
    seg["keep_probability"] = draw(st.floats(0, 1, **finite))
    raw["attempts"]["max_per_day"] = draw(st.integers(1, 5))
    raw["attempts"]["retry_delay_min"] = draw(st.floats(0, 240, **finite))
    if draw(st.booleans()):  # a second team and segment
        raw["segments"]["s2"] = copy.deepcopy(seg)
        raw["segments"]["s2"]["accounts"] = draw(st.integers(1, 300))
        t2 = copy.deepcopy(team)
        t2["headcount"] = draw(st.integers(0, 3))
        t2["segments"] = draw(st.sampled_from([["s2"], ["s1", "s2"], ["s2", "s1"]]))
        raw["teams"]["t2"] = t2
    # Whatever dialer modes and list strategies the schema offers today.
    dialer: dict = {}
    for name in ("mode", "list_strategy"):
        opts = _literal_options(schema.Dialer, name)
        if len(opts) > 1 and draw(st.booleans()):
            dialer[name] = draw(st.sampled_from(opts))
    if dialer:
        raw["dialer"] = dialer
    return raw


# --------------------------------------------------------------------------- broken scenarios


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


junk_values = st.one_of(
    st.just(""),
    st.just(" "),
    st.text(max_size=30),
    st.just("x" * 5000),
    st.booleans(),
    st.just(0),
    st.just(-1),
    st.integers(),
    st.integers(-(10**30), 10**30),
    st.just(1e308),
    st.just(-1e308),
    st.just(5e-324),
    st.floats(),  # floats() includes nan and inf
    st.just(math.nan),
    st.just(math.inf),
    st.just(-math.inf),
    st.just([]),
    st.just({}),
    st.lists(st.integers(-5, 5), max_size=4),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
    st.just({"dist": "weibull", "shape": 2}),
    st.just({"dist": "uniform", "low": -5, "high": 5}),
    st.just({"dist": "discrete", "values": [], "weights": []}),
    st.just({"dist": "lognormal", "mean": 1e308, "sd": 1e308}),
    st.just("25:00"),
    st.just("9am"),
    st.just("24:00"),
    st.just("00:00"),
    st.dates(),
    st.times(),
)


@st.composite
def mutated_scenarios(draw) -> dict:
    # st.just hands out the same object every time: copy it before mutating it.
    raw = copy.deepcopy(draw(st.one_of(st.just(small_scenario()), valid_scenarios())))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(raw)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = raw
        for k in path[:-1]:
            parent = parent[k]
        action = draw(st.sampled_from(["set", "set", "delete", "unknown", "delete_section"]))
        if action == "set":
            parent[path[-1]] = copy.deepcopy(draw(junk_values))  # never mutate a shared example
        elif action == "delete":
            if isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent.pop(path[-1])
        elif action == "unknown":
            target = parent[path[-1]] if isinstance(parent[path[-1]], dict) else parent
            if isinstance(target, dict):
                key = draw(
                    st.one_of(
                        st.text(min_size=1, max_size=12),
                        st.sampled_from(["headcont", "probabilty", "sdd", "mode", "dist"]),
                    )
                )
                target[key] = copy.deepcopy(draw(junk_values))
        else:
            section = draw(st.sampled_from(sorted(raw)))
            if draw(st.booleans()):
                del raw[section]
            else:
                raw[section] = copy.deepcopy(draw(junk_values))
    return raw


def _as_bytes(raw: dict) -> bytes:
    return to_toml(raw).encode("utf-8")


@st.composite
def broken_bytes(draw) -> bytes:
    """Byte-level damage: random bytes, non-UTF-8, truncation, insertion."""
    base = _as_bytes(draw(st.one_of(st.just(small_scenario()), valid_scenarios())))
    kind = draw(st.sampled_from(["random", "truncate", "insert", "latin1", "empty", "bom"]))
    if kind == "random":
        return draw(st.binary(max_size=300))
    if kind == "truncate":
        return base[: draw(st.integers(0, len(base)))]
    if kind == "insert":
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(st.binary(min_size=1, max_size=8)) + base[at:]
    if kind == "latin1":
        return base.replace(b'"small"', b'"caf\xe9"')
    if kind == "bom":
        return b"\xef\xbb\xbf" + base
    return b""


set_args = st.one_of(
    st.sampled_from(
        [
            "teams.t1.headcount=3",
            "teams.t1.headcount",
            "teams.t1.headcount.x=1",
            "=3",
            "a..b=1",
            "segments.s1.accounts=1e9",
            "dialer.mode=predictive",
            "calendar=3",
            "teams.t1.hourly_wage_usd=nan",
            "segments.s1.outcomes.rpc.probability=1.3",
            "teams.t1.breaks.0.length_min=5",
            "teams.t1.segments=['s1','s1']",
            "nosuch.key=1",
            "teams.t1.headcount=[",
            'teams.t1.headcount="3"',
            "teams=1",
        ]
    ),
    st.builds(
        lambda p, v: f"{p}={v}",
        st.sampled_from(
            ["teams.t1.headcount", "calendar.working_days", "segments.s1.balance_usd", "scenario.name"]
        ),
        st.text(max_size=12),
    ),
    st.text(max_size=20),
)


@dataclass
class Case:
    """One fuzz input: the file's bytes and the --set arguments."""

    data: bytes
    sets: list[str] = field(default_factory=list)
    origin: str = ""


cases = st.one_of(
    st.builds(Case, valid_scenarios().map(_as_bytes), st.just([]), st.just("valid")),
    st.builds(Case, mutated_scenarios().map(_as_bytes), st.just([]), st.just("mutated")),
    st.builds(Case, broken_bytes(), st.just([]), st.just("bytes")),
    st.builds(
        Case, valid_scenarios().map(_as_bytes), st.lists(set_args, min_size=1, max_size=2), st.just("set")
    ),
)


# --------------------------------------------------------------------------- running one case


@dataclass
class Result:
    validate_code: int | None = None
    run_code: int | None = None
    error: str = ""  # what went wrong ("" when nothing did)
    traceback: str = ""


def cheap(path: Path, sets: list[str]) -> bool:
    """Whether a valid scenario is cheap enough to run in a test (a rough dial-count bound)."""
    from simulator.scenario import load_scenario

    sc = load_scenario(path, sets).scenario
    heads = sum(t.headcount for t in sc.teams.values())
    accounts = sum(s.accounts for s in sc.segments.values())
    if heads > 20 or accounts > 5000 or sc.calendar.working_days > 3:
        return False
    handling = min(s.outcomes.mean_handling_s for s in sc.segments.values())
    shift_s = max(t.shift_length_h for t in sc.teams.values()) * 3600
    max_day = getattr(sc.attempts, "max_per_day", 3)
    dials = min(heads * shift_s / max(handling, 1e-9), accounts * max_day) * sc.calendar.working_days
    ratio = max(getattr(sc.dialer, "ratio", 1.0), getattr(sc.dialer, "max_dial_level", 1.0))
    if getattr(sc.dialer, "mode", "progressive") == "predictive":
        dials *= ratio
        if getattr(sc.dialer, "pacing", "") == "poisson" and getattr(sc.dialer, "calls_per_hour", 0) > 5000:
            return False
    return dials <= 30_000


def _call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("COLLECTSIM_DEBUG")
    os.environ["COLLECTSIM_DEBUG"] = "1"  # internal errors raise instead of being summarised
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as e:  # argparse rejecting an option: usage and exit 2
                code = e.code if isinstance(e.code, int) else 2
    finally:
        if old is None:
            os.environ.pop("COLLECTSIM_DEBUG", None)
        else:
            os.environ["COLLECTSIM_DEBUG"] = old
    return code, out.getvalue(), err.getvalue()


def check_case(case: Case) -> Result:
    """Validate (and, when valid and cheap, run) one input; report what went wrong."""
    res = Result()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.toml"
        path.write_bytes(case.data)
        sets = [a for s in case.sets for a in ("--set", s)]
        try:
            code, out, err = _call(["validate", str(path), *sets])
        except BaseException as e:  # noqa: BLE001
            res.error, res.traceback = f"validate raised {type(e).__name__}: {e}", traceback.format_exc()
            return res
        res.validate_code = code
        if code not in (0, 2):
            res.error = f"validate exited {code}: {err.strip()[-500:]}"
        elif "Traceback" in out + err:
            res.error, res.traceback = "validate printed a traceback", err
        elif code == 2 and str(path) not in err and not case.sets:
            res.error = f"validate exit 2 without naming the file: {err.strip()[-300:]}"
        elif code == 2 and not err.strip():
            res.error = "validate exit 2 without a message"
        if res.error or code != 0:
            return res
        try:
            if not cheap(path, case.sets):
                return res
            code, out, err = _call(["run", str(path), "-r", "1", "-q", *sets])
        except BaseException as e:  # noqa: BLE001
            res.error, res.traceback = f"run raised {type(e).__name__}: {e}", traceback.format_exc()
            return res
        res.run_code = code
        if code != 0:
            res.error = f"run -r 1 exited {code}: {err.strip()[-500:]}"
        elif "Traceback" in out + err:
            res.error, res.traceback = "run printed a traceback", err
    return res


# --------------------------------------------------------------------------- the test


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(cases)
def test_cli_never_crashes_on_any_scenario_file(case):
    res = check_case(case)
    assert not res.error, (
        f"{res.error}\n{res.traceback}\ninput ({case.origin}, sets={case.sets}):\n{case.data[:3000]!r}"
    )


def test_fuzz_harness_detects_a_crash(monkeypatch):
    """The harness must be able to fail: a crashing validate is reported with its traceback."""
    import simulator.cli as cli

    def boom(args):
        raise ZeroDivisionError("planted")

    parser = cli.build_parser

    def patched():
        ap = parser()
        for action in ap._subparsers._group_actions:  # noqa: SLF001 - test-only surgery
            action.choices["validate"].set_defaults(func=boom)
        return ap

    monkeypatch.setattr(cli, "build_parser", patched)
    res = check_case(Case(_as_bytes(small_scenario())))
    assert "ZeroDivisionError" in res.error and "planted" in res.traceback


@pytest.mark.slow
def test_valid_strategy_really_validates():
    """Guard the strategy itself: generated 'valid' scenarios must load."""
    from simulator.scenario import parse_scenario

    @settings(max_examples=100, deadline=None, derandomize=True, database=None)
    @given(valid_scenarios())
    def inner(raw):
        parse_scenario(raw, "generated")

    inner()


# --------------------------------------------------------------------------- crashes found by fuzzing


def _no_crash(raw: dict) -> None:
    """Either rejected with exit 2 and a message, or validated and run with exit 0."""
    res = check_case(Case(_as_bytes(raw)))
    assert not res.error, f"{res.error}\n{res.traceback}"
    assert res.validate_code == 2 or res.run_code == 0, res


def test_gamma_with_tiny_sd_runs():
    """Found by fuzzing: shape = (mean/sd)**2 overflows (OverflowError) or becomes inf (nan
    samples, then a results JSON that cannot be written) for a valid sd such as 1e-200."""
    raw = tiny_scenario()
    raw["segments"]["s1"]["outcomes"]["rpc"]["wrap_time_s"] = {"dist": "gamma", "mean": 45.0, "sd": 1e-200}
    raw["segments"]["s1"]["balance_usd"] = {"dist": "gamma", "mean": 1000.0, "sd": 5e-324}
    _no_crash(raw)


def test_lognormal_and_gamma_with_tiny_mean_run():
    """Found while fuzzing: sd/mean overflows for a tiny positive mean (lognormal gives nan
    samples, gamma divides by zero)."""
    raw = tiny_scenario()
    raw["segments"]["s1"]["outcomes"]["machine"]["talk_time_s"] = {
        "dist": "lognormal",
        "mean": 1e-300,
        "sd": 1.0,
    }
    raw["segments"]["s1"]["outcomes"]["third_party"]["talk_time_s"] = {
        "dist": "gamma",
        "mean": 1e-300,
        "sd": 1.0,
    }
    _no_crash(raw)


def test_tiny_balance_does_not_break_the_results_json():
    """Found by fuzzing: balances such as 2.2e-309 are valid, payments are capped at them, and
    cost / collected overflows to inf; the results JSON then cannot be written (exit 1)."""
    raw = tiny_scenario()
    raw["segments"]["s1"]["balance_usd"] = 2.225073858507203e-309
    raw["segments"]["s1"]["outcomes"]["rpc"]["probability"] = 0.5
    raw["segments"]["s1"]["outcomes"]["no_answer"]["probability"] = 0.1
    raw["segments"]["s1"]["promise_probability"] = 1.0
    raw["segments"]["s1"]["keep_probability"] = 1.0
    raw["segments"]["s1"]["promise_due_days"] = 0
    _no_crash(raw)
