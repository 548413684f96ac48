"""What a replication measured, filled by the world and read by the metrics: the compact
counters and the structure that names their rows (the outcomes are base/outcomes.py).

The world folds each day's dials into these count arrays once a day (``Counters.fold``), so
memory does not grow with the number of dials; KPIs are pure functions of them (measures/metrics.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import DAY_S, HOUR_S
from ..base.outcomes import ABANDONED, N_OUT, THIRD_PARTY

if TYPE_CHECKING:  # pragma: no cover
    from .arms import ArmCounts

RING, TALK, WRAP = range(3)
"""Columns of ``Counters.handle_s``: seconds ringing (dialing), talking and wrapping up."""

QUEUE_COLUMNS = (
    "calls",
    "answered",
    "abandoned",
    "answered_in_sl",
    "wait_answered_s",
    "retrials",
    "queued",
    "response_calls",
    "response_answered",
    "response_wait_s",
    "response_promises",
    "ivr_calls",
    "ivr_promises",
    "ivr_promised_usd",
    "ivr_kept",
    "ivr_collected",
)
"""Columns of ``Counters.inbound_queue``: inbound calls that reached the queue (retrials
included), answered, abandoned, answered within the service-level threshold, seconds waited by
the answered calls, retrials (calls again after hanging up), and calls that found no free
collector and queued; of those, calls back prompted by outbound dials (class ``response``):
arrived, answered, seconds they waited, promises made in them; then the calls settled in the IVR
(not in ``calls``), the IVR's promises, dollars promised, kept promises and dollars collected
(world/inbound_traffic.py)."""
ANSWER_COLUMNS = (
    "answered",
    "answered_in_sl",
    "wait_s",
    "rpc",
    "handle_s",
    "promises",
    "kept",
    "collected_usd",
)
"""Columns of ``Counters.inbound_answers``: calls answered, of those within the threshold, seconds
they waited, right-party negotiations (answered calls from an open account), seconds of talk and
wrap-up, and the promises these negotiations made, of those the kept ones and their dollars
(promises counted as Counters.promises is, kept ones as Counters.kept: made in the measured
window)."""
CALLBACK_COLUMNS = ("due", "made", "made_on_time", "rpc")
"""Columns of ``Counters.callbacks``: call-backs whose set time came (account still open), made,
made within ``on_time_s`` of the set time, and made that reached the debtor (world/callbacks.py)."""
A_ANSWERED, A_IN_SL, A_WAIT, A_RPC, A_HANDLE, A_PROMISES, A_KEPT, A_COLLECTED = range(len(ANSWER_COLUMNS))
HOUR_COLUMNS = ("calls", "answered", "answered_in_sl", "abandoned", "wait_answered_s")
"""Columns of ``Counters.inbound_hours``, one row per hour of the day (center clock) in which the
calls arrived: calls arrived, answered, answered within the threshold, abandoned, and seconds
waited by the answered calls (world/inbound_hours.py)."""


@dataclass(frozen=True)
class CostRates:
    """Unit costs beyond the collectors' wages (scenario block ``costs``; all 0 without it).
    Money in US dollars."""

    wage_loading_share: float = 0.0  # benefits and payroll taxes, as a share of wages
    telecom_usd_per_min: float = 0.0  # per connected minute (talk time)
    telecom_usd_per_dial: float = 0.0  # per dial placed
    dialer_seat_usd_per_day: float = 0.0  # per collector per day logged in
    abandon_penalty_usd: float = 0.0  # per abandoned call


@dataclass(frozen=True)
class Structure:
    """Names and attributes of the world's parts, in counter index order.

    Counter rows are the collectors followed by one row per campaign (calls of a predictive
    campaign that no collector took)."""

    segments: tuple[str, ...]
    teams: tuple[str, ...]
    collectors: tuple[str, ...]
    collector_team: tuple[int, ...]
    collector_wage_usd: tuple[float, ...]
    collector_segments: tuple[tuple[int, ...], ...]
    campaigns: tuple[str, ...]
    campaign_team: tuple[int, ...]
    campaign_segments: tuple[tuple[int, ...], ...]
    n_days: int
    work_days: tuple[int, ...] = ()
    """Calendar days on which the center calls (the calling period runs from day 0 to the last)."""
    first_measured_day: int = 0
    """The first calendar day the metrics count (calendar.warmup_days calling days before it)."""
    collector_supervision_usd_per_h: tuple[float, ...] = ()
    """Per collector: supervision cost per paid hour of the collector (the team's supervisors'
    loaded wages shared over its collectors); empty without a costs block."""
    cost_rates: CostRates = field(default_factory=CostRates)
    team_roles: tuple[str, ...] = ()
    """Per team: "outbound" (dials), "inbound" (answers the inbound queue) or "blend" (both, by the
    blend policy); empty: all outbound."""
    arms: tuple[str, ...] = ()
    """The champion/challenger arms, the champion first, when a [strategy] block has two or
    more (Counters.arms counts by them); empty otherwise."""

    @property
    def n_collectors(self) -> int:
        return len(self.collectors)

    @property
    def row_team(self) -> np.ndarray:
        """Team of each counter row (-1 for a multi-team campaign's row)."""
        return np.asarray(self.collector_team + self.campaign_team, dtype=np.int64)


@dataclass
class Counters:
    """Everything a replication measured. Times are in seconds, money in US dollars.

    Shapes: R rows = C collectors then K campaign rows (predictive calls no collector took),
    S segments, D calendar days (calling days and the days after them until every promise is
    resolved), 7 outcomes in ``OUTCOME_NAMES`` order. Per-collector time arrays have R entries
    (campaign rows stay 0).
    """

    dials: np.ndarray  # (R, S, 7) dials by outcome
    handle_s: np.ndarray  # (R, S, 3) ring, talk, wrap seconds (RING, TALK, WRAP)
    promises: np.ndarray  # (C, S)
    promised_usd: np.ndarray  # (C, S)
    kept: np.ndarray  # (C, S)
    broken: np.ndarray  # (C, S)
    collected: np.ndarray  # (C, S) dollars paid on kept promises
    paid_s: np.ndarray  # (C,) logged-in time from shift start to logout
    productive_s: np.ndarray  # (C,) paid time less breaks, lunch, meetings, training
    idle_s: np.ndarray  # (C,) productive time with no account to dial
    daily_dials: np.ndarray  # (S, D, 6)
    daily_promises: np.ndarray  # (S, D) by day made
    daily_kept: np.ndarray  # (S, D) by due day
    daily_collected: np.ndarray  # (S, D) by due day
    hourly_dials: np.ndarray  # (S, 7, 24, 7) by weekday and hour of the dial (center clock)
    accounts_dialed: np.ndarray  # (S,) accounts dialed at least once
    accounts: np.ndarray  # (S,) accounts in the portfolio
    campaign_live: np.ndarray  # (K, D) live answers (rpc + third party + abandoned) per day
    campaign_abandoned: np.ndarray  # (K, D)
    # The living portfolio ([portfolio] on; None otherwise), by segment: dollars received from
    # treated and control accounts (S, 2), accounts present (S, 2), the treated accounts'
    # self-cure dollars (S,), per
    # day the open accounts at midnight, treated and control (2, S, D), and the self-cure
    # dollars (S, D); and at the end of the run the expected losses (world/valuation.py), treated
    # and control (S, 2), of the accounts open then and of every account in the portfolio during
    # the measured window, and what those accounts still owe (S, 2).
    received_usd: np.ndarray | None = None
    present_accounts: np.ndarray | None = None
    self_cure_usd: np.ndarray | None = None
    daily_open_accounts: np.ndarray | None = None
    daily_open_counted: np.ndarray | None = None  # (D,) 1 on the days whose midnight was run, else 0
    daily_self_cure_usd: np.ndarray | None = None
    # Roll rates on ([roll_rates]; None otherwise): the roll matrices of the measured window per
    # segment and group, treated (0) or control (1), start bucket and destination (S, 2, 5, 6),
    # by accounts and by US dollars of balance at the period's start (world/tasks/aging.py).
    roll_groups: np.ndarray | None = None
    roll_groups_usd: np.ndarray | None = None
    open_loss_usd: np.ndarray | None = None
    loss_usd: np.ndarray | None = None
    owed_usd: np.ndarray | None = None
    # Inbound calls ([inbound] on; None otherwise): the queue's counts by the caller's segment
    # (S, len(QUEUE_COLUMNS)) and the answered calls by answering row and segment
    # (R, S, len(ANSWER_COLUMNS)); see world/inbound.py.
    inbound_queue: np.ndarray | None = None
    inbound_answers: np.ndarray | None = None
    # live answers of predictive calls that found no collector (abandoned by the dialer, not by
    # answering-machine detection), by segment ([inbound] on; None otherwise)
    outbound_mismatches: np.ndarray | None = None
    callbacks: np.ndarray | None = None  # (S, len(CALLBACK_COLUMNS)) with [inbound.callbacks]
    inbound_hours: np.ndarray | None = None  # (24, len(HOUR_COLUMNS)) by hour of arrival
    arms: ArmCounts | None = None  # by champion/challenger arm ([strategy] with 2+ arms; world/arms.py)
    # Messages ([channels] on; None otherwise): per channel on, segment and figure
    # (K, S, len(world.channels.FIGURES)); the cost figure joins the costs (cost_channels)
    channels: np.ndarray | None = None
    events: int = 0  # SimPy events scheduled (a World built with count_events=True; 0 otherwise)
    blocks: dict = field(default_factory=dict)  # extra scalar groups, e.g. {"compliance": {...}}
    series: dict = field(
        default_factory=dict
    )  # extra per-day series of the special tasks, e.g. {"tracking": {...}}
    # Set by zeros() (shapes as above):
    reminder_contacts: np.ndarray = None  # (R, S) reminder calls that reached the debtor: not in rpc
    arrangement_promises: np.ndarray = None  # (R, S) accepted rearrangement offers (in promises)
    arrangement_kept: np.ndarray = None  # (R, S) kept first payments of arrangements (in kept)
    arrangement_collected: np.ndarray = None  # (R, S) every dollar paid on arrangements (in collected)
    plan_installments_due: np.ndarray = None  # (R, S) payment-plan installments that fell due
    plan_installments_kept: np.ndarray = None  # (R, S)
    collected_in_period: np.ndarray = None  # (R, S) dollars paid on a calling day or before the last
    days_worked: np.ndarray = None  # (R,) days each collector logged in
    absent_days: np.ndarray = None  # (R,) calling days each collector was absent (did not log in)
    skip_trace_fees_usd: np.ndarray = None  # (S,) skip-trace fees by the account's segment
    agency_commission_usd: np.ndarray = None  # (S,) agency commission by the account's segment
    agency_collected_usd: np.ndarray = None  # (S,) agency recoveries (gross) by the account's segment
    open_accounts: np.ndarray = None  # (S,) accounts still open at the end (world/service.py)
    attempted_7d: np.ndarray = None  # (S,) of those, dialed in the last 7 days of calling
    contacted_7d: np.ndarray = None  # (S,) of those, reached (right party) in those days

    @property
    def reminders_reached(self) -> int:
        """Promise-confirmation calls that reached the debtor."""
        return int(self.reminder_contacts.sum())

    @classmethod
    def zeros(cls, n_rows: int, n_seg: int, n_days: int, n_camp: int) -> Counters:
        f = lambda *shape: np.zeros(shape, dtype=float)  # noqa: E731
        i = lambda *shape: np.zeros(shape, dtype=np.int64)  # noqa: E731
        c = cls(
            i(n_rows, n_seg, N_OUT),
            f(n_rows, n_seg, 3),
            i(n_rows, n_seg),
            f(n_rows, n_seg),
            i(n_rows, n_seg),
            i(n_rows, n_seg),
            f(n_rows, n_seg),
            f(n_rows),
            f(n_rows),
            f(n_rows),
            i(n_seg, n_days, N_OUT),
            i(n_seg, n_days),
            i(n_seg, n_days),
            f(n_seg, n_days),
            i(n_seg, 7, 24, N_OUT),
            i(n_seg),
            i(n_seg),
            i(n_camp, n_days),
            i(n_camp, n_days),
        )
        for name in (
            "reminder_contacts",
            "arrangement_promises",
            "arrangement_kept",
            "plan_installments_due",
            "plan_installments_kept",
        ):
            setattr(c, name, i(n_rows, n_seg))
        c.arrangement_collected, c.collected_in_period = f(n_rows, n_seg), f(n_rows, n_seg)
        c.days_worked, c.absent_days = i(n_rows), i(n_rows)
        for name in ("skip_trace_fees_usd", "agency_commission_usd", "agency_collected_usd"):
            setattr(c, name, f(n_seg))
        for name in ("open_accounts", "attempted_7d", "contacted_7d"):
            setattr(c, name, i(n_seg))
        return c

    def ensure_day(self, day: int) -> None:
        """Make the per-day arrays long enough to hold calendar day ``day``. The world sizes them
        for its calling days plus the longest promise delay, but a call may end days after it
        was placed (a ring or talk time drawn from a long-tailed distribution), and so may the
        promise it brings."""
        have = self.daily_promises.shape[1]
        if day < have:
            return
        extra = max(day + 1 - have, have // 2)
        for name in (
            "daily_dials",
            "daily_promises",
            "daily_kept",
            "daily_collected",
            "campaign_live",
            "campaign_abandoned",
            "daily_open_accounts",
            "daily_self_cure_usd",
        ):
            a = getattr(self, name)
            if a is None:
                continue
            pad = [(0, 0)] * a.ndim
            pad[-1 if name == "daily_open_accounts" else 1] = (0, extra)
            setattr(self, name, np.pad(a, pad))

    def reset_totals(self) -> None:
        """Zero the run totals, keeping the per-day series (the end of the warm-up)."""
        for name in (
            "dials",
            "handle_s",
            "promises",
            "promised_usd",
            "kept",
            "broken",
            "collected",
            "paid_s",
            "productive_s",
            "idle_s",
            "hourly_dials",
            "reminder_contacts",
            "arrangement_promises",
            "days_worked",
            "absent_days",
        ):
            getattr(self, name)[...] = 0
        for name in ("inbound_queue", "inbound_answers", "inbound_hours", "callbacks", "outbound_mismatches"):
            a = getattr(self, name)
            if a is not None:
                a[...] = 0
        if self.arms is not None:
            self.arms.reset_totals()

    def fold(self, cols: dict[str, np.ndarray], segment_of: np.ndarray, day: int, weekday: int) -> None:
        """Add one day's dials (columns coll, acct, camp, t, out, ring, talk, wrap, in time
        order; see world.dial_log.DialLog.to_numpy) to the counters."""
        if not len(cols["out"]):
            return
        C, S, _ = self.dials.shape
        coll = cols["coll"].astype(np.int64)
        seg = segment_of[cols["acct"]].astype(np.int64)
        out = cols["out"].astype(np.int64)
        cs = coll * S + seg
        self.dials += np.bincount(cs * N_OUT + out, minlength=C * S * N_OUT).reshape(C, S, N_OUT)
        for k, name in ((RING, "ring"), (TALK, "talk"), (WRAP, "wrap")):
            self.handle_s[:, :, k] += np.bincount(cs, weights=cols[name], minlength=C * S).reshape(C, S)
        self.daily_dials[:, day, :] += np.bincount(seg * N_OUT + out, minlength=S * N_OUT).reshape(S, N_OUT)
        hour = (cols["t"] % DAY_S // HOUR_S).astype(np.int64)
        self.hourly_dials[:, weekday] += np.bincount(
            (seg * 24 + hour) * N_OUT + out, minlength=S * 24 * N_OUT
        ).reshape(S, 24, N_OUT)
        K = self.campaign_live.shape[0]
        camp = cols["camp"]
        live = out >= THIRD_PARTY
        self.campaign_live[:, day] += np.bincount(camp[live], minlength=K)
        self.campaign_abandoned[:, day] += np.bincount(camp[out == ABANDONED], minlength=K)
        if self.arms is not None:
            self.arms.fold(cols)
