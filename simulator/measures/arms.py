"""Counters -> per-arm KPIs of a champion/challenger test ([strategy] with two arms or more;
docs/champion-challenger.md). Pure functions, like metrics.py.

An arm's figures are those of its called accounts (a living portfolio's control group apart):
what the world counted by arm (world/arms.py) goes through the same KPI formulas as a segment's.

**Cost split.** The arms share the floor, which is staffed for the whole book. A collector's
handling time (ring + talk + wrap seconds of dials and inbound calls) on an arm's accounts is
that arm's; the rest of the collector's paid time (idle, breaks, lunch, meetings, training, and
inbound talk with callers who are not accounts of the portfolio) is split over the arms by their
shares of the called accounts (:func:`time_shares`). The costs that follow paid time (wages,
supervision, dialer seats) follow that split. Costs of a dial belong to its arm (telecom per dial
and per talk minute, abandon penalties). Account costs go to the account's arm: skip-trace fees,
and the agency's commission on what it recovers from the accounts placed (control accounts placed
included, by the arm they were drawn into). Summed over the arms, every cost component, and the
dials, right-party contacts, promises, kept promises and collected dollars, equal the center's.
An arm's cost per account is then its own handling and dials plus the same per-account share of
the floor's remaining time for every arm, so one arm's treatment does not move another's cost
through the idle time it frees or takes.

**Against the control group.** With a living portfolio and a control group, an arm's incremental
dollars, loss avoided and net economic value are the center's formulas (measures/valuation.py)
with the arm's called accounts as the treated group and the whole control group as the
baseline, segment by segment; its lifts (measures/lift.py) likewise. The arms' incremental
dollars and losses avoided add up to the center's.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..base.clock import HOUR_S
from ..base.outcomes import ABANDONED, MACHINE, RPC, THIRD_PARTY
from ..world.arms import TALK, WRAP, ArmCounts
from ..world.channels import COLLECTED, COST, OPT_OUTS, SENT
from ..world.counters import Counters, Structure
from .channels import CHANNEL_METRICS
from .inbound import INBOUND_METRICS
from .lift import control_lift
from .metrics import COST_COMPONENTS, EXTRA_METRICS, METRICS, Metrics, kpis
from .valuation import portfolio_dollars, with_economic_value

ARM_METRICS = (
    "accounts",
    "accounts_at_start",
    "accounts_entered",
    "collected_per_account",
    "collected_cash_per_account",
    "self_cure_per_account",
    "incremental_per_account",
    "loss_avoided_per_account",
    "net_economic_value_per_account",
    "cost_per_account",
    "rpc_per_account",
    "promises_per_account",
)
"""Per-arm figures beyond the contract's metrics: the arm's called accounts (in the measured
window: there at its start, entered during it; every account of the arm in a closed
portfolio) and dollars and counts per account (US dollars; ``attempts_per_account`` is among
the metrics)."""

ALL_ARM_METRICS = METRICS + EXTRA_METRICS + ARM_METRICS
"""Every metric of an arm, in the order reported."""

NOT_BY_ARM = (
    "arrangement_promises",
    "plan_installments_due",
    "plan_installments_kept",
    "plan_kept_rate",
    "arrangement_collected",
    "avg_payment_ordinary",
    "collected_in_period",
    *INBOUND_METRICS,
)
"""Metrics not counted by arm (None for every arm)."""

CHALLENGER_METRICS = (
    "collected_per_account",
    "collected_cash_per_account",
    "incremental_per_account",
    "loss_avoided_per_account",
    "net_economic_value_per_account",
    "cost_per_account",
    "attempts_per_account",
    "rpc_per_account",
    "promises_per_account",
    "promise_rate",
    "kept_rate",
    "cure_rate_treated",
    "roll_rate_treated",
)
"""The figures on which each challenger is compared with the champion (per account or rates, so
arms of different shares compare)."""


def _per(a: float | None, n: float) -> float | None:
    return None if a is None or not n else float(a) / float(n)


def account_shares(arms: ArmCounts) -> np.ndarray:
    """(A,): each arm's share of the called accounts (equal shares when no account was counted)."""
    n = arms.accounts.astype(float)
    return n / n.sum() if n.sum() > 0 else np.full(arms.n_arms, 1.0 / arms.n_arms)


