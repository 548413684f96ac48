"""Lines in a dial trace: each dial holds a line to its account from its start until the end of
its ring and talk (wrap-up is the collector's, not the line's)."""

from __future__ import annotations

import numpy as np


def overlapping_dials(tr: dict[str, np.ndarray]) -> list[tuple[int, int]]:
    """Pairs of trace rows (earlier, later) that hold a line to the same account at once: the
    later dial starts before the earlier one's ring and talk are over. Times in seconds."""
    acct, start = tr["acct"].astype(np.int64), tr["t"]
    end = start + tr["ring"] + tr["talk"]
    order = np.lexsort((end, start, acct))
    a, s, e = acct[order], start[order], end[order]
    out = []
    for i in range(1, len(order)):
        j = i - 1
        # the line open longest so far on this account (runs of one account are contiguous)
        while j >= 0 and a[j] == a[i]:
            if s[i] < e[j]:
                out.append((int(order[j]), int(order[i])))
                break
            j -= 1
    return out


def with_inbound_lines(tr: dict[str, np.ndarray], calls: list[tuple]) -> dict[str, np.ndarray]:
    """The dial trace with one more row per inbound call from an account (Recorder.inbound_calls:
    collector, account, segment, arrived s, answered s, ended s, negotiated), the call's line held from its
    arrival to its end (waiting counted as ring, talking as talk), so overlapping_dials checks
    outbound dials and inbound calls together."""
    c = np.array([x for x in calls if x[1] >= 0], dtype=float).reshape(-1, 7)[:, [0, 1, 3, 4, 5]]
    waited = np.where(np.isnan(c[:, 3]), c[:, 4], c[:, 3]) - c[:, 2]
    return {
        "acct": np.concatenate([tr["acct"], c[:, 1]]),
        "t": np.concatenate([tr["t"], c[:, 2]]),
        "ring": np.concatenate([tr["ring"], waited]),
        "talk": np.concatenate([tr["talk"], c[:, 4] - c[:, 2] - waited]),
    }


def dials_after_inbound_conversation(
    tr: dict[str, np.ndarray], calls: list[tuple]
) -> list[tuple[int, float]]:
    """(account, dial start s) of outbound dials placed after an inbound conversation with the
    account (a call answered from an open account) began, on the same calendar day."""
    day_s = 86400.0
    talked: dict[int, list[float]] = {}
    for _coll, a, _seg, _arr, ans, _end, negotiated in calls:
        if negotiated:
            talked.setdefault(int(a), []).append(ans)
    out = []
    for a, t in zip(tr["acct"].astype(np.int64).tolist(), tr["t"].tolist()):
        for ans in talked.get(a, ()):
            if ans <= t and t // day_s == ans // day_s:
                out.append((a, t))
    return out
