"""CSV cells a spreadsheet would run as a formula are written as text; numbers stay numbers."""

from __future__ import annotations

import csv

from simulator.base.csvcells import safe_cell, safe_row
from simulator.cli import main

from ..conftest import tiny_scenario, write_toml


def test_csv_cells_that_open_like_a_formula_are_text():
    for cell in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'):
        assert safe_cell(cell) == "'" + cell
    for cell in ("-3.5", "+2", "1e-07", "-1.5E+10", "-inf", "nan", ".5", "plain", "", "low_risk", "v000"):
        assert safe_cell(cell) == cell
    assert safe_row([-3.5, 2, None, "=x"]) == [-3.5, 2, None, "'=x"]


def test_sweep_csv_files_neutralise_text_and_keep_numbers(tmp_path, capsys):
    scen = str(write_toml(tmp_path / "s.toml", tiny_scenario(accounts=1500)))
    sw = tmp_path / "sw"
    values = '"=HYPERLINK(1)",@cmd,-2+3,"-3.5",plain'
    argv = ["sweep", scen, "--set", f"scenario.name={values}", "--set", "teams.t1.headcount=1,2", "-r", "1"]
    assert main([*argv, "-q", "--out", str(sw)]) == 0, capsys.readouterr().err
    for name in ("tidy.csv", "summary.csv"):
        with open(sw / name, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert {r["scenario.name"] for r in rows} == {"'=HYPERLINK(1)", "'@cmd", "'-2+3", "-3.5", "plain"}
        assert {r["teams.t1.headcount"] for r in rows} == {"1", "2"}
        numbers = [r["value" if name == "tidy.csv" else "mean"] for r in rows]
        assert all(x == "" or float(x) == float(x) for x in numbers)  # every value still reads as a number
