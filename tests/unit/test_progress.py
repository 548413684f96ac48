"""Replications are handled as they end: progress moves and sweep records land one by one, in
serial runs too; job submission is lazy and bounded."""

import io
import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from simulator import load_scenario, run_experiment
from simulator.cli import main
from simulator.experiment import replications as experiment
from simulator.experiment.executors import SerialExecutor, in_flight_limit, run_ordered

from ..conftest import tiny_scenario, write_toml


@pytest.fixture(scope="module")
def scen(tmp_path_factory):
    return write_toml(tmp_path_factory.mktemp("progress") / "s.toml", tiny_scenario(accounts=1500))


def _recording(monkeypatch, events, before=None):
    real = experiment.run_replication

    def rec(sc, seed, r):
        if before:
            before(r)
        out = real(sc, seed, r)
        events.append(("replication", r))
        return out

    monkeypatch.setattr(experiment, "run_replication", rec)


def test_a_serial_run_reports_each_replication_as_it_ends(scen, monkeypatch):
    events = []
    _recording(monkeypatch, events)
    run_experiment(load_scenario(scen), 3, 1, lambda d, t: events.append(("progress", d)))
    assert events == [
        ("replication", 0),
        ("progress", 1),
        ("replication", 1),
        ("progress", 2),
        ("replication", 2),
        ("progress", 3),
    ]


def test_a_serial_sweep_records_each_replication_before_the_next_starts(scen, tmp_path, monkeypatch):
    out = tmp_path / "o"
    lines_at_start = []
    _recording(
        monkeypatch,
        [],
        before=lambda r: lines_at_start.append(len((out / "replications.jsonl").read_text().splitlines())),
    )
    assert (
        main(["sweep", str(scen), "--set", "teams.t1.headcount=2,3", "-r", "2", "--out", str(out), "-q"]) == 0
    )
    assert lines_at_start == [0, 1, 2, 3]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("quiet", [False, True])
def test_the_bar_advances_per_replication_with_an_eta_on_a_terminal_only(scen, monkeypatch, capsys, quiet):
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    # replications longer than tqdm's redraw interval (0.1 s), as real ones are
    _recording(monkeypatch, [], before=lambda r: time.sleep(0.15))
    assert main(["run", str(scen), "-r", "3", *(["-q"] if quiet else [])]) == 0
    text = term.getvalue()
    if quiet:
        assert "replications:" not in text
        return
    shown = [n for n in ("0/3", "1/3", "2/3", "3/3") if n in text]
    assert shown == ["0/3", "1/3", "2/3", "3/3"], text
    assert "<" in text and "rep/s" in text  # elapsed<remaining (the ETA) and the rate


def test_no_bar_when_stderr_is_not_a_terminal(scen, capsys):
    assert main(["run", str(scen), "-r", "2"]) == 0
    assert "replications:" not in capsys.readouterr().err


def test_submission_is_lazy_and_bounded():
    taken = []

    def jobs():
        for i in itertools.count():
            taken.append(i)
            yield (i,)

    class Stop(Exception):
        pass

    def on_done(i, fut):
        if i == 4:
            raise Stop

    with pytest.raises(Stop):
        run_ordered(SerialExecutor(), lambda i: i, jobs(), on_done)
    assert taken == [0, 1, 2, 3, 4]  # one in flight: nothing drawn ahead of the one handled

    in_flight, peak, lock = [0], [0], threading.Lock()

    def job(i):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.005)
        with lock:
            in_flight[0] -= 1
        return i

    seen = []
    with ThreadPoolExecutor(8) as ex:
        assert in_flight_limit(ex) == 16
        n = run_ordered(
            ex, job, ((i,) for i in range(60)), lambda i, f: seen.append(f.result()), max_in_flight=3
        )
    assert n == 60 and sorted(seen) == list(range(60)) and peak[0] <= 3


def test_run_out_records_each_replication_as_it_ends_and_keeps_them_on_ctrl_c(
    scen, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "run"
    lines_at_start = []

    def before(r):
        lines_at_start.append(len((out / "replications.jsonl").read_text().splitlines()))
        if r == 3:
            raise KeyboardInterrupt

    _recording(monkeypatch, [], before=before)
    assert main(["run", str(scen), "-r", "6", "-q", "--out", str(out)]) == 130
    assert lines_at_start == [0, 1, 2, 3]
    recs = [json.loads(x) for x in (out / "replications.jsonl").read_text().splitlines()]
    assert [r["replication"] for r in recs] == [0, 1, 2] and all(r["ok"] for r in recs)
    assert f"the finished replications are in {out / 'replications.jsonl'}" in capsys.readouterr().err
