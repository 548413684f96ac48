"""One case per scenario rule: loading fails with a ScenarioError that names the key path, the
value found and what was expected. Also: the generated scenario reference is up to date."""

from __future__ import annotations

import copy
import math

import pytest

from simulator.scenario import ScenarioError, load_scenario, parse_scenario, reference

from ..conftest import ROOT, small_scenario, tiny_scenario, write_toml

SRC = "s.toml"


def errors(raw: dict) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(raw, SRC)
    return info.value


def problem(raw: dict, path: str, *fragments: str) -> str:
    """The rendered problem at exactly ``path``; it must contain every fragment."""
    err = errors(raw)
    found = [p for p in err.problems if p.path == path]
    assert found, f"no problem at {path!r}; got:\n{err}"
    line = found[0].render(SRC)
    assert line.startswith(f"{SRC}: {path}"), line
    for frag in fragments:
        assert frag in line, f"{frag!r} not in {line!r}"
    return line


def test_small_scenario_is_valid():
    sc = parse_scenario(small_scenario(), SRC)
    assert sc.teams["t1"].headcount == 4


DELETE = object()
"""A value for ``edited``: remove the key."""


def edited(changes: dict[tuple, object]) -> dict:
    """``small_scenario`` with the value at each key path (keys and list indices) replaced, or the
    key removed where the value is ``DELETE``."""
    raw = small_scenario()
    for path, value in changes.items():
        node = raw
        for k in path[:-1]:
            node = node[k]
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = copy.deepcopy(value)
    return raw


T1 = ("teams", "t1")
S1 = ("segments", "s1")
OUTCOMES = (*S1, "outcomes")


def case(name: str, changes: dict[tuple, object], path: str, *fragments: str):
    """One rule: ``changes`` break it, and the problem reported at ``path`` contains ``fragments``."""
    return pytest.param(changes, path, fragments, id=name)


# --------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize(
    "changes, path, fragments",
    [
        case(
            "top_level",
            {("segmnts",): {}},
            "segmnts",
            "unknown key",
            "did you mean 'segments'",
            "expected one of",
        ),
        case(
            "in_team",
            {(*T1, "headcont"): 5},
            "teams.t1.headcont",
            "= 5",
            "unknown key",
            "did you mean 'headcount'",
        ),
        case(
            "in_outcome",
            {(*OUTCOMES, "rpc", "probabilty"): 0.2},
            "segments.s1.outcomes.rpc.probabilty",
            "= 0.2",
            "did you mean 'probability'",
            "ring_time_s",
        ),
        case(
            "in_distribution",
            {(*S1, "balance_usd", "sdd"): 3.0},
            "segments.s1.balance_usd.sdd",
            "= 3.0",
            "unknown key",
            "did you mean 'sd'",
            "expected one of",
            "mean",
        ),
        case(
            "in_break_entry",
            {(*T1, "breaks", 1, "lenght_min"): 15.0},
            "teams.t1.breaks[1].lenght_min",
            "did you mean 'length_min'",
        ),
    ],
)
def test_unknown_key(changes, path, fragments):
    problem(edited(changes), path, *fragments)


# --------------------------------------------------------------------------- missing and types


