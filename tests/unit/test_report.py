"""The report's data handling, HTML page and ``report`` command (no browser: see
test_report_chromium.py). Results come from one tiny two-segment run shared by the report tests."""

from __future__ import annotations

import copy
import functools
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from simulator.measures.pyramid import TABLE_14_1
from simulator.report.data import (
    ReportInputError,
    check_document,
    fmt,
    label,
    load_input,
    mean,
    net_value,
    resolve_targets,
    weakest_layer,
)
from tests.conftest import small_scenario, write_toml


def two_segment_raw() -> dict:
    """low_risk and high_risk (the names of Table 14-1), one small team each, two working days."""
    raw = small_scenario(calendar__working_days=2)
    seg = raw["segments"].pop("s1")
    team = raw["teams"].pop("t1")
    team["headcount"] = 3
    seg["accounts"] = 1500
    hi = copy.deepcopy(seg)
    hi["promise_probability"], hi["keep_probability"] = 0.7, 0.5
    hi["payment_usd"] = {"dist": "lognormal", "mean": 90.0, "sd": 40.0}
    raw["segments"] = {"low_risk": seg, "high_risk": hi}
    raw["teams"] = {
        "low_risk_team": {**team, "segments": ["low_risk"]},
        "high_risk_team": {**copy.deepcopy(team), "segments": ["high_risk"]},
    }
    raw["scenario"]["name"] = "two <segments> & co"  # exercises escaping
    return raw


@functools.lru_cache(maxsize=1)
def _results_json() -> str:
    import tempfile

    from simulator import load_scenario, run_experiment

    with tempfile.TemporaryDirectory() as d:
        path = write_toml(Path(d) / "two.toml", two_segment_raw())
        return json.dumps(run_experiment(load_scenario(path), replications=2, seed=3).to_dict())


def real_results() -> dict:
    """A fresh copy of the shared results document (a real run, computed once per session)."""
    return json.loads(_results_json())


def sweep_doc(kind: str = "staffing") -> dict:
    """A hand-made sweep summary.json (schema collectsim.sweep/1)."""

    def center(vph, coll, cost, rpc_h, ab):
        def s(m, half):
            return {
                "mean": m,
                "ci95_low": m - half,
                "ci95_high": m + half,
                "values": [m - half / 2, m + half / 2],
            }

        return {
            "value_per_paid_hour": s(vph, 10.0),
            "collected": s(coll, 500.0),
            "cost": s(cost, 5.0),
            "rpc_per_productive_hour": s(rpc_h, 0.2),
            "abandon_rate": s(ab, 0.004),
        }

    if kind == "staffing":
        params = ["teams.t1.headcount"]
        variants = [
            {
                "id": f"v{i:03d}",
                "values": {"teams.t1.headcount": h},
                "metrics": {
                    "center": center(400 - 5 * h, 1000.0 * h, 200.0 * h, 7.0, 0.0),
                    "segments": {},
                    "teams": {},
                },
            }
            for i, h in enumerate((4, 6, 8))
        ]
    else:
        params = ["dialer.mode", "dialer.ratio"]
        variants = []
        for i, (mode, ratio, rpc_h, ab) in enumerate(
            [("progressive", 1.0, 7.0, 0.0), ("predictive", 1.5, 9.0, 0.01), ("predictive", 2.0, 10.5, 0.045)]
        ):
            variants.append(
                {
                    "id": f"v{i:03d}",
                    "values": {"dialer.mode": mode, "dialer.ratio": ratio},
                    "metrics": {"center": center(400, 4000, 800, rpc_h, ab), "segments": {}, "teams": {}},
                }
            )
    return {
        "schema": "collectsim.sweep/1",
        "scenario": {"name": "sw<eep>", "sha256": "ab" * 32, "file_sha256": "cd" * 32, "source": "x.toml"},
        "seed": 1,
        "replications": 2,
        "parameters": params,
        "variants": variants,
        "failed": [],
    }


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.parts.append(data)


def page_text(html: str) -> tuple[str, list[tuple[str, dict]]]:
    p = _Text()
    p.feed(html)
    return " ".join(" ".join(p.parts).split()), p.tags


# ------------------------------------------------------------------------------------------ data


