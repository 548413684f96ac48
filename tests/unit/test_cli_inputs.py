"""Command-line values bounded before anything runs: an empty output path is an error, the
pyramid's inputs are finite numbers, and no --help shows a doubled percent sign."""

from __future__ import annotations

import pytest

from simulator.cli import build_parser, main

EMPTY = [
    ["run", "--json", ""],
    ["run", "--out", ""],
    ["run", "--trace", ""],
    ["compare", "a.toml", "--json", ""],
    ["sensitivity", "--json", ""],
    ["erlang", "--json", ""],
    ["sweep", "a.toml", "--set", "x=1", "--out", ""],
    ["staff", "a.toml", "--team", "t", "--range", "1:2", "--out", ""],
    ["optimize", "a.toml", "--vary", "x=1,2", "--objective", "net_value", "--delta", "1", "--out", ""],
    ["schema", "--out", ""],
    ["report", "r.json", "--html", ""],
    ["report", "r.json", "--png", ""],
    ["calibrate", "d", "--out", ""],
    ["calibrate", "d", "--html", ""],
    ["studio", "--out", ""],
    ["studio", "--work", ""],
    ["test-size", "a.toml", "--metric", "collected_per_account", "--lift", "1", "--json", ""],
]


@pytest.mark.parametrize("argv", EMPTY, ids=[" ".join(a[:1] + a[-2:-1]) for a in EMPTY])
def test_an_empty_output_path_is_an_error(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {argv[-2]}: expected a path, got an empty string" in err


def test_every_output_option_refuses_an_empty_path():
    """The list above is every output option of every command."""
    found = set()
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, p in sub.choices.items():
        for a in p._actions:
            if a.option_strings and a.metavar in ("FILE", "DIR"):
                found.add((name, a.option_strings[0]))
                assert a.type.__name__ == "output_path", (name, a.option_strings)
    assert found == {(a[0], a[-2]) for a in EMPTY}


PYRAMID = {
    "--productive-rate": "0.85",
    "--contacts-per-hour": "10",
    "--promise-rate": "0.85",
    "--kept-rate": "0.65",
    "--avg-payment": "140",
}


@pytest.mark.parametrize("option", list(PYRAMID))
@pytest.mark.parametrize("bad", ["inf", "-inf", "nan", "NaN", "1e999", "infinity"])
def test_pyramid_inputs_must_be_finite(option, bad, capsys):
    argv = ["pyramid"] + [f"{k}={bad if k == option else v}" for k, v in PYRAMID.items()]
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert f"argument {option}: expected a finite number, got '{bad}'" in capsys.readouterr().err


def test_pyramid_with_finite_inputs(capsys):
    assert main(["pyramid", *[f"{k}={v}" for k, v in PYRAMID.items()]]) == 0
    assert "inf" not in capsys.readouterr().out


def test_no_help_shows_a_doubled_percent_sign(capsys):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for argv in [[], *([name] for name in sub.choices)]:
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        text = capsys.readouterr().out
        assert "%%" not in text, argv


def test_sensitivity_help_says_one_percent(capsys):
    with pytest.raises(SystemExit):
        main(["sensitivity", "--help"])
    assert "by 1% (relative)" in " ".join(capsys.readouterr().out.split())
