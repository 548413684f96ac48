"""Records are untrusted: every inconsistency is an exit 2 naming file, row and column, or, with
--lenient, a counted and reported exclusion; degenerate but valid data fit with a statement.

Each case edits a copy of examples/sample_trace (4 days, 4,360 dials) and runs
``collectsim calibrate`` in-process.
"""

from __future__ import annotations

import csv
import shutil
import tomllib

import numpy as np
import pytest

from simulator.calibrate.fit.contact_curve import flat_outcomes, live_probabilities, make_feasible
from simulator.calibrate.read.csv_table import longest_ordered
from simulator.calibrate.read.trace import read_trace

from ..conftest import ROOT, cli

SAMPLE = ROOT / "examples" / "sample_trace"
SAMPLE_BASE = ROOT / "examples" / "sample_center.toml"


@pytest.fixture
def trace(tmp_path):
    folder = tmp_path / "trace"
    shutil.copytree(SAMPLE, folder)
    return folder


def edit(folder, name, change) -> None:
    """Rewrite ``folder/name`` with ``change(rows)`` applied (rows[0] is the header)."""
    edit_file(folder / name, change)


def edit_file(path, change) -> None:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    change(rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def set_cell(name_col: str, row: int, value: str):
    """An edit setting column ``name_col`` of file row ``row`` (the header is row 1)."""

    def change(rows):
        rows[row - 1][rows[0].index(name_col)] = value

    return change


def calibrate(capsys, folder, *options):
    return cli(capsys, "calibrate", str(folder), "--out", str(folder.parent / "fitted.toml"), *options)


def fitted(folder) -> dict:
    return tomllib.loads((folder.parent / "fitted.toml").read_text(encoding="utf-8"))


def assert_names(err: str, folder, file: str, row: int, column: str | None) -> None:
    where = f"{folder / file}, row {row}" + (f", column {column}" if column else "")
    assert f"collectsim: error: {where}:" in err, err
    assert "internal error" not in err and "Traceback" not in err


# --------------------------------------------------------------------------- the reported cases


def test_a_dial_of_a_segment_not_in_accounts_csv(trace, capsys):
    edit(trace, "dials.csv", set_cell("segment", 6, "mystery"))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "dials.csv", 6, "segment")
    assert "'mystery' differs from the segment of account" in err and "--lenient" in err


@pytest.mark.slow
def test_a_dial_of_a_segment_not_in_accounts_csv_is_excluded_when_lenient(trace, capsys):
    edit(trace, "dials.csv", set_cell("segment", 6, "mystery"))
    code, out, err = calibrate(capsys, trace, "--lenient")
    assert code == 0, err
    assert "--lenient: 1 row(s) excluded, not fitted:" in out
    assert "dials.csv: 1 row(s) excluded (--lenient), segment: segment differs from the account's" in out
    cal = fitted(trace)["calibration"]
    assert any("dials.csv: 1 row(s) excluded" in x and "first: row 6" in x for x in cal["not_identified"])
    assert "mystery" not in fitted(trace)["segments"]


@pytest.mark.slow
def test_every_dial_a_right_party_contact_fits_with_a_statement(trace, capsys):
    edit(trace, "dials.csv", lambda rows: [r.__setitem__(rows[0].index("outcome"), "rpc") for r in rows[1:]])
    code, out, err = calibrate(capsys, trace)
    assert code == 0, err
    assert "every dial was a live answer" in out
    seg = fitted(trace)["segments"]["low_risk"]
    assert seg["outcomes"]["rpc"]["probability"] == pytest.approx(1.0)
    assert seg["outcomes"]["no_answer"]["probability"] == 0.0
    assert set(seg["contact_curve"]["answer_by_hour"]) == {1.0}


@pytest.mark.parametrize("value", ["-1e300", "1e300", "1e7"])
def test_a_risk_score_of_an_impossible_magnitude(trace, capsys, value):
    edit(trace, "accounts.csv", set_cell("risk_score", 4, value))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "accounts.csv", 4, "risk_score")
    assert "out of range; expected a number from -1e+06 to 1e+06" in err


@pytest.mark.slow
def test_a_lenient_exclusion_reaches_the_rows_that_refer_to_it(trace, capsys, tmp_path):
    edit(trace, "accounts.csv", set_cell("risk_score", 4, "-1e300"))  # account A2
    html = tmp_path / "cal.html"
    code, out, err = calibrate(capsys, trace, "--lenient", "--html", str(html))
    assert code == 0, err
    assert "accounts.csv: 1 row(s) excluded (--lenient), risk_score: out of the plausible range" in out
    dials_of_a2 = sum(1 for line in (SAMPLE / "dials.csv").open() if ",A2," in line)
    assert (
        f"dials.csv: {dials_of_a2} row(s) excluded (--lenient), account_id: account not in accounts.csv"
        in out
    )
    page = html.read_text(encoding="utf-8")
    assert "accounts.csv: 1 row(s) excluded (--lenient)" in page


