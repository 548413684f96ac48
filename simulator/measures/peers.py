"""Each collector against the peers who work the same segments: a harder segment is not a weak
collector.

A collector is compared with the other collectors of its peer group, the collectors whose teams
work the same set of segments (routing ``segment_teams`` or ``mapping``), or every collector
(routing ``pooled``, one shared list). In each replication the collector's layer value is paired
with the median of its peers' values in that replication (common days, common lists; the median,
so that one weak collector does not make the others look strong), so the test is a paired
two-sided Student t-test on the replication differences, with the Holm correction across every
tested collector x layer (family-wise 5%). Skill-tiered routings give each collector a segment
mix of its own, so nobody is compared there.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from scipy.special import stdtr

from .pyramid import FLAG_ALPHA, LAYERS, MIN_RPC_PER_REPLICATION, holm

__all__ = ["PEER_RULE", "peer_groups", "peers_block", "compare_with_peers", "paired_two_sided_p"]

PEER_RULE = {
    "reference": "the median of the other collectors of the peer group (teams working the same "
    "segments), replication by replication",
    "test": "paired two-sided Student t-test of the replication differences collector - peers",
    "correction": "holm",
    "alpha": FLAG_ALPHA,
    "family": "every tested collector x layer",
    "min_rpc_per_replication": MIN_RPC_PER_REPLICATION,
    "min_replications": 2,
}
"""How ``below`` and ``above`` are decided (see :data:`simulator.measures.pyramid.FLAG_RULE` for
why Holm)."""


def peer_groups(scenario: Any) -> tuple[dict[str, str], str | None]:
    """Team -> peer group name (teams working the same segments share one), and the reason nobody
    is compared (None when they are). The group is named by its segments joined with ``+``."""
    policy = scenario.routing.policy
    if policy in ("skill_tiered", "reverse_tiered"):
        return {}, f"not compared: routing {policy} gives each collector a segment mix of its own"
    out = {}
    for name, team in scenario.teams.items():
        if policy == "pooled":
            segs = list(scenario.segments)
        elif policy == "mapping":
            segs = scenario.routing.mapping.get(name, team.segments)
        else:
            segs = team.segments
        out[name] = "+".join(sorted(segs))
    return out, None


def _values(stat: Mapping[str, Any] | None) -> list[float | None]:
    return [None if v is None else float(v) for v in (stat or {}).get("values") or []]


def paired_two_sided_p(diffs: Sequence[float], scale: float = 1.0) -> float:
    """p-value of H0: the mean of ``diffs`` (independent replications) is 0, two-sided (Student t,
    n - 1 degrees of freedom). Differences within 1e-9 x ``scale`` of 0 on average count as none;
    differences without spread otherwise give 0."""
    n = len(diffs)
    mean = math.fsum(diffs) / n
    if abs(mean) <= 1e-9 * max(abs(scale), 1e-12):
        return 1.0
    var = math.fsum((d - mean) ** 2 for d in diffs) / (n - 1)
    if not var > 0 or not math.isfinite(var):
        return 0.0
    return float(2.0 * stdtr(n - 1, -abs(mean) / math.sqrt(var / n)))


def _collector_team(cid: str, teams: Sequence[str]) -> str | None:
    for name in teams:
        prefix = f"{name}-"
        if cid.startswith(prefix) and cid[len(prefix) :].isdigit():
            return name
    return None


def peers_block(scenario: Any, metrics: Mapping[str, Any], alpha: float = FLAG_ALPHA) -> dict:
    """The results' ``peers`` block: each collector against the peers of its segment mix
    (:func:`compare_with_peers` with the groups of :func:`peer_groups`)."""
    groups, why_not = peer_groups(scenario)
    coll = metrics.get("collectors") or {}
    team_of = {cid: _collector_team(cid, list(scenario.teams)) for cid in coll}
    return compare_with_peers(
        coll, {c: (t, groups.get(t) if t else None) for c, t in team_of.items()}, why_not, alpha
    )


def compare_with_peers(
    coll: Mapping[str, Mapping[str, Any]],
    group_of: Mapping[str, tuple[str | None, str | None]],
    why_not: str | None = None,
    alpha: float = FLAG_ALPHA,
    basis: str = "peers",
) -> dict:
    """Each collector of ``coll`` (collector id -> {metric: STAT}) against the others of its group
    (``group_of``: collector id -> (team, group)). Per collector: its team, peer group and number
    of peers, the mean of each layer (rates as fractions, payment in US dollars) for the collector
    (``actual``) and its peers (``reference``: the mean over replications of the peers' median),
    ``ratio`` (collector / peers), Holm-adjusted
    ``p_values``, the layers significantly ``below`` and ``above`` the peers (lowest ratio first)
    and ``tested`` / ``untested_reason``. A collector is tested with at least 2 replications,
    ``min_rpc_per_replication`` right-party contacts per replication on average and a peer."""
    members: dict[str, list[str]] = {}
    for cid, (_, group) in group_of.items():
        if group is not None:
            members.setdefault(group, []).append(cid)
    tests: dict[tuple[str, str], float] = {}
    sign: dict[tuple[str, str], float] = {}
    out: dict[str, dict] = {}
    for cid, stats in coll.items():
        team, group = group_of.get(cid, (None, None))
        peers = [p for p in members.get(group, []) if p != cid] if group else []
        u: dict[str, Any] = {
            "team": team,
            "peer_group": group,
            "peers": len(peers),
            "actual": {k: (stats.get(k) or {}).get("mean") for k in LAYERS},
            "reference": {},
            "ratio": {},
            "p_values": {},
            "below": [],
            "above": [],
            "tested": False,
            "untested_reason": why_not,
        }
        out[cid] = u
        rpc = [v for v in _values(stats.get("rpc")) if v is not None]
        if why_not is not None:
            continue
        if not peers:
            u["untested_reason"] = "not compared: no other collector works the same segments"
            continue
        for layer in LAYERS:
            own = _values(stats.get(layer))
            others = [_values(coll[p].get(layer)) for p in peers]
            ref, diffs = [], []
            for r, x in enumerate(own):
                ys = [o[r] for o in others if r < len(o) and o[r] is not None]
                if x is None or not ys:
                    continue
                y = statistics.median(ys)
                ref.append(y)
                diffs.append(x - y)
            if ref:
                m = math.fsum(ref) / len(ref)
                u["reference"][layer] = m
                a = u["actual"][layer]
                u["ratio"][layer] = a / m if a is not None and m else None
            if len(diffs) >= 2 and len(rpc) >= 2 and math.fsum(rpc) / len(rpc) >= MIN_RPC_PER_REPLICATION:
                tests[(cid, layer)] = paired_two_sided_p(diffs, scale=u["reference"][layer])
                sign[(cid, layer)] = math.fsum(diffs)
        if len(rpc) < 2:
            u["untested_reason"] = "not tested: needs at least 2 replications"
        elif math.fsum(rpc) / len(rpc) < MIN_RPC_PER_REPLICATION:
            u["untested_reason"] = (
                f"not tested: {math.fsum(rpc) / len(rpc):.0f} right-party contacts per replication, "
                f"fewer than the {MIN_RPC_PER_REPLICATION:.0f} a test needs"
            )
        else:
            u["tested"], u["untested_reason"] = True, None
    adjusted = holm(tests)
    for (cid, layer), p in adjusted.items():
        u = out[cid]
        u["p_values"][layer] = p
        if p < alpha:
            u["below" if sign[(cid, layer)] < 0 else "above"].append(layer)
    for u in out.values():
        for side in ("below", "above"):
            u[side].sort(key=lambda layer, u=u: u["ratio"].get(layer) or 0.0)
    return {"basis": basis, "rule": dict(PEER_RULE), "collectors": out}