@pytest.mark.parametrize(
    "changes, path, fragments",
    [
        case(
            "missing_required_key",
            {(*T1, "hourly_wage_usd"): DELETE},
            "teams.t1.hourly_wage_usd",
            "missing required key",
            "number >= 0",
            "US dollars",
        ),
        case("missing_section", {("calendar",): DELETE}, "calendar", "missing required key", "table"),
        case(
            "string_where_number_expected",
            {(*T1, "headcount"): "4"},
            "teams.t1.headcount",
            "= '4'",
            "expected a whole number",
        ),
        case(
            "string_where_float_expected",
            {(*S1, "promise_probability"): "0.8"},
            "segments.s1.promise_probability",
            "= '0.8'",
            "expected a number",
        ),
        case(
            "number_where_string_expected",
            {("scenario", "name"): 5},
            "scenario.name",
            "= 5",
            "expected text",
        ),
        case(
            "bool_where_number_expected",
            {(*T1, "hourly_wage_usd"): True},
            "teams.t1.hourly_wage_usd",
            "= true",
            "expected a number",
        ),
        case(
            "bool_where_distribution_expected",
            {(*OUTCOMES, "busy", "ring_time_s"): True},
            "segments.s1.outcomes.busy.ring_time_s",
            "= true",
            "expected a number or a table",
        ),
        case(
            "list_where_table_expected",
            {(*T1, "lunch"): ["12:30", 30]},
            "teams.t1.lunch",
            '["12:30", 30]',
            "expected a table",
        ),
        case(
            "float_where_whole_number_expected",
            {("calendar", "working_days"): 2.5},
            "calendar.working_days",
            "= 2.5",
            "expected a whole number",
        ),
        case("empty_teams_table", {("teams",): {}}, "teams", "expected at least 1 entry"),
    ],
)
def test_missing_key_or_wrong_type(changes, path, fragments):
    problem(edited(changes), path, *fragments)


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    "changes, path, fragments",
    [
        case(
            "probability_above_one",
            {(*OUTCOMES, "rpc", "probability"): 1.3},
            "segments.s1.outcomes.rpc.probability",
            "= 1.3",
            "<= 1",
        ),
        case(
            "probability_below_zero",
            {(*S1, "keep_probability"): -0.1},
            "segments.s1.keep_probability",
            "= -0.1",
            ">= 0",
        ),
        case(
            "outcome_probabilities_must_sum_to_one",
            {(*OUTCOMES, "rpc", "probability"): 0.3},
            "segments.s1.outcomes",
            "sum to 1",
            "1.1",
            "rpc=0.3",
        ),
        case(
            "negative_duration_from_distribution",
            {(*OUTCOMES, "machine", "talk_time_s"): {"dist": "uniform", "low": -5.0, "high": 10.0}},
            "segments.s1.outcomes.machine.talk_time_s",
            "-5",
            "durations must be >= 0",
        ),
        case(
            "negative_balance_from_distribution",
            {(*S1, "balance_usd"): {"dist": "triangular", "low": -10.0, "mode": 0.0, "high": 5.0}},
            "segments.s1.balance_usd",
            "-10",
            "must be >= 0",
        ),
        case("headcount_negative", {(*T1, "headcount"): -1}, "teams.t1.headcount", "= -1", ">= 0"),
        case(
            "bad_clock_time_in_calendar",
            {("calendar", "open_time"): "9am"},
            "calendar.open_time",
            "'9am'",
            "HH:MM",
        ),
    ],
)
def test_value_out_of_range(changes, path, fragments):
    problem(edited(changes), path, *fragments)


@pytest.mark.parametrize("value", ["25:00", "9am", "9:00", "12:60", ""])
def test_bad_clock_time(value):
    raw = small_scenario()
    raw["teams"]["t1"]["shift_start_time"] = value
    problem(raw, "teams.t1.shift_start_time", repr(value), 'clock time "HH:MM"')


# --------------------------------------------------------------------------- shifts and breaks


