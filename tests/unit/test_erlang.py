"""The Erlang B, C and A calculator (simulator.measures.erlang, ``collectsim erlang``): published
figures to 4 significant digits, exact formulas, limits between the models, an independent
solution of the chain, and the agents-needed search."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.stats import poisson

from simulator.base.documents import ERLANG_SCHEMA
from simulator.measures.erlang import Traffic, agents_needed, erlang_b, erlang_c, figures, meets

from ..conftest import cli

# The worked example common to Erlang C references and calculators: 100 calls per 30 minutes (200
# an hour), 3 minutes average handle time, 80% answered within 20 s, 10 Erlangs offered. Published
# figures checked (pyworkforce, rodrigo-arenas/pyworkforce, queuing/tests/test_erlang.py, to 3
# digits): 14 agents needed; 14 agents: service level 0.888, P(wait) 0.174, occupancy 0.714;
# 15 agents: 0.941, 0.102, 0.667. The 4-digit values below agree with them and with the exact
# rational formula.
CALLS_PER_HOUR, AHT_S = 200.0, 180.0
ERLANG_C = Traffic(CALLS_PER_HOUR, AHT_S)


def exact_erlang_c(n: int, a: Fraction) -> Fraction:
    """The textbook formula in rational arithmetic: (a^n/n! n/(n-a)) / (sum_{k<n} a^k/k! + same)."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


@pytest.mark.parametrize(
    "agents,service_level,p_wait,occupancy",
    [
        (11, 0.3896, 0.6821, 0.9091),
        (13, 0.7956, 0.2853, 0.7692),
        (14, 0.8884, 0.1741, 0.7143),
        (15, 0.9415, 0.1020, 0.6667),
    ],
)
def test_erlang_c_worked_example(agents, service_level, p_wait, occupancy):
    f = figures("c", ERLANG_C, agents, target_s=20)
    assert f.offered_load == pytest.approx(10.0)
    assert f.service_level == pytest.approx(service_level, abs=5e-5)
    assert f.p_wait == pytest.approx(p_wait, abs=5e-5)
    assert f.occupancy == pytest.approx(occupancy, abs=5e-5)
    # P(wait) exactly, and the M/M/n closed forms: P(W > 20 s) = C exp(-(n mu - lambda) 20 s),
    # ASA = C / (n mu - lambda), with n mu - lambda = (n - 10) / 180 per second.
    c = float(exact_erlang_c(agents, Fraction(10)))
    assert f.p_wait == pytest.approx(c, rel=1e-12)
    assert f.service_level == pytest.approx(1 - c * math.exp(-(agents - 10) * 20 / 180), rel=1e-12)
    assert f.asa_s == pytest.approx(c * 180 / (agents - 10), rel=1e-12)


def test_erlang_c_agents_for_80_percent_in_20_s():
    assert agents_needed("c", ERLANG_C, "service_level", 0.8, target_s=20) == 14


def test_erlang_a_reference_figures():
    """Erlang A, the same calls with a mean patience of 5 minutes, 14 agents. Reference: the
    regression figures of pyworkforce's ErlangA (queuing/tests/test_abandonment.py), which solves
    the same birth-death chain and gets the service level by uniformizing the tagged caller's chain,
    another method than the incomplete beta used here: P(wait) 0.14526, P(abandon) 0.013984,
    occupancy 0.704297, mean wait of all callers 0.069919 min, 0.916792 answered within 20 s."""
    f = figures("a", Traffic(CALLS_PER_HOUR, AHT_S, 300.0), 14, target_s=20)
    assert f.p_wait == pytest.approx(0.14526, abs=5e-6)
    assert f.p_abandon == pytest.approx(0.013984, abs=5e-7)
    assert f.occupancy == pytest.approx(0.704297, abs=5e-7)
    assert f.mean_wait_s / 60 == pytest.approx(0.069919, abs=5e-7)
    assert f.service_level == pytest.approx(0.916792, abs=5e-7)


def test_erlang_b_is_the_direct_formula():
    for a in (0.3, 2.0, 10.0, 23.7):
        for n in range(1, 41):
            direct = (a**n / math.factorial(n)) / sum(a**k / math.factorial(k) for k in range(n + 1))
            assert erlang_b(n, a) == pytest.approx(direct, rel=1e-12), (n, a)
    assert erlang_b(10, 10.0) == pytest.approx(0.2146, abs=5e-5)  # Erlang B tables


