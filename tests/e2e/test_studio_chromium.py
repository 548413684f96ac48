"""The studio page in real headless Chromium, driven by Playwright on the system chromium (no
browser download): loaded from file://, it makes no network request and no console error, a lever
moved shows the grid's own value per paid hour for that combination, the URL hash round-trips, a
combination outside the grid says it is not simulated, the collector's day advances when played.

Set COLLECTSIM_STUDIO_SHOTS=DIR to keep the screenshots (docs/studio.md uses them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import collectsim_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HEADCOUNT = "teams.low_risk_team.headcount"
RATIO = "pacing ratio (lines per free collector)"
GRID = [f"{HEADCOUNT}=8,12", "dialer.mode=progressive,predictive", "dialer.ratio=1.1,1.5"]
SMALL = [
    "--set",
    "calendar.working_days=2",
    "--set",
    "segments.low_risk.accounts=3000",
    "--set",
    "segments.high_risk.accounts=3000",
]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("chromium is not installed but CI=true: .ci/run must install Debian's chromium")
    pytest.skip("chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """(page path, the page's data, the sweep's summary.json) of a small studio build."""
    tmp = tmp_path_factory.mktemp("studio")
    page = tmp / "studio.html"
    args = [a for lv in GRID for a in ("--lever", lv)]
    p = subprocess.run(
        [sys.executable, "-m", "simulator", "studio", *SMALL, *args, "-r", "3", "--out", str(page), "-q"],
        env=collectsim_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    html = page.read_text(encoding="utf-8")
    blob = html.split('<script id="studio-data" type="application/json">')[1].split("</script>")[0]
    data = json.loads(blob.replace("<\\/", "</"))
    summary = json.loads((tmp / "studio-sweep" / "summary.json").read_text(encoding="utf-8"))
    return page, data, summary


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _open(browser, url: str):
    """A 1366x768 page at ``url`` with its requests and console errors collected."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    seen = {"requests": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(url)
    return page, seen


def _center(summary: dict, headcount: int, mode: str, ratio: float = 1.5) -> dict:
    (v,) = [
        v
        for v in summary["variants"]
        if v["values"][HEADCOUNT] == headcount
        and v["values"]["dialer.mode"] == mode
        and v["values"]["dialer.ratio"] == ratio
    ]
    return v["metrics"]["center"]


def _vph(summary: dict, headcount: int, mode: str) -> float:
    return _center(summary, headcount, mode)["value_per_paid_hour"]["mean"]


def _shot(page, tmp_path: Path, name: str, full: bool = False) -> Path:
    out = tmp_path / f"{name}.png"
    page.screenshot(path=str(out), full_page=full)
    keep = os.environ.get("COLLECTSIM_STUDIO_SHOTS")
    if keep:
        shutil.copy(out, Path(keep) / out.name)
    return out


def test_page_is_small_and_offline(studio):
    page, data, _ = studio
    html = page.read_text(encoding="utf-8")
    assert page.stat().st_size < 3_000_000
    assert "default-src 'none'" in html
    for needle in ("http://", "https://", "<link", "src="):
        assert needle not in html.replace("http://www.w3.org/2000/svg", ""), needle
    assert len(data["cells"]) == 8
    assert [lv["path"] for lv in data["levers"]] == [HEADCOUNT, "dialer.mode", "dialer.ratio"]


def test_slider_shows_the_grids_value(studio, browser, tmp_path):
    path, data, summary = studio
    page, seen = _open(browser, path.as_uri())
    shown = float(page.get_attribute("#m-value_per_paid_hour .mean", "data-value"))
    assert shown == pytest.approx(_vph(summary, 12, "progressive"), rel=1e-5)
    slider = page.locator("#lever-0")
    slider.focus()
    page.keyboard.press("ArrowLeft")  # 12 -> 8, with the keyboard
    shown8 = float(page.get_attribute("#m-value_per_paid_hour .mean", "data-value"))
    assert shown8 == pytest.approx(_vph(summary, 8, "progressive"), rel=1e-5)
    assert shown8 != pytest.approx(shown, rel=1e-3)
    page.select_option("#lever-1", label="predictive")
    shown_p = float(page.get_attribute("#m-value_per_paid_hour .mean", "data-value"))
    assert shown_p == pytest.approx(_vph(summary, 8, "predictive"), rel=1e-5)
    text = page.inner_text("#m-value_per_paid_hour")
    assert f"{_vph(summary, 8, 'predictive'):,.2f}" in text
    # the hash carries the levers, and a fresh page opened at it shows the same setting
    url = page.url
    assert url.endswith(f"#{HEADCOUNT}=8&dialer.mode=predictive&dialer.ratio=1.5")
    _shot(page, tmp_path, "studio-levers")
    again, seen2 = _open(browser, url)
    assert again.input_value("#lever-0") == "0" and again.input_value("#lever-1") == "1"
    assert again.input_value("#lever-2") == "1"
    assert float(again.get_attribute("#m-value_per_paid_hour .mean", "data-value")) == shown_p
    assert seen["requests"] == [path.as_uri()] and seen2["requests"] == [url.split("#")[0]]
    assert seen["errors"] == [] and seen2["errors"] == []
    again.close()
    page.close()


def test_unsimulated_combination_is_said(studio, browser):
    path, _, _ = studio
    page, seen = _open(browser, path.as_uri() + f"#{HEADCOUNT}=10&dialer.mode=progressive")
    status = page.inner_text("#status")
    assert "Not simulated" in status and "10" in status
    assert page.locator("#m-value_per_paid_hour").count() == 0
    assert seen["errors"] == []
    page.close()


