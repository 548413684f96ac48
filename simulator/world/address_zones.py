"""Accounts whose data suggests two time zones: the phone's area code (the account's bucket) and
the address. Under 12 CFR 1006.6(b)(1) a call is convenient only inside the calling window in
every zone the data suggests, so for these accounts the window is the intersection of the two.

A segment's ``time_zones.address_differs_share`` of accounts get an address zone other than their
bucket's, drawn by the segment's zone weights among the others (streams
``portfolio/SEGMENT/address_tz`` and ``portfolio/SEGMENT/inflow/address_tz``, so no other draw
moves). The bucket's window is what opens the bucket (routing.Campaign.open_buckets); the
address's is checked here when a campaign gives the account (:meth:`AddressZones.passes`): an
account outside it waits, as a retry due when the address's window opens if that is still
inside today's window of its bucket, and otherwise leaves today's list. The calls outside the
address's window are measured in the dial kernel (``calls_outside_address_window``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..base.clock import DAY_S, HOUR_S
from ..base.rng import Streams
from ..scenario.schema import clock_minutes
from .retry_queue import retry_key

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario
    from .portfolio import Portfolio
    from .routing import Campaign


class AddressZones:
    """The address zone of the accounts whose address and area code differ (seconds to add to
    the center's clock), and the calls to them outside the address's window."""

    __slots__ = ("enforce", "hi_s", "lo_s", "offset_s", "outside", "delayed", "dropped", "audit")

    def __init__(self, offset_s: dict[int, float], scenario: Scenario, trace: bool = False) -> None:
        comp = scenario.compliance
        self.offset_s = offset_s  # account -> its address zone's offset (s)
        self.lo_s = 60.0 * clock_minutes(comp.calling_window_start)
        self.hi_s = 60.0 * clock_minutes(comp.calling_window_end)
        self.enforce = comp.enforce_calling_window
        self.outside = 0  # dials placed outside the address's window (measured window)
        self.delayed = 0  # accounts held until the address's window opened
        self.dropped = 0  # accounts left off today's list: no common window left today
        # with a trace: (t, account, "call", "calling_window_address", action) per account held
        self.audit: list[tuple[float, int, str, str, str]] | None = [] if trace else None

    @staticmethod
    def on(scenario: Scenario) -> bool:
        """Some segment has accounts whose address and area code differ."""
        return any(seg.time_zones.address_differs_share > 0 for seg in scenario.segments.values())

    @classmethod
    def draw(
        cls, scenario: Scenario, portfolio: Portfolio, streams: Streams, trace: bool = False
    ) -> AddressZones:
        """Draw the address zones of every segment's accounts (module docstring)."""
        offsets: dict[int, float] = {}
        p = portfolio
        n0 = int(p.first[-1])
        for i, name in enumerate(scenario.segment_names):
            tz = scenario.segments[name].time_zones
            share = tz.address_differs_share
            if share <= 0:
                continue
            base = p.segment_buckets[i][0]
            w = np.asarray(tz.weights, dtype=float)
            mine = np.flatnonzero(p.segment == i)
            for part, stream in (
                (mine[mine < n0], f"portfolio/{name}/address_tz"),
                (mine[mine >= n0], f"portfolio/{name}/inflow/address_tz"),
            ):
                if not len(part):
                    continue
                rng = streams.generator(stream)
                differs = rng.random(len(part)) < share
                zone = p.bucket[part] - base
                u = rng.random(len(part))
                for a, z, d, x in zip(part.tolist(), zone.tolist(), differs.tolist(), u.tolist()):
                    if not d:
                        continue
                    ww = w.copy()
                    ww[z] = 0.0
                    if ww.sum() <= 0:
                        continue
                    k = int(np.searchsorted(np.cumsum(ww / ww.sum()), x, side="right"))
                    offsets[a] = tz.offsets_h[min(k, len(ww) - 1)] * HOUR_S
        return cls(offsets, scenario, trace)

    def outside_window(self, a: int, now: float) -> bool:
        """A call to account ``a`` at ``now`` is outside its address's window."""
        off = self.offset_s.get(a)
        return off is not None and not self.lo_s <= (now + off) % DAY_S < self.hi_s

    def passes(self, camp: Campaign, a: int, now: float) -> bool:
        """Account ``a``, given by ``camp`` at ``now``, may be dialed now in its address's zone.
        If not (and the window is enforced), it is held: a retry due when the address's window
        opens, if its bucket's window is still open then, or else nothing more today."""
        off = self.offset_s.get(a)
        if off is None or not self.enforce:
            return True
        local = (now + off) % DAY_S
        if self.lo_s <= local < self.hi_s:
            return True
        wait = (self.lo_s - local) % DAY_S  # seconds until the address's window opens
        p = camp.portfolio
        b = p.bucket_list[a]
        opens = now + wait
        bucket_local = (opens + p.bucket_offset_s[b]) % DAY_S
        same_day = int((now + p.bucket_offset_s[b]) // DAY_S) == int((opens + p.bucket_offset_s[b]) // DAY_S)
        if same_day and self.lo_s <= bucket_local < self.hi_s:
            camp.lists.retry[b].push(retry_key(opens, a))
            self.delayed += 1
            action = "delayed"
        else:
            self.dropped += 1
            action = "blocked"
        if self.audit is not None:
            self.audit.append((now, a, "call", "calling_window_address", action))
        return False

    def reset(self) -> None:
        """Count from zero (the end of the warm-up)."""
        self.outside = self.delayed = self.dropped = 0

    def block(self) -> dict[str, float]:
        """The compliance block's figures: ``accounts_with_two_time_zones``,
        ``calls_outside_address_window``, ``accounts_delayed_for_address_window``,
        ``accounts_held_off_for_address_window``."""
        return {
            "accounts_with_two_time_zones": float(len(self.offset_s)),
            "calls_outside_address_window": float(self.outside),
            "accounts_delayed_for_address_window": float(self.delayed),
            "accounts_held_off_for_address_window": float(self.dropped),
        }