def test_a_promise_id_twice(trace, capsys):
    edit(trace, "promises.csv", lambda rows: rows.insert(3, list(rows[2])))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "promises.csv", 4, "promise_id")
    assert "repeats the promise id of row 3" in err


def test_a_nul_byte_in_an_id(trace, capsys):
    edit(trace, "dials.csv", set_cell("account_id", 4, "A1\x00x"))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "dials.csv", 4, "account_id")
    assert "control character" in err


def test_a_column_named_twice_in_the_header(trace, capsys):
    def twice(rows):
        k = rows[0].index("segment")
        for r in rows:
            r.append(r[k])

    edit(trace, "dials.csv", twice)
    code, _, err = calibrate(capsys, trace, "--lenient")
    assert code == 2  # a problem of the file, not of rows: an error even with --lenient
    assert_names(err, trace, "dials.csv", 1, "segment")
    assert "named twice in the header" in err


def test_a_promise_of_an_unknown_segment(trace, capsys):
    edit(trace, "promises.csv", set_cell("segment", 6, "mystery"))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "promises.csv", 6, "segment")
    (trace / "accounts.csv").unlink()
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "promises.csv", 6, "segment")
    assert "segment 'mystery' has no dial in dials.csv" in err


def test_a_dial_to_an_account_not_in_accounts_csv(trace, capsys):
    edit(trace, "dials.csv", set_cell("account_id", 6, "ZZZ9"))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "dials.csv", 6, "account_id")
    assert "account 'ZZZ9' is not in accounts.csv" in err


@pytest.mark.parametrize(
    "value,words",
    [
        ("9999-01-01T10:00:00", "not a plausible date; expected a date from 1900 to 2199"),
        (
            "2099-01-01T10:00:00",
            "more than 92 days from the period of the other dials (2024-01-01 to 2024-01-04)",
        ),
    ],
)
def test_a_dial_dated_far_from_the_others(trace, capsys, value, words):
    edit(trace, "dials.csv", set_cell("call_start", 4361, value))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "dials.csv", 4361, "call_start")
    assert words in err


def test_a_payment_of_an_unknown_promise(trace, capsys):
    edit(trace, "payments.csv", set_cell("promise_id", 6, "P999999"))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "payments.csv", 6, "promise_id")
    assert "promise 'P999999' is not in promises.csv" in err


@pytest.fixture
def daily(trace, tmp_path):
    from simulator.calibrate.kpi import write_daily_kpis

    path = tmp_path / "daily.csv"
    write_daily_kpis(read_trace(trace), path)
    return path


def kpi(capsys, path, *options):
    out = path.parent / "kpi.toml"
    return cli(
        capsys, "calibrate", "--kpi", str(path), "--base", str(SAMPLE_BASE), "--out", str(out), *options
    )


def test_daily_kpis_with_kept_above_promises(daily, capsys):
    def more_kept(rows):
        k, p = rows[0].index("kept"), rows[0].index("promises")
        rows[3][k] = str(int(float(rows[3][p])) + 5)

    edit_file(daily, more_kept)
    code, _, err = kpi(capsys, daily)
    assert code == 2
    assert f"{daily}, row 4, column kept: " in err and "exceeds promises" in err
    code, out, err = kpi(capsys, daily, "--lenient")
    assert code == 0, err
    assert "daily.csv: 1 row(s) excluded (--lenient), kept: kept above promises (first: row 4" in out
    for line in out.splitlines():
        if "kept_rate" in line:
            assert float(line.split()[1]) <= 1.0


@pytest.mark.parametrize(
    "low,high", [("rpc", "dials"), ("connects", "dials"), ("rpc", "connects"), ("promises", "rpc")]
)
def test_daily_kpis_whose_layers_are_out_of_order(daily, capsys, low, high):
    def above(rows):
        rows[2][rows[0].index(low)] = str(float(rows[2][rows[0].index(high)]) + 1)
        if (low, high) == ("rpc", "dials"):  # connects (optional) would be exceeded first
            k = rows[0].index("connects")
            for r in rows:
                del r[k]

    edit_file(daily, above)
    code, _, err = kpi(capsys, daily)
    assert code == 2 and f"{daily}, row 3, column {low}: " in err and f"exceeds {high}" in err


# --------------------------------------------------------------------------- more rules


