"""The calibration report in real headless Chromium at 1400 px: every table stays inside its card
(long method descriptions wrap) and the page needs no horizontal scrolling."""

from __future__ import annotations

import re

import pytest

from simulator.cli import main
from tests.conftest import ROOT
from tests.e2e.test_report_chromium import _run

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROBE = """<script>
window.addEventListener('load', () => {
  const out = [];
  document.querySelectorAll('section').forEach((s, i) => {
    const card = s.getBoundingClientRect();
    if (s.scrollWidth > s.clientWidth + 1)
      out.push(`section ${i} scrolls: ${s.scrollWidth} > ${s.clientWidth}`);
    s.querySelectorAll('table').forEach((t, j) => {
      const r = t.getBoundingClientRect();
      if (r.right > card.right + 0.5)
        out.push(`section ${i} table ${j}: right ${Math.round(r.right)} > card ${Math.round(card.right)}`);
    });
  });
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth) out.push(`page ${page.scrollWidth} > ${window.innerWidth}`);
  document.body.setAttribute('data-overflow', out.join('; ') || 'none');
});
</script>"""


def test_calibration_tables_fit_their_cards_at_1400_px(tmp_path, capsys):
    page = tmp_path / "cal.html"
    argv = [
        "calibrate",
        str(ROOT / "examples" / "sample_trace"),
        "--base",
        str(ROOT / "examples" / "sample_center.toml"),
    ]
    assert main([*argv, "--html", str(page)]) == 0, capsys.readouterr().err
    html = page.read_text(encoding="utf-8")
    assert 'class="text"' in html  # the long text cells this is about
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    r = _run(tmp_path, "--window-size=1400,2000", "--dump-dom", probe.as_uri())
    assert r.returncode == 0, r.stderr[-2000:]
    body = re.search(r"<body[^>]*>", r.stdout).group(0)
    assert 'data-overflow="none"' in body, body
