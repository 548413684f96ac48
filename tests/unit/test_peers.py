"""A collector is compared with the peers who work the same segments, never with the center
average: a team on a harder segment is not flagged for that alone, a weak collector is."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator import load_scenario, run_experiment
from simulator.measures.peers import paired_two_sided_p
from simulator.report.coaching import targets_table
from simulator.report.data import resolve_targets
from simulator.report.league import league_table
from simulator.report.sections import collectors_table
from tests.conftest import SCENARIOS

SHORT_RUN = ["calendar.working_days=8", "calendar.warmup_days=0"]
WEAK = [
    *SHORT_RUN,
    "skill_tiers.weak.promise_multiplier=0.6",
    'teams.risk_team.skill.collectors={"02" = "weak"}',
]


def _run(overrides: list[str]) -> dict:
    return run_experiment(load_scenario(SCENARIOS / "open_portfolio.toml", overrides), 4, seed=3).to_dict()


@pytest.fixture(scope="module")
def doc() -> dict:
    return _run(SHORT_RUN)


def test_paired_p_is_the_one_sample_t_test():
    d = [1.0, 2.0, 3.5, -0.5]
    assert paired_two_sided_p(d) == pytest.approx(stats.ttest_1samp(d, 0.0).pvalue, rel=1e-12)
    assert paired_two_sided_p([0.0, 1e-15, -1e-15], scale=1.0) == 1.0  # rounding is no difference
    assert paired_two_sided_p([0.25, 0.25, 0.25]) == 0.0  # a difference without spread


def test_harder_segment_is_not_a_weak_collector(doc):
    m = doc["metrics"]
    # the risk team's segment is much harder: against the center it would look weak on contacts
    center = m["center"]["rpc_per_productive_hour"]["mean"]
    risk = m["teams"]["risk_team"]["rpc_per_productive_hour"]["mean"]
    assert risk < 0.85 * center and risk < 0.75 * m["teams"]["early_team"]["rpc_per_productive_hour"]["mean"]
    block = doc["peers"]["collectors"]
    assert sorted(block) == sorted(m["collectors"])
    for cid, u in block.items():
        assert u["tested"], cid
        want = {"early_team": "early_low_risk", "risk_team": "early_high_risk"}[u["team"]]
        assert u["peers"] == 4 and u["peer_group"] == want, cid
        assert u["below"] == [] and u["above"] == [], cid
        assert u["ratio"]["rpc_per_productive_hour"] == pytest.approx(1.0, abs=0.15)
    # the league table colours nothing and says against whom
    fig = league_table(doc)
    ax2 = fig.axes[1]
    assert ax2.images[0].get_array().mask.all()
    assert "peers on the same segments" in ax2.get_title()
    assert not [p for p in ax2.patches if p.get_gid()]
    text = targets_table(doc)
    assert "against its peers" in text and "below peers: 0 collector(s)" in text


def test_weak_collector_is_flagged_below_its_peers_and_only_it():
    doc = _run(WEAK)
    block = doc["peers"]["collectors"]
    weak = block["risk_team-02"]
    assert "promise_rate" in weak["below"]
    assert weak["ratio"]["promise_rate"] == pytest.approx(0.6, abs=0.1)
    assert [c for c, u in block.items() if u["below"]] == ["risk_team-02"]
    # the median of the peers: one weak collector does not make the others look strong
    assert [c for c, u in block.items() if u["above"]] == []
    fig = league_table(doc)
    ax2 = fig.axes[1]
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    boxes = [(p.get_y() + 0.5, p.get_x() + 0.5) for p in ax2.patches if p.get_gid() == "below_peers"]
    assert (names.index("risk_team-02"), 2) in {(round(i), round(j)) for i, j in boxes}
    shown = ~np.ma.getmaskarray(ax2.images[0].get_array())
    assert shown.sum() == len(boxes)
    # the HTML collectors table flags the same layer, on that collector's row only
    rows = collectors_table(doc, resolve_targets(doc)).split("<tr>")
    flagged = [r for r in rows if 'class="low"' in r]
    assert len(flagged) == 1 and "risk_team-02" in flagged[0] and "promise rate" in flagged[0]
