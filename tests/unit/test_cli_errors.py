"""How the command line fails on bad input: exit code 2, a message naming the file and the key
path, never a traceback. The cases call ``simulator.cli.main`` in-process; tests/e2e/test_cli_errors.py
runs ``python -m simulator`` and ``collectsim`` as real subprocesses for the whole path."""

from __future__ import annotations

import json
import os

import pytest

from simulator.cli import main

from ..conftest import SCENARIOS, cli, tiny_scenario, write_toml


def assert_input_error(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert "internal error" not in err
    assert err.startswith("collectsim: error:"), err
    for frag in fragments:
        assert frag in err, f"{frag!r} not in stderr:\n{err}"


def bad_files(tmp_path) -> dict[str, tuple[str, list[str]]]:
    """name -> (path, fragments the error message must contain)."""
    d = tmp_path
    (d / "folder.toml").mkdir()
    (d / "latin1.toml").write_bytes('[scenario]\nname = "caf\xe9"\n'.encode("latin-1"))
    (d / "invalid.toml").write_text('[scenario]\nname = "x\n', encoding="utf-8")
    unknown = tiny_scenario()
    unknown["teams"]["t1"]["hedcount"] = 3
    write_toml(d / "unknown.toml", unknown)
    prob = tiny_scenario()
    prob["segments"]["s1"]["outcomes"]["rpc"]["probability"] = 1.3
    write_toml(d / "prob.toml", prob)
    wrong = tiny_scenario()
    wrong["teams"]["t1"]["headcount"] = "two"
    write_toml(d / "wrong_type.toml", wrong)
    return {
        "missing": (str(d / "nope.toml"), ["nope.toml", "file not found"]),
        "folder": (str(d / "folder.toml"), ["folder.toml", "is a folder"]),
        "non_utf8": (str(d / "latin1.toml"), ["latin1.toml", "not UTF-8"]),
        "invalid_toml": (str(d / "invalid.toml"), ["invalid.toml", "not valid TOML", "line 2"]),
        "unknown_key": (
            str(d / "unknown.toml"),
            ["unknown.toml", "teams.t1.hedcount", "did you mean 'headcount'"],
        ),
        "probability": (
            str(d / "prob.toml"),
            ["prob.toml", "segments.s1.outcomes.rpc.probability = 1.3", "<= 1"],
        ),
        "wrong_type": (
            str(d / "wrong_type.toml"),
            ["wrong_type.toml", "teams.t1.headcount = 'two'", "whole number"],
        ),
    }


CASES = ["missing", "folder", "non_utf8", "invalid_toml", "unknown_key", "probability", "wrong_type"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", [["validate"], ["run", "-r", "1", "-q"]])
def test_bad_scenario_exits_2_in_process(tmp_path, capsys, case, command):
    path, fragments = bad_files(tmp_path)[case]
    code, out, err = cli(capsys, *command, path)
    assert_input_error(code, out, err, *fragments)
    assert out == ""  # nothing printed before the input is known to be good


def test_every_problem_is_listed_by_validate(tmp_path, capsys):
    raw = tiny_scenario()
    raw["teams"]["t1"]["headcont"] = 2
    raw["segments"]["s1"]["keep_probability"] = 1.5
    raw["calendar"]["close_time"] = "7pm"
    path = write_toml(tmp_path / "three.toml", raw)
    code, out, err = cli(capsys, "validate", str(path))
    assert_input_error(
        code,
        out,
        err,
        "3 problem(s)",
        "teams.t1.headcont",
        "segments.s1.keep_probability",
        "calendar.close_time",
    )
    assert sum(line.startswith(str(path) + ": ") for line in err.splitlines()) == 3


def test_set_errors_exit_2(tmp_path, capsys):
    path = str(write_toml(tmp_path / "ok.toml", tiny_scenario()))
    code, out, err = cli(capsys, "validate", path, "--set", "teams.t1.hedcount=3")
    assert_input_error(
        code, out, err, "--set teams.t1.hedcount=3: teams.t1.hedcount = 3", "did you mean 'headcount'"
    )
    code, out, err = cli(capsys, "validate", path, "--set", "teams.t1.headcount")
    assert_input_error(code, out, err, "--set 'teams.t1.headcount'", "PATH=VALUE")
    code, out, err = cli(capsys, "validate", path, "--set", "teams.t1.headcount.x=1")
    assert_input_error(code, out, err, "teams.t1.headcount is a value, not a table")
    code, out, err = cli(capsys, "validate", path, "--set", "teams.t1.headcount=5")
    assert code == 0 and "5 collector(s)" in out, (out, err)


def test_bundled_scenario_validates_in_process(capsys):
    code, out, err = cli(capsys, "validate", str(SCENARIOS / "table_14_1.toml"))
    assert code == 0, err
    assert "table_14_1" in out


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["pyramid"]])
def test_help_works(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    out, err = capsys.readouterr()
    assert info.value.code == 0
    assert out.startswith("usage: collectsim")
    if command:
        assert command[0] in out.splitlines()[0]
    assert "Traceback" not in out + err


def test_pyramid_percentage_instead_of_fraction(capsys):
    code, out, err = cli(
        capsys,
        "pyramid",
        "--productive-rate",
        "0.85",
        "--contacts-per-hour",
        "10",
        "--promise-rate",
        "0.85",
        "--kept-rate",
        "65",
        "--avg-payment",
        "140",
    )
    assert_input_error(code, out, err, "kept_rate", "65", "between 0 and 1", "0.85")


def test_pyramid_ok(capsys):
    code, out, err = cli(
        capsys,
        "pyramid",
        "--productive-rate",
        "0.85",
        "--contacts-per-hour",
        "10",
        "--promise-rate",
        "0.85",
        "--kept-rate",
        "0.65",
        "--avg-payment",
        "140",
    )
    assert code == 0, err
    assert "657.475" in out


def test_bad_option_value_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "-r", "zero"])
    _, err = capsys.readouterr()
    assert info.value.code == 2
    assert "expected a whole number" in err and "Traceback" not in err


def test_run_json_is_never_overwritten_silently(tmp_path, capsys):
    path = str(write_toml(tmp_path / "tiny.toml", tiny_scenario()))
    out_json = tmp_path / "res.json"

    code, _, err = cli(capsys, "run", path, "-r", "1", "-q", "--seed", "3", "--json", str(out_json))
    assert code == 0, err
    first = out_json.read_bytes()
    assert json.loads(first)["seed"] == 3
    mtime = os.stat(out_json).st_mtime_ns

    # An existing file without --force: exit 2 before simulating, the file is kept.
    code, out, err = cli(capsys, "run", path, "-r", "1", "-q", "--seed", "4", "--json", str(out_json))
    assert_input_error(code, "", err, "res.json", "--force")
    assert out_json.read_bytes() == first and os.stat(out_json).st_mtime_ns == mtime

    # Same content with --force: exit 0, the file is left as it is.
    code, _, err = cli(
        capsys, "run", path, "-r", "1", "-q", "--seed", "3", "--json", str(out_json), "--force"
    )
    assert code == 0, err
    assert "unchanged" in err
    assert out_json.read_bytes() == first and os.stat(out_json).st_mtime_ns == mtime
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    # --force replaces it.
    code, _, err = cli(
        capsys, "run", path, "-r", "1", "-q", "--seed", "4", "--json", str(out_json), "--force"
    )
    assert code == 0, err
    assert json.loads(out_json.read_bytes())["seed"] == 4