def test_pacing_lever_pin_in_the_hash_and_unknown_keys(studio, browser):
    path, data, summary = studio
    # a link with an unknown lever and a pinned baseline: the status names the key, the pinned
    # column is the pin's figure, the pacing ratio lever moves the abandon rate to the grid's
    link = f"#{HEADCOUNT}=8&dialer.mode=predictive&dialer.ratio=1.5&team.headcount=3&pin=12,progressive,1.5"
    page, seen = _open(browser, path.as_uri() + link)
    assert "unknown lever team.headcount ignored" in page.inner_text("#status")
    assert (
        page.inner_text("#pinned") == f"headcount of low_risk_team 12, dialer mode progressive, {RATIO} 1.5"
    )
    base = _vph(summary, 12, "progressive")
    assert f"{base:,.2f}" in page.inner_text("#m-value_per_paid_hour td:nth-child(4)")
    page.select_option("#lever-1", label="predictive")
    slider = page.locator("#lever-2")
    slider.focus()
    page.keyboard.press("ArrowLeft")  # ratio 1.5 -> 1.1
    shown = float(page.get_attribute("#m-abandon_rate .mean", "data-value"))
    assert shown == pytest.approx(_center(summary, 8, "predictive", 1.1)["abandon_rate"]["mean"], rel=1e-5)
    assert "unknown lever" not in page.inner_text("#status")  # said once, for the link
    # pin this setting: the pin goes in the hash and round-trips through a fresh page
    page.click("#pin")
    assert page.url.endswith("&dialer.ratio=1.1&pin=8,predictive,1.1")
    again, seen2 = _open(browser, page.url)
    assert again.inner_text("#pinned") == f"headcount of low_risk_team 8, dialer mode predictive, {RATIO} 1.1"
    assert again.inner_text("#m-value_per_paid_hour td:nth-child(5)").startswith(("0", "$0"))
    # the collector's day and the dialer's hour say which setting they show
    # the predictive ring is a hatched band under the bar, not the collector's time
    assert again.locator("#days svg").nth(2).locator("pattern").count() == 1
    assert again.locator("#days svg").nth(0).locator("pattern").count() == 0
    heads = again.locator("#days h3").all_inner_texts()
    assert heads[0].startswith("A: progressive dialer, collector")
    assert heads[1].endswith("10:00 to 11:00: progressive dialer")
    assert heads[2].startswith("B: predictive dialer (fixed pacing, 1.5 lines per free collector)")
    assert heads[3].endswith(": predictive dialer, fixed pacing, 1.5 lines per free collector")
    # pinning a setting that is not simulated says why
    again.goto(path.as_uri() + f"#{HEADCOUNT}=10&dialer.mode=progressive&dialer.ratio=1.5")
    again.click("#pin")
    assert "Nothing pinned: this setting was not simulated" in again.inner_text("#status")
    assert seen["errors"] == [] and seen2["errors"] == []
    again.close()
    page.close()


def test_collector_day_advances(studio, browser, tmp_path):
    path, data, _ = studio
    page, seen = _open(browser, path.as_uri())
    assert [d["mode"] for d in data["days"]] == ["progressive", "predictive"]
    before = int(page.inner_text("#day0-calls"))
    clock0 = page.inner_text("#clock-out")
    page.click("#play")
    assert page.get_attribute("#play", "aria-pressed") == "true"
    for _ in range(100):  # the page's CSP forbids eval, so no wait_for_function: poll
        page.wait_for_timeout(200)
        if page.inner_text("#day0-calls") != "0":
            break
    page.wait_for_timeout(1000)
    page.click("#play")  # pause
    after = int(page.inner_text("#day0-calls"))
    assert before == 0 and after > 0 and page.inner_text("#clock-out") != clock0
    held = page.inner_text("#day0-calls")
    page.wait_for_timeout(600)
    assert page.inner_text("#day0-calls") == held  # paused: the day does not run on
    # the counts at the end of the day are the trace's: every call of the collector's day
    page.eval_on_selector("#clock", "c => { c.value = 1000; c.dispatchEvent(new Event('input')); }")
    for n, d in enumerate(data["days"]):
        assert int(page.inner_text(f"#day{n}-calls")) == len(d["calls"])
        assert int(page.inner_text(f"#day{n}-promises")) == len(d["promises"])
    # the dialer's hour, said in words beside the chart
    for n, d in enumerate(data["days"]):
        said = page.inner_text(f"#hour{n}-summary")
        assert f"{d['hour']['dials']} dials in the hour" in said
        assert f"{sum(d['hour']['abandoned'])} abandoned" in said
    # an exercise: guess, reveal, and the answer is the grid's paired difference
    page.check("#ex-0-0")
    page.click("#ex-0 button")
    ex = data["exercises"][0]
    said = page.inner_text("#ex-0 .reveal")
    assert f"{abs(ex['diff']):,.2f}" in said and f"so the answer is: {ex['answer']} ({ex['why']})" in said
    # "Show it on the levers" sets the question's two settings and moves the focus to the status
    page.click("#ex-0 .reveal button")
    assert page.eval_on_selector("#status", "e => document.activeElement === e")
    assert page.inner_text("#pinned") == "".join(
        f"{', ' if i else ''}{lv['label']} {lv['values'][int(j)]}"
        for i, (lv, j) in enumerate(zip(data["levers"], ex["a_key"].split(",")))
    )
    _shot(page, tmp_path, "studio-page", full=True)
    assert seen["errors"] == []
    page.close()
