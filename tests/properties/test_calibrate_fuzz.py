"""Fuzzing the calibration input: record files that are damaged, inconsistent or degenerate.

The base is a consistent cut of ``examples/sample_trace`` (every fifth account, with its dials,
promises, payments and account events, and every shift: about 840 dials), and the daily KPIs
aggregated from it. Hypothesis damages it: rows dropped, repeated and swapped; columns dropped,
repeated and renamed; cells replaced by empty, NUL, huge, negative and non-finite numbers, bad
and far dates, unknown ids and values taken from elsewhere; columns made constant (every dial a
right-party contact, one segment); accounts thinned to a handful; files removed, emptied or cut
to the header; bytes truncated, inserted or re-encoded. ``collectsim calibrate`` (in-process,
``COLLECTSIM_DEBUG=1``, so an internal error surfaces as the exception) must exit 0 or 2 with a
message, never 1 or a traceback, with and without ``--lenient``; with ``--lenient`` a fit says
how many rows it left out.

``benchmarks/fuzz_calibrate.py`` runs the same strategy for many more examples.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main

from ..conftest import ROOT

SAMPLE = ROOT / "examples" / "sample_trace"
SAMPLE_BASE = ROOT / "examples" / "sample_center.toml"
FILES = ("dials.csv", "accounts.csv", "promises.csv", "payments.csv", "shifts.csv", "account_events.csv")
OPTIONAL = FILES[1:]
KEEP_EVERY = 5  # the base keeps every fifth account of the sample

Rows = list[list[str]]

_BASE: dict[str, Rows] = {}


def base_files() -> dict[str, Rows]:
    """The consistent base trace (rows of each file, header first), built once."""
    if not _BASE:
        accounts = _read(SAMPLE / "accounts.csv")
        keep = {r[0] for r in accounts[1::KEEP_EVERY]}
        for name in FILES:
            rows = _read(SAMPLE / name)
            if "account_id" in rows[0]:
                k = rows[0].index("account_id")
                rows = rows[:1] + [r for r in rows[1:] if r[k] in keep]
            _BASE[name] = rows
        _BASE["daily.csv"] = _daily(_BASE)
    return {k: [list(r) for r in v] for k, v in _BASE.items()}


def _read(path: Path) -> Rows:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _daily(files: dict[str, Rows]) -> Rows:
    from simulator.calibrate.kpi import write_daily_kpis
    from simulator.calibrate.read.trace import read_trace

    with tempfile.TemporaryDirectory() as d:
        for name in FILES:
            (Path(d) / name).write_bytes(to_bytes(files[name]))
        write_daily_kpis(read_trace(d), Path(d) / "daily.csv")
        return _read(Path(d) / "daily.csv")


def to_bytes(rows: Rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------- the damage

SPECIAL = [
    "",
    "\x00",
    "A\x00",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "-1e300",
    "1e400",
    "-5",
    "0",
    "1",
    "0.5",
    "-0.25",
    "99999999999999999999",
    "1e-320",
    "9999-12-31",
    "0001-01-01",
    "1970-01-01",
    "2024-02-30",
    "2099-01-01",
    "2023-06-01",
    "2024-01-01T25:00:00",
    "2024-01-01T09:00:00+02:00",
    "9999-12-31T23:59:59",
    "1970-01-01T00:00:00",
    "2023-06-01T09:00:00",
    "2024-01-05T23:59:59",
    "ZZZ",
    "mystery",
    "no such",
    "1st",
    "é",
    "\ufeff",
    "x" * 300,
    "rpc",
    "abandoned",
    "third_party",
    "invalid",
    "kept",
    "pending",
    "plan_installment",
    "self_cure",
    "redefaulted",
    "charged_off",
    "disconnected",
    "predictive",
    " 5",
    "1,5",
    '"',
    "\n",
    "\r",
]


@st.composite
def _cell_value(draw, rows: Rows, col: int) -> str:
    kind = draw(st.sampled_from(["special", "same_column", "any_cell", "number", "shift_date"]))
    if kind == "special":
        return draw(st.sampled_from(SPECIAL))
    body = rows[1:] or [rows[0]]
    if kind == "same_column":
        return draw(st.sampled_from(body))[col] if col < len(body[0]) else ""
    if kind == "any_cell":
        r = draw(st.sampled_from(body))
        return draw(st.sampled_from(r)) if r else ""
    if kind == "number":
        return repr(draw(st.floats(allow_nan=True, allow_infinity=True, width=64)))
    cell = draw(st.sampled_from(body))[col] if col < len(body[0]) else ""
    return _shift_date(cell, draw(st.sampled_from([-36500, -400, -100, -1, 1, 5, 100, 400, 36500])))


def _shift_date(cell: str, days: int) -> str:
    import datetime

    try:
        d = datetime.date.fromisoformat(cell[:10]) + datetime.timedelta(days=days)
    except (ValueError, OverflowError):
        return cell
    return d.isoformat() + cell[10:]


@st.composite
def _row_damage(draw, files: dict[str, Rows]) -> str:
    """One structural or cell damage to one file, in place; returns what was done, in words."""
    name = draw(st.sampled_from(sorted(files)))
    rows = files[name]
    n = len(rows)
    op = draw(
        st.sampled_from(
            [
                "cell",
                "cell",
                "cell",
                "constant_column",
                "drop_rows",
                "duplicate_row",
                "swap_rows",
                "drop_column",
                "duplicate_column",
                "rename_header",
                "truncate_rows",
            ]
        )
    )
    width = max((len(r) for r in rows), default=0)
    if op in ("cell", "constant_column", "drop_column", "duplicate_column", "rename_header") and width == 0:
        return f"{name}: nothing to damage"
    col = draw(st.integers(0, max(width - 1, 0)))
    if op == "cell" and n > 1:
        i = draw(st.integers(1, n - 1))
        if col < len(rows[i]):
            rows[i][col] = draw(_cell_value(rows, col))
        return f"{name}: row {i + 1} cell {col} = {rows[i][col] if col < len(rows[i]) else ''!r}"
    if op == "constant_column" and n > 1:
        v = draw(_cell_value(rows, col))
        for r in rows[1:]:
            if col < len(r):
                r[col] = v
        return f"{name}: column {col} all {v!r}"
    if op == "drop_rows" and n > 1:
        i = draw(st.integers(1, n - 1))
        k = draw(st.integers(1, max(1, (n - i) // draw(st.sampled_from([1, 2, 10, 100])))))
        del rows[i : i + k]
        return f"{name}: rows {i + 1}..{i + k} dropped"
    if op == "duplicate_row" and n > 1:
        i, j = draw(st.integers(1, n - 1)), draw(st.integers(1, n))
        rows.insert(j, list(rows[i]))
        return f"{name}: row {i + 1} repeated at {j + 1}"
    if op == "swap_rows" and n > 2:
        i, j = draw(st.integers(1, n - 1)), draw(st.integers(1, n - 1))
        rows[i], rows[j] = rows[j], rows[i]
        return f"{name}: rows {i + 1} and {j + 1} swapped"
    if op == "drop_column":
        for r in rows:
            if col < len(r):
                del r[col]
        return f"{name}: column {col} dropped"
    if op == "duplicate_column":
        for r in rows:
            if col < len(r):
                r.append(r[col])
        return f"{name}: column {col} repeated"
    if op == "rename_header" and rows and col < len(rows[0]):
        h = rows[0][col]
        rows[0][col] = draw(st.sampled_from([h.upper(), f" {h} ", "", "x", h + "\x00", rows[0][0], "é"]))
        return f"{name}: header {h!r} -> {rows[0][col]!r}"
    if op == "truncate_rows" and n > 1:
        k = draw(st.integers(1, n))
        del rows[k:]
        return f"{name}: cut to {k} rows"
    return f"{name}: {op} skipped"


def _thin_accounts(files: dict[str, Rows], keep_share: float, seed: int) -> str:
    """Keep a few accounts and everything that refers to them (consistent, but little data)."""
    import random

    acc = files["accounts.csv"]
    rnd = random.Random(seed)
    keep = {r[0] for r in acc[1:] if r and rnd.random() < keep_share}
    for name, rows in files.items():
        if rows and "account_id" in rows[0]:
            k = rows[0].index("account_id")
            files[name] = rows[:1] + [r for r in rows[1:] if len(r) > k and r[k] in keep]
    return f"accounts thinned to {len(keep)}"


@st.composite
def _byte_damage(draw, data: bytes) -> bytes:
    op = draw(st.sampled_from(["truncate", "insert", "latin1", "utf16", "crlf", "bom", "no_newlines"]))
    if op == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if op == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if op == "latin1":
        return data.decode("utf-8", "replace").replace("A1", "Ä1").encode("latin-1", "replace")
    if op == "utf16":
        return data.decode("utf-8", "replace").encode("utf-16")
    if op == "crlf":
        return data.replace(b"\n", b"\r\n")
    if op == "bom":
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data
    return data.replace(b"\n", b"")


@dataclass
class Case:
    """One fuzz input: the files' bytes (None: absent), the options and what was done."""

    files: dict[str, bytes | None]
    options: list[str] = field(default_factory=list)
    kpi: bool = False
    origin: list[str] = field(default_factory=list)