def test_hundreds_of_agents_stay_finite():
    a = 900.0
    log_terms = [k * math.log(a) - math.lgamma(k + 1) for k in range(1001)]
    top = max(log_terms)
    log_b = log_terms[-1] - (top + math.log(sum(math.exp(t - top) for t in log_terms)))
    assert erlang_b(1000, a) == pytest.approx(math.exp(log_b), rel=1e-10)
    assert erlang_b(3000, 10.0) == 0.0  # 10^3000 / 3000! is below the smallest double
    big = Traffic(a * 3600 / 300, 300.0)
    c = figures("c", big, 950)
    patient = figures("a", Traffic(big.calls_per_hour, 300.0, 1e9), 950)
    assert 0 < c.p_wait < 1
    assert patient.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert patient.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert figures("c", Traffic(36.0, 1000.0), 3000).service_level == 1.0


@pytest.mark.parametrize("agents", [11, 12, 14, 17])
def test_erlang_a_tends_to_erlang_c_as_patience_grows(agents):
    c = figures("c", ERLANG_C, agents)
    a = figures("a", Traffic(CALLS_PER_HOUR, AHT_S, 1e9), agents)
    for name in ("p_wait", "service_level", "asa_s", "avg_queue_length", "occupancy"):
        assert getattr(a, name) == pytest.approx(getattr(c, name), rel=1e-5), name
    assert a.p_abandon < 1e-6


@pytest.mark.parametrize("agents", [3, 8, 10, 14])
def test_erlang_a_with_patience_equal_to_handle_time_is_poisson(agents):
    """theta = mu: every call in the system leaves at rate mu, as in M/M/inf, so the number in
    the system is Poisson(A) and a caller waits when it finds n or more there (PASTA)."""
    f = figures("a", Traffic(CALLS_PER_HOUR, AHT_S, AHT_S), agents)
    k = np.arange(200)
    p = poisson.pmf(k, 10.0)
    assert f.p_wait == pytest.approx(poisson.sf(agents - 1, 10.0), rel=1e-10)
    assert f.avg_queue_length == pytest.approx(np.sum(np.maximum(k - agents, 0) * p), rel=1e-10)
    assert f.occupancy == pytest.approx(np.sum(np.minimum(k, agents) * p) / agents, rel=1e-10)
    assert f.p_abandon == pytest.approx(f.avg_queue_length / 10.0, rel=1e-10)


def chain_solution(lam, mu, theta, n, size=400):
    """The truncated M/M/n+M generator solved as a linear system (no closed form used)."""
    q = np.zeros((size, size))
    for k in range(size - 1):
        q[k, k + 1] = lam
        q[k + 1, k] = min(k + 1, n) * mu + max(k + 1 - n, 0) * theta
    q -= np.diag(q.sum(axis=1))
    a = np.vstack([q.T, np.ones(size)])
    b = np.zeros(size + 1)
    b[-1] = 1
    return np.linalg.lstsq(a, b, rcond=None)[0]


def tagged_caller(n, mu, theta, j, t):
    """P(answered within t), E[wait; answered] for a caller finding j waiting ahead, by the matrix
    exponential of its own chain: places j..0, then absorbed as answered or hung up."""
    m = j + 3  # places 0..j, answered, hung up
    q = np.zeros((m, m))
    for i in range(j + 1):
        q[i, i - 1 if i > 0 else j + 1] = n * mu + i * theta
        q[i, j + 2] = theta
    q -= np.diag(q.sum(axis=1))
    within = expm(q * t)[j, j + 1]
    sub = q[: j + 1, : j + 1]
    fund = np.linalg.inv(-sub)  # expected time in each place
    answer = fund @ q[: j + 1, j + 1]
    wait_answered = fund @ (fund @ q[: j + 1, j + 1])  # E[T; answered] = N^2 r
    return within, answer[j], wait_answered[j]


