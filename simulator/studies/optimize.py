"""Ranking and selection with a statistical guarantee: the procedure of ``collectsim optimize``.

KN, the fully sequential procedure of Kim and Nelson (2001, "A fully sequential procedure for
indifference-zone selection in simulation", ACM TOMACS 11(3)), with common random numbers,
extended with the sequential feasibility check of Andradóttir and Kim (2010, "Fully sequential
procedures for comparing constrained systems via simulation", Naval Research Logistics 57(5))
for stochastic constraints. docs/optimize.md states the guarantee and its assumptions.

Pure: the designs' outputs come from a ``sampler`` (a simulation, or synthetic normal data in
the tests), so the procedure is a function of the values it is given. Larger is better here;
a caller minimising passes ``maximize=False`` and the objective is negated inside.

- Selection (KN, c = 1): eta = ((2 alpha_s / (k - 1))^(-2 / (n0 - 1)) - 1) / 2, h^2 = 2 eta
  (n0 - 1), S^2_il the sample variance of X_i - X_l over the first n0 replications (paired: the
  same replication of every design shares its random numbers). After r replications design i is
  eliminated by design l when sum_j (X_ij - X_lj) < -R(r; delta, h^2, S^2_il), with
  R(r; v, w, z) = max(0, w z / (2 v) - v r / 2): the sample mean of i is below l's by more than
  W_il(r) = max(0, delta / (2 r) (h^2 S^2_il / delta^2 - r)).
- Feasibility (Andradóttir and Kim's check, c = 1): for a constraint E[Y] <= q with tolerance
  epsilon, with beta = alpha_f / (k s) (Bonferroni over k designs and s constraints, which
  common random numbers make dependent), eta_f = ((2 beta)^(-2 / (n0 - 1)) - 1) / 2, h_f^2 =
  2 eta_f (n0 - 1), S^2 the variance of Y over the first n0 replications: the design meets the
  constraint once sum_j (Y_j - q) <= -R(r; epsilon, h_f^2, S^2), and fails it once that sum is
  >= +R (a constraint E[Y] >= q is the same on -Y). A design failing any constraint is out.
- Together: alpha_f = alpha_s = alpha / 2 with constraints (alpha_s = alpha without). Only a
  design declared feasible eliminates others (a design whose feasibility is still open may be
  infeasible, and must not remove a feasible one); a design still open keeps being simulated
  until its feasibility is decided or it is eliminated.
- Stop when every design left is decided and at most one feasible design is left, or at
  ``max_replications``, when the designs left are those it could not separate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from scipy.special import stdtrit

__all__ = [
    "Bound",
    "KnConstants",
    "kn_constants",
    "continuation",
    "Sampler",
    "DesignOutcome",
    "Selection",
    "select_best",
    "grid_replications",
]

Sampler = Callable[[Sequence[int], int, int], Mapping[int, Sequence[Sequence[float]]]]
"""``sample(designs, start, stop)``: for each design index, the rows of replications ``start ..
stop - 1``, each row ``[objective, constraint 1, ...]``. Replication r of every design must
share its random numbers (common random numbers) and each replication must be independent of
the others."""


@dataclass(frozen=True)
class Bound:
    """A stochastic constraint E[Y] <= value (``op`` "<=") or >= value, decided with
    ``tolerance`` (epsilon, in the units of Y): a design whose mean is inside by epsilon is
    declared feasible, one outside by epsilon infeasible, with the stated probability."""

    op: str
    value: float
    tolerance: float


@dataclass(frozen=True)
class KnConstants:
    """The procedure's constants: selection (eta, h2 at alpha_selection over k designs) and
    feasibility (eta_f, h2_f at beta per design and constraint)."""

    k: int
    n0: int
    alpha: float
    alpha_selection: float
    alpha_feasibility: float
    eta: float
    h2: float
    beta: float | None
    eta_f: float | None
    h2_f: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return dict(self.__dict__)


def kn_constants(k: int, n0: int, alpha: float, constraints: int = 0) -> KnConstants:
    """KN's eta and h^2 for ``k`` designs, ``n0`` first-stage replications and error
    ``alpha`` (split in half between selection and feasibility when there are
    ``constraints``)."""
    if k < 2:
        raise ValueError(f"k = {k}: ranking and selection needs at least 2 designs")
    if n0 < 2:
        raise ValueError(f"n0 = {n0}: expected at least 2 first-stage replications")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha = {alpha}: expected 0 < alpha < 0.5")
    a_f = alpha / 2 if constraints else 0.0
    a_s = alpha - a_f
    eta = ((2 * a_s / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2
    beta = eta_f = h2_f = None
    if constraints:
        beta = a_f / (k * constraints)
        eta_f = ((2 * beta) ** (-2 / (n0 - 1)) - 1) / 2
        h2_f = 2 * eta_f * (n0 - 1)
    return KnConstants(k, n0, alpha, a_s, a_f, eta, 2 * eta * (n0 - 1), beta, eta_f, h2_f)


def continuation(r: int, v: float, h2: float, s2: float) -> float:
    """R(r; v, h^2, S^2) = max(0, h^2 S^2 / (2 v) - v r / 2): the half-width, on the sum of r
    differences, of the triangular continuation region (Fabian 1974; c = 1)."""
    return max(0.0, h2 * s2 / (2 * v) - v * r / 2)


def _variance(xs: Sequence[float]) -> float:
    n = len(xs)
    m = math.fsum(xs) / n
    return math.fsum((x - m) ** 2 for x in xs) / (n - 1)


@dataclass
class DesignOutcome:
    """One design's fate. ``status``: chosen, alive (not separated from the chosen one at the
    cap), eliminated (by ``eliminated_by`` after ``eliminated_at`` replications), infeasible
    (a constraint failed after ``feasibility_at`` replications) or undecided (its feasibility
    still open at the cap). ``objective`` and ``constraints`` hold the values of the
    replications its decisions used (``replications`` of them; the objective in the caller's
    sign); ``simulated`` counts those run for it, batches included."""

    index: int
    status: str = "alive"
    replications: int = 0
    simulated: int = 0
    objective: list[float] = field(default_factory=list)
    constraints: list[list[float]] = field(default_factory=list)
    feasibility: list[str] = field(default_factory=list)
    feasibility_at: list[int | None] = field(default_factory=list)
    eliminated_by: int | None = None
    eliminated_at: int | None = None


@dataclass
class Selection:
    """What the procedure found. ``chosen``: the selected design (None when no design could be
    shown feasible); ``not_separated``: the designs still in contention with it when the cap
    stopped the procedure; ``guarantee``: whether the procedure ended on its own (one feasible
    design left, every feasibility decided), so the stated probability applies; ``spent``:
    replications simulated; ``grid``: what the fixed-size grid at the same precision would
    cost (:func:`grid_replications`)."""

    designs: list[DesignOutcome]
    chosen: int | None
    not_separated: list[int]
    stopped: str
    guarantee: bool
    constants: KnConstants
    spent: int
    grid_per_design: int
    grid: int


def grid_replications(
    first: Mapping[int, Sequence[Sequence[float]]],
    bounds: Sequence[Bound],
    delta: float,
    const: KnConstants,
) -> int:
    """Replications per design of the exhaustive grid at the same precision: every design run N
    times and the largest mean taken, N set from the same first stage so that the grid has the
    same guarantee, by Bonferroni, with common random numbers (Clark and Yang 1986's two-stage
    procedure): N >= t^2 S^2_il / delta^2 for every pair, t the 1 - alpha_s / (k - 1) quantile
    of Student's t with n0 - 1 degrees of freedom, and for each constraint N >= t_f^2 S^2 /
    epsilon^2 with t_f at 1 - beta. N is at least n0."""
    n0, k = const.n0, const.k
    rows = {i: list(v)[:n0] for i, v in first.items()}
    t2 = float(stdtrit(n0 - 1, 1 - const.alpha_selection / (k - 1))) ** 2
    need = n0
    ids = sorted(rows)
    for a, i in enumerate(ids):
        for j in ids[a + 1 :]:
            s2 = _variance([x[0] - y[0] for x, y in zip(rows[i], rows[j])])
            need = max(need, math.ceil(t2 * s2 / delta**2))
    if bounds and const.beta is not None:
        tf2 = float(stdtrit(n0 - 1, 1 - const.beta)) ** 2
        for i in ids:
            for c, b in enumerate(bounds):
                s2 = _variance([x[1 + c] for x in rows[i]])
                need = max(need, math.ceil(tf2 * s2 / b.tolerance**2))
    return need


def select_best(
    k: int,
    sample: Sampler,
    *,
    delta: float,
    alpha: float = 0.05,
    n0: int = 10,
    bounds: Sequence[Bound] = (),
    maximize: bool = True,
    max_replications: int | None = None,
    batch: int = 1,
) -> Selection:
    """Run KN with the feasibility check on designs ``0 .. k - 1`` (module docstring).

    ``delta``: the indifference zone, in the objective's units (> 0). ``n0``: first-stage
    replications; ``max_replications``: the cap per design (None: none; the procedure ends by
    itself, at the latest when the continuation regions close). ``batch``: replications asked
    of the sampler at once per design in each later stage; the decisions are taken after each
    replication whatever the batch, so they do not depend on it (only ``simulated`` does)."""
    if delta <= 0 or not math.isfinite(delta):
        raise ValueError(f"delta = {delta}: expected a number > 0")
    if any(b.tolerance <= 0 or not math.isfinite(b.tolerance) for b in bounds):
        raise ValueError("every constraint tolerance must be a number > 0")
    if max_replications is not None and max_replications < n0:
        raise ValueError(f"max_replications = {max_replications}: expected at least n0 = {n0}")
    if batch < 1:
        raise ValueError(f"batch = {batch}: expected a whole number >= 1")
    const = kn_constants(k, n0, alpha, len(bounds))
    sign = 1.0 if maximize else -1.0
    s = len(bounds)
    out = [DesignOutcome(i, feasibility=["undecided"] * s, feasibility_at=[None] * s) for i in range(k)]
    rows: dict[int, list[Sequence[float]]] = {i: [] for i in range(k)}

    def fetch(designs: Sequence[int], start: int, stop: int) -> None:
        got = sample(designs, start, stop)
        for i in designs:
            new = list(got[i])
            if len(new) != stop - start:
                raise ValueError(f"sampler gave {len(new)} rows for design {i}, expected {stop - start}")
            rows[i].extend(new)
            out[i].simulated += len(new)

    fetch(list(range(k)), 0, n0)
    grid_n = grid_replications(rows, bounds, delta, const)
    x = {i: [sign * row[0] for row in rows[i][:n0]] for i in range(k)}
    s2 = {
        (i, j): _variance([a - b for a, b in zip(x[i], x[j])]) for i in range(k) for j in range(k) if i != j
    }
    s2_f = {(i, c): _variance([row[1 + c] for row in rows[i][:n0]]) for i in range(k) for c in range(s)}
    obj_sum = {i: math.fsum(x[i]) for i in range(k)}
    con_sum = {(i, c): math.fsum(row[1 + c] for row in rows[i][:n0]) for i in range(k) for c in range(s)}
    active = list(range(k))  # neither eliminated nor infeasible
    open_ = {i: set(range(s)) for i in range(k)}  # constraints still undecided
    r = n0
    stopped = ""
    while True:
        # feasibility check
        for i in list(active):
            for c in sorted(open_[i]):
                b = bounds[c]
                excess = con_sum[(i, c)] - r * b.value
                if b.op == ">=":
                    excess = -excess
                edge = continuation(r, b.tolerance, const.h2_f or 0.0, s2_f[(i, c)])
                if excess <= -edge:
                    out[i].feasibility[c], out[i].feasibility_at[c] = "feasible", r
                    open_[i].discard(c)
                elif excess >= edge:
                    out[i].feasibility[c], out[i].feasibility_at[c] = "infeasible", r
                    open_[i].discard(c)
                    out[i].status = "infeasible"
                    active.remove(i)
                    break
        # comparison: a design is eliminated by a feasible one clearly better (all against the
        # designs active at the start of the step)
        feasible = [j for j in active if not open_[j]]
        gone = {}
        for i in active:
            for j in feasible:
                if j == i:
                    continue
                diff = obj_sum[i] - obj_sum[j]
                edge = continuation(r, delta, const.h2, s2[(i, j)])
                tie = s2[(i, j)] == 0 and diff == 0 and j < i  # identical outputs: keep one
                if diff < -edge or tie:
                    gone[i] = j
                    break
        for i, j in gone.items():
            out[i].status, out[i].eliminated_by, out[i].eliminated_at = "eliminated", j, r
            active.remove(i)
        feasible = [j for j in active if not open_[j]]
        if all(not open_[i] for i in active) and len(feasible) <= 1:
            stopped = "one design left" if feasible else "no feasible design"
            break
        if max_replications is not None and r >= max_replications:
            stopped = "cap reached"
            break
        have = min(len(rows[i]) for i in active)
        if have <= r:
            stop = r + batch if max_replications is None else min(r + batch, max_replications)
            fetch(active, r, stop)
        r += 1
        for i in active:
            row = rows[i][r - 1]
            obj_sum[i] += sign * row[0]
            for c in range(s):
                con_sum[(i, c)] += row[1 + c]
    for d in out:
        if d.status == "eliminated":
            d.replications = d.eliminated_at or r
        elif d.status == "infeasible":  # the constraint that failed was the last one decided
            d.replications = max(a for a in d.feasibility_at if a is not None)
        else:
            d.replications = r
        d.objective = [row[0] for row in rows[d.index][: d.replications]]
        d.constraints = [[row[1 + c] for row in rows[d.index][: d.replications]] for c in range(s)]
    chosen = _choose(out, active, open_, bounds, sign, stopped)
    not_separated = [i for i in active if i != chosen]
    for i in active:
        out[i].status = "chosen" if i == chosen else ("undecided" if open_[i] else "alive")
    spent = sum(d.simulated for d in out)
    guarantee = stopped in ("one design left", "no feasible design")
    return Selection(out, chosen, not_separated, stopped, guarantee, const, spent, grid_n, grid_n * k)


def _choose(
    out: Sequence[DesignOutcome],
    active: Sequence[int],
    open_: Mapping[int, set[int]],
    bounds: Sequence[Bound],
    sign: float,
    stopped: str,
) -> int | None:
    """The design selected among those left: the feasible one with the largest mean objective
    (in the maximising sign); at the cap with none declared feasible, the undecided one with the
    largest mean among those whose means meet every constraint (its feasibility not shown)."""

    def mean(i: int) -> float:
        return sign * math.fsum(out[i].objective) / len(out[i].objective)

    feasible = [i for i in active if not open_[i]]
    if feasible:
        return max(feasible, key=lambda i: (mean(i), -i))
    if stopped != "cap reached":
        return None

    def meets(i: int) -> bool:
        for c, b in enumerate(bounds):
            m = math.fsum(out[i].constraints[c]) / len(out[i].constraints[c])
            if (m > b.value) if b.op == "<=" else (m < b.value):
                return False
        return True

    ok = [i for i in active if meets(i)]
    return max(ok, key=lambda i: (mean(i), -i)) if ok else None