@st.composite
def calibration_cases(draw) -> Case:
    files = base_files()
    kpi = draw(st.integers(0, 6)) == 0
    done: list[str] = []
    if kpi:
        files = {"daily.csv": files["daily.csv"]}
    else:
        del files["daily.csv"]
        if draw(st.integers(0, 5)) == 0:
            share = draw(st.sampled_from([0.003, 0.01, 0.05, 0.3]))
            done.append(_thin_accounts(files, share, draw(st.integers(0, 1000))))
    for _ in range(draw(st.integers(0 if done else 1, 4))):
        done.append(draw(_row_damage(files)))
    data: dict[str, bytes | None] = {k: to_bytes(v) for k, v in files.items()}
    if not kpi and draw(st.integers(0, 5)) == 0:
        name = draw(st.sampled_from(OPTIONAL))
        how = draw(st.sampled_from(["absent", "empty", "header only"]))
        data[name] = (
            None if how == "absent" else b"" if how == "empty" else data[name].split(b"\n")[0] + b"\n"
        )
        done.append(f"{name}: {how}")
    if draw(st.integers(0, 5)) == 0:
        name = draw(st.sampled_from(sorted(k for k, v in data.items() if v is not None)))
        data[name] = draw(_byte_damage(data[name]))
        done.append(f"{name}: bytes damaged")
    options = []
    if draw(st.booleans()):
        options.append("--lenient")
    if kpi or draw(st.integers(0, 3)) == 0:
        options += ["--base", str(SAMPLE_BASE)] if draw(st.integers(0, 4)) else []
    if draw(st.integers(0, 9)) == 0:
        options.append("--html")
    return Case(data, options, kpi, done)