def test_targets_fall_back_to_table_14_1_and_center_mix():
    doc = real_results()
    tg = resolve_targets(doc)
    assert tg["segments"]["low_risk"]["targets"]["value_per_paid_hour"] == pytest.approx(657.475)
    assert tg["segments"]["high_risk"]["targets"]["avg_payment"] == 100.0
    c = tg["center"]["center"]["targets"]
    # the center's target lies between the segments' targets on every layer
    for layer in ("rpc_per_productive_hour", "avg_payment", "value_per_paid_hour"):
        lo, hi = sorted(TABLE_14_1[s].as_dict()[layer] for s in TABLE_14_1)
        assert lo <= c[layer] <= hi
    assert tg["center"]["center"]["weakest_layer"] in c
    assert set(tg["teams"]) == {"low_risk_team", "high_risk_team"}
    assert len(tg["collectors"]) == 6


def test_targets_block_from_results_wins():
    doc = real_results()
    t = {
        k: 1.0
        for k in ("productive_rate", "rpc_per_productive_hour", "promise_rate", "kept_rate", "avg_payment")
    }
    doc["targets"] = {
        "center": {"center": {"targets": t, "weakest_layer": "kept_rate", "diagnosis": "coach <it>"}},
        "teams": {},
        "collectors": {},
    }
    tg = resolve_targets(doc)
    assert tg["center"]["center"]["weakest_layer"] == "kept_rate"
    assert tg["center"]["center"]["targets"]["value_per_paid_hour"] == 1.0
    assert "low_risk" in tg["segments"]  # segments still from Table 14-1


def test_weakest_layer_is_lowest_share_of_target():
    t = TABLE_14_1["low_risk"].as_dict()
    actual = {**t, "kept_rate": t["kept_rate"] * 0.8, "avg_payment": t["avg_payment"] * 0.9}
    assert weakest_layer(actual, t) == "kept_rate"
    assert weakest_layer({}, t) is None


def test_no_targets_for_unknown_segment_names():
    doc = real_results()
    m = doc["metrics"]
    m["segments"] = {"a" + k: v for k, v in m["segments"].items()}
    tg = resolve_targets(doc)
    assert tg == {"center": {}, "segments": {}, "teams": {}, "collectors": {}}


def test_net_value_from_replication_values():
    c = real_results()["metrics"]["center"]
    c.pop("net_value", None)
    nv = net_value(c)
    assert nv["mean"] == pytest.approx(mean(c["collected"]) - mean(c["cost"]))


@pytest.mark.parametrize(
    "doc, msg",
    [
        ([], "expected a JSON object"),
        ({"schema": "nope"}, "expected 'collectsim.results/1'"),
        ({"schema": "collectsim.results/1"}, "metrics: missing"),
        ({"schema": "collectsim.sweep/1"}, "variants: missing"),
    ],
)
def test_check_document_rejects_wrong_schema(doc, msg):
    with pytest.raises(ReportInputError, match=re.escape(msg)):
        check_document(doc, "f.json")


def test_load_input_messages(tmp_path):
    with pytest.raises(ReportInputError, match="not found"):
        load_input(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportInputError, match="not valid JSON"):
        load_input(tmp_path / "bad.json")
    with pytest.raises(ReportInputError, match="no summary.json"):
        load_input(tmp_path)
    (tmp_path / "summary.json").write_text(json.dumps(sweep_doc()), encoding="utf-8")
    assert load_input(tmp_path)[0] == "sweep"


# ------------------------------------------------------------------------------------------ HTML


def test_results_page_content_and_escaping():
    from simulator.report.html import render_results

    doc = real_results()
    doc["compliance"] = {
        "calls_outside_window": {"mean": 0.0, "ci95_low": 0.0, "ci95_high": 0.0, "values": [0.0, 0.0]},
        "worst_30_day_abandon_rate": {
            "mean": 0.02,
            "ci95_low": 0.01,
            "ci95_high": 0.03,
            "values": [0.01, 0.035],
        },
    }
    html = render_results(doc, "r<1>.json")
    text, tags = page_text(html)
    m = doc["metrics"]
    for seg in ("low_risk", "high_risk"):
        assert fmt("value_per_paid_hour", mean(m["segments"][seg]["value_per_paid_hour"])) in text
    center = resolve_targets(doc)["center"]["center"]
    flagged = ", ".join(label(x) for x in center["flagged_layers"]) or "none"
    assert f"center: flagged layers {flagged} {center['diagnosis']}" in " ".join(text.split())
    assert "Targets: results" not in text and "Targets:" not in text
    assert "two <segments> & co" in text and "<segments>" not in html  # escaped
    assert doc["scenario"]["file_sha256"] in text and str(doc["seed"]) in text
    assert "Compliance" in text and "BREACH" in text and "within limit" in text
    # self-contained: no scripts, no external references
    assert not [t for t, a in tags if t in ("script", "link", "iframe")]
    srcs = [a.get("src", "") for t, a in tags if t == "img"]
    assert len(srcs) >= 4 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "http://" not in html and "https://" not in html
    # order: center, segments, teams, collectors, compliance, provenance
    heads = [h for h in re.findall(r"<h2>(.*?)</h2>", html)]
    assert (
        heads.index("Center")
        < heads.index("Segments")
        < heads.index("Teams")
        < heads.index("Collectors")
        < heads.index("Compliance")
        < heads.index("Scenario and provenance")
    )


