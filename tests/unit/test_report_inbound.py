"""The inbound side of the tables and the report (report/inbound.py, report/inbound_plots.py):
shown with an ``[inbound]`` block and only then, the queue by hour from the block, the collector
groups from ``metrics["groups"]``."""

from __future__ import annotations

import functools
import json
import re

import pytest

from simulator import run_experiment
from simulator.base.formatting import stat_of
from simulator.report.blocks import further_blocks_html
from simulator.report.html import figures_for, render_results
from simulator.report.inbound import collector_groups, hour_stats, inbound_table
from simulator.report.table import blocks_table
from simulator.scenario import LoadedScenario, parse_scenario

from ..conftest import cli, write_toml
from .test_inbound_hours import peaked_floor
from .test_report import real_results


@functools.lru_cache(maxsize=1)
def _inbound_json() -> str:
    raw = peaked_floor()
    loaded = LoadedScenario(parse_scenario(raw), "<test>", "0" * 64, (), raw)
    return json.dumps(run_experiment(loaded, 3, 5).to_dict())


def inbound_results() -> dict:
    """A results document of the blended floor (outbound team t1, inbound desk), 3 replications."""
    return json.loads(_inbound_json())


def test_no_inbound_no_inbound_output():
    doc = real_results()
    assert inbound_table(doc) == ""
    assert "<h2>Inbound</h2>" not in render_results(doc, images={})
    assert not {"inbound_hours", "inbound_groups"} & set(figures_for("results", doc))


def test_inbound_table_center_teams_hours_groups():
    doc = inbound_results()
    text = inbound_table(doc)
    c, desk = doc["metrics"]["center"], doc["metrics"]["teams"]["desk"]
    sl = stat_of(c["service_level"], percent=True)
    line = next(x for x in text.splitlines() if x.startswith("service level ("))
    assert re.split(r"\s{2,}", line.strip())[1:] == [sl, "n/a"]  # a queue measure: none for a team
    head = text.splitlines()[0].split()
    assert head[-2:] == ["team", "desk"] and "t1" not in head  # only teams that answer calls
    assert stat_of(desk["asa_s"]) in text
    hours = [h for h, f in hour_stats(doc).items() if f["calls"]["mean"] > 0]
    assert hours == list(range(9, 16)) + [h for h in hours if h >= 16]  # the peak's hours, then retrials
    for h in hours:
        assert f"{h:02d}:00-{h + 1:02d}:00" in text
    assert "08:00-09:00" not in text  # no calls in that hour
    assert "groups derived from the teams" not in text
    groups = [line.split()[0] for line in text.split("collector group")[1].splitlines()[2:4]]
    assert groups == ["inbound", "outbound"]
    # the by-hour block is in the inbound table, not in the blocks table nor the further blocks
    assert "h09_calls" not in blocks_table(doc) and "compliance" in blocks_table(doc)
    assert "inbound by hour" not in further_blocks_html(doc)


def test_given_groups_are_shown_with_their_ci():
    doc = inbound_results()
    t = doc["metrics"]["teams"]
    doc["metrics"]["groups"] = {"outbound": t["t1"], "blend": t["desk"], "inbound": t["desk"]}
    groups = collector_groups(doc)
    assert list(groups) == ["inbound", "blend", "outbound"]
    text = inbound_table(doc)
    assert "groups derived" not in text
    rows = text.split("collector group")[1].splitlines()[2:5]
    assert [r.split()[0] for r in rows] == ["inbound", "blend", "outbound"]
    assert stat_of(t["desk"]["occupancy"], percent=True) in rows[1]


def test_report_section_and_plots():
    doc = inbound_results()
    page = render_results(doc, images={})
    section = page.split("<h2>Inbound</h2>")[1].split("</section>")[0]
    assert "By hour of arrival" in section and "Collector groups" in section
    assert "No inbound arrivals, service level, abandonment and ASA by hour plot" in section
    figs = figures_for("results", doc)
    hours_fig = figs["inbound_hours"]()
    assert len(hours_fig.axes) == 4
    bars = [p.get_height() for p in hours_fig.axes[0].patches]
    n = len([h for h, f in hour_stats(doc).items() if f["calls"]["mean"] > 0])
    # answered then abandoned bars, one per hour with calls; stacked they are the calls
    calls = [f["calls"]["mean"] for f in hour_stats(doc).values() if f["calls"]["mean"] > 0]
    assert len(bars) == 2 * n
    assert [a + b for a, b in zip(bars[:n], bars[n:])] == pytest.approx(calls)
    occ = figs["inbound_groups"]().axes[0].patches
    assert [p.get_width() for p in occ] == pytest.approx(
        [100 * g["occupancy"]["mean"] for g in collector_groups(doc).values()]
    )


def test_run_prints_the_inbound_table(tmp_path, capsys):
    path = write_toml(tmp_path / "inbound.toml", peaked_floor())
    code, out, _ = cli(capsys, "run", str(path), "-r", "2", "--out", str(tmp_path / "o"))
    assert code == 0
    assert "calls arrived (retrials included)" in out and "hour of arrival" in out
    assert "h09_calls" not in out
    summary = (tmp_path / "o" / "summary.txt").read_text()
    assert "calls arrived (retrials included)" in summary
