"""The report's Inbound section in real headless Chromium: its figures are in the rendered page
text, its two plots are inlined, and the hour plot is drawn (not blank) in a screenshot of the
page. Runs wherever chromium is installed; in CI (CI=true) it must run."""

from __future__ import annotations

import pytest

from simulator.report.html import png_images
from tests.e2e.test_report_chromium import _report, _run
from tests.unit.test_report import page_text
from tests.unit.test_report_inbound import inbound_results

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_inbound_section_in_chromium(tmp_path):
    from matplotlib.image import imread

    doc = inbound_results()
    page = _report(tmp_path, doc)
    dom = _run(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    text, tags = page_text(dom.stdout)
    inbound = text.split("Inbound inbound calls")[1].split("Day by day and hour by hour")[0]
    sl = doc["metrics"]["center"]["service_level"]
    assert f"service level {sl['mean'] * 100:.1f}%" in inbound
    assert f"95% CI {sl['ci95_low'] * 100:.1f}% – {sl['ci95_high'] * 100:.1f}%" in inbound
    assert "By hour of arrival" in inbound and "Collector groups" in inbound
    alts = [a.get("alt") for t, a in tags if t == "img"]
    assert "inbound arrivals, service level, abandonment and ASA by hour" in alts
    assert "occupancy per collector group" in alts
    # the section alone, as Chromium draws it: the cards, tables and both plots, in colour
    from simulator.report.html import _page
    from simulator.report.inbound import inbound_html
    from simulator.report.sections import img

    images = png_images("results", doc)
    alone = tmp_path / "inbound.html"
    alone.write_text(_page("inbound", "", [inbound_html(doc, lambda n, a: img(images, n, a))]), "utf-8")
    shot = tmp_path / "shot.png"
    r = _run(tmp_path, f"--screenshot={shot}", "--window-size=1400,1800", alone.as_uri())
    assert r.returncode == 0 and shot.is_file(), r.stderr[-2000:]
    pixels = imread(shot)[:, :, :3]
    coloured = (pixels.max(axis=2) - pixels.min(axis=2)) > 0.25  # bars, not grey text or rules
    below = coloured[600:].mean()  # under the header, cards and table: the plots
    assert below > 0.03, f"only {below:.1%} of the plots' part of the page is coloured"