def test_results_page_without_optional_blocks():
    from simulator.report.html import render_results

    doc = real_results()
    doc.pop("series")
    doc.pop("compliance", None)
    doc["metrics"]["collectors"] = {}
    text, _ = page_text(render_results(doc))
    assert "No compliance block" in text and "No series" in text


@pytest.mark.parametrize("kind, heading", [("staffing", "Staffing"), ("pacing", "Dialer pacing")])
def test_sweep_page(kind, heading):
    from simulator.report.html import render_sweep

    html = render_sweep(sweep_doc(kind))
    text, tags = page_text(html)
    assert heading in text and "sw<eep>" in text and "v002" in text
    assert sum(1 for t, _ in tags if t == "img") == 1
    if kind == "pacing":  # the best variant is chosen among those within the 3% abandon limit
        assert '<tr class="value"><td>v002' not in html and '<td class="low">4.5%</td>' in html


# --------------------------------------------------------------------------------------- command


def _main(argv):
    """``collectsim report`` through register(), as the CLI will call it."""
    import argparse

    from simulator.cli import InputError
    from simulator.cli.report import register

    ap = argparse.ArgumentParser(prog="collectsim")
    register(ap.add_subparsers(dest="command"))
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except InputError as e:
        return f"error: {e}"


def test_command_writes_html_and_png_and_never_overwrites(tmp_path, monkeypatch):
    res = tmp_path / "r.json"
    res.write_text(json.dumps(real_results()), encoding="utf-8")
    out, png = tmp_path / "r.html", tmp_path / "png"
    assert _main(["report", str(res), "--html", str(out), "--png", str(png)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in png.iterdir()) == [
        "daily.png",
        "league_table.png",
        "pyramid.png",
        "rpc_heatmap.png",
    ]
    # the rest checks the overwrite rules: reuse the images drawn above instead of drawing again
    images = {p.stem: p.read_bytes() for p in png.iterdir()}
    monkeypatch.setattr("simulator.report.html.png_images", lambda kind, doc: dict(images))
    # an existing file is refused before anything is drawn, without --force; with --force, the
    # same content is left untouched and different content is replaced
    r = _main(["report", str(res), "--html", str(out)])
    assert isinstance(r, str) and "--force" in r
    mtime = out.stat().st_mtime_ns
    assert _main(["report", str(res), "--html", str(out), "--force"]) == 0
    assert out.stat().st_mtime_ns == mtime
    out.write_text("other", encoding="utf-8")
    r = _main(["report", str(res), "--html", str(out)])
    assert isinstance(r, str) and "--force" in r and out.read_text(encoding="utf-8") == "other"
    (png / "pyramid.png").write_bytes(b"x")
    assert "--force" in _main(["report", str(res), "--png", str(png)])
    assert (png / "pyramid.png").read_bytes() == b"x"
    assert _main(["report", str(res), "--html", str(out), "--png", str(png), "--force"]) == 0
    assert out.read_text(encoding="utf-8") != "other"
    assert not [p for p in tmp_path.rglob(".*.tmp")]


def test_command_sweep_folder(tmp_path):
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "summary.json").write_text(json.dumps(sweep_doc("pacing")), encoding="utf-8")
    assert (
        _main(
            [
                "report",
                str(tmp_path / "sweep"),
                "--html",
                str(tmp_path / "s.html"),
                "--png",
                str(tmp_path / "p"),
            ]
        )
        == 0
    )
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["pacing_frontier.png"]


@pytest.mark.parametrize(
    "setup, msg",
    [
        (lambda d: d / "missing.json", "not found"),
        (lambda d: (d / "x.json").write_text("[1", encoding="utf-8") and d / "x.json", "not valid JSON"),
        (
            lambda d: (d / "y.json").write_text('{"schema": "other"}', encoding="utf-8") and d / "y.json",
            "schema",
        ),
    ],
)
def test_command_bad_input_is_an_input_error(tmp_path, setup, msg):
    r = _main(["report", str(setup(tmp_path)), "--html", str(tmp_path / "o.html")])
    assert isinstance(r, str) and msg in r
    assert not (tmp_path / "o.html").exists()


