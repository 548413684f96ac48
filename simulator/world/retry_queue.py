"""Same-day retries of one bucket, by ready time: int keys in a calendar queue."""

from __future__ import annotations

import math
from bisect import insort
from heapq import heappop, heappush
from itertools import chain
from operator import neg

TICKS_PER_S = 1024
"""Retry queues hold one int per retry: (ready time in ticks, rounded up) << 32 | account. Ints
compare several times faster than (time, account) tuples, and a retry is never early."""
ACCOUNT_MASK = (1 << 32) - 1
SLOT_BITS = 32 + 18
"""A key's calendar slot is ``key >> SLOT_BITS``: slots of 2**18 ticks (256 s)."""


def retry_key(ready_s: float, a: int) -> int:
    """Heap key of a retry of account ``a`` ready at ``ready_s`` seconds."""
    return (math.ceil(ready_s * TICKS_PER_S) << 32) | a


def due_limit(now: float) -> int:
    """Keys below this are ready at ``now``."""
    return (int(now * TICKS_PER_S) + 1) << 32


def key_time_s(key: int) -> float:
    """The ready time (s) of a retry key."""
    return (key >> 32) / TICKS_PER_S


class RetryQueue:
    """One bucket's same-day retries, earliest key first: a calendar queue.

    A binary heap of tens of thousands of retries (a 1000-seat center) costs a pointer-chasing
    sift of ~15 levels per pop, which was the largest per-dial cost that grew with the center.
    Here retries wait unsorted in slots of ``2**(SLOT_BITS - 32)`` ticks (256 s) and a slot is
    sorted once, by C code, when it becomes the earliest; a pop is then ``list.pop()``. (Slots
    of 64 s cost a load per four pops at 10 collectors; at 1000 a 256-s slot holds ~1,500.)

    ``due`` holds the earliest slots' keys in descending order, so ``due[-1]`` is the earliest
    key of the whole queue and the hot loops read and pop it inline:

        if due and due[-1] < limit:
            a = due.pop() & ACCOUNT_MASK
            if not due and q.slots:
                q.load()

    The run of dials (dialing/progressive.py) also makes the usual push inline, a key at or
    above ``end`` joining its slot's existing list (there is none while ``due`` is empty, by the
    last invariant below):

        slot_keys = q.far.get(key >> SLOT_BITS) if key >= q.end else None
        if slot_keys is None:
            q.push(key)
        else:
            slot_keys.append(key)

    Invariants: every key in ``due`` is below ``end``, every key in ``far`` is at or above it,
    and ``due`` is empty only when the whole queue is. Pops come out in exactly the order of
    a heap of the same keys.
    """

    __slots__ = ("due", "end", "far", "slots")

    def __init__(self) -> None:
        self.due: list[int] = []  # descending
        self.end = 0  # keys below this belong in due
        self.far: dict[int, list[int]] = {}  # slot -> its keys, unsorted
        self.slots: list[int] = []  # heap of far's slots

    def __len__(self) -> int:
        return len(self.due) + sum(map(len, self.far.values()))

    def push(self, key: int) -> None:
        """Add a retry key (retry_key())."""
        if key >= self.end:
            if self.due:
                s = key >> SLOT_BITS
                lst = self.far.get(s)
                if lst is None:
                    self.far[s] = [key]
                    heappush(self.slots, s)
                else:
                    lst.append(key)
                return
            self.end = ((key >> SLOT_BITS) + 1) << SLOT_BITS
        insort(self.due, key, key=neg)

    def peek(self) -> int | None:
        """The earliest key, or None when empty."""
        return self.due[-1] if self.due else None

    def pop(self) -> int:
        """Remove and return the earliest key (the queue must not be empty)."""
        due = self.due
        k = due.pop()
        if not due and self.slots:
            self.load()
        return k

    def load(self) -> None:
        """Move the earliest far slot into the empty ``due``."""
        s = heappop(self.slots)
        lst = self.far.pop(s)
        lst.sort(reverse=True)
        self.due.extend(lst)
        self.end = (s + 1) << SLOT_BITS

    def clear(self, keep: set[int] | None = None) -> None:
        """Empty the queue, but for the retries of the accounts in ``keep`` (if given)."""
        kept = [k for k in chain(self.due, *self.far.values()) if k & ACCOUNT_MASK in keep] if keep else ()
        self.due.clear()
        self.end = 0
        self.far.clear()
        self.slots.clear()
        for k in kept:
            self.push(k)
