"""Each plot runs on real results (a tiny two-segment run) or a hand-made sweep, and its axes carry
the expected data."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from simulator.report import plots
from simulator.report.data import LAYERS, label, mean, resolve_targets
from tests.unit.test_report import real_results, sweep_doc


@pytest.fixture(scope="module")
def doc() -> dict:
    return real_results()


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_pyramid_funnel_widths_are_shares_of_target(doc):
    fig = plots.pyramid_funnel(doc)
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert [ax.get_title().split("\n")[0] for ax in axes] == ["low_risk", "high_risk", "center"]
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [label(x) for x in [*LAYERS, "value_per_paid_hour"]]
    tg = resolve_targets(doc)
    for ax, (name, stats) in zip(axes, [*doc["metrics"]["segments"].items(), ("center", doc["metrics"]["center"])]):
        unit = tg["center"]["center"] if name == "center" else tg["segments"][name]
        bars = ax.patches
        assert len(bars) == 6
        for bar, layer in zip(bars, [*LAYERS, "value_per_paid_hour"]):
            assert bar.get_width() == pytest.approx(mean(stats[layer]) / unit["targets"][layer])
            assert bar.get_x() == pytest.approx(-bar.get_width() / 2)  # centered: a funnel
        # target markers at +-0.5 (100% of target) on every layer
        marks = [ln for ln in ax.lines if ln.get_gid() == "target"]
        assert sorted({float(x) for ln in marks for x in ln.get_xdata()}) == [-0.5, 0.5]
        # the weakest layer is named in the title and drawn red
        w = unit["weakest_layer"]
        assert label(w) in ax.get_title()
        red = [b for b in bars if b.get_facecolor()[:3] == pytest.approx((0xc0 / 255, 0x39 / 255, 0x2b / 255))]
        assert len(red) == 1
        vph = mean(stats["value_per_paid_hour"])
        assert any(f"${vph:,.2f}" in t for t in _texts(ax))


def test_pyramid_funnel_without_targets(doc):
    d = {**doc, "metrics": {**doc["metrics"], "segments": {"a": doc["metrics"]["segments"]["low_risk"]}}}
    fig = plots.pyramid_funnel(d)
    assert "no targets" in fig.axes[0].get_title()
    assert not [ln for ax in fig.axes for ln in ax.lines if ln.get_gid() == "target"]


def test_rpc_heatmap_is_rpc_over_dials(doc):
    fig = plots.rpc_heatmap(doc)
    ax = fig.axes[0]
    img = ax.images[0].get_array()
    hourly = doc["series"]["hourly"]
    dials = sum(np.asarray(s["dials"]) for s in hourly.values())
    rpc = sum(np.asarray(s["rpc"]) for s in hourly.values())
    rows = [d for d in range(7) if dials[d].sum() > 0]
    hours = [h for h in range(24) if dials[:, h].sum() > 0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [plots.WEEKDAYS[d] for d in rows]
    assert int(ax.get_xticklabels()[0].get_text()) == hours[0]
    assert img.shape == (len(rows), hours[-1] - hours[0] + 1)
    d0, h0 = rows[0], hours[0]
    assert img[0, 0] == pytest.approx(rpc[d0, h0] / dials[d0, h0] * 100)
    assert "hour" in ax.get_xlabel() and "weekday" in ax.get_ylabel()


def test_rpc_heatmap_one_segment_and_missing_series(doc):
    fig = plots.rpc_heatmap(doc, segment="high_risk")
    assert "high_risk" in fig.axes[0].get_title()
    fig = plots.rpc_heatmap({k: v for k, v in doc.items() if k != "series"})
    assert "No hourly series" in _texts(fig.axes[0])[0]


def test_league_table_ranks_collectors_and_marks_weakest(doc):
    fig = plots.league_table(doc)
    ax1, ax2 = fig.axes[:2]
    coll = doc["metrics"]["collectors"]
    names = [t.get_text() for t in ax1.get_yticklabels()]
    assert sorted(names) == sorted(coll)
    widths = [b.get_width() for b in ax1.patches]
    assert widths == pytest.approx([mean(coll[n]["value_per_paid_hour"]) for n in names])
    assert widths == sorted(widths, reverse=True)
    targets = [ln for ln in ax1.lines if ln.get_marker() == "D"]
    tg = resolve_targets(doc)["collectors"]
    assert list(targets[0].get_xdata()) == pytest.approx([tg[n]["targets"]["value_per_paid_hour"] for n in names])
    grid = ax2.images[0].get_array()
    assert grid.shape == (len(names), len(LAYERS))
    boxes = [p for p in ax2.patches if p.get_gid() == "weakest"]
    assert len(boxes) == len(names)
    for i, n in enumerate(names):
        j = LAYERS.index(tg[n]["weakest_layer"])
        assert any(b.get_x() == pytest.approx(j - 0.5) and b.get_y() == pytest.approx(i - 0.5) for b in boxes)
        assert grid[i, j] == pytest.approx(mean(coll[n][LAYERS[j]]) / tg[n]["targets"][LAYERS[j]] * 100)


def test_league_table_teams_level(doc):
    fig = plots.league_table(doc, level="teams")
    assert sorted(t.get_text() for t in fig.axes[0].get_yticklabels()) == sorted(doc["metrics"]["teams"])


def test_daily_series_lines(doc):
    fig = plots.daily_series(doc)
    axes = fig.axes
    assert len(axes) == 5
    daily = doc["series"]["daily"]
    for ax, (key, _) in zip(axes, plots.DAILY):
        lines = {ln.get_label(): ln for ln in ax.lines}
        assert set(lines) == set(daily)
        for seg, ln in lines.items():
            assert list(ln.get_ydata()) == pytest.approx(daily[seg][key])
            assert list(ln.get_xdata()) == list(range(1, len(daily[seg][key]) + 1))
    assert axes[-1].get_xlabel() == "calendar day of the run"


def test_staffing_curve_with_ci_bands():
    sw = sweep_doc("staffing")
    fig = plots.staffing_curve(sw)
    ax1, ax2 = fig.axes
    line = ax1.lines[0]
    assert list(line.get_xdata()) == [4, 6, 8]
    assert list(line.get_ydata()) == pytest.approx([380, 370, 360])
    assert len(ax1.collections) == 1 and len(ax2.collections) == 1  # the CI bands
    band = ax1.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(350) and band[:, 1].max() == pytest.approx(390)
    assert list(ax2.lines[0].get_ydata()) == pytest.approx([3200, 4800, 6400])  # collected - cost
    assert "headcount" in ax1.get_xlabel() and "net value" in ax2.get_ylabel()


def test_staffing_curve_on_results_is_one_point(doc):
    fig = plots.staffing_curve(doc)
    assert list(fig.axes[0].lines[0].get_xdata()) == [len(doc["metrics"]["collectors"])]


def test_pacing_frontier_has_the_3_percent_line():
    fig = plots.pacing_frontier(sweep_doc("pacing"))
    ax = fig.axes[0]
    limit = [ln for ln in ax.lines if ln.get_label() == "3% abandon limit"]
    assert len(limit) == 1 and list(limit[0].get_ydata()) == [3.0, 3.0]
    pts = {c.get_label(): c.lines[0] for c in ax.containers if c.get_label().startswith("mode:")}
    pred = pts["mode: predictive"]
    assert list(pred.get_xdata()) == pytest.approx([9.0, 10.5])
    assert list(pred.get_ydata()) == pytest.approx([1.0, 4.5])
    assert list(pts["mode: progressive"].get_ydata()) == pytest.approx([0.0])
    assert {"ratio 1.5", "ratio 2"} <= set(_texts(ax))
    assert "abandon" in ax.get_ylabel() and "productive hour" in ax.get_xlabel()


def test_pacing_frontier_on_results(doc):
    ax = plots.pacing_frontier(doc).axes[0]
    pts = [c.lines[0] for c in ax.containers if c.get_label().startswith("mode:")]
    assert list(pts[0].get_xdata()) == pytest.approx([mean(doc["metrics"]["center"]["rpc_per_productive_hour"])])


@pytest.mark.parametrize("fmt_", ["png", "svg"])
def test_figures_save_as_png_and_svg(doc, fmt_):
    data = plots.figure_bytes(plots.rpc_heatmap(doc), fmt_)
    assert data.startswith(b"\x89PNG") if fmt_ == "png" else b"<svg" in data[:2000]


def test_no_pyplot_state(doc):
    import sys
    plots.pyramid_funnel(doc)
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt
        assert plt.get_fignums() == []
