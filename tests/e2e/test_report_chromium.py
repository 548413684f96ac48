"""The HTML report in real headless Chromium: the key figures are in the rendered page text and a
screenshot is not blank. Runs wherever chromium is installed; in CI (CI=true) it must run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from simulator.report.data import fmt, label, mean, resolve_targets
from tests.unit.test_report import page_text, real_results, sweep_doc

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("chromium is not installed but CI=true: .ci/run must install Debian's chromium")
    pytest.skip(
        "chromium is not installed (apt-get install chromium); the report is not checked in a browser"
    )


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [_chromium(), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def _report(tmp: Path, doc: dict, kind: str = "results") -> Path:
    from simulator.report.html import render

    out = tmp / "report.html"
    out.write_text(render(kind, doc), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """(doc, DOM text, screenshot path) of the results report rendered by Chromium."""
    tmp = tmp_path_factory.mktemp("chromium")
    doc = real_results()
    page = _report(tmp, doc)
    dom = _run(tmp, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = tmp / "shot.png"
    r = _run(tmp, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri())
    assert r.returncode == 0 and shot.is_file(), r.stderr[-2000:]
    return doc, dom.stdout, shot


def test_page_shows_key_figures(rendered):
    doc, dom, _ = rendered
    text, tags = page_text(dom)
    m = doc["metrics"]
    for seg in ("low_risk", "high_risk"):
        vph = fmt("value_per_paid_hour", mean(m["segments"][seg]["value_per_paid_hour"]))
        assert f"{seg}: value per paid hour {vph}" in text
    center = resolve_targets(doc)["center"]["center"]
    flagged = ", ".join(label(x) for x in center["flagged_layers"]) or "none"
    assert f"center: flagged layers {flagged}" in text
    assert fmt("value_per_paid_hour", mean(m["center"]["value_per_paid_hour"])) in text
    assert doc["scenario"]["file_sha256"] in text
    assert sum(1 for t, _ in tags if t == "img") >= 4


def test_screenshot_is_not_blank(rendered):
    from matplotlib.image import imread

    _, _, shot = rendered
    img = imread(shot)[:, :, :3]
    assert img.shape[0] >= 1900 and img.shape[1] >= 1100
    not_white = (img < 0.94).any(axis=2).mean()
    assert not_white > 0.05, f"only {not_white:.1%} of the screenshot is not white"
    assert img.std() > 0.05
    # the dark header band and coloured content are there
    assert img[:40].mean() < 0.5
    assert len(np.unique((img[::7, ::7] * 15).round().reshape(-1, 3), axis=0)) > 20


def test_sweep_page_in_chromium(tmp_path):
    page = _report(tmp_path, sweep_doc("staffing"), "sweep")
    dom = _run(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    text, tags = page_text(dom.stdout)
    assert "Staffing" in text and "v002" in text
    assert [a["src"][:22] for t, a in tags if t == "img"] == ["data:image/png;base64,"]