def test_command_needs_an_output(tmp_path):
    res = tmp_path / "r.json"
    res.write_text(json.dumps(real_results()), encoding="utf-8")
    assert "nothing to write" in _main(["report", str(res)])
    assert "does not exist" in _main(["report", str(res), "--html", str(tmp_path / "no" / "r.html")])


def test_report_command_exits_2_on_a_missing_file(tmp_path, capsys):
    """The report command is registered, and bad input exits 2 without a traceback."""
    from simulator import cli

    args = cli.build_parser().parse_args(["report", "x.json", "--html", "y.html"])
    assert args.command == "report"
    assert cli.main(["report", str(tmp_path / "missing.json"), "--html", str(tmp_path / "o.html")]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and "Traceback" not in err


def test_breaches_are_red_at_the_top_of_the_page():
    from simulator.report.html import render_results, render_sweep

    doc = real_results()
    assert doc["breaches"] == []
    page = render_results(doc, images={})
    assert "Compliance limits exceeded" not in page
    msg = (
        "30-day abandon rate 42.8% in the worst replication (mean 42.6%; 2 of 2 over) "
        "exceeds the limit of 3.0%"
    )
    doc["breaches"] = [{"message": msg}]
    page = render_results(doc, images={})
    top = page.index('<section class="breaches">')
    assert top < page.index("<h2>Headline</h2>") and "42.8%" in page[top : page.index("<h2>Headline</h2>")]
    assert "section.breaches li{color:#b03a2e" in page
    sw = sweep_doc("staffing")
    sw["variants"][1]["breaches"] = [{"message": msg}]
    page = render_sweep(sw, images={})
    assert f"{sw['variants'][1]['id']} (" in page and page.index("breaches") < page.index("<h2>Variants</h2>")


def test_cohort_and_cash_are_labelled_in_tables_and_page():
    from simulator.report.html import render_results
    from simulator.report.table import pyramid_table, volume_table

    doc = real_results()
    vol = volume_table(doc)
    c = doc["metrics"]["center"]
    assert "collected: cohort (promises of the period, paid whenever)" in vol
    assert "collected: cash (paid by the last calling day)" in vol
    assert "value per paid hour $ (cohort)" in pyramid_table(doc)
    # no rearrangements, no costs beyond wages: their rows stay out of the table
    assert "accepted offers" not in vol and "supervision" not in vol and "ordinary" not in vol
    text, _ = page_text(render_results(doc, images={}))
    cohort, cash = fmt("collected", mean(c["collected"])), fmt("collected", mean(c["collected_in_period"]))
    assert f"collected: cohort view {cohort}" in text and f"collected: cash view {cash}" in text
    assert "Dollars and costs" in text and "collected: cash (paid by the last calling day)" in text
    assert mean(c["collected_in_period"]) < mean(c["collected"])


def test_living_portfolio_section_and_daily_plot():
    """A living portfolio's results get a Portfolio section (the ledger) and a day-by-day plot
    of open accounts, dials, contacts and dollars with the warm-up shaded; others get neither."""
    from simulator import load_scenario, run_experiment
    from simulator.report.html import figures_for, render_results
    from simulator.report.portfolio import portfolio_daily

    from ..conftest import SCENARIOS

    doc = run_experiment(
        load_scenario(SCENARIOS / "open_portfolio.toml", ["calendar.working_days=25"]), 2, 1
    ).to_dict()
    page = render_results(doc, images={})
    assert "<h2>Portfolio</h2>" in page and "owed by cured accounts" in page and "MSER-5" in page
    fig = portfolio_daily(doc)
    assert [a.get_ylabel() for a in fig.axes] == [
        "open accounts",
        "dials",
        "right-party contacts",
        "dollars received",
    ]
    warm = [p for a in fig.axes for p in a.patches if p.get_gid() == "warmup"]
    assert len(warm) == 4 and warm[0].get_x() + warm[0].get_width() == 28.5  # 20 calling days to day 27
    assert "portfolio_daily" in figures_for("results", doc)
    plain = run_experiment(
        load_scenario(SCENARIOS / "table_14_1.toml", ["calendar.working_days=1"]), 2, 1
    ).to_dict()
    assert "portfolio_daily" not in figures_for(
        "results", plain
    ) and "<h2>Portfolio</h2>" not in render_results(plain, images={})
