"""Compliance limits exceeded in a run: what `run`, `compare` and `sweep` warn about and the HTML
report shows in red at the top.

The world measures every calling rule whether it is enforced or not (the results' ``compliance``
block); this module compares the worst replication of each measure with its limit. A rule
switched off in the scenario still breaches: the warning is what makes a what-if loud.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "RULES",
    "REPLACED_BY_PACKS",
    "BREACH_TOLERANCE",
    "breaches",
    "breach_lines",
    "limits_of",
    "infeasible_limits",
    "rules_of",
]

BREACH_TOLERANCE = 1e-12
"""A value breaches its limit when it exceeds the limit by more than this."""

RULES = {
    # compliance measure: (what is measured, the rule, kind "rate" or "count")
    "worst_30_day_abandon_rate": (
        "30-day abandon rate",
        "US FCC/TCPA: abandoned calls / live answers per campaign over 30 days",
        "rate",
    ),
    "worst_daily_abandon_rate": (
        "daily abandon rate",
        "UK Ofcom: abandoned calls / live answers per campaign per day",
        "rate",
    ),
    "calls_outside_window": (
        "calls outside the calling window",
        "the account's local calling hours",
        "count",
    ),
    "max_attempts_in_7_days": ("attempts on one account in 7 days", "US Regulation F", "count"),
    "calls_in_waiting_period": (
        "calls inside a waiting period",
        "US Regulation F: none within the days after a "
        "conversation; UK Ofcom: none within 72 h of an abandoned call, when on",
        "count",
    ),
    "autodialed_cells_without_consent": (
        "autodialed calls to cells without consent",
        "US TCPA: an autodialed call to a cell phone needs the debtor's prior express consent",
        "count",
    ),
    "messages_to_cells_without_consent": (
        "texts and IVR calls to cells without consent",
        "US TCPA: an autodialed text or a prerecorded call to a cell phone needs prior express consent",
        "count",
    ),
}
"""The compliance measures that have a limit, in the order warnings are given."""


REPLACED_BY_PACKS = ("max_attempts_in_7_days", "calls_in_waiting_period")
"""The measures of :data:`RULES` that the rule packs replace when ``compliance.rules`` names any:
they keep being measured, with the old counting, but are not limits then."""


def rules_of(scenario: Any) -> dict[str, tuple[str, str, str]]:
    """The measures that have a limit in ``scenario`` (a schema.Scenario), as :data:`RULES`:
    with rule packs on, each pack's actions over a limit and calls inside a wait take the place
    of the 7-day attempt count and the waiting period (:data:`REPLACED_BY_PACKS`)."""
    packs = scenario.compliance.rule_packs
    if not packs:
        return RULES
    out = {k: v for k, v in RULES.items() if k not in REPLACED_BY_PACKS}
    tightest = _daily_abandon_pack(scenario)
    if tightest is not None:
        name, pack = tightest, packs[tightest]
        rule = f"{name}: {pack.citation or pack.description or 'a rule pack of the scenario'}"
        out["worst_daily_abandon_rate"] = ("daily abandon rate", rule, "rate")
    for name, pack in packs.items():
        rule = f"{name}: {pack.citation or pack.description or 'a rule pack of the scenario'}"
        if pack.limits:
            out[f"{name}_actions_over_limit"] = (f"{name} actions over a limit", rule, "count")
        if pack.wait_after_conversation_days or pack.no_repeat_after_abandon_h:
            out[f"{name}_calls_in_waiting_period"] = (f"{name} calls inside a wait", rule, "count")
    return out


def _daily_abandon_pack(scenario: Any) -> str | None:
    """The rule pack of ``scenario`` whose ``max_abandon_rate`` (per campaign per 24 hours) is the
    smallest below ``dialer.max_abandon_rate`` (the first listed on a tie), or None."""
    best, rate = None, scenario.dialer.max_abandon_rate
    for name, pack in scenario.compliance.rule_packs.items():
        if pack.max_abandon_rate is not None and pack.max_abandon_rate < rate:
            best, rate = name, pack.max_abandon_rate
    return best


def limits_of(scenario: Any) -> dict[str, float]:
    """The limit of each measure of :func:`rules_of` in ``scenario`` (a schema.Scenario): the
    daily abandon rate's is the smallest of ``dialer.max_abandon_rate`` and the rule packs'
    ``max_abandon_rate`` (Ofcom: per campaign per 24 hours)."""
    comp, d = scenario.compliance, scenario.dialer
    daily = _daily_abandon_pack(scenario)
    out = {
        "worst_30_day_abandon_rate": d.max_abandon_rate,
        "worst_daily_abandon_rate": (
            d.max_abandon_rate if daily is None else comp.rule_packs[daily].max_abandon_rate
        ),
        "calls_outside_window": 0.0,
        "max_attempts_in_7_days": float(comp.max_attempts_in_7_days),
        "calls_in_waiting_period": 0.0,
        "autodialed_cells_without_consent": 0.0,
        "messages_to_cells_without_consent": 0.0,
    }
    for name in comp.rule_packs:
        out[f"{name}_actions_over_limit"] = 0.0
        out[f"{name}_calls_in_waiting_period"] = 0.0
    return out


def _setting(scenario: Any, measure: str) -> str:
    """Where the limit is set in the scenario, and whether the dialer enforces it."""
    comp = scenario.compliance
    if measure == "worst_daily_abandon_rate":
        daily = _daily_abandon_pack(scenario)
        if daily is not None:
            return f"compliance.rules: {daily}'s max_abandon_rate, measured, not paced to"
    if measure.endswith("abandon_rate"):
        return "dialer.max_abandon_rate"
    on = lambda flag: "enforced" if flag else "not enforced"  # noqa: E731
    if measure == "calls_outside_window":
        return (
            f"{comp.calling_window_start}-{comp.calling_window_end} local, "
            f"compliance.enforce_calling_window: {on(comp.enforce_calling_window)}"
        )
    if measure in ("autodialed_cells_without_consent", "messages_to_cells_without_consent"):
        return (
            f"compliance.cell_without_consent: {comp.cell_without_consent}, "
            f"enforce_cell_consent: {on(comp.enforce_cell_consent)}"
        )
    if measure == "max_attempts_in_7_days":
        return f"compliance.max_attempts_in_7_days, enforce_7_in_7: {on(comp.enforce_7_in_7)}"
    if measure not in RULES:  # a rule pack's measure
        return f"compliance.rules, enforce_rules: {on(comp.enforce_rules)}"
    return (
        f"{comp.wait_after_conversation_days:g} days after a conversation, "
        f"enforce_wait_after_conversation: {on(comp.enforce_wait_after_conversation)}"
    )


def _show(kind: str, v: float) -> str:
    return f"{v * 100:.1f}%" if kind == "rate" else f"{v:,.0f}"


def breaches(scenario: Any, compliance: Mapping[str, Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Each limit exceeded in some replication: ``{"measure", "name", "rule", "worst", "mean",
    "limit", "replications_over", "replications", "message"}``, in the order of :func:`rules_of`.

    ``compliance``: the results' compliance block, ``{measure: STAT}``. A STAT whose ``values``
    list only the first replications (a :class:`~simulator.base.statistics.Stat`) is read from
    its moments, which cover every replication.
    """
    if not compliance:
        return []
    lim = limits_of(scenario)
    out = []
    for measure, (name, rule, kind) in rules_of(scenario).items():
        s = compliance.get(measure)
        if not isinstance(s, Mapping):
            continue
        threshold = lim[measure] + BREACH_TOLERANCE
        m = getattr(s, "moments", None)
        if m is not None and threshold in m.above:
            n_over, n, worst, mean = m.above[threshold], m.n, m.maximum, m.mean
        else:
            vals = [float(v) for v in s.get("values") or [] if v is not None]
            n_over, n = sum(1 for v in vals if v > threshold), len(vals)
            if n_over:
                worst, mean = max(vals), sum(vals) / len(vals)
        if not n_over:
            continue
        msg = (
            f"{name} {_show(kind, worst)} in the worst replication (mean {_show(kind, mean)}; {n_over} of "
            f"{n} over) exceeds the limit of {_show(kind, lim[measure])} ({rule}; "
            f"{_setting(scenario, measure)})"
        )
        out.append(
            {
                "measure": measure,
                "name": name,
                "rule": rule,
                "worst": worst,
                "mean": mean,
                "limit": lim[measure],
                "replications_over": n_over,
                "replications": n,
                "message": msg,
            }
        )
    return out


def breach_lines(found: Sequence[Mapping[str, Any]], prefix: str = "") -> list[str]:
    """The ``warning:`` lines of some breaches (``prefix`` names the variant or side)."""
    return [f"warning: {prefix}{b['message']}" for b in found]


def infeasible_limits(scenario: Any) -> list[str]:
    """The compliance limits ``scenario`` (a schema.Scenario) cannot meet whatever the pacing,
    each as a ``warning:`` line with the figure (empty when none).

    Answering-machine detection hangs up on a live answer it takes for a machine: that call is
    abandoned. A share 1 - ``amd_accuracy`` of live answers is abandoned by AMD alone, so an
    abandon-rate limit at or below it cannot be met, however slowly the dialer paces."""
    d = scenario.dialer
    out = []
    if d.amd and 1.0 - d.amd_accuracy >= d.max_abandon_rate:
        out.append(
            f"warning: dialer.max_abandon_rate = {d.max_abandon_rate:.1%} cannot be met: with "
            f"dialer.amd_accuracy = {d.amd_accuracy:g}, answering-machine detection alone hangs up on "
            f"{1.0 - d.amd_accuracy:.1%} of live answers (abandoned calls), whatever the pacing"
        )
    return out