@pytest.mark.parametrize(
    "file,change,row,column,words",
    [
        (
            "shifts.csv",
            lambda rows: rows.insert(2, list(rows[1])),
            3,
            "date",
            "repeats the collector and date",
        ),
        ("dials.csv", set_cell("collector_id", 9, "ghost"), 9, "collector_id", "no shift in shifts.csv"),
        ("promises.csv", set_cell("account_id", 5, "A44"), 5, "account_id", "has no dial in dials.csv"),
        ("promises.csv", set_cell("due_date", 5, "2026-01-01"), 5, "due_date", "more than 366 days after"),
        ("promises.csv", set_cell("amount_usd", 5, "5e12"), 5, "amount_usd", "out of range"),
        ("dials.csv", set_cell("talk_s", 5, "90000"), 5, "talk_s", "out of range"),
        ("accounts.csv", set_cell("entered_date", 3, "2024-01-03"), 3, None, None),
        ("account_events.csv", set_cell("date", 2, "1969-07-20"), 2, "date", "366 days outside the period"),
        ("account_events.csv", set_cell("date", 2, "1869-07-20"), 2, "date", "not a plausible date"),
        ("shifts.csv", set_cell("logout", 2, "2024-01-03T17:00:00"), 2, "logout", "more than a day after"),
    ],
)
def test_more_impossible_records(trace, capsys, file, change, row, column, words):
    edit(trace, file, change)
    code, _, err = calibrate(capsys, trace)
    assert code == 2, err
    if column is None:  # A1 entered after its first dial: the dial is the impossible row
        assert "dials.csv, row" in err and "before account 'A1' entered (2024-01-03" in err
        return
    assert_names(err, trace, file, row, column)
    assert words in err


def test_a_payment_by_another_account_than_its_promise(trace, capsys):
    with open(trace / "payments.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    row = next(i for i, r in enumerate(rows) if i and r[5] and r[2] == "low_risk") + 1
    edit(trace, "payments.csv", set_cell("account_id", row, "A0"))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "payments.csv", row, "account_id")
    assert "account 'A0' is not the account of promise" in err


def test_rows_out_of_order_are_excluded_fewest_first_when_lenient(trace):
    def swap(rows):
        rows[100], rows[2000] = rows[2000], rows[100]

    edit(trace, "dials.csv", swap)
    tr = read_trace(trace, lenient=True)
    e = tr.exclusions[0]
    assert (e.file.endswith("dials.csv"), e.reason, e.rows) == (True, "out of order", 2)  # the two moved
    assert len(tr.dials["t"]) == 4360 - 2 and (np.diff(tr.dials["t"]) >= 0).all()
    # the only dial to A83 was one of them: its promise, and that promise's payment, go too
    assert [x.reason for x in tr.exclusions[1:]] == [
        "account with no dial in dials.csv",
        "promise not in promises.csv (or its row was excluded)",
    ]


def test_longest_ordered_keeps_the_most_rows():
    x = np.array([1, 2, 3, 9, 4, 5, 6, 0, 7])
    assert x[longest_ordered(x)].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert longest_ordered(np.array([5, 5, 5])).all()


def test_labels_only_excluded_rows_used_are_dropped(trace):
    edit(trace, "dials.csv", set_cell("segment", 6, "mystery"))
    tr = read_trace(trace, lenient=True)
    assert tr.segments == ["low_risk", "high_risk"]
    assert tr.dials["seg"].max() == 1


# --------------------------------------------------------------------------- degenerate but valid


@pytest.mark.slow
def test_one_segment_fits(trace, capsys):
    def only_low(rows):
        if "segment" in rows[0]:
            k = rows[0].index("segment")
            rows[1:] = [r for r in rows[1:] if r[k] == "low_risk"]
        elif "team" in rows[0]:
            k = rows[0].index("team")
            rows[1:] = [r for r in rows[1:] if r[k] == "low_team"]

    for name in (
        "dials.csv",
        "accounts.csv",
        "promises.csv",
        "payments.csv",
        "account_events.csv",
        "shifts.csv",
    ):
        edit(trace, name, only_low)
    code, _, err = calibrate(capsys, trace)
    assert code == 0, err
    assert list(fitted(trace)["segments"]) == ["low_risk"]


@pytest.mark.slow
def test_no_promises_fits_with_a_statement(trace, capsys):
    (trace / "promises.csv").unlink()
    code, out, err = calibrate(capsys, trace)
    assert code == 0, err
    assert "segments.low_risk.promise_probability: no promises.csv" in out


