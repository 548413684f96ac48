"""What each champion/challenger arm measured (scenario block ``[strategy]`` with two arms or more;
docs/champion-challenger.md).

Every account belongs to one arm (Portfolio.arm, drawn at entry). The world counts by arm where
it already handles accounts in batches or one event at a time off the per-dial path: the day's
dials when they are folded at midnight, the promises made and settled at midnight, reminder
contacts and inbound negotiations as they happen, payments, entries and exits of the living
portfolio, roll periods and the end-of-run losses. A living portfolio's control group stays
apart from every arm: an arm's accounts, dollars, losses and roll matrices are those of its
called accounts. Without the block, or with one arm, there is no :class:`ArmCounts` and nothing
is counted.
"""

from __future__ import annotations

import numpy as np

from ..base.outcomes import N_OUT

RING, TALK, WRAP = range(3)
"""Columns of ``ArmCounts.handle_s`` (as Counters.handle_s)."""


class ArmCounts:
    """Counts by arm (A arms, R counter rows, S segments). Times in seconds, money in US dollars.

    Run totals (reset at the end of the warm-up, as Counters.reset_totals does): ``dials`` (R, A,
    7) by outcome; ``handle_s`` (R, A, 3) ring, talk and wrap seconds of dials and inbound calls
    of the arm's accounts; ``reminder_contacts`` (A,); ``inbound_rpc`` (A,) negotiations of
    inbound calls; ``promises`` and ``promised_usd`` (A,). Counted by the promise's day made
    (made in the measured window, as Counters.kept is): ``kept``, ``broken``, ``collected`` (A,).
    Account costs of the measured window: ``skip_trace_fees_usd`` (A,); at the end of the run
    ``agency_collected_usd`` (A,) (of every account placed in the window, by the arm it was drawn
    into, control accounts included, as the segment figures count them). Coverage at the end:
    ``accounts``, ``accounts_dialed``, ``open_accounts``, ``attempted_7d``, ``contacted_7d`` (A,).

    Living portfolio (else None), called accounts only: ``accounts_at_start`` and
    ``accounts_entered`` (A,) in the measured window, each account once; ``received_usd``,
    ``present``, ``self_cure_usd`` (A, S) as LivingPortfolio's treated columns; at the end
    ``open_loss_usd``, ``loss_usd``, ``owed_usd`` (A, S) (world/valuation.py). Roll rates on:
    ``roll_groups`` and ``roll_groups_usd`` (A, S, 5, 6) as Counters.roll_groups' treated group.
    """

    def __init__(self, n_arms: int, n_rows: int, n_seg: int, arm: np.ndarray) -> None:
        self.n_arms = A = n_arms
        self.arm = arm
        self.arm_list: list[int] = arm.tolist()
        self.dials = np.zeros((n_rows, A, N_OUT), dtype=np.int64)
        self.handle_s = np.zeros((n_rows, A, 3))
        self.reminder_contacts = np.zeros(A, dtype=np.int64)
        self.inbound_rpc = np.zeros(A, dtype=np.int64)
        self.promises = np.zeros(A, dtype=np.int64)
        self.promised_usd = np.zeros(A)
        self.kept = np.zeros(A, dtype=np.int64)
        self.broken = np.zeros(A, dtype=np.int64)
        self.collected = np.zeros(A)
        self.skip_trace_fees_usd = np.zeros(A)
        self.agency_collected_usd = np.zeros(A)
        for name in ("accounts", "accounts_dialed", "open_accounts", "attempted_7d", "contacted_7d"):
            setattr(self, name, np.zeros(A, dtype=np.int64))
        # Messages ([channels] on): (A, K, len(channels.FIGURES)) per arm, channel and figure,
        # set by the Channels task when it is built.
        self.channels: np.ndarray | None = None
        self.accounts_at_start: np.ndarray | None = None
        self.accounts_entered: np.ndarray | None = None
        self.received_usd: np.ndarray | None = None
        self.present: np.ndarray | None = None
        self.self_cure_usd: np.ndarray | None = None
        self.open_loss_usd: np.ndarray | None = None
        self.loss_usd: np.ndarray | None = None
        self.owed_usd: np.ndarray | None = None
        self.roll_groups: np.ndarray | None = None
        self.roll_groups_usd: np.ndarray | None = None
        self.n_seg = n_seg

    def start_living(self) -> None:
        """Make the living portfolio's arrays (called by LivingPortfolio)."""
        A, S = self.n_arms, self.n_seg
        self.accounts_at_start = np.zeros(A, dtype=np.int64)
        self.accounts_entered = np.zeros(A, dtype=np.int64)
        self.received_usd = np.zeros((A, S))
        self.present = np.zeros((A, S), dtype=np.int64)
        self.self_cure_usd = np.zeros((A, S))

    def reset_totals(self) -> None:
        """Zero the run totals (the end of the warm-up)."""
        for a in (self.dials, self.handle_s, self.reminder_contacts, self.inbound_rpc, self.promises):
            a[...] = 0
        self.promised_usd[:] = 0.0

    def fold(self, cols: dict[str, np.ndarray]) -> None:
        """Add one day's dials (DialLog.to_numpy's columns) by counter row, arm and outcome."""
        R, A, _ = self.dials.shape
        ra = cols["coll"].astype(np.int64) * A + self.arm[cols["acct"]].astype(np.int64)
        out = cols["out"].astype(np.int64)
        self.dials += np.bincount(ra * N_OUT + out, minlength=R * A * N_OUT).reshape(R, A, N_OUT)
        for k, name in ((RING, "ring"), (TALK, "talk"), (WRAP, "wrap")):
            self.handle_s[:, :, k] += np.bincount(ra, weights=cols[name], minlength=R * A).reshape(R, A)

    def made(self, coll: np.ndarray, accounts: np.ndarray, amount: np.ndarray) -> None:
        """Promises made today (collector rows, accounts, US dollars)."""
        arm = self.arm[accounts]
        self.promises += np.bincount(arm, minlength=self.n_arms)
        self.promised_usd += np.bincount(arm, weights=amount, minlength=self.n_arms)

    def settled(
        self,
        accounts: np.ndarray,
        amount: np.ndarray,
        kept: np.ndarray,
        collected: np.ndarray,
        broken: np.ndarray,
    ) -> None:
        """Settled promises of the measured window: ``kept`` and ``broken`` masks of the pyramid's
        promises, ``collected`` the mask of the kept payments whose dollars count."""
        arm, A = self.arm[accounts], self.n_arms
        self.kept += np.bincount(arm[kept], minlength=A)
        self.broken += np.bincount(arm[broken], minlength=A)
        self.collected += np.bincount(arm[collected], weights=amount[collected], minlength=A)

    def coverage(self, name: str, accounts: np.ndarray) -> None:
        """Set a coverage count (``accounts``, ``accounts_dialed``, ...) from a mask or index of accounts."""
        getattr(self, name)[:] = np.bincount(self.arm[accounts], minlength=self.n_arms)