@pytest.mark.parametrize(
    "changes, path, fragments",
    [
        case(
            "break_outside_the_shift",
            {(*T1, "breaks", 0, "start_time"): "08:00"},
            "teams.t1",
            "break at 08:00",
            "does not fit inside the shift 09:00-17:00",
        ),
        case(
            "break_pushed_outside_the_shift_by_stagger",
            {(*T1, "breaks", 1, "start_time"): "16:30", (*T1, "break_stagger_min"): 60.0},
            "teams.t1",
            "does not fit inside the shift",
        ),
        case(
            "overlapping_breaks",
            {(*T1, "breaks", 0, "start_time"): "12:40"},
            "teams.t1.lunch",
            "12:30",
            "overlaps break at 12:40",
            "30 min",
        ),
        case(
            "breaks_fill_the_whole_shift",
            {
                (*T1, "meeting_min_per_day"): 0.0,
                (*T1, "training_min_per_day"): 0.0,
                (*T1, "lunch"): DELETE,
                (*T1, "breaks"): [
                    {"start_time": "09:00", "length_min": 240.0},
                    {"start_time": "13:00", "length_min": 240.0},
                ],
            },
            "teams.t1.breaks",
            "fill the whole shift",
            "no productive time",
        ),
        case(
            "shift_outside_center_hours",
            {("calendar", "open_time"): "10:00"},
            "teams.t1.shift_start_time",
            "09:00-17:00",
            "outside the center's hours 10:00-21:00",
        ),
        case(
            "shift_ending_after_midnight",
            {
                (*T1, "shift_start_time"): "20:00",
                (*T1, "breaks"): [],
                (*T1, "lunch"): {"start_time": "21:00", "length_min": 30.0},
            },
            "teams.t1",
            "shift starting 20:00 for 8.0 h",
            "ends after midnight",
        ),
        case(
            "close_before_open",
            {("calendar", "open_time"): "09:00", ("calendar", "close_time"): "08:00"},
            "calendar.close_time",
            "'08:00'",
            "must be after open_time 09:00",
        ),
        case(
            "duplicate_weekdays",
            {("calendar", "weekdays"): ["mon", "tue", "mon"]},
            "calendar.weekdays",
            '["mon", "tue", "mon"]',
            "lists a day twice",
        ),
        case(
            "unknown_weekday",
            {("calendar", "weekdays"): ["mon", "funday"]},
            "calendar.weekdays[1]",
            "'funday'",
            "expected one of",
            "'sun'",
        ),
    ],
)
def test_shift_and_break_rules(changes, path, fragments):
    problem(edited(changes), path, *fragments)


# --------------------------------------------------------------------------- teams and segments


@pytest.mark.parametrize(
    "changes, path, fragments",
    [
        case(
            "team_works_unknown_segment",
            {(*T1, "segments"): ["s1", "s9"]},
            "teams.t1.segments",
            "['s9']",
            "expected names from [segments]",
            "'s1'",
        ),
        case(
            "segment_worked_by_no_team",
            {("segments", "s2"): small_scenario()["segments"]["s1"]},
            "segments.s2",
            "no team works this segment",
        ),
        case(
            "all_headcounts_zero",
            {(*T1, "headcount"): 0},
            "teams",
            "headcount 0",
            "nobody to make calls",
        ),
        case(
            "bad_segment_name",
            {
                ("segments", "s1"): DELETE,
                ("segments", "low risk"): small_scenario()["segments"]["s1"],
                (*T1, "segments"): ["low risk"],
            },
            "segments.low risk",
            "'low risk'",
            "must start with a letter",
        ),
        case("team_lists_segment_twice", {(*T1, "segments"): ["s1", "s1"]}, "teams.t1.segments", "twice"),
    ],
)
def test_team_and_segment_rules(changes, path, fragments):
    problem(edited(changes), path, *fragments)


@pytest.mark.parametrize("name", ["1team", "my team", "a.b", "x" * 65, "équipe"])
def test_bad_team_name(name):
    raw = small_scenario()
    raw["teams"][name] = raw["teams"].pop("t1")
    problem(raw, f"teams.{name}", repr(name), "must start with a letter")


# --------------------------------------------------------------------------- distributions