@pytest.mark.parametrize(
    "calls_per_hour,agents,patience_s", [(200.0, 8, 60.0), (200.0, 12, 400.0), (90.0, 3, 25.0)]
)
def test_erlang_a_against_an_independent_solution(calls_per_hour, agents, patience_s):
    lam, mu, theta, t = calls_per_hour / 3600, 1 / AHT_S, 1 / patience_s, 20.0
    f = figures("a", Traffic(calls_per_hour, AHT_S, patience_s), agents, target_s=t)
    p = chain_solution(lam, mu, theta, agents)
    queue = p[agents:]
    assert f.p_wait == pytest.approx(queue.sum(), rel=1e-8)
    assert f.avg_queue_length == pytest.approx(np.dot(np.arange(queue.size), queue), rel=1e-8)
    busy = np.minimum(np.arange(p.size), agents)
    assert f.occupancy == pytest.approx(np.dot(busy, p) / agents, rel=1e-8)  # = lambda (1 - P(ab)) / n mu
    tagged = [tagged_caller(agents, mu, theta, j, t) for j in range(60)]
    within = p[:agents].sum() + sum(queue[j] * tagged[j][0] for j in range(60))
    answered = p[:agents].sum() + sum(queue[j] * tagged[j][1] for j in range(60))
    wait = sum(queue[j] * tagged[j][2] for j in range(60))
    assert f.service_level == pytest.approx(within, rel=1e-8)
    assert 1 - f.p_abandon == pytest.approx(answered, rel=1e-8)
    assert f.asa_s == pytest.approx(wait / answered, rel=1e-7)


TARGET_CASES = [
    ("c", None, "service_level", 0.8),
    ("c", None, "asa_s", 15.0),
    ("c", None, "occupancy", 0.75),
    ("a", 120.0, "service_level", 0.9),
    ("a", 120.0, "asa_s", 5.0),
    ("a", 120.0, "p_abandon", 0.02),
    ("a", 120.0, "occupancy", 0.7),
    ("b", None, "p_blocked", 0.01),
    ("b", None, "service_level", 0.995),
]


@pytest.mark.parametrize("model,patience,metric,bound", TARGET_CASES)
@pytest.mark.parametrize("calls_per_hour", [200.0, 7200.0])
def test_agents_needed_is_the_smallest_team_meeting_the_target(
    model, patience, metric, bound, calls_per_hour
):
    traffic = Traffic(calls_per_hour, AHT_S, patience)
    n = agents_needed(model, traffic, metric, bound)
    assert meets(figures(model, traffic, n), metric, bound)
    if model == "c" and n - 1 <= traffic.load:
        with pytest.raises(ValueError, match="unstable"):
            figures(model, traffic, n - 1)
    else:
        assert not meets(figures(model, traffic, n - 1), metric, bound)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(10, 10.0)
    for bad in (-1.0, 0.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="calls_per_hour"):
            Traffic(bad, 180.0)
    with pytest.raises(ValueError, match="patience_s"):
        Traffic(200.0, 180.0, -5.0)
    with pytest.raises(ValueError, match="applies to Erlang A"):
        agents_needed("c", ERLANG_C, "p_abandon", 0.05)
    with pytest.raises(ValueError, match="fraction"):
        agents_needed("c", ERLANG_C, "service_level", 80)


# The erlang document, as docs/contract.md describes it.
FIGURES = {
    k: {"type": "number"}
    for k in (
        "offered_load p_blocked p_wait p_abandon service_level asa_s mean_wait_s avg_queue_length occupancy"
    ).split()
}
DOCUMENT = {
    "type": "object",
    "required": ["schema", "model", "inputs", "offered_load_erlangs", "targets", "agents_needed", "rows"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": ERLANG_SCHEMA},
        "model": {"enum": ["a", "b", "c"]},
        "inputs": {
            "type": "object",
            "required": ["calls_per_hour", "aht_s", "patience_s", "target_s"],
            "additionalProperties": False,
            "properties": {
                "calls_per_hour": {"type": "number", "exclusiveMinimum": 0},
                "aht_s": {"type": "number", "exclusiveMinimum": 0},
                "patience_s": {"type": ["number", "null"], "exclusiveMinimum": 0},
                "target_s": {"type": "number", "minimum": 0},
            },
        },
        "offered_load_erlangs": {"type": "number"},
        "targets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["metric", "bound", "agents_needed"],
                "additionalProperties": False,
                "properties": {
                    "metric": {"enum": ["service_level", "asa_s", "p_abandon", "occupancy", "p_blocked"]},
                    "bound": {"type": "number"},
                    "agents_needed": {"type": "integer", "minimum": 1},
                },
            },
        },
        "agents_needed": {"type": ["integer", "null"]},
        "rows": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["model", "agents", "meets_targets", *FIGURES],
                "additionalProperties": False,
                "properties": {
                    "model": {"enum": ["a", "b", "c"]},
                    "agents": {"type": "integer", "minimum": 1},
                    "meets_targets": {"type": ["boolean", "null"]},
                    **FIGURES,
                },
            },
        },
    },
}


