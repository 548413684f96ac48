"""Compact counters filled by the world; KPIs are computed from them elsewhere (metrics.py).

Each dial is appended to a small columnar log of typed arrays (a few bytes per dial, no Python
objects kept), and at the end of every calendar day the log is folded into count arrays with
``np.bincount`` and cleared, so memory does not grow with the number of dials.
"""
from __future__ import annotations

from array import array
from itertools import chain
from dataclasses import dataclass, field

import numpy as np

N_OUT = 7
"""Dial outcomes: schema.OUTCOMES plus ``abandoned`` (a live answer nobody took)."""
NO_ANSWER, BUSY, MACHINE, INVALID, THIRD_PARTY, RPC, ABANDONED = range(N_OUT)
OUTCOME_NAMES = ("no_answer", "busy", "machine", "invalid", "third_party", "rpc", "abandoned")


def float_rows(rows: list, width: int) -> np.ndarray:
    """Rows of ``width`` numbers (tuples or lists) as an (n, width) float64 array. Integers up
    to 2**53 stay exact. fromiter over the flattened rows: np.array on a list of tuples costs
    ~0.5 us a row."""
    return np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=width * len(rows)).reshape(-1, width)


class DialLog:
    """Today's dials: one entry per dial in parallel typed arrays for dials made one at a time,
    and in a second set of arrays for runs of dials of one collector or campaign row
    (ProgressiveDialer.run_of_dials, PredictiveDialer.catch_up), whose row and campaign are
    kept once per run."""

    __slots__ = ("coll", "acct", "camp", "t", "out", "ring", "talk", "wrap",
                 "r_acct", "r_t", "r_out", "r_ring", "r_talk", "r_wrap", "run_cols", "runs", "open_at")

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Empty the columns in place (the dialers keep bound ``append`` methods)."""
        if not hasattr(self, "coll"):
            self.coll = array("i")
            self.acct = array("i")
            self.camp = array("i")
            self.t = array("d")
            self.out = array("b")
            self.ring = array("d")
            self.talk = array("d")
            self.wrap = array("d")
            self.r_acct = array("i")
            self.r_t = array("d")
            self.r_out = array("b")
            self.r_ring = array("d")
            self.r_talk = array("d")
            self.r_wrap = array("d")
            # appended to once per dial of a run, in this order: acct, t, out, ring, talk, wrap
            self.run_cols = (self.r_acct.append, self.r_t.append, self.r_out.append, self.r_ring.append,
                             self.r_talk.append, self.r_wrap.append)
            self.runs: list[tuple[int, int, int]] = []  # (coll, camp, number of dials) per run
            self.open_at = -1
            return
        for col in (self.coll, self.acct, self.camp, self.t, self.out, self.ring, self.talk, self.wrap,
                    self.r_acct, self.r_t, self.r_out, self.r_ring, self.r_talk, self.r_wrap):
            del col[:]
        self.runs.clear()

    def __len__(self) -> int:
        return len(self.out) + len(self.r_out)

    def begin_run(self) -> None:
        """A run starts: its dials are appended through ``run_cols`` until ``end_run``."""
        if self.open_at >= 0:   # two runs at once would mix their dials
            raise RuntimeError("runs of the dial log cannot nest")
        self.open_at = len(self.r_out)

    def end_run(self, coll: int, camp: int) -> int:
        """The run of collector row ``coll`` in campaign ``camp`` is over; returns its dials."""
        n = len(self.r_out) - self.open_at
        self.open_at = -1
        if n:
            self.runs.append((coll, camp, n))
        return n

    def to_numpy(self) -> dict[str, np.ndarray]:
        """Today's dials as numpy columns, in time order (copies: nothing here outlives a
        ``clear()``)."""
        # frombuffer + copy is a memcpy; np.array(array.array) would walk the items one by one.
        # A view lives only inside this expression, so no buffer export outlasts the call (one
        # still alive, say in a profiler's frame, would stop clear() from emptying the arrays).
        dtypes = {"coll": np.int32, "acct": np.int32, "camp": np.int32, "t": np.float64, "out": np.int8,
                  "ring": np.float64, "talk": np.float64, "wrap": np.float64}
        cols = {k: np.frombuffer(getattr(self, k), dtype=d).copy() for k, d in dtypes.items()}
        if self.runs:
            meta = np.array(self.runs, dtype=np.int64)
            runs = {"coll": np.repeat(meta[:, 0], meta[:, 2]).astype(np.int32),
                    "camp": np.repeat(meta[:, 1], meta[:, 2]).astype(np.int32)}
            # (views again only inside the expression)
            cols = {k: np.concatenate([cols[k], runs[k] if k in runs else
                                       np.frombuffer(getattr(self, "r_" + k), dtype=d)]) for k, d in dtypes.items()}
        order = np.argsort(cols["t"], kind="stable")
        return {k: v[order] for k, v in cols.items()}


@dataclass
class Counters:
    """Everything a replication measured. Times are in seconds, money in US dollars.

    Shapes: R rows = C collectors then K campaign rows (predictive calls no collector took),
    S segments, D calendar days (calling days and the days after them until every promise is
    resolved), 7 outcomes in ``OUTCOME_NAMES`` order. Per-collector time arrays have R entries
    (campaign rows stay 0).
    """
    dials: np.ndarray          # (R, S, 7) dials by outcome
    handle_s: np.ndarray       # (R, S, 3) ring, talk, wrap seconds
    promises: np.ndarray       # (C, S)
    promised_usd: np.ndarray   # (C, S)
    kept: np.ndarray           # (C, S)
    broken: np.ndarray         # (C, S)
    collected: np.ndarray      # (C, S) dollars paid on kept promises
    paid_s: np.ndarray         # (C,) logged-in time from shift start to logout
    productive_s: np.ndarray   # (C,) paid time less breaks, lunch, meetings, training
    idle_s: np.ndarray         # (C,) productive time with no account to dial
    daily_dials: np.ndarray    # (S, D, 6)
    daily_promises: np.ndarray  # (S, D) by day made
    daily_kept: np.ndarray     # (S, D) by due day
    daily_collected: np.ndarray  # (S, D) by due day
    hourly_dials: np.ndarray   # (S, 7, 24, 7) by weekday and hour of the dial (center clock)
    accounts_dialed: np.ndarray  # (S,) accounts dialed at least once
    accounts: np.ndarray       # (S,) accounts in the portfolio
    campaign_live: np.ndarray  # (K, D) live answers (rpc + third party + abandoned) per day
    campaign_abandoned: np.ndarray  # (K, D)
    events: int = 0            # SimPy events processed
    reminders_reached: int = 0  # promise-confirmation calls that reached the debtor
    blocks: dict = field(default_factory=dict)  # extra scalar groups, e.g. {"compliance": {...}}
    series: dict = field(default_factory=dict)  # extra per-day series of the special tasks, e.g. {"tracking": {...}}

    @classmethod
    def zeros(cls, n_rows: int, n_seg: int, n_days: int, n_camp: int) -> "Counters":
        f = lambda *shape: np.zeros(shape, dtype=float)  # noqa: E731
        i = lambda *shape: np.zeros(shape, dtype=np.int64)  # noqa: E731
        return cls(i(n_rows, n_seg, N_OUT), f(n_rows, n_seg, 3), i(n_rows, n_seg), f(n_rows, n_seg),
                   i(n_rows, n_seg), i(n_rows, n_seg), f(n_rows, n_seg), f(n_rows), f(n_rows), f(n_rows),
                   i(n_seg, n_days, N_OUT), i(n_seg, n_days), i(n_seg, n_days), f(n_seg, n_days),
                   i(n_seg, 7, 24, N_OUT), i(n_seg), i(n_seg), i(n_camp, n_days), i(n_camp, n_days))

    def ensure_day(self, day: int) -> None:
        """Make the per-day arrays long enough to hold calendar day ``day``. The world sizes them
        for its calling days plus the longest promise delay, but a call may end days after it
        was placed (a ring or talk time drawn from a long-tailed distribution), and so may the
        promise it brings."""
        have = self.daily_promises.shape[1]
        if day < have:
            return
        extra = max(day + 1 - have, have // 2)
        for name in ("daily_dials", "daily_promises", "daily_kept", "daily_collected", "campaign_live",
                     "campaign_abandoned"):
            a = getattr(self, name)
            pad = [(0, 0)] * a.ndim
            pad[1] = (0, extra)
            setattr(self, name, np.pad(a, pad))

    def fold(self, cols: dict[str, np.ndarray], segment_of: np.ndarray, day: int, weekday: int) -> None:
        """Add one day's dials (``DialLog.to_numpy()`` columns) to the counters."""
        if not len(cols["out"]):
            return
        C, S, _ = self.dials.shape
        coll = cols["coll"].astype(np.int64)
        seg = segment_of[cols["acct"]].astype(np.int64)
        out = cols["out"].astype(np.int64)
        cs = coll * S + seg
        self.dials += np.bincount(cs * N_OUT + out, minlength=C * S * N_OUT).reshape(C, S, N_OUT)
        for k, name in enumerate(("ring", "talk", "wrap")):
            self.handle_s[:, :, k] += np.bincount(cs, weights=cols[name], minlength=C * S).reshape(C, S)
        self.daily_dials[:, day, :] += np.bincount(seg * N_OUT + out, minlength=S * N_OUT).reshape(S, N_OUT)
        hour = (cols["t"] % 86_400.0 // 3_600.0).astype(np.int64)
        self.hourly_dials[:, weekday] += np.bincount((seg * 24 + hour) * N_OUT + out,
                                                     minlength=S * 24 * N_OUT).reshape(S, 24, N_OUT)
        K = self.campaign_live.shape[0]
        camp = cols["camp"]
        live = out >= THIRD_PARTY
        self.campaign_live[:, day] += np.bincount(camp[live], minlength=K)
        self.campaign_abandoned[:, day] += np.bincount(camp[out == ABANDONED], minlength=K)