@pytest.mark.parametrize(
    "changes, path, fragments",
    [
        case(
            "promise_due_days_not_whole_numbers",
            {(*S1, "promise_due_days"): {"dist": "uniform", "low": 0.0, "high": 5.0}},
            "segments.s1.promise_due_days",
            '"uniform"',
            "whole numbers >= 0",
            "uniform_int",
        ),
        case(
            "promise_due_days_fractional_constant",
            {(*S1, "promise_due_days"): 2.5},
            "segments.s1.promise_due_days",
            "2.5",
            "whole numbers",
        ),
        case(
            "discrete_weights_mismatch",
            {(*S1, "promise_due_days"): {"dist": "discrete", "values": [1, 2, 3], "weights": [1, 1]}},
            "segments.s1.promise_due_days.values",
            "[1, 2, 3]",
            "3 entries but weights has 2",
        ),
        case(
            "discrete_negative_weight",
            {(*S1, "payment_usd"): {"dist": "discrete", "values": [10.0, 20.0], "weights": [1.0, -1.0]}},
            "segments.s1.payment_usd.weights",
            "[1.0, -1.0]",
            ">= 0",
        ),
        case(
            "uniform_high_below_low",
            {(*S1, "payment_usd"): {"dist": "uniform", "low": 50.0, "high": 10.0}},
            "segments.s1.payment_usd.high",
            "= 10.0",
            "must be >= low (50.0)",
        ),
        case(
            "triangular_bad_order",
            {(*S1, "payment_usd"): {"dist": "triangular", "low": 10.0, "mode": 5.0, "high": 20.0}},
            "segments.s1.payment_usd",
            "low <= mode <= high",
            "mode=5.0",
        ),
        case(
            "unknown_dist_kind",
            {(*S1, "payment_usd"): {"dist": "lognormall", "mean": 10.0, "sd": 2.0}},
            "segments.s1.payment_usd",
            '"lognormall"',
            "did you mean dist = 'lognormal'",
            "expected a number or a table with dist = one of",
        ),
        case(
            "distribution_without_dist_key",
            {(*S1, "payment_usd"): {"mean": 10.0, "sd": 2.0}},
            "segments.s1.payment_usd",
            "dist = one of",
        ),
        case(
            "distribution_missing_parameter",
            {(*S1, "payment_usd"): {"dist": "lognormal", "mean": 10.0}},
            "segments.s1.payment_usd.sd",
            "missing required key",
            "standard deviation",
        ),
        case(
            "exponential_mean_must_be_positive",
            {(*OUTCOMES, "rpc", "talk_time_s"): {"dist": "exponential", "mean": 0}},
            "segments.s1.outcomes.rpc.talk_time_s.mean",
            "= 0",
            "> 0",
        ),
        case(
            "all_outcomes_take_zero_seconds",
            {
                (*OUTCOMES, outcome, key): 0
                for outcome in small_scenario()["segments"]["s1"]["outcomes"]
                for key in ("ring_time_s", "talk_time_s", "wrap_time_s")
            },
            "segments.s1.outcomes",
            "0 seconds",
            "must take some time",
        ),
    ],
)
def test_distribution_rules(changes, path, fragments):
    problem(edited(changes), path, *fragments)


@pytest.mark.parametrize(
    "path",
    [
        ("teams", "t1", "hourly_wage_usd"),
        ("teams", "t1", "shift_length_h"),
        ("segments", "s1", "outcomes", "rpc", "probability"),
        ("segments", "s1", "outcomes", "no_answer", "ring_time_s"),
        ("segments", "s1", "payment_usd"),
        ("segments", "s1", "balance_usd", "mean"),
    ],
)
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_rejected(path, value):
    raw = edited({path: value})
    err = errors(raw)
    where = ".".join(path)
    problem(raw, where, repr(value), "finite number")
    assert len([p for p in err.problems if p.path == where]) == 1, str(err)


@pytest.mark.parametrize(
    "path, value",
    [
        (("segments", "s1", "outcomes", "rpc", "talk_time_s"), {"dist": "exponential", "mean": 1e308}),
        (("segments", "s1", "payment_usd"), {"dist": "uniform", "low": -1e308, "high": 1e308}),
        (("segments", "s1", "promise_due_days"), {"dist": "uniform_int", "low": 0, "high": 2**63}),
        (("teams", "t1", "headcount"), 10**30),
    ],
)
def test_absurdly_large_numbers_rejected(path, value):
    """They pass the range checks of their field but overflow the samplers' arithmetic."""
    raw = edited({path: value})
    err = errors(raw)
    assert any(
        "between -1e+12 and 1e+12" in p.message and p.path.startswith(".".join(path)) for p in err.problems
    ), str(err)


