"""A Ctrl-C noted by the command line, for the loops that must not lose one.

The command line's SIGINT handler (cli._sigint_noted) notes every Ctrl-C before it raises
KeyboardInterrupt. A library on the way may catch that exception and drop it (a finalizer, a
callback whose errors are only logged): the run would then go on as if nothing happened. The
replication loop (experiment.executors.run_ordered) asks :func:`raise_if_noted` after each
replication, so such a Ctrl-C still stops the run there.
"""

from __future__ import annotations

import threading

_noted = threading.Event()


def note() -> None:
    """A Ctrl-C came (called from the SIGINT handler)."""
    _noted.set()


def clear() -> None:
    """Forget any Ctrl-C noted (a command starts or ends)."""
    _noted.clear()


def raise_if_noted() -> None:
    """Raise KeyboardInterrupt if a Ctrl-C was noted since the command started."""
    if _noted.is_set():
        raise KeyboardInterrupt
