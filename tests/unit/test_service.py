"""Service measures at the end of a run (world/service.py): shares of the accounts still open
that were dialed, and reached, in the last 7 calendar days of calling, checked against the trace."""

from __future__ import annotations

import numpy as np

from simulator import load_scenario
from simulator.base.clock import DAY_S
from simulator.base.outcomes import RPC
from simulator.measures.metrics import replication_metrics
from simulator.world.build import World
from simulator.world.portfolio import PAID

from ..conftest import small_scenario, write_toml


def test_service_shares_match_the_dial_trace(tmp_path):
    raw = small_scenario()
    raw["calendar"]["working_days"] = 10  # two weeks: the window is the last 7 calendar days
    raw["segments"]["s1"]["accounts"] = 6000
    w = World(load_scenario(write_toml(tmp_path / "s.toml", raw)).scenario, 3, 0, trace=True)
    cnt = w.run()
    tr = w.trace_arrays()
    since = (w.calendar.last_work_day - 6) * DAY_S
    open_ = w.portfolio.status != PAID
    recent = tr["t"] >= since
    dialed = np.zeros(w.portfolio.n, bool)
    dialed[tr["acct"][recent].astype(int)] = True
    reached = np.zeros(w.portfolio.n, bool)
    reached[tr["acct"][recent & (tr["out"] == RPC)].astype(int)] = True
    assert cnt.open_accounts[0] == open_.sum() > 0
    assert cnt.attempted_7d[0] == (dialed & open_).sum()
    # a conversation ends after its dial starts: reached in the window <=> an RPC dial placed in it,
    # except a call straddling the window's first midnight
    assert abs(int(cnt.contacted_7d[0]) - int((reached & open_).sum())) <= 2
    m = replication_metrics(w.structure, cnt)
    c = m["center"]["center"]
    assert c["attempted_7d_share"] == cnt.attempted_7d[0] / cnt.open_accounts[0]
    assert 0.1 < c["attempted_7d_share"] < 1 and 0 < c["contacted_7d_share"] < c["attempted_7d_share"]
    assert c["attempts_per_account"] == len(tr["t"]) / 6000
    assert m["teams"]["t1"]["attempted_7d_share"] is None