def test_nan_and_inf_from_a_toml_file(tmp_path):
    raw = small_scenario()
    raw["teams"]["t1"]["hourly_wage_usd"] = math.nan
    raw["segments"]["s1"]["outcomes"]["no_answer"]["ring_time_s"] = math.inf
    text = write_toml(tmp_path / "s.toml", raw).read_text()
    assert "hourly_wage_usd = nan" in text and "ring_time_s = inf" in text  # TOML's own nan and inf
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.toml")
    msg = str(info.value)
    assert "teams.t1.hourly_wage_usd = nan" in msg
    assert "segments.s1.outcomes.no_answer.ring_time_s = inf" in msg
    assert len(info.value.problems) == 2, msg


# --------------------------------------------------------------------------- many problems at once


def test_every_problem_is_listed():
    raw = small_scenario()
    raw["teams"]["t1"]["headcont"] = 4  # typo
    raw["segments"]["s1"]["keep_probability"] = 1.5  # out of range
    raw["calendar"]["open_time"] = "8am"  # bad clock time
    err = errors(raw)
    paths = sorted(p.path for p in err.problems)
    assert paths == ["calendar.open_time", "segments.s1.keep_probability", "teams.t1.headcont"], str(err)
    assert len(str(err).splitlines()) == 3
    assert all(line.startswith(SRC + ": ") for line in str(err).splitlines())


# --------------------------------------------------------------------------- --set overrides


@pytest.fixture
def scenario_file(tmp_path):
    return write_toml(tmp_path / "s.toml", tiny_scenario(collectors=4, accounts=3000))


def test_set_override_is_applied(scenario_file):
    loaded = load_scenario(
        scenario_file,
        ["teams.t1.headcount=7", "segments.s1.keep_probability=0.5", "calendar.weekdays=['mon', 'wed']"],
    )
    sc = loaded.scenario
    assert sc.teams["t1"].headcount == 7
    assert sc.segments["s1"].keep_probability == 0.5
    assert sc.calendar.weekdays == ["mon", "wed"]
    assert loaded.sha256 != load_scenario(scenario_file).sha256


def test_set_bare_word_is_text(scenario_file):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file, ["dialer.mode=telepathic"])
    assert "dialer.mode = 'telepathic'" in str(info.value)
    assert "expected one of" in str(info.value)


def test_set_unknown_path_reads_like_a_typo_blamed_on_the_set_argument(scenario_file):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file, ["teams.t1.headcont=7"])
    msg = str(info.value)
    assert "--set teams.t1.headcont=7: teams.t1.headcont = 7: unknown key; did you mean 'headcount'?" in msg
    assert str(scenario_file) not in msg  # the file is not where the typo is


def test_bad_set_values_name_the_set_argument_and_file_problems_the_file(scenario_file):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file, ["teams.t1.headcount=-1", "segments.s1.promise_probability=1.3"])
    lines = str(info.value).splitlines()
    assert lines == [
        "--set teams.t1.headcount=-1: teams.t1.headcount = -1: expected a number >= 0",
        "--set segments.s1.promise_probability=1.3: segments.s1.promise_probability = 1.3: "
        "expected a number <= 1",
    ]
    raw = small_scenario()
    raw["segments"]["s1"]["keep_probability"] = 2.0
    bad_file = write_toml(scenario_file.parent / "bad.toml", raw)
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad_file, ["teams.t1.headcount=5"])
    assert str(info.value).startswith(f"{bad_file}: segments.s1.keep_probability = 2.0")


def test_set_unknown_section(scenario_file):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file, ["dialler.mode=progressive"])
    assert "dialler" in str(info.value) and "did you mean 'dialer'" in str(info.value)


def test_set_without_equals(scenario_file):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file, ["teams.t1.headcount"])
    msg = str(info.value)
    assert "--set 'teams.t1.headcount'" in msg and "expected PATH=VALUE" in msg


def test_set_empty_path_part(scenario_file):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file, ["teams..headcount=3"])
    assert "empty part" in str(info.value)


def test_set_subkey_of_a_scalar(scenario_file):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file, ["teams.t1.headcount.value=3"])
    msg = str(info.value)
    assert "teams.t1.headcount is a value, not a table" in msg


