"""Counters -> the inbound metrics of one unit (center, segment or team): the queue's service
and the inbound pyramid. Pure functions, as metrics.py.

- Queue (center and segment; ``None`` for a team, because a caller who hangs up was waiting for
  the queue, not for a team): ``inbound_calls`` (arrivals, retrials included),
  ``inbound_abandoned``, ``inbound_abandon_rate`` = abandoned / calls, ``service_level`` =
  calls answered within ``service_level_s`` / calls (every arriving call in the denominator,
  those who hung up included, as :mod:`.erlang` defines it), ``inbound_queued_share`` = calls
  that found no free collector / calls (Erlang's P(wait)).
- Answers (every level): ``inbound_answered``, ``asa_s`` = mean seconds waited by the answered
  calls, ``inbound_rpc`` (answered calls from an open account: negotiations),
  ``inbound_work_share`` = seconds of talk and wrap-up on inbound calls / all seconds of talk
  and wrap-up (inbound and outbound).
- Pyramid (every level): ``inbound_promises``, ``inbound_kept``, ``inbound_collected`` (US
  dollars), the promises, kept promises and dollars of inbound calls' negotiations, whoever
  answered them (inbound or blend collectors).

- Call-backs (center and segment; world/callbacks.py): ``callbacks_due`` (set times that came
  while the account was open), ``callbacks_made``, ``callbacks_made_on_time`` (started within
  ``on_time_s`` of the set time), ``callbacks_on_time_rate`` = on time / due, ``callbacks_rpc``
  (call-backs that reached the debtor). ``outbound_mismatches``: live answers of predictive
  calls that found no collector within ``abandon_after_s`` (the dialer's abandons, apart from
  answering-machine detection's and from inbound abandonment; 0 for the other modes).
- Classes and IVR (center and segment; ``None`` for a team): ``inbound_response_calls`` (calls
  back prompted by outbound dials that reached the queue, in ``inbound_calls``),
  ``inbound_response_asa_s`` (their mean wait when answered), ``inbound_response_promise_share``
  = promises made in those calls / ``inbound_promises``; ``ivr_calls`` (calls settled in the IVR,
  not in ``inbound_calls``), ``ivr_promises``, ``ivr_kept``, ``ivr_collected`` (US dollars): the
  IVR's pyramid, apart from the collectors' ``promises``, ``kept`` and ``collected``.

Without an ``[inbound]`` block the counts are 0 and the ratios ``None``.

By hour (:func:`inbound_by_hour`, the results block ``inbound_by_hour``): for each hour of the
calling window (center clock) the calls that arrived in it, and what became of them: answered,
abandoned, ``service_level`` (answered within ``service_level_s`` / calls), ``abandon_rate``
(abandoned / calls) and ``asa_s`` (mean seconds waited by the answered calls); ratios ``None`` in
an hour without calls (without answers, for ``asa_s``).
"""

from __future__ import annotations

import numpy as np

from ..scenario.schema import Scenario, clock_minutes
from ..world.counters import ANSWER_COLUMNS, CALLBACK_COLUMNS, QUEUE_COLUMNS, TALK, WRAP, Counters, Structure

INBOUND_METRICS = (
    "inbound_calls",
    "inbound_answered",
    "inbound_abandoned",
    "inbound_abandon_rate",
    "asa_s",
    "service_level",
    "inbound_queued_share",
    "inbound_work_share",
    "inbound_rpc",
    "inbound_promises",
    "inbound_kept",
    "inbound_collected",
    "callbacks_due",
    "callbacks_made",
    "callbacks_made_on_time",
    "callbacks_on_time_rate",
    "callbacks_rpc",
    "outbound_mismatches",
    "inbound_response_calls",
    "inbound_response_asa_s",
    "inbound_response_promise_share",
    "ivr_calls",
    "ivr_promises",
    "ivr_kept",
    "ivr_collected",
)
"""Contract names of the inbound metrics, in the order they are reported."""

BY_ANSWERER = (
    "inbound_answered",
    "asa_s",
    "inbound_work_share",
    "inbound_rpc",
    "inbound_promises",
    "inbound_kept",
    "inbound_collected",
)
"""The inbound metrics of whoever answered: defined at every level (center to collector)."""
QUEUE_METRICS = tuple(m for m in INBOUND_METRICS if m not in BY_ANSWERER)
"""The queue's measures and its call-backs': defined for the center and the segments, ``None``
for teams, collectors and groups (a caller who hangs up waited for the queue, not for a team)."""

_Q = {k: i for i, k in enumerate(QUEUE_COLUMNS)}
_A = {k: i for i, k in enumerate(ANSWER_COLUMNS)}


def _ratio(a: float, b: float) -> float | None:
    return float(a) / float(b) if b else None


