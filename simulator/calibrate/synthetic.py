"""Synthetic operation data drawn from known parameters: the five CSV files of a trace folder.

For tests of the calibrator (does it recover what was put in?), for its benchmark and for
examples. Not the simulator: dials follow each other back to back from shift start to shift
end, with no call lists and no calling rules, which is all the calibrator's estimators assume;
a scheduled block starts when the call in progress ends and keeps its full length, as in the
simulator. Each collector-day's dials are drawn step by step, all
collector-days at once: the outcome from the segment's probabilities at the account's local
hour and weekday (``Segment.outcome_probabilities``), the ring, talk and wrap times from the
segment's specs. A right-party contact becomes a promise, which is kept or broken, with
probabilities that may depend on the account's attributes through logistic links (``links``).

Day 0 is the nominal date of the scenario's start weekday (world/calendar.py: ``NOMINAL_MONDAY``
plus the weekday).
Randomness: one numpy Generator from ``seed`` (a test fixture, not a simulation stream).
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import special

from ..base.clock import DAY_S, HOUR_S
from ..base.outcomes import RPC
from ..experiment.trace_export import DIAL_COLUMNS
from ..scenario.schema import OUTCOMES, WEEKDAYS, Scenario
from ..world.calendar import nominal_date
from .read.formats import DIAL_OUTCOMES

__all__ = ["SyntheticLinks", "write_synthetic_trace"]


@dataclass
class SyntheticLinks:
    """Slopes of the account-level links, per covariate (risk_score, days_past_due,
    log_balance_usd): logit of the promise and keep probabilities and log of the amount move by
    slope x (x - population mean). Zero slopes: behaviour does not depend on the account."""

    promise: dict[str, float] = field(default_factory=dict)
    keep: dict[str, float] = field(default_factory=dict)
    payment: dict[str, float] = field(default_factory=dict)


def _accounts(
    sc: Scenario, rng: np.random.Generator, inflow_per_day: float, last_day: int, control_share: float
) -> dict[str, np.ndarray]:
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("seg", "day", "balance", "score", "dpd", "tz", "control")
    }
    for s, seg in enumerate(sc.segments.values()):
        n0 = seg.accounts
        n_in = rng.poisson(inflow_per_day, last_day) if inflow_per_day > 0 else np.zeros(last_day, int)
        day = np.concatenate([np.zeros(n0, int), np.repeat(np.arange(1, last_day + 1), n_in)])
        n = len(day)
        tz = seg.time_zones
        w = np.asarray(tz.weights) / sum(tz.weights)
        cols["seg"].append(np.full(n, s))
        cols["day"].append(day)
        cols["balance"].append(seg.balance_usd.sample(rng, n))
        cols["score"].append(seg.risk_score.sample(rng, n))
        cols["dpd"].append(np.round(seg.days_past_due.sample(rng, n)))
        cols["tz"].append(np.asarray(tz.offsets_h)[rng.choice(len(w), n, p=w)])
        cols["control"].append(rng.random(n) < control_share)
    return {k: np.concatenate(v) for k, v in cols.items()}


def _dials(sc: Scenario, rng: np.random.Generator, acc: dict[str, np.ndarray], days: list[int]) -> dict:
    """Back-to-back dials of every collector-day (see the module doc)."""
    start_wd = WEEKDAYS.index(sc.calendar.start_weekday)
    segs = list(sc.segments.values())
    table = np.array([[[s.outcome_probabilities(h, d) for h in range(24)] for d in range(7)] for s in segs])
    cum = np.cumsum(table, axis=3)
    cum[..., -1] = 2.0
    seg_index = {n: i for i, n in enumerate(sc.segments)}
    # eligible accounts per segment, in entry order
    pools = [np.flatnonzero((acc["seg"] == s) & ~acc["control"]) for s in range(len(segs))]
    pool_days = [acc["day"][p] for p in pools]
    rows = []  # one per collector-day: (collector, team, segments, day, start, end, blocks)
    names = []
    for tname, team in sc.teams.items():
        width = max(2, len(str(team.headcount)))
        plans = [(plan, j) for plan in team.shift_plans() for j in range(plan.headcount)]
        for k, (plan, j) in enumerate(plans):
            names.append(f"{tname}-{k + 1:0{width}d}")
            off = team.break_stagger_min * j / plan.headcount
            blocks = [(s * 60, length * 60) for s, length, _ in team.unproductive_blocks(off, plan)]
            for d in days:
                rows.append(
                    (
                        len(names) - 1,
                        tname,
                        [seg_index[s] for s in team.segments],
                        d,
                        d * DAY_S + plan.start_min * 60,
                        d * DAY_S + plan.end_min * 60,
                        blocks,
                    )
                )
    n = len(rows)
    t = np.array([r[4] for r in rows])
    end = np.array([r[5] for r in rows])
    out: dict[str, list] = {k: [] for k in ("t", "coll", "acct", "out", "ring", "talk", "wrap")}
    max_blocks = max((len(r[6]) for r in rows), default=0)
    b_start = np.full((n, max_blocks + 1), np.inf)  # a sentinel column: no block left
    b_len = np.zeros((n, max_blocks + 1))
    for i, r in enumerate(rows):
        for j, (bs, bl) in enumerate(r[6]):
            b_start[i, j] = r[3] * DAY_S + bs
            b_len[i, j] = bl
    nb = np.zeros(n, dtype=np.int64)  # each collector-day's next block
    rows_i = np.arange(n)
    seg_choice = [np.array(r[2]) for r in rows]
    n_seg_choice = np.array([len(c) for c in seg_choice])
    seg_table = np.full((n, max(n_seg_choice)), -1)
    for i, c in enumerate(seg_choice):
        seg_table[i, : len(c)] = c
    coll = np.array([r[0] for r in rows])
    day = np.array([r[3] for r in rows])
    samplers = [[(o.ring_time_s, o.talk_time_s, o.wrap_time_s) for o in s.outcomes.as_list()] for s in segs]
    while True:
        # a block due starts when the call in progress ends and keeps its full length (as the
        # simulator's collectors take them)
        while True:
            due = t >= b_start[rows_i, nb]
            if not due.any():
                break
            t = np.where(due, t + b_len[rows_i, nb], t)
            nb = nb + due
        live = t < end
        if not live.any():
            break
        idx = np.flatnonzero(live)
        m = len(idx)
        s = seg_table[idx, (rng.random(m) * n_seg_choice[idx]).astype(int)]
        acct = np.empty(m, dtype=np.int64)
        for si in np.unique(s):
            sel = s == si
            avail = np.searchsorted(pool_days[si], day[idx][sel], side="right")
            acct[sel] = pools[si][(rng.random(sel.sum()) * avail).astype(np.int64)]
        local = t[idx] + acc["tz"][acct] * HOUR_S
        hours = np.floor(local / HOUR_S).astype(np.int64)
        h, wd = hours % 24, (start_wd + hours // 24) % 7
        o = (rng.random(m)[:, None] > cum[s, wd, h]).sum(axis=1)
        dur = np.zeros((m, 3))
        for si in np.unique(s):
            for oc in range(len(OUTCOMES)):
                sel = (s == si) & (o == oc)
                if sel.any():
                    for j in range(3):
                        dur[sel, j] = samplers[si][oc][j].sample(rng, int(sel.sum()))
        for k, v in (
            ("t", t[idx]),
            ("coll", coll[idx]),
            ("acct", acct),
            ("out", o),
            ("ring", dur[:, 0]),
            ("talk", dur[:, 1]),
            ("wrap", dur[:, 2]),
        ):
            out[k].append(v)
        t[idx] += np.maximum(dur.sum(axis=1), 1.0)
    res = {k: np.concatenate(v) for k, v in out.items()}
    order = np.argsort(res["t"], kind="stable")
    res = {k: v[order] for k, v in res.items()}
    res["names"] = names
    res["shifts"] = rows
    return res


def _iso(origin: datetime.date, seconds: np.ndarray) -> list[str]:
    base = np.datetime64(origin, "ms")
    return np.datetime_as_string(
        base + np.round(seconds * 1000).astype("timedelta64[ms]"), unit="ms"
    ).tolist()


def _dates(origin: datetime.date, days: np.ndarray) -> list[str]:
    return np.datetime_as_string(
        np.datetime64(origin, "D") + days.astype("timedelta64[D]"), unit="D"
    ).tolist()


def _write(path: Path, header: list[str], columns: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(zip(*columns))


def write_synthetic_trace(
    folder: str | Path,
    sc: Scenario,
    seed: int = 1,
    links: SyntheticLinks | None = None,
    inflow_per_day: float = 0.0,
    self_cure_per_account_day: float = 0.0,
    control_share: float = 0.0,
) -> dict:
    """Write dials.csv, promises.csv, payments.csv, accounts.csv and shifts.csv drawn from the
    scenario ``sc`` (plus ``links``, inflow and self-cure) into ``folder``. Returns counts and
    the covariate means the links are centred on."""
    rng = np.random.default_rng(seed)
    links = links or SyntheticLinks()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    days = sc.calendar.work_days()
    origin = nominal_date(sc.calendar.start_weekday)
    acc = _accounts(sc, rng, inflow_per_day, days[-1], control_share)
    seg_names = list(sc.segments)
    d = _dials(sc, rng, acc, days)
    n = len(d["t"])
    a = d["acct"]
    _write(
        folder / "dials.csv",
        list(DIAL_COLUMNS),
        [
            _iso(origin, d["t"]),
            [f"A{x}" for x in a],
            [seg_names[s] for s in acc["seg"][a]],
            [f"{x:g}" for x in acc["tz"][a]],
            [d["names"][c] for c in d["coll"]],
            ["main"] * n,
            [sc.dialer.mode] * n,
            [DIAL_OUTCOMES[o] for o in d["out"]],
            [f"{x:.3f}" for x in d["ring"]],
            [f"{x:.3f}" for x in d["talk"]],
            [f"{x:.3f}" for x in d["wrap"]],
            ["0"] * n,
        ],
    )
    cov = {"risk_score": acc["score"], "days_past_due": acc["dpd"], "log_balance_usd": np.log(acc["balance"])}
    center = {k: float(v.mean()) for k, v in cov.items()}

    def shift(coefs: dict[str, float], who: np.ndarray) -> np.ndarray:
        return sum((b * (cov[k][who] - center[k]) for k, b in coefs.items()), np.zeros(len(who)))

    rpc = np.flatnonzero(d["out"] == RPC)
    ra = a[rpc]
    rs = acc["seg"][ra]
    segs = list(sc.segments.values())
    p_promise = special.expit(
        special.logit(np.array([segs[s].promise_probability for s in rs])) + shift(links.promise, ra)
    )
    made = rng.random(len(rpc)) < p_promise
    pi = rpc[made]
    pi = pi[np.argsort(d["t"][pi] + d["ring"][pi] + d["talk"][pi], kind="stable")]
    pa, ps = a[pi], acc["seg"][a[pi]]
    m = len(pi)
    amount = np.zeros(m)
    due = np.zeros(m, dtype=np.int64)
    for s, seg in enumerate(segs):
        sel = ps == s
        amount[sel] = seg.payment_usd.sample(rng, int(sel.sum()))
        due[sel] = np.round(seg.promise_due_days.sample(rng, int(sel.sum()))).astype(np.int64)
    amount = np.round(amount * np.exp(shift(links.payment, pa)), 2)
    made_at = d["t"][pi] + d["ring"][pi] + d["talk"][pi]
    made_day = np.floor(made_at / DAY_S).astype(np.int64)
    due_day = made_day + due
    p_keep = special.expit(
        special.logit(np.array([segs[s].keep_probability for s in ps])) + shift(links.keep, pa)
    )
    kept = rng.random(m) < p_keep
    _write(
        folder / "promises.csv",
        [
            "promise_id",
            "made_at",
            "account_id",
            "segment",
            "collector_id",
            "amount_usd",
            "due_date",
            "kind",
            "status",
            "paid_usd",
            "paid_date",
        ],
        [
            [f"P{i}" for i in range(m)],
            _iso(origin, made_at),
            [f"A{x}" for x in pa],
            [seg_names[s] for s in ps],
            [d["names"][c] for c in d["coll"][pi]],
            [f"{x:.2f}" for x in amount],
            _dates(origin, due_day),
            ["promise"] * m,
            ["kept" if k else "broken" for k in kept],
            [f"{x:.2f}" if k else "" for x, k in zip(amount, kept)],
            [x if k else "" for x, k in zip(_dates(origin, due_day), kept)],
        ],
    )
    # payments: kept promises, then self-cures (Poisson per account-day on the books)
    last = days[-1]
    expo = np.clip(last + 1 - acc["day"], 0, None)
    n_sc = (
        rng.poisson(self_cure_per_account_day * expo)
        if self_cure_per_account_day > 0
        else np.zeros(len(expo), int)
    )
    sc_acct = np.repeat(np.arange(len(expo)), n_sc)
    sc_day = acc["day"][sc_acct] + np.floor(rng.random(len(sc_acct)) * expo[sc_acct]).astype(np.int64)
    sc_amt = (
        np.round(np.array([segs[s].payment_usd.sample(rng, 1)[0] for s in acc["seg"][sc_acct]]), 2)
        if len(sc_acct)
        else np.zeros(0)
    )
    p_day = np.concatenate([due_day[kept], sc_day])
    p_acct = np.concatenate([pa[kept], sc_acct])
    p_amt = np.concatenate([amount[kept], sc_amt])
    p_src = ["promise"] * int(kept.sum()) + ["self_cure"] * len(sc_acct)
    p_id = [f"P{i}" for i in np.flatnonzero(kept)] + [""] * len(sc_acct)
    order = np.argsort(p_day, kind="stable")
    _write(
        folder / "payments.csv",
        ["paid_date", "account_id", "segment", "amount_usd", "source", "promise_id"],
        [
            _dates(origin, p_day[order]),
            [f"A{x}" for x in p_acct[order]],
            [seg_names[s] for s in acc["seg"][p_acct[order]]],
            [f"{x:.2f}" for x in p_amt[order]],
            [p_src[i] for i in order],
            [p_id[i] for i in order],
        ],
    )
    na = len(acc["seg"])
    _write(
        folder / "accounts.csv",
        [
            "account_id",
            "segment",
            "entered_date",
            "balance_usd",
            "past_due_usd",
            "days_past_due",
            "risk_score",
            "phones",
            "phone_status",
            "tz_offset_h",
            "control",
        ],
        [
            [f"A{x}" for x in range(na)],
            [seg_names[s] for s in acc["seg"]],
            _dates(origin, acc["day"]),
            [f"{x:.2f}" for x in acc["balance"]],
            [f"{min(x, 100.0):.2f}" for x in acc["balance"]],
            [f"{x:g}" for x in acc["dpd"]],
            [f"{x:.6g}" for x in acc["score"]],
            ["1"] * na,
            ["valid"] * na,
            [f"{x:g}" for x in acc["tz"]],
            [str(int(c)) for c in acc["control"]],
        ],
    )
    sh = d["shifts"]
    over = rng.exponential(30.0, len(sh))
    login = np.array([r[4] for r in sh])
    logout = np.array([r[5] for r in sh]) + over
    unprod = np.array([sum(b[1] for b in r[6]) for r in sh])
    order = np.argsort([r[3] for r in sh], kind="stable")
    _write(
        folder / "shifts.csv",
        ["date", "collector_id", "team", "login", "logout", "paid_s", "productive_s"],
        [
            _dates(origin, np.array([sh[i][3] for i in order])),
            [d["names"][sh[i][0]] for i in order],
            [sh[i][1] for i in order],
            _iso(origin, login[order]),
            _iso(origin, logout[order]),
            [f"{x:.3f}" for x in (logout - login)[order]],
            [f"{x:.3f}" for x in (logout - login - unprod)[order]],
        ],
    )
    return {
        "dials": n,
        "promises": m,
        "kept": int(kept.sum()),
        "accounts": na,
        "center": center,
        "origin": origin.isoformat(),
        "self_cures": len(sc_acct),
    }
