"""Today's dials as typed columns: a few bytes per dial and no Python object kept, folded into
the counters at midnight (``Counters.fold``) and cleared."""

from __future__ import annotations

from array import array
from itertools import chain

import numpy as np


def float_rows(rows: list, width: int) -> np.ndarray:
    """Rows of ``width`` numbers (tuples or lists) as an (n, width) float64 array. Integers up
    to 2**53 stay exact. fromiter over the flattened rows: np.array on a list of tuples costs
    ~0.5 us a row."""
    return np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=width * len(rows)).reshape(
        -1, width
    )


class DialLog:
    """Today's dials: one entry per dial in parallel typed arrays for dials made one at a time
    (DialKernel.finish), and in a second set of arrays for runs of dials of one collector
    (ProgressiveDialer.run_of_dials), whose row and campaign are kept once per run."""

    __slots__ = (
        "coll",
        "acct",
        "camp",
        "t",
        "out",
        "ring",
        "talk",
        "wrap",
        "r_acct",
        "r_t",
        "r_out",
        "r_ring",
        "r_talk",
        "r_wrap",
        "run_cols",
        "runs",
        "phone",
        "r_phone",
    )

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
            # the index of the number dialed among the account's, with several numbers per
            # account (world/phone_numbers.py), for dials one at a time and for runs: else empty
            self.phone = array("b")
            self.r_phone = array("b")
            # The bound ``append`` of each run column, in the order acct, t, out, ring, talk, wrap:
            # a run appends its dials through them, then calls end_run.
            self.run_cols = (
                self.r_acct.append,
                self.r_t.append,
                self.r_out.append,
                self.r_ring.append,
                self.r_talk.append,
                self.r_wrap.append,
            )
            self.runs: list[tuple[int, int, int]] = []  # (coll, camp, number of dials) per run
            return
        for col in (
            self.coll,
            self.acct,
            self.camp,
            self.t,
            self.out,
            self.ring,
            self.talk,
            self.wrap,
            self.r_acct,
            self.r_t,
            self.r_out,
            self.r_ring,
            self.r_talk,
            self.r_wrap,
            self.phone,
            self.r_phone,
        ):
            del col[:]
        self.runs.clear()

    def __len__(self) -> int:
        return len(self.out) + len(self.r_out)

    def end_run(self, coll: int, camp: int, start: int) -> int:
        """The run of collector row ``coll`` in campaign ``camp``, whose dials were appended from
        position ``start`` of the run columns, is over; returns how many dials it made."""
        n = len(self.r_out) - start
        if n:
            self.runs.append((coll, camp, n))
        return n

    def to_numpy(self) -> dict[str, np.ndarray]:
        """Today's dials as numpy columns, in time order (copies: nothing here outlives a
        ``clear()``)."""
        # frombuffer + copy is a memcpy; np.array(array.array) would walk the items one by one.
        # A view lives only inside this expression, so no buffer export outlasts the call (one
        # still alive, say in a profiler's frame, would stop clear() from emptying the arrays).
        dtypes = {
            "coll": np.int32,
            "acct": np.int32,
            "camp": np.int32,
            "t": np.float64,
            "out": np.int8,
            "ring": np.float64,
            "talk": np.float64,
            "wrap": np.float64,
        }
        cols = {k: np.frombuffer(getattr(self, k), dtype=d).copy() for k, d in dtypes.items()}
        if len(self.phone) or len(self.r_phone):
            cols["phone"] = np.frombuffer(self.phone, dtype=np.int8).copy()
            dtypes["phone"] = np.int8
        if self.runs:
            meta = np.array(self.runs, dtype=np.int64)
            runs = {
                "coll": np.repeat(meta[:, 0], meta[:, 2]).astype(np.int32),
                "camp": np.repeat(meta[:, 1], meta[:, 2]).astype(np.int32),
            }
            # (views again only inside the expression)
            cols = {
                k: np.concatenate(
                    [cols[k], runs[k] if k in runs else np.frombuffer(getattr(self, "r_" + k), dtype=d)]
                )
                for k, d in dtypes.items()
            }
        order = np.argsort(cols["t"], kind="stable")
        return {k: v[order] for k, v in cols.items()}