def test_a_header_without_rows_is_a_clear_error(trace, capsys):
    edit(trace, "promises.csv", lambda rows: rows.__delitem__(slice(1, None)))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "promises.csv", 2, "promise_id")
    assert "no data rows after the header" in err


@pytest.mark.slow
def test_days_past_due_spread_like_a_lognormal_fit_a_living_portfolio(trace, capsys):
    rng = np.random.default_rng(1)

    def spread(rows):
        k = rows[0].index("days_past_due")
        for r in rows[1:]:
            r[k] = str(int(rng.lognormal(3, 0.8)))
        rows[1][k] = "0"  # A0, of the initial portfolio

    edit(trace, "accounts.csv", spread)
    code, out, err = calibrate(capsys, trace)
    assert code == 0, err
    dpd = fitted(trace)["segments"]["low_risk"]["days_past_due"]
    assert dpd["dist"] == "discrete" and min(dpd["values"]) >= 1
    assert "were less than 1 day past due; counted as 1" in out


@pytest.mark.slow
def test_days_without_productive_time_fit_with_a_statement(trace, capsys, daily):
    edit(
        trace,
        "shifts.csv",
        lambda rows: [r.__setitem__(rows[0].index("productive_s"), "1") for r in rows[1:]],
    )
    code, out, err = calibrate(capsys, trace)
    assert code == 0, err
    assert "unproductive minutes a day do not fit as breaks inside the 8-hour shift" in out
    edit_file(daily, lambda rows: [r.__setitem__(rows[0].index("productive_hours"), "0") for r in rows[1:]])
    code, out, err = kpi(capsys, daily)
    assert code == 0, err
    assert "(productive rate 0) do not fit as breaks inside the shift" in out


def test_an_amount_below_a_tenth_of_a_cent(trace, capsys):
    edit(trace, "promises.csv", set_cell("amount_usd", 31, "4.4e-109"))
    code, _, err = calibrate(capsys, trace)
    assert code == 2
    assert_names(err, trace, "promises.csv", 31, "amount_usd")
    assert "not 0, yet below 0.001" in err


@pytest.mark.slow
def test_durations_over_hundreds_of_orders_of_magnitude_fit(trace, capsys):
    edit(trace, "dials.csv", set_cell("talk_s", 9, "1e-300"))  # a right-party conversation
    code, out, err = calibrate(capsys, trace)
    assert code == 0, err
    talk = fitted(trace)["segments"]["low_risk"]["outcomes"]["rpc"]["talk_time_s"]
    assert talk["dist"] == "gamma" and talk["mean"] == pytest.approx(180, rel=0.2)


def test_an_outcome_model_with_no_room_for_unanswered_dials_is_made_valid():
    counts = np.zeros((7, 24, 7))
    counts[0, 9, :6] = [2, 1, 1, 1, 1, 4]
    of = flat_outcomes(counts)
    of.base = np.array([-0.1, -0.05, -0.05, 0.4, 0.3, 0.5])  # invalid + live = 1.2, as a tiny fit gave
    note = make_feasible(of)
    assert (of.base >= 0).all() and of.base.sum() == pytest.approx(1.0)
    assert of.base[3] == pytest.approx(0.4) and of.base[4] + of.base[5] == pytest.approx(0.6)
    assert "summed to 1.2, leaving nothing for the unanswered outcomes" in note
    of.answer_by_weekday[0] = 1.9  # unseen hours on Monday: 0.6 x 1.9 > 1
    note = make_feasible(of)
    assert "shrunk toward flat" in note and "(no dials there)" in note
    assert live_probabilities(of).max() <= 0.999


# ------------------------------------------------------- found by the 10,000-set fuzz (seeds 3000+)


def test_every_promise_of_one_account_fits_without_the_links(trace, capsys):
    """Promises all of one account give the covariate links a singular design: the segment keeps
    its plain rates instead of crashing (LinAlgError)."""

    def one_account(rows):
        col = rows[0].index("account_id")
        for r in rows[1:]:
            r[col] = rows[1][col]

    edit(trace, "promises.csv", one_account)
    code, _, err = calibrate(capsys, trace, "--lenient")
    assert code == 0, err
    doc = fitted(trace)
    assert "payment_usd" not in {link.get("response") for link in doc.get("calibration", {}).get("links", [])}


def test_daily_kpis_with_vanishing_productive_hours(daily, capsys):
    def tiny(rows):
        col = rows[0].index("productive_hours")
        for r in rows[1:]:
            r[col] = "1.656104218985857e-303"

    edit_file(daily, tiny)
    code, _, err = kpi(capsys, daily)
    assert code == 2 and "Traceback" not in err
    assert f"{daily}, column productive_hours: center: " in err and "dials per productive hour" in err