# --------------------------------------------------------------------------- running one case


@dataclass
class Result:
    code: int | None = None
    error: str = ""  # what went wrong ("" when nothing did)
    traceback: str = ""
    stderr: str = ""
    warnings: list[str] = field(default_factory=list)  # the warnings raised, "Category: where"


def _call(argv: list[str], caught: list[str]) -> tuple[int, str, str]:
    """Run the CLI; the warnings it raises are recorded in ``caught``, not printed."""
    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("COLLECTSIM_DEBUG")
    os.environ["COLLECTSIM_DEBUG"] = "1"  # internal errors raise instead of being summarised
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(record=True) as seen,
        ):
            warnings.simplefilter("always")
            try:
                code = main(argv)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 2
            finally:
                caught += [f"{w.category.__name__}: {Path(w.filename).name}:{w.lineno}" for w in seen]
    finally:
        if old is None:
            os.environ.pop("COLLECTSIM_DEBUG", None)
        else:
            os.environ["COLLECTSIM_DEBUG"] = old
    return code, out.getvalue(), err.getvalue()


def check_calibration_case(case: Case) -> Result:
    """Run ``collectsim calibrate`` on one input; report what went wrong."""
    res = Result()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d) / "trace"
        folder.mkdir()
        for name, data in case.files.items():
            if data is not None:
                (folder / name).write_bytes(data)
        argv = ["calibrate"]
        argv += ["--kpi", str(folder / "daily.csv")] if case.kpi else [str(folder)]
        argv += ["--out", str(Path(d) / "fitted.toml")]
        for opt in case.options:
            argv += ["--html", str(Path(d) / "calibration.html")] if opt == "--html" else [opt]
        try:
            code, out, err = _call(argv, res.warnings)
        except BaseException as e:  # noqa: BLE001 - the point is to catch anything
            res.error, res.traceback = f"calibrate raised {type(e).__name__}: {e}", traceback.format_exc()
            return res
        res.code, res.stderr = code, err
        if code not in (0, 2):
            res.error = f"calibrate exited {code}: {err.strip()[-500:]}"
        elif "Traceback" in out + err:
            res.error, res.traceback = "calibrate printed a traceback", err
        elif code == 2 and "collectsim: error:" not in err:
            res.error = f"calibrate exit 2 without a message: {err.strip()[-300:]}"
        elif code == 2 and "<fitted from" in err:
            res.error = f"the fitted scenario does not validate: {err.strip()[-500:]}"
        elif code == 0 and "--lenient" in case.options and "--lenient:" not in out:
            res.error = "a lenient fit that does not say what it left out"
        elif code == 0 and not (Path(d) / "fitted.toml").exists():
            res.error = "exit 0 without the fitted scenario"
    return res


# --------------------------------------------------------------------------- the tests


def test_the_base_calibrates(tmp_path):
    res = check_calibration_case(Case({k: to_bytes(v) for k, v in base_files().items() if k != "daily.csv"}))
    assert res.code == 0, res
    res = check_calibration_case(Case({"daily.csv": to_bytes(base_files()["daily.csv"])}, kpi=True))
    assert res.code == 2 and "unknown team" in res.stderr  # the bundled default has other teams
    res = check_calibration_case(
        Case({"daily.csv": to_bytes(base_files()["daily.csv"])}, ["--base", str(SAMPLE_BASE)], kpi=True)
    )
    assert res.code == 0, res


def test_the_harness_detects_a_crash(monkeypatch):
    """The harness must be able to fail: a crashing fit is reported with its traceback."""
    import simulator.calibrate.api as api

    def boom(*a, **k):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(api, "fit_trace", boom)
    res = check_calibration_case(Case({k: to_bytes(v) for k, v in base_files().items() if k != "daily.csv"}))
    assert "ZeroDivisionError" in res.error and "planted" in res.traceback


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(calibration_cases())
def test_calibrate_never_crashes_on_damaged_records(case):
    res = check_calibration_case(case)
    assert not res.error, f"{res.error}\n{res.traceback}\ndamage: {case.origin}, options {case.options}"