def inbound_rpc(cnt: Counters, cells: np.ndarray) -> float:
    """Right-party negotiations of inbound calls over the (row, segment) ``cells`` mask."""
    if cnt.inbound_answers is None:
        return 0.0
    return float((cnt.inbound_answers[:, :, _A["rpc"]] * cells).sum())


def inbound_metrics(
    cnt: Counters, st: Structure, row_mask: np.ndarray, seg_mask: np.ndarray, queue: bool
) -> dict[str, float | None]:
    """The inbound metrics of the (row, segment) cells selected by the masks; ``queue``: the unit
    is the center or a segment, so the queue's arrivals and abandonment are its own."""
    cells = np.outer(row_mask, seg_mask).astype(float)
    ans = cnt.inbound_answers

    def answers(col: str) -> float:
        return float((ans[:, :, _A[col]] * cells).sum()) if ans is not None else 0.0

    out: dict[str, float | None] = {
        "inbound_promises": answers("promises"),
        "inbound_kept": answers("kept"),
        "inbound_collected": answers("collected_usd"),
    }
    answered, wait = answers("answered"), answers("wait_s")
    out["inbound_answered"] = answered
    handled = float(((cnt.handle_s[:, :, TALK] + cnt.handle_s[:, :, WRAP]) * cells).sum())
    out["inbound_work_share"] = _ratio(answers("handle_s"), handled) if ans is not None else None
    out["asa_s"] = _ratio(wait, answered)
    out["inbound_rpc"] = inbound_rpc(cnt, cells)
    if queue:
        q = cnt.inbound_queue
        tot = q[seg_mask].sum(axis=0) if q is not None else np.zeros(len(QUEUE_COLUMNS))
        calls = float(tot[_Q["calls"]])
        out["inbound_calls"] = calls
        out["inbound_abandoned"] = float(tot[_Q["abandoned"]])
        out["inbound_abandon_rate"] = _ratio(tot[_Q["abandoned"]], calls)
        out["service_level"] = _ratio(tot[_Q["answered_in_sl"]], calls)
        out["inbound_queued_share"] = _ratio(tot[_Q["queued"]], calls)
        cb = (
            cnt.callbacks[seg_mask].sum(axis=0)
            if cnt.callbacks is not None
            else np.zeros(len(CALLBACK_COLUMNS))
        )
        for k, col in zip(("callbacks_due", "callbacks_made", "callbacks_made_on_time", "callbacks_rpc"), cb):
            out[k] = float(col)
        out["callbacks_on_time_rate"] = _ratio(out["callbacks_made_on_time"], out["callbacks_due"])
        mm = cnt.outbound_mismatches
        out["outbound_mismatches"] = float(mm[seg_mask].sum()) if mm is not None else 0.0
        out["inbound_response_calls"] = float(tot[_Q["response_calls"]])
        out["inbound_response_asa_s"] = _ratio(tot[_Q["response_wait_s"]], tot[_Q["response_answered"]])
        out["inbound_response_promise_share"] = _ratio(tot[_Q["response_promises"]], out["inbound_promises"])
        for k in ("ivr_calls", "ivr_promises", "ivr_kept", "ivr_collected"):
            out[k] = float(tot[_Q[k]])
    else:
        for k in QUEUE_METRICS:
            out[k] = None
    return {k: out[k] for k in INBOUND_METRICS}


HOUR_FIGURES = ("calls", "answered", "abandoned", "service_level", "abandon_rate", "asa_s")
"""The figures of each hour in the ``inbound_by_hour`` block, named ``hHH_<figure>``."""


def window_hours(scenario: Scenario) -> range:
    """The hours of the day (center clock) that the calling window touches: inbound calls arrive
    and retry only inside it."""
    comp = scenario.compliance
    lo, hi = clock_minutes(comp.calling_window_start), clock_minutes(comp.calling_window_end)
    return range(lo // 60, -(-hi // 60))


def hour_key(hour: int, figure: str) -> str:
    """The ``inbound_by_hour`` entry of ``figure`` in hour ``hour``, e.g. ``h09_service_level``."""
    return f"h{hour:02d}_{figure}"


def inbound_by_hour(hours: np.ndarray, window: range) -> dict[str, float | None]:
    """The ``inbound_by_hour`` block of one replication from ``Counters.inbound_hours`` (24 rows
    by hour of arrival, columns HOUR_COLUMNS): for each hour of ``window``, the figures of
    :data:`HOUR_FIGURES` (module docstring). Counts are calls; ``asa_s`` seconds."""
    out: dict[str, float | None] = {}
    for h in window:
        calls, answered, in_sl, abandoned, wait = (float(x) for x in hours[h])  # HOUR_COLUMNS
        figures = {
            "calls": calls,
            "answered": answered,
            "abandoned": abandoned,
            "service_level": _ratio(in_sl, calls),
            "abandon_rate": _ratio(abandoned, calls),
            "asa_s": _ratio(wait, answered),
        }
        out.update({hour_key(h, k): figures[k] for k in HOUR_FIGURES})
    return out