def test_cli_table_and_json_document(capsys, tmp_path):
    import jsonschema

    out_file = tmp_path / "erlang.json"
    code, out, err = cli(
        capsys,
        "erlang",
        "--calls-per-hour=200",
        "--aht-s=180",
        "--patience-s=300",
        "--agents=12-13",
        "--min-service-level=0.8",
        "--max-abandon=0.02",
        "--json",
        str(out_file),
    )
    assert code == 0, err
    assert "agents needed for every target: 14" in out
    doc = json.loads(out_file.read_text())
    jsonschema.Draft202012Validator.check_schema(DOCUMENT)
    jsonschema.Draft202012Validator(DOCUMENT).validate(doc)
    assert doc["agents_needed"] == 14
    assert [r["agents"] for r in doc["rows"]] == [12, 13, 14]
    assert [r["meets_targets"] for r in doc["rows"]] == [False, False, True]
    assert doc["rows"][2]["service_level"] == pytest.approx(0.916792, abs=5e-7)


def test_cli_erlang_c_table(capsys):
    code, out, err = cli(capsys, "erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14")
    assert code == 0, err
    assert "Erlang C" in out and "88.84" in out and "17.41" in out


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["--agents=10"], "unstable with 10 agents"),
        (["--max-abandon=0.1"], "--max-abandon applies to Erlang A only"),
        (["--min-service-level=80"], "--min-service-level: a service_level target must be a fraction"),
        (["--model=a", "--agents=12"], "needs --patience-s"),
        ([], "give --agents, a target"),
        (["--agents=12", "--target-s=-1"], "--target-s must be >= 0"),
    ],
)
def test_cli_bad_input_exits_2(capsys, argv, fragment):
    code, out, err = cli(capsys, "erlang", "--calls-per-hour=200", "--aht-s=180", *argv)
    assert code == 2
    assert err.startswith("collectsim: error:") and fragment in err, err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["--calls-per-hour=-5", "--aht-s=180"], "--calls-per-hour: expected a number > 0"),
        (["--calls-per-hour=200", "--aht-s=nan"], "--aht-s: expected a finite number"),
        (
            ["--calls-per-hour=200", "--aht-s=180", "--agents=0"],
            "--agents: expected whole numbers from 1 to 100,000",
        ),
    ],
)
def test_cli_bad_values_are_argument_errors(capsys, argv, fragment):
    with pytest.raises(SystemExit) as e:
        cli(capsys, "erlang", *argv, "--agents=14" if "--agents=0" not in argv else "--agents=0")
    assert e.value.code == 2
    assert fragment in capsys.readouterr().err


def test_cli_help_has_examples(capsys):
    with pytest.raises(SystemExit) as e:
        cli(capsys, "erlang", "--help")
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: collectsim erlang") and "examples:" in out and "calls per hour" in out


@pytest.mark.parametrize("model,patience", [("b", None), ("c", None), ("a", 30.0), ("a", 600.0)])
def test_every_target_figure_improves_with_each_agent(model, patience):
    """agents_needed bisects: each figure a target bounds must be monotone in the agents."""
    traffic = Traffic(CALLS_PER_HOUR, AHT_S, patience)
    first = 11 if model == "c" else 1
    rows = [figures(model, traffic, n) for n in range(first, 41)]
    for name in ("service_level", "asa_s", "p_abandon", "occupancy", "p_blocked", "p_wait"):
        v = np.array([getattr(f, name) for f in rows])
        sign = 1 if name == "service_level" else -1
        assert np.all(sign * np.diff(v) >= -1e-15), name


def test_an_offered_load_beyond_the_search_is_refused_at_once(capsys):
    """A target search never runs on a load no team of MAX_AGENTS meets, and a load that is not a
    finite number is bad input, not an internal error (found in review: 1e12 calls an hour ran
    on; 1e308 x 1e308 overflowed)."""
    from simulator.cli import main

    assert main(["erlang", "--calls-per-hour", "1e12", "--aht-s", "180", "--min-service-level", "0.8"]) == 2
    assert "50,000,000,000 Erlangs" in capsys.readouterr().err
    assert main(["erlang", "--calls-per-hour", "1e308", "--aht-s", "1e308", "--agents", "5"]) == 2
    err = capsys.readouterr().err
    assert "not a finite number of Erlangs" in err and "internal error" not in err
