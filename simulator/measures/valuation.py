"""Portfolio dollars of a living portfolio: cash, incremental cash over the never-called control
group, expected losses and the economic value of the calling (docs/portfolio.md, "Value by
loss"). Pure functions of the counters, like metrics.py; they belong to segments and the center,
not to the collectors and teams who called them (NOT_BY_COLLECTOR)."""

from __future__ import annotations

from ..world.counters import Counters

Metrics = dict[str, float | None]

LOSS_AVOIDED_WORDS = "the expected loss the calling prevents against the never-called control"
"""What ``loss_avoided`` is, in the words the reports use."""


def portfolio_dollars(cnt: Counters, segments: list[int]) -> Metrics:
    """Self-cure, cash, incremental dollars and losses of a group of segments (None where not
    defined).

    Cash is received in the measured window (US dollars), from the called accounts (the
    control group apart). ``self_cure_collected``: paid with no promise. ``collected_cash``: paid
    from every source (kept promises, plan installments, settlements, self-cures).
    ``incremental_collected``: ``collected_cash`` less what the same accounts would have paid
    uncalled, estimated segment by segment from the never-called control group: control dollars x
    (called accounts / control accounts); so it never exceeds ``collected_cash``.
    ``incremental_share``: incremental / cash. The incremental figures need a living portfolio
    with ``control_share`` > 0 (docs/portfolio.md).

    Losses are expected losses at the end of the run (world/valuation.py), US dollars.
    ``expected_loss_end``: of the called accounts open then. ``loss_avoided``: segment by
    segment, the control group's loss per dollar owed (expected loss / balance still owed, over
    every control account in the portfolio during the window, wherever it went) times what the
    called accounts would owe uncalled (what they still owe + ``incremental_collected``), less
    the called accounts' expected loss: the whole expected loss the calling prevents, on the
    balance left and on the dollars it brought in early (docs/portfolio.md, "Value by loss")."""
    if cnt.received_usd is None:
        return {**NOT_BY_COLLECTOR, "self_cure_collected": 0.0}
    cash = float(cnt.received_usd[segments, 0].sum())
    incremental: float | None = 0.0
    avoided: float | None = 0.0
    for s in segments:
        (treated_usd, control_usd), (n_treated, n_control) = cnt.received_usd[s], cnt.present_accounts[s]
        if not n_control:
            incremental = avoided = None
            break
        extra = float(treated_usd - control_usd * n_treated / n_control)
        incremental += extra
        (loss_t, loss_c), (owed_t, owed_c) = cnt.loss_usd[s], cnt.owed_usd[s]
        if avoided is not None:
            avoided = None if not owed_c else avoided + float(loss_c / owed_c * (owed_t + extra) - loss_t)
    return {
        "self_cure_collected": float(cnt.self_cure_usd[segments].sum()),
        "collected_cash": cash,
        "incremental_collected": incremental,
        "incremental_share": incremental / cash if incremental is not None and cash > 0 else None,
        "expected_loss_end": float(cnt.open_loss_usd[segments, 0].sum()),
        "loss_avoided": avoided,
    }


def economic_value(m: Metrics) -> float | None:
    """``net_economic_value`` = loss_avoided - cost, US dollars (None without a living portfolio
    with a control group). The incremental cash is not added: uncalled, those dollars would still
    be owed, and worth what is not lost of them; what the calling gains on them is the loss they
    no longer carry, which loss_avoided holds. Adding them would count each dollar twice."""
    avoided, cost = m.get("loss_avoided"), m.get("cost")
    if avoided is None or cost is None:
        return None
    return float(avoided - cost)


NOT_BY_COLLECTOR: Metrics = {
    "self_cure_collected": None,
    "collected_cash": None,
    "incremental_collected": None,
    "incremental_share": None,
    "expected_loss_end": None,
    "loss_avoided": None,
}
"""Portfolio dollars belong to segments, not to the collectors or teams who called them."""


def with_economic_value(m: Metrics) -> Metrics:
    """``m`` with its ``net_economic_value`` (:func:`economic_value`)."""
    m["net_economic_value"] = economic_value(m)
    return m
