"""Command-line values bounded before anything runs: an empty output path is an error."""

from __future__ import annotations

import pytest

from simulator.cli import build_parser, main

EMPTY = [
    ["run", "--json", ""],
    ["run", "--out", ""],
    ["run", "--trace", ""],
    ["compare", "a.toml", "--json", ""],
    ["sensitivity", "--json", ""],
    ["sweep", "a.toml", "--set", "x=1", "--out", ""],
    ["staff", "a.toml", "--team", "t", "--range", "1:2", "--out", ""],
    ["schema", "--out", ""],
    ["report", "r.json", "--html", ""],
    ["report", "r.json", "--png", ""],
    ["calibrate", "d", "--out", ""],
    ["calibrate", "d", "--html", ""],
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
