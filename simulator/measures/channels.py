"""Messages' figures among the metrics ([channels] on): the cost of the sends by segment (a cost
component, ``cost_channels``) and the center's and segments' ``channel_*`` metrics. Pure
functions of the counters."""

from __future__ import annotations

import numpy as np

from ..world.channels import COLLECTED, COST, OPT_OUTS, SENT
from ..world.counters import Counters

Metrics = dict[str, float | None]

CHANNEL_METRICS = ("channel_sent", "channel_collected", "channel_opt_outs")
"""Messages sent, dollars they brought (self-service payments and kept promises) and opt-outs,
over every channel; the per-channel figures are in the ``channels`` block."""
NO_CHANNELS: Metrics = dict.fromkeys(CHANNEL_METRICS)
"""Messages belong to accounts (segments and the center), not to collectors or teams."""


def channel_cost_by_segment(cnt: Counters) -> np.ndarray:
    """(S,) US dollars spent on sends, by the account's segment (zeros without channels)."""
    if cnt.channels is None:
        return np.zeros(cnt.promises.shape[1])
    return cnt.channels[:, :, COST].sum(axis=0)


def channel_metrics(cnt: Counters, segments: list[int]) -> Metrics:
    """The ``channel_*`` metrics of a group of segments (0 without channels)."""
    if cnt.channels is None:
        return dict.fromkeys(CHANNEL_METRICS, 0.0)
    c = cnt.channels[:, segments]
    return {
        "channel_sent": float(c[:, :, SENT].sum()),
        "channel_collected": float(c[:, :, COLLECTED].sum()),
        "channel_opt_outs": float(c[:, :, OPT_OUTS].sum()),
    }
