"""Reading and checking the calibration CSV files: every kind of bad data names file, row, column."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.calibrate.read.csv_table import CalibrationDataError, read_table
from simulator.calibrate.read.formats import DIALS, PROMISES, SHIFTS
from simulator.calibrate.read.trace import read_trace

HEADER = (
    "call_start,account_id,segment,tz_offset_h,collector_id,campaign,dialer_mode,outcome,"
    "ring_s,talk_s,wrap_s,abandoned"
)
ROWS = [
    "2024-01-01T09:00:00,A1,low,0,c1,main,progressive,no_answer,30,0,0,0",
    "2024-01-01T09:00:30.250,A2,low,-1,c1,main,progressive,rpc,12,180.5,40,0",
    "2024-01-01 09:05:00,A3,high,0,,main,predictive,abandoned,12,0,0,1",
]


def write(tmp_path, name, lines):
    p = tmp_path / name
    p.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    return p


def error_of(path, spec=DIALS) -> CalibrationDataError:
    with pytest.raises(CalibrationDataError) as e:
        read_table(path, spec)
    return e.value


def test_a_good_file_reads_into_typed_columns(tmp_path):
    t = read_table(write(tmp_path, "dials.csv", [HEADER, *ROWS]), DIALS)
    assert t.rows == 3
    assert t["outcome"].tolist() == [0, 5, 6]
    assert t["talk_s"].tolist() == [0.0, 180.5, 0.0]
    assert t["tz_offset_h"].tolist() == [0.0, -1.0, 0.0]
    assert t["collector_id"].tolist() == [0, 0, -1]  # empty collector: code -1
    assert t["abandoned"].tolist() == [0, 0, 1]
    ms = (t["call_start"] - np.datetime64("2024-01-01T09:00:00", "ms")).astype(np.int64).tolist()
    assert ms == [0, 30_250, 300_000]
    assert len(t.sha256) == 64


@pytest.mark.parametrize("column", ["call_start", "outcome", "ring_s", "segment"])
def test_missing_column_names_file_row_1_and_column(tmp_path, column):
    cols = HEADER.split(",")
    k = cols.index(column)
    lines = [",".join(c for i, c in enumerate(line.split(",")) if i != k) for line in [HEADER, *ROWS]]
    e = error_of(write(tmp_path, "dials.csv", lines))
    assert (e.row, e.column) == (1, column)
    assert "dials.csv, row 1, column " + column + ": missing column" in str(e)


def test_optional_columns_may_be_absent(tmp_path):
    cols = HEADER.split(",")
    keep = [
        i
        for i, c in enumerate(cols)
        if c not in ("tz_offset_h", "campaign", "dialer_mode", "abandoned", "collector_id")
    ]
    lines = [",".join(line.split(",")[i] for i in keep) for line in [HEADER, *ROWS]]
    t = read_table(write(tmp_path, "dials.csv", lines), DIALS)
    assert t.rows == 3 and not t.has("tz_offset_h")


def test_unknown_outcome_code(tmp_path):
    bad = ROWS[1].replace(",rpc,", ",RPC_OK,")
    e = error_of(write(tmp_path, "dials.csv", [HEADER, ROWS[0], bad, ROWS[2]]))
    assert (e.row, e.column) == (3, "outcome")
    assert "unknown value 'RPC_OK'" in str(e) and "no_answer, busy, machine" in str(e)


def test_negative_duration(tmp_path):
    bad = ROWS[1].replace(",180.5,", ",-3,")
    e = error_of(write(tmp_path, "dials.csv", [HEADER, ROWS[0], bad]))
    assert (e.row, e.column) == (3, "talk_s")
    assert "negative" in str(e)


def test_dates_out_of_order(tmp_path):
    e = error_of(write(tmp_path, "dials.csv", [HEADER, ROWS[1], ROWS[0], ROWS[2]]))
    assert (e.row, e.column) == (3, "call_start")
    assert "earlier than the row before" in str(e) and "non-decreasing" in str(e)


def test_empty_file_and_header_only(tmp_path):
    e = error_of(write(tmp_path, "dials.csv", []))
    assert (e.row, e.column) == (1, "call_start") and "empty" in str(e)
    e = error_of(write(tmp_path, "dials.csv", [HEADER]))
    assert (e.row, e.column) == (2, "call_start") and "no data rows" in str(e)


@pytest.mark.parametrize(
    "field,value,column,words",
    [
        (8, "abc", "ring_s", "not a number"),
        (8, "nan", "ring_s", "not a finite number"),
        (8, "", "ring_s", "empty value"),
        (0, "2024-01-01", "call_start", "not a date and time"),
        (0, "2024-13-01T09:00:00", "call_start", "not a valid date and time"),
        (0, "2024-01-01T09:00:00+01:00", "call_start", "not a valid date and time"),
        (3, "x", "tz_offset_h", "not a number"),
        (11, "2", "abandoned", "expected one of 0, 1"),
        (1, "", "account_id", "empty value"),
    ],
)
def test_unparseable_values(tmp_path, field, value, column, words):
    parts = ROWS[0].split(",")
    parts[field] = value
    e = error_of(write(tmp_path, "dials.csv", [HEADER, ",".join(parts), ROWS[1]]))
    assert (e.row, e.column) == (2, column)
    assert words in str(e)


def test_wrong_number_of_fields(tmp_path):
    e = error_of(write(tmp_path, "dials.csv", [HEADER, ROWS[0], ROWS[1] + ",extra"]))
    assert e.row == 3 and "13 fields; the header has 12" in str(e)


def test_errors_in_later_chunks_name_the_right_row(tmp_path, monkeypatch):
    import simulator.calibrate.read.csv_table as data

    monkeypatch.setattr(data, "CHUNK_ROWS", 2)
    rows = [f"2024-01-01T09:00:{i:02d},A{i},low,0,c1,m,progressive,busy,4,0,0,0" for i in range(7)]
    rows[5] = rows[5].replace(",busy,", ",bussy,")
    e = error_of(write(tmp_path, "dials.csv", [HEADER, *rows]))
    assert (e.row, e.column) == (7, "outcome")


PROMISE_HEADER = (
    "promise_id,made_at,account_id,segment,collector_id,amount_usd,due_date,kind,status,paid_usd,paid_date"
)


def test_promise_checks(tmp_path):
    good = "P1,2024-01-01T09:03:00,A2,low,c1,120,2024-01-08,promise,kept,120,2024-01-08"
    t = read_table(write(tmp_path, "promises.csv", [PROMISE_HEADER, good]), PROMISES)
    assert t["status"].tolist() == [0]
    bad_status = good.replace(",kept,", ",maybe,")
    e = error_of(write(tmp_path, "promises.csv", [PROMISE_HEADER, bad_status]), PROMISES)
    assert (e.row, e.column) == (2, "status")


def folder(tmp_path, dials=None, promises=None, shifts=None):
    tmp_path = tmp_path / f"f{len(list(tmp_path.iterdir()))}"
    tmp_path.mkdir()
    write(tmp_path, "dials.csv", [HEADER, *(dials or ROWS)])
    if promises is not None:
        write(tmp_path, "promises.csv", [PROMISE_HEADER, *promises])
    if shifts is not None:
        write(tmp_path, "shifts.csv", ["date,collector_id,team,login,logout,paid_s,productive_s", *shifts])
    return tmp_path


def test_cross_column_checks(tmp_path):
    early = "P1,2024-01-05T09:03:00,A2,low,c1,120,2024-01-04,promise,broken,,"
    with pytest.raises(CalibrationDataError) as e:
        read_trace(folder(tmp_path, promises=[early]))
    assert (e.value.row, e.value.column) == (2, "due_date") and "before the promise was made" in str(e.value)
    unpaid = "P1,2024-01-01T09:03:00,A2,low,c1,120,2024-01-04,promise,kept,120,"
    with pytest.raises(CalibrationDataError) as e:
        read_trace(folder(tmp_path, promises=[unpaid]))
    assert (e.value.row, e.value.column) == (2, "paid_date")
    backwards = "2024-01-01,c1,t1,2024-01-01T17:00:00,2024-01-01T09:00:00,28800,24480"
    with pytest.raises(CalibrationDataError) as e:
        read_trace(folder(tmp_path, shifts=[backwards]))
    assert (e.value.row, e.value.column) == (2, "logout")
    over = "2024-01-01,c1,t1,2024-01-01T09:00:00,2024-01-01T17:00:00,28800,29000"
    with pytest.raises(CalibrationDataError) as e:
        read_trace(folder(tmp_path, shifts=[over]))
    assert (e.value.row, e.value.column) == (2, "productive_s")
    odd_zone = ROWS[1].replace(",-1,", ",-1.1,")
    with pytest.raises(CalibrationDataError) as e:
        read_trace(folder(tmp_path, dials=[ROWS[0], odd_zone]))
    assert (e.value.row, e.value.column) == (3, "tz_offset_h") and "steps of 0.25" in str(e.value)
    inconsistent = ROWS[2].replace(",1", ",0")
    with pytest.raises(CalibrationDataError) as e:
        read_trace(folder(tmp_path, dials=[ROWS[0], ROWS[1], inconsistent]))
    assert (e.value.row, e.value.column) == (4, "abandoned")


def test_read_trace_joins_files_through_shared_codes(tmp_path):
    tr = read_trace(
        folder(
            tmp_path,
            promises=["P1,2024-01-01T09:03:00,A2,low,c1,120,2024-01-08,promise,kept,120,2024-01-08"],
            shifts=["2024-01-01,c1,t1,2024-01-01T09:00:00,2024-01-01T17:00:00,28800,24480"],
        )
    )
    assert tr.segments == ["low", "high"]
    assert tr.promises["account_id"][0] == tr.dials["acct"][1]  # A2 has one code across files
    assert tr.promises["due_day"][0] == 7 and tr.promises["day"][0] == 0
    assert tr.dials["t"].tolist() == [32400.0, 32430.25, 32700.0]
    assert [s.file for s in tr.sources] == ["dials.csv", "promises.csv", "shifts.csv"]
    assert tr.window(1, None).dials["t"].size == 0


def test_not_a_folder(tmp_path):
    with pytest.raises(CalibrationDataError, match="not a folder"):
        read_trace(tmp_path / "nope")
    with pytest.raises(CalibrationDataError, match="file not found"):
        read_trace(tmp_path)
    assert SHIFTS.order_by == "date"