def split_time(total_s: np.ndarray, own_s: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """(R, A): each counter row's ``total_s`` seconds split over the arms: ``own_s`` (R, A), the
    handling seconds on each arm's accounts, to that arm, and the rest of the row's time by
    ``shares`` (A,). Rows sum to ``total_s``; where the arms' handling exceeds the row's time (a
    predictive dialer's overlapping rings) the row is split in proportion to handling."""
    own_tot = own_s.sum(axis=1)
    rest = np.maximum(total_s - own_tot, 0.0)
    part = own_s + rest[:, None] * shares[None, :]
    tot = part.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(tot > 0, part / np.where(tot > 0, tot, 1.0), shares[None, :])
    return v * total_s[:, None]


def time_shares(cnt: Counters, arms: ArmCounts) -> np.ndarray:
    """(R, A): each counter row's share of its paid time spent on each arm (rows sum to 1): its
    handling seconds on the arm's accounts, plus the arm's share of the called accounts times the
    rest of the row's paid time (the cost split of the module docstring)."""
    shares = account_shares(arms)
    paid = np.asarray(cnt.paid_s, dtype=float)
    v = split_time(paid, arms.handle_s.sum(axis=2), shares)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(paid[:, None] > 0, v / np.where(paid > 0, paid, 1.0)[:, None], shares[None, :])


def _arm_totals(cnt: Counters, st: Structure, arms: ArmCounts, a: int, v: np.ndarray) -> dict[str, float]:
    """The totals :func:`~.metrics.kpis` reads, for arm ``a``, with the row time shares ``v``."""
    R = v.shape[0]
    share = v[:, a]
    shares = account_shares(arms)
    acct = shares[a]
    d = arms.dials[:, a]
    # handling seconds: the arm's own, plus its share of the accounts times the rows' handling
    # with no account (inbound callers outside the portfolio)
    unattributed = cnt.handle_s.sum(axis=1) - arms.handle_s.sum(axis=1)  # (R, 3)
    handle = arms.handle_s[:, a] + unattributed * acct
    productive = split_time(np.asarray(cnt.productive_s, dtype=float), arms.handle_s.sum(axis=2), shares)
    rates = st.cost_rates
    n_camp = R - st.n_collectors
    wage = np.concatenate([st.collector_wage_usd, np.zeros(n_camp)])
    sup = np.zeros(R)
    if st.collector_supervision_usd_per_h:
        sup[: st.n_collectors] = st.collector_supervision_usd_per_h
    paid = cnt.paid_s * share
    talk_s = float(handle[:, TALK].sum())
    dials = float(d.sum())
    agency = float(arms.agency_collected_usd[a])
    collected_agency = float(cnt.agency_collected_usd.sum())
    commission = float(cnt.agency_commission_usd.sum()) / collected_agency if collected_agency else 0.0
    t = {
        "paid_s": float(paid.sum()),
        "productive_s": float(productive[:, a].sum()),
        "idle_s": float((cnt.idle_s * acct).sum()),
        "talk_s": talk_s,
        "wrap_s": float(handle[:, WRAP].sum()),
        "dials": dials,
        "handled": float(d[: st.n_collectors].sum()),
        "rpc": float(d[:, RPC].sum() - arms.reminder_contacts[a] + arms.inbound_rpc[a]),
        "inbound_rpc": float(arms.inbound_rpc[a]),
        "reminder_contacts": float(arms.reminder_contacts[a]),
        "third_party": float(d[:, THIRD_PARTY].sum()),
        "machine": float(d[:, MACHINE].sum()),
        "abandoned": float(d[:, ABANDONED].sum()),
        "promises": float(arms.promises[a]),
        "promised_usd": float(arms.promised_usd[a]),
        "kept": float(arms.kept[a]),
        "broken": float(arms.broken[a]),
        "collected": float(arms.collected[a]),
        "days_worked": float((cnt.days_worked * share).sum()),
        "absent_days": float((cnt.absent_days * share).sum()),
        "cost_wages": float((paid * wage).sum()) / HOUR_S * (1.0 + rates.wage_loading_share),
        "cost_supervision": float((paid * sup).sum()) / HOUR_S,
        "cost_telecom": talk_s / 60.0 * rates.telecom_usd_per_min + dials * rates.telecom_usd_per_dial,
        "cost_skip_trace": float(arms.skip_trace_fees_usd[a]),
        "cost_agency": agency * commission,
        "cost_abandon_penalty": float(d[:, ABANDONED].sum()) * rates.abandon_penalty_usd,
        "cost_channels": 0.0 if arms.channels is None else float(arms.channels[a, :, COST].sum()),
        "agency_collected": agency,
    }
    t["cost_dialer"] = t["days_worked"] * rates.dialer_seat_usd_per_day
    t["cost"] = math.fsum(t[k] for k in COST_COMPONENTS)
    for k in ("accounts", "accounts_dialed", "open_accounts", "attempted_7d", "contacted_7d"):
        t[k] = float(getattr(arms, k)[a])
    return t


def _arm_channel_metrics(arms: ArmCounts, a: int) -> Metrics:
    """The ``channel_*`` metrics of arm ``a``'s accounts (0 without channels)."""
    if arms.channels is None:
        return dict.fromkeys(CHANNEL_METRICS, 0.0)
    c = arms.channels[a]
    return {
        "channel_sent": float(c[:, SENT].sum()),
        "channel_collected": float(c[:, COLLECTED].sum()),
        "channel_opt_outs": float(c[:, OPT_OUTS].sum()),
    }


def _arm_view(cnt: Counters, arms: ArmCounts, a: int) -> Counters:
    """The counters with arm ``a``'s called accounts as the treated group (column 0) and the whole
    control group as the baseline (column 1), for the portfolio and lift formulas."""
    if cnt.received_usd is None or arms.received_usd is None:
        return cnt

    def pair(arm_part: np.ndarray, center: np.ndarray) -> np.ndarray:
        return np.stack([arm_part, center[:, 1]], axis=1)

    view = dataclasses.replace(
        cnt,
        received_usd=pair(arms.received_usd[a], cnt.received_usd),
        present_accounts=pair(arms.present[a], cnt.present_accounts),
        self_cure_usd=arms.self_cure_usd[a],
        open_loss_usd=pair(arms.open_loss_usd[a], cnt.open_loss_usd),
        loss_usd=pair(arms.loss_usd[a], cnt.loss_usd),
        owed_usd=pair(arms.owed_usd[a], cnt.owed_usd),
    )
    if cnt.roll_groups is not None and arms.roll_groups is not None:
        view.roll_groups = pair(arms.roll_groups[a], cnt.roll_groups)
        view.roll_groups_usd = pair(arms.roll_groups_usd[a], cnt.roll_groups_usd)
    return view


def arm_metrics(st: Structure, cnt: Counters) -> dict[str, Metrics]:
    """{arm: metrics} of one replication (every name of :data:`ALL_ARM_METRICS`); empty without
    arms."""
    arms = cnt.arms
    if arms is None or not st.arms:
        return {}
    v = time_shares(cnt, arms)
    segments = list(range(len(st.segments)))
    out: dict[str, Metrics] = {}
    for a, name in enumerate(st.arms):
        t = _arm_totals(cnt, st, arms, a, v)
        view = _arm_view(cnt, arms, a)
        m = with_economic_value({**kpis(t), **portfolio_dollars(view, segments)})
        m.update(control_lift(view, segments))
        m.update(dict.fromkeys(NOT_BY_ARM))
        m.update(_arm_channel_metrics(arms, a))
        n = t["accounts"]
        m["accounts"] = n
        living = arms.accounts_at_start is not None
        m["accounts_at_start"] = float(arms.accounts_at_start[a]) if living else n
        m["accounts_entered"] = float(arms.accounts_entered[a]) if living else 0.0
        m["collected_per_account"] = _per(m["collected"], n)
        m["collected_cash_per_account"] = _per(m.get("collected_cash"), n)
        m["self_cure_per_account"] = _per(m.get("self_cure_collected"), n)
        m["incremental_per_account"] = _per(m.get("incremental_collected"), n)
        m["loss_avoided_per_account"] = _per(m.get("loss_avoided"), n)
        m["net_economic_value_per_account"] = _per(m.get("net_economic_value"), n)
        m["cost_per_account"] = _per(m["cost"], n)
        m["rpc_per_account"] = _per(m["rpc"], n)
        m["promises_per_account"] = _per(m["promises"], n)
        out[name] = {k: m[k] for k in ALL_ARM_METRICS}
    return out


def challenger_differences(arm_values: dict[str, Metrics]) -> dict[str, Metrics]:
    """{challenger: {metric: challenger - champion}} of one replication, for
    :data:`CHALLENGER_METRICS` (None where either is undefined); the champion is the first arm."""
    names = list(arm_values)
    if len(names) < 2:
        return {}
    champ = arm_values[names[0]]
    out = {}
    for name in names[1:]:
        m = arm_values[name]
        out[name] = {
            k: None if m[k] is None or champ[k] is None else float(m[k] - champ[k])
            for k in CHALLENGER_METRICS
        }
    return out
