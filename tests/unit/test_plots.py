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
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [
        label(x) for x in [*LAYERS, "value_per_paid_hour"]
    ]
    tg = resolve_targets(doc)
    for ax, (name, stats) in zip(
        axes, [*doc["metrics"]["segments"].items(), ("center", doc["metrics"]["center"])]
    ):
        unit = tg["center"]["center"] if name == "center" else tg["segments"][name]
        bars = ax.patches
        assert len(bars) == 6
        for bar, layer in zip(bars, [*LAYERS, "value_per_paid_hour"]):
            assert bar.get_width() == pytest.approx(mean(stats[layer]) / unit["targets"][layer])
            assert bar.get_x() == pytest.approx(-bar.get_width() / 2)  # centered: a funnel
        # target markers at +-0.5 (100% of target) on every layer
        marks = [ln for ln in ax.lines if ln.get_gid() == "target"]
        assert sorted({float(x) for ln in marks for x in ln.get_xdata()}) == [-0.5, 0.5]
        # the layers significantly below target (and only they) are named in the title and red
        flagged = unit["flagged_layers"]
        red = [
            b for b in bars if b.get_facecolor()[:3] == pytest.approx((0xC0 / 255, 0x39 / 255, 0x2B / 255))
        ]
        assert len(red) == len(flagged)
        if flagged:
            assert all(label(x) in ax.get_title() for x in flagged)
        else:
            assert (
                "on target: no significant weakness" if unit["tested"] else "not tested"
            ) in ax.get_title()
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
    ground, shaded = ax.images[0].get_array(), ax.images[1].get_array()
    hourly = doc["series"]["hourly"]
    dials = sum(np.asarray(s["dials"]) for s in hourly.values())
    rpc = sum(np.asarray(s["rpc"]) for s in hourly.values())
    rows = [d for d in range(7) if dials[d].sum() > 0]
    hours = [h for h in range(24) if dials[:, h].sum() > 0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [plots.WEEKDAYS[d] for d in rows]
    assert int(ax.get_xticklabels()[0].get_text()) == hours[0]
    assert ground.shape == shaded.shape == (len(rows), hours[-1] - hours[0] + 1)
    d0, h0 = rows[0], hours[0]
    cell = [t for t in ax.texts if t.get_position() == (0, 0)][0]
    assert cell.get_text() == f"{rpc[d0, h0] / dials[d0, h0] * 100:.0f}"
    assert "hour" in ax.get_xlabel() and "center clock" in ax.get_xlabel() and "weekday" in ax.get_ylabel()
    # a tiny run on a flat contact curve: nothing is significant, so nothing is coloured
    assert shaded.mask.all() and "no hour differs significantly" in ax.get_title()


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
    assert list(targets[0].get_xdata()) == pytest.approx(
        [tg[n]["targets"]["value_per_paid_hour"] for n in names]
    )
    grid = ax2.images[0].get_array()
    assert grid.shape == (len(names), len(LAYERS))
    boxes = [p for p in ax2.patches if p.get_gid() == "flagged"]
    assert len(boxes) == sum(len(tg[n]["flagged_layers"]) for n in names)
    for i, n in enumerate(names):
        for j, layer in enumerate(LAYERS):
            assert grid[i, j] == pytest.approx(mean(coll[n][layer]) / tg[n]["targets"][layer] * 100)
        for layer in tg[n]["flagged_layers"]:
            j = LAYERS.index(layer)
            assert any(
                b.get_x() == pytest.approx(j - 0.5) and b.get_y() == pytest.approx(i - 0.5) for b in boxes
            )


def test_league_table_teams_level(doc):
    fig = plots.league_table(doc, level="teams")
    assert sorted(t.get_text() for t in fig.axes[0].get_yticklabels()) == sorted(doc["metrics"]["teams"])


def test_daily_series_lines(doc):
    fig = plots.daily_series(doc)
    axes = fig.axes
    assert len(axes) == 5
    daily = doc["series"]["daily"]
    calling = [d for d, on in enumerate(doc["series"]["calendar"]["calling_day"]) if on]
    assert calling == [0, 1]  # two working days from a Monday
    for ax, (key, _) in zip(axes, plots.DAILY):
        lines = {ln.get_label(): ln for ln in ax.lines if not ln.get_label().startswith("_")}
        assert set(lines) == set(daily)
        for seg, ln in lines.items():
            days = calling if key in plots.CALLING else list(range(len(daily[seg][key])))
            assert list(ln.get_xdata()) == [d + 1 for d in days]
            assert list(ln.get_ydata()) == pytest.approx([daily[seg][key][d] for d in days])
        # the calling days and the payment tail are shaded apart, split after the last calling day
        spans = {
            p.get_gid(): p.get_path().get_extents().transformed(p.get_patch_transform())
            for p in ax.patches
            if p.get_gid() in ("calling", "tail")
        }
        assert set(spans) == {"calling", "tail"}
    assert axes[-1].get_xlabel() == "calendar day of the run"
    assert "2 calling days to day 2, then the payment tail" in fig._suptitle.get_text()


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
    assert list(pts[0].get_xdata()) == pytest.approx(
        [mean(doc["metrics"]["center"]["rpc_per_productive_hour"])]
    )


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


@pytest.fixture(scope="module")
def center_doc() -> dict:
    """Table 14-1, 2 replications: 24 collectors in two teams, flat contact curves."""
    from simulator import load_scenario, run_experiment
    from tests.conftest import SCENARIOS

    return run_experiment(load_scenario(SCENARIOS / "table_14_1.toml"), 2, seed=4).to_dict()


@pytest.mark.parametrize("level", ["collectors", "teams"])
def test_league_table_rows_line_up_with_their_bars(center_doc, level):
    """Each heat-map row is drawn at the height of its unit's bar and holds that unit's numbers
    (it did not: with 24 collectors, a team's row sat beside another's bar)."""
    fig = plots.league_table(center_doc, level=level)
    fig.canvas.draw()
    ax1, ax2 = fig.axes[:2]
    names = [t.get_text() for t in ax1.get_yticklabels()]
    units = center_doc["metrics"][level]
    assert len(names) == len(units) == len(ax1.patches)
    tg = resolve_targets(center_doc)[level]
    img = ax2.images[0]
    left, right, bottom, top = img.get_extent()
    rows = img.get_array().shape[0]
    for i, (name, bar) in enumerate(zip(names, ax1.patches)):
        bar_y = ax1.transData.transform((0, bar.get_y() + bar.get_height() / 2))[1]
        row_y = ax2.transData.transform((0, top + (i + 0.5) * (bottom - top) / rows))[1]
        assert bar_y == pytest.approx(row_y, abs=0.5), name
        assert bar.get_width() == pytest.approx(mean(units[name]["value_per_paid_hour"]))
        texts = sorted((t for t in ax2.texts if t.get_position()[1] == i), key=lambda t: t.get_position()[0])
        want = [f"{mean(units[name][x]) / tg[name]['targets'][x] * 100:.0f}" for x in LAYERS]
        assert [t.get_text() for t in texts] == want, name
        text_y = ax2.transData.transform(texts[0].get_position())[1]
        assert text_y == pytest.approx(bar_y, abs=0.5)


def test_heatmap_shades_nothing_on_flat_curves_and_real_patterns_on_real_ones(center_doc):
    from simulator import load_scenario, run_experiment
    from tests.conftest import SCENARIOS

    dep, sig = plots.rpc_departures(center_doc)
    assert np.isfinite(dep).sum() > 20 and not sig.any()
    fig = plots.rpc_heatmap(center_doc)
    assert fig.axes[0].images[1].get_array().mask.all() and len(fig.axes) == 1  # no colour bar
    curves = run_experiment(
        load_scenario(SCENARIOS / "campaign_time_of_day.toml", ["calendar.working_days=2"]), 2, seed=4
    ).to_dict()
    for seg in curves["series"]["hourly"]:
        dep, sig = plots.rpc_departures(curves, seg)
        assert sig.sum() >= 3
        # retired debtors answer around midday, employed ones after work
        best_hour = int(np.nanargmax(np.where(sig, dep, np.nan)) % 24)
        assert (11 <= best_hour <= 14) if seg == "retired" else (best_hour >= 17)
    fig = plots.rpc_heatmap(curves)
    ax = fig.axes[0]
    shaded = ax.images[1]
    dep, sig = plots.rpc_departures(curves)
    reach = np.abs(dep[sig]).max()
    assert shaded.get_clim() == pytest.approx((-reach, reach))  # the scale spans significant departures only
    assert (~shaded.get_array().mask).sum() == sig.sum()
