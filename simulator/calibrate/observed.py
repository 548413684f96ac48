"""The back-test's observed side: each checked figure of the held-out data with the standard
error of its own sampling (docs/data-formats.md, "The back-test").

The held-out days are one sample of the process. Each figure's SE is that of the estimate from
those days alone, from the counts and amounts behind it:

- a rate of events per trial (promise rate = promises / rpc, kept rate = kept / resolved
  promises): binomial, sqrt(p (1 - p) / n);
- dials and right-party contacts, counts of back-to-back calls in fixed hours: the
  renewal-reward variance, sum over the dials of (r_i - rho h_i)^2, where h_i is the dial's
  handling seconds (ring + talk + wrap), r_i 1 for a dial counted (every dial; a right-party
  contact) and rho = sum r / sum h. For the dials this is n CV^2 of the handling time: long
  conversations make the count vary more than a Poisson count, fewer dials fit in the day;
- promises per day: the right-party contacts thinned by the promise rate q,
  q^2 V_rpc + promises (1 - q);
- collected dollars (collected per day, value per paid hour): compound Poisson, the payments of
  kept promises a Poisson number of random amounts, sqrt(sum of squared payments);
- the average payment: the payments' sample SD / sqrt(kept);
- the productive rate, a ratio of hours rather than a count: the ratio estimator's SE over
  collector-days, sqrt(n / (n - 1) x sum (y_i - r x_i)^2) / sum x_i.

A count of 0 counts as 1 (so a Poisson SE is never 0), and a binomial rate of 0 or 1 as half an
event away from it. Daily KPI rows (``--kpi``) hold neither handling times nor payment amounts:
there dials, rpc, collected dollars and the productive rate use the ratio estimator over the
rows (per productive or paid hour), promises the thinning above. Where no SE can be formed (fewer
than two collector-days or rows, fewer than two payments) the SE is None and the back-test uses
the simulated spread instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..base.clock import HOUR_S
from ..base.outcomes import RPC
from .read.formats import KEPT, PENDING
from .read.trace import Trace

__all__ = ["Figure", "observed_layers", "observed_kpi_layers"]


@dataclass(frozen=True)
class Figure:
    """One observed figure (in its metric's unit) and the SE of its sampling (same unit), None
    when not observed or not estimable."""

    value: float | None
    se: float | None = None


def _div(a: float, b: float) -> float | None:
    return a / b if b else None


def _binomial_se(x: float, n: float) -> float | None:
    if n <= 0:
        return None
    p = min(max(x / n, 0.5 / n), 1 - 0.5 / n)
    return math.sqrt(p * (1 - p) / n)


def _ratio_se(y: np.ndarray, x: np.ndarray) -> float | None:
    """SE of sum(y) / sum(x) over n clusters (the ratio estimator's delta method)."""
    keep = x > 0
    y, x = y[keep], x[keep]
    n = len(x)
    if n < 2 or x.sum() <= 0:
        return None
    r = y.sum() / x.sum()
    return float(math.sqrt(n / (n - 1) * float(np.sum((y - r * x) ** 2))) / x.sum())


def _renewal_var(counted: np.ndarray, handle: np.ndarray) -> float:
    """Variance of the number of dials with ``counted`` among back-to-back calls of ``handle``
    seconds in fixed hours (renewal-reward)."""
    if not len(handle) or handle.sum() <= 0:
        return float(counted.sum())
    rho = counted.sum() / handle.sum()
    return float(np.sum((counted - rho * handle) ** 2))


def _thinned_var(v_parent: float, parent: float, child: float) -> float:
    """Variance of ``child`` events drawn from ``parent`` ones (variance ``v_parent``) with
    probability child / parent each."""
    q = min(child / parent, 1.0) if parent > 0 else 0.0
    return q * q * v_parent + child * (1 - q)


def _fig(value: float | None, se: float | None) -> Figure:
    return Figure(value, se if value is not None else None)


def observed_layers(tr: Trace, days: int) -> dict[str, dict[str, Figure]]:
    """Pyramid layers and daily volumes of the data in ``tr`` (one window), for the center and
    each segment, with their SEs (module doc). Paid and productive hours are split over segments
    by each collector's handling seconds on them (the allocation rule of measures/metrics.py);
    promises are those made in the window, kept and collected their eventual result (pending
    ones left out)."""
    d = tr.dials
    segs = tr.segments
    S = len(segs)
    handle = d["ring"] + d["talk"] + d["wrap"]
    C = len(tr.collectors)
    have_hours = tr.shifts is not None
    share = np.full((max(C, 1), S), 1.0 / S)
    if have_hours and C:
        has = d["coll"] >= 0
        hs = np.bincount(d["coll"][has] * S + d["seg"][has], weights=handle[has], minlength=C * S).reshape(
            C, S
        )
        tot = hs.sum(axis=1, keepdims=True)
        share = np.where(tot > 0, hs / np.where(tot > 0, tot, 1), 1.0 / S)
    # collector-days: paid and productive seconds of each shift, split by its collector's shares
    if have_hours:
        coll = tr.shifts["collector_id"]
        cd_paid = tr.shifts["paid_s"][:, None] * share[coll]
        cd_prod = tr.shifts["productive_s"][:, None] * share[coll]
    else:
        cd_paid = cd_prod = np.zeros((0, S))
    dials = np.bincount(d["seg"], minlength=S).astype(float)
    rpc = np.bincount(d["seg"][d["out"] == RPC], minlength=S).astype(float)
    pr = tr.promises
    zero = np.zeros(S)
    promises = kept = resolved = collected = collected_sq = zero
    paid_of: list[np.ndarray] = [np.zeros(0)] * S
    if pr is not None:
        promises = np.bincount(pr["segment"], minlength=S).astype(float)
        k = pr["status"] == KEPT
        kept = np.bincount(pr["segment"][k], minlength=S).astype(float)
        resolved = np.bincount(pr["segment"][pr["status"] != PENDING], minlength=S).astype(float)
        amounts = np.nan_to_num(pr["paid_usd"][k])
        collected = np.bincount(pr["segment"][k], weights=amounts, minlength=S)
        collected_sq = np.bincount(pr["segment"][k], weights=amounts**2, minlength=S)
        paid_of = [amounts[pr["segment"][k] == s] for s in range(S)]
    out: dict[str, dict[str, Figure]] = {}
    units = [("center", list(range(S)))] + [(s, [i]) for i, s in enumerate(segs)]
    for name, sel in units:

        def total(v: np.ndarray, sel: list[int] = sel) -> float:
            return float(np.sum(v[sel]))

        mine = np.isin(d["seg"], sel)
        h_mine = handle[mine]
        v_dials = max(_renewal_var(np.ones(len(h_mine)), h_mine), 1.0)
        v_rpc = max(_renewal_var((d["out"][mine] == RPC).astype(float), h_mine), 1.0)
        paid_h, prod_h = total(cd_paid.sum(axis=0)) / HOUR_S, total(cd_prod.sum(axis=0)) / HOUR_S
        n_rpc, n_pr, n_kept = total(rpc), total(promises), total(kept)
        usd, usd_se = total(collected), math.sqrt(max(total(collected_sq), 0.0))
        pays = np.concatenate([paid_of[i] for i in sel])
        have_pr = pr is not None
        both = have_hours and have_pr
        out[name] = {
            "productive_rate": _fig(
                _div(prod_h, paid_h) if have_hours else None,
                _ratio_se(cd_prod[:, sel].sum(axis=1), cd_paid[:, sel].sum(axis=1)),
            ),
            "rpc_per_productive_hour": _fig(
                _div(n_rpc, prod_h) if have_hours else None, _div(math.sqrt(v_rpc), prod_h)
            ),
            "promise_rate": _fig(_div(n_pr, n_rpc) if have_pr else None, _binomial_se(n_pr, n_rpc)),
            "kept_rate": _fig(
                _div(n_kept, total(resolved)) if have_pr else None, _binomial_se(n_kept, total(resolved))
            ),
            "avg_payment": _fig(
                _div(usd, n_kept) if have_pr else None,
                float(np.std(pays, ddof=1) / math.sqrt(len(pays))) if len(pays) >= 2 else None,
            ),
            "value_per_paid_hour": _fig(_div(usd, paid_h) if both else None, _div(usd_se, paid_h)),
            "dials": Figure(total(dials) / days, math.sqrt(v_dials) / days),
            "rpc": Figure(n_rpc / days, math.sqrt(v_rpc) / days),
            "promises": _fig(
                n_pr / days if have_pr else None,
                math.sqrt(max(_thinned_var(v_rpc, n_rpc, n_pr), 1.0)) / days,
            ),
            "collected": _fig(usd / days if have_pr else None, usd_se / days),
        }
    return out


KPI_COLUMNS = ("paid_hours", "productive_hours", "dials", "rpc", "promises", "kept", "collected_usd")


def observed_kpi_layers(
    path: str | Path, since: np.datetime64, days: int, lenient: bool = False
) -> dict[str, dict[str, Figure]]:
    """The pyramid layers and daily volumes of the rows dated ``since`` or later, for the center
    and each team, with their SEs (the back-test's observed side; module doc)."""
    from .kpi import read_kpi

    t, teams = read_kpi(path, lenient)
    rows = t["date"] >= since
    units: dict[str, np.ndarray] = {"center": rows}
    if t.has("team"):
        units.update({team: rows & (t["team"] == code) for code, team in enumerate(teams)})
    out: dict[str, dict[str, Figure]] = {}
    for unit, m in units.items():
        col = {c: np.asarray(t[c][m], dtype=float) for c in KPI_COLUMNS}
        s = {c: float(v.sum()) for c, v in col.items()}
        vph_se = _ratio_se(col["collected_usd"], col["paid_hours"])
        dph_se = _ratio_se(col["dials"], col["productive_hours"])
        rph_se = _ratio_se(col["rpc"], col["productive_hours"])
        v_rpc = None if rph_se is None else (rph_se * s["productive_hours"]) ** 2
        out[unit] = {
            "productive_rate": _fig(
                _div(s["productive_hours"], s["paid_hours"]),
                _ratio_se(col["productive_hours"], col["paid_hours"]),
            ),
            "rpc_per_productive_hour": _fig(_div(s["rpc"], s["productive_hours"]), rph_se),
            "promise_rate": _fig(_div(s["promises"], s["rpc"]), _binomial_se(s["promises"], s["rpc"])),
            "kept_rate": _fig(_div(s["kept"], s["promises"]), _binomial_se(s["kept"], s["promises"])),
            "avg_payment": _fig(
                _div(s["collected_usd"], s["kept"]), _ratio_se(col["collected_usd"], col["kept"])
            ),
            "value_per_paid_hour": _fig(_div(s["collected_usd"], s["paid_hours"]), vph_se),
            "dials": Figure(
                s["dials"] / days, None if dph_se is None else dph_se * s["productive_hours"] / days
            ),
            "rpc": Figure(s["rpc"] / days, None if v_rpc is None else math.sqrt(v_rpc) / days),
            "promises": Figure(
                s["promises"] / days,
                None
                if v_rpc is None
                else math.sqrt(max(_thinned_var(v_rpc, s["rpc"], s["promises"]), 1.0)) / days,
            ),
            "collected": Figure(
                s["collected_usd"] / days, None if vph_se is None else vph_se * s["paid_hours"] / days
            ),
        }
    return out
