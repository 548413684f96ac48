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