def test_set_out_of_range_value(scenario_file):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file, ["segments.s1.outcomes.rpc.probability=1.3"])
    assert "segments.s1.outcomes.rpc.probability = 1.3: expected a number <= 1" in str(info.value)


def test_set_nan(scenario_file):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file, ["teams.t1.hourly_wage_usd=nan"])
    assert "teams.t1.hourly_wage_usd = nan" in str(info.value)


# --------------------------------------------------------------------------- the generated reference


def test_every_schema_field_has_a_description():
    missing = reference.missing_descriptions()
    assert not missing, (
        "these scenario fields have no Field(description=...); the scenario "
        f"reference needs one for each: {missing}"
    )


def test_every_cross_field_rule_is_documented():
    missing = reference.undocumented_validators()
    assert not missing, (
        "these models have a model validator but no entry in CROSS_RULES of "
        f"simulator/scenario/reference.py: {missing}"
    )


def test_reference_covers_every_key():
    text = reference.generate()
    for model in reference.walk_models():
        for name, f in model.model_fields.items():
            assert f"| `{f.alias or name}` |" in text, f"{model.__name__}.{name} not in the reference"
    for heading in [
        "`teams.<name>`",
        "`teams.<name>.breaks[]`",
        "`teams.<name>.lunch`",
        "`segments.<name>.outcomes.<outcome>`",
        "`attempts`",
        "`dialer`",
        "Distributions",
    ]:
        assert f"## {heading}" in text
    for kind in (
        "constant",
        "exponential",
        "lognormal",
        "gamma",
        "uniform",
        "uniform_int",
        "triangular",
        "discrete",
    ):
        assert f"### `{kind}`" in text


def test_reference_type_words():
    from simulator.scenario import schema

    words = {r.key: r.type for r in reference.field_rows(schema.Segment)}
    assert words["promise_probability"] == "probability 0-1"
    assert words["payment_usd"].startswith("distribution")
    assert words["accounts"].startswith("whole number")
    cal = {r.key: (r.type, r.default) for r in reference.field_rows(schema.Calendar)}
    assert cal["open_time"] == ('clock time "HH:MM"', '`"08:00"`')
    assert cal["working_days"][1] == "required"
    assert cal["start_weekday"][0].startswith('one of "mon" | "tue"')


def test_reference_doc_is_up_to_date():
    doc = ROOT / "docs" / "scenario-reference.md"
    expected = reference.generate()
    actual = doc.read_text(encoding="utf-8") if doc.exists() else ""
    assert actual == expected, (
        f"{doc} is out of date with the scenario schema; regenerate it with: {reference.REGENERATE}"
    )


@pytest.mark.parametrize(
    "arms, rule_name, path, bad",
    [
        # arms.chal.a.METRIC could not be read as a metric reference
        ({"champion": 0.5, "chal.a": 0.5}, "r1", "strategy.arms", "['chal.a']"),
        ({"champion": 0.5, "": 0.5}, "r1", "strategy.arms", "['']"),
        ({"champion": 0.5, "1st": 0.5}, "r1", "strategy.arms", "['1st']"),
        # rules..accounts in the strategy block
        ({"champion": 0.5, "challenger": 0.5}, "", "strategy.rules", "['']"),
        ({"champion": 0.5, "challenger": 0.5}, "self cure", "strategy.rules", "['self cure']"),
    ],
)
def test_bad_arm_or_rule_name(arms, rule_name, path, bad):
    raw = small_scenario()
    raw["strategy"] = {"arms": arms, "rules": [{"name": rule_name, "hold_days": 1}]}
    problem(raw, path, bad, "must start with a letter")


def test_arm_and_rule_names_like_segment_names_are_valid():
    raw = small_scenario()
    raw["strategy"] = {
        "arms": {"champion": 0.5, "chal_2-b": 0.5},
        "rules": [{"name": "Self_cure-hold2", "arms": ["chal_2-b"], "hold_days": 1}],
    }
    assert parse_scenario(raw).strategy.arm_names == ["champion", "chal_2-b"]
