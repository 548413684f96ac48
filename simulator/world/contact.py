"""What a dial reaches and how long it takes, per segment; what a conversation yields."""

from __future__ import annotations

import itertools

import numpy as np

from ..base.outcomes import RPC
from ..base.rng import Batched, Streams
from ..scenario.distributions import Constant
from ..scenario.schema import OUTCOMES, Segment


class Fixed:
    """A constant with the sampler interface; saves drawing numbers that are all the same."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def next(self) -> float:
        return self.value


class FlatOutcomes:
    """Outcome codes of a segment whose outcome probabilities do not vary by hour or weekday:
    the outcome stream's uniforms mapped through the cumulative probabilities a batch at a time.
    Same draws and same outcomes as bisecting one uniform at a time, at a fraction of the cost.
    ``buf``/``i`` may be read and advanced inline by the hot loop."""

    __slots__ = ("rng", "cum", "buf", "i", "n")

    def __init__(self, rng, cum: list[float], batch: int = 4096) -> None:
        self.rng = rng
        self.cum = np.asarray(cum)
        self.n = batch
        self.buf: list[int] = []
        self.i = 0

    def next(self) -> int:
        i = self.i
        if i >= len(self.buf):
            self.buf = np.searchsorted(self.cum, self.rng.random(self.n), side="right").tolist()
            i = 0
        self.i = i + 1
        return self.buf[i]


def sampler(streams: Streams, name: str, dist) -> Batched | Fixed:
    if isinstance(dist, Constant):
        return Fixed(dist.value)
    return streams.batched(name, dist.sample)


def _uniform(rng, n):
    return rng.random(n)


class SegmentModel:
    """Samplers of one segment, each on its own named stream."""

    def __init__(self, name: str, seg: Segment, streams: Streams) -> None:
        outs = seg.outcomes.as_list()
        self.name = name
        # Cumulative outcome probabilities for each local (weekday, hour), index weekday*24+hour;
        # the last entry is raised above 1 so rounding never lets a uniform draw fall off the end.
        self.cum_by_slot: list[list[float]] = []
        self.p_rpc_by_slot: list[float] = []
        for wd in range(7):
            for h in range(24):
                probs = seg.outcome_probabilities(h, wd)
                cum = list(itertools.accumulate(probs))
                cum[-1] = 2.0
                self.cum_by_slot.append(cum)
                self.p_rpc_by_slot.append(probs[RPC])
        self.flat = all(c == self.cum_by_slot[0] for c in self.cum_by_slot)  # no hour/weekday effect
        # The same by phone state, cum_phone[state][slot], when phone status is modelled without
        # account-level behaviour (phones.model_phone_tables); None otherwise.
        self.cum_phone: tuple[list[list[float]], ...] | None = None
        # One stream of outcome uniforms; when the probabilities are flat, drawn as codes.
        self.u_outcome = streams.batched(f"outcome/{name}", _uniform)
        self.codes = (
            FlatOutcomes(streams.generator(f"outcome/{name}"), self.cum_by_slot[0]) if self.flat else None
        )
        self.ring = [sampler(streams, f"ring/{name}/{o}", d.ring_time_s) for o, d in zip(OUTCOMES, outs)]
        self.talk = [sampler(streams, f"talk/{name}/{o}", d.talk_time_s) for o, d in zip(OUTCOMES, outs)]
        self.wrap = [sampler(streams, f"wrap/{name}/{o}", d.wrap_time_s) for o, d in zip(OUTCOMES, outs)]
        self.promise_p = seg.promise_probability
        self.keep_p = seg.keep_probability
        self.u_promise = streams.batched(f"promise/{name}", _uniform)
        self.u_keep = streams.batched(f"keep/{name}", _uniform)
        self.payment = sampler(streams, f"payment/{name}", seg.payment_usd)
        self.due_days = sampler(streams, f"due/{name}", seg.promise_due_days)
        # For runs of dials (ProgressiveDialer.run_of_dials): the samplers' bound next methods,
        # and the (ring, talk, wrap) of each outcome whose three times are all constant (None
        # where one is random), which saves three calls on most dials.
        self.ring_next = [x.next for x in self.ring]
        self.talk_next = [x.next for x in self.talk]
        self.wrap_next = [x.next for x in self.wrap]
        self.fixed = [
            (x.value, y.value, z.value)
            if isinstance(x, Fixed) and isinstance(y, Fixed) and isinstance(z, Fixed)
            else None
            for x, y, z in zip(self.ring, self.talk, self.wrap)
        ]
