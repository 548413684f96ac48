"""Errors the command line reports without a traceback, and its exit codes.

Below every other module, so that any layer can raise a user-facing error without importing the
command line.
"""

from __future__ import annotations

__all__ = [
    "InputError",
    "OutputError",
    "Interrupted",
    "EXIT_OK",
    "EXIT_INTERNAL",
    "EXIT_INPUT",
    "EXIT_FAILED_REPLICATIONS",
    "EXIT_BREACH",
    "EXIT_INTERRUPTED",
    "EXIT_BROKEN_PIPE",
]

EXIT_OK = 0
EXIT_INTERNAL = 1
"""A bug: the message says so; COLLECTSIM_DEBUG=1 shows the traceback."""
EXIT_INPUT = 2
"""Bad input (scenario, option, path), or an output the system refused (read-only, full,
permission denied, out of memory): a one-line message, no traceback."""
EXIT_FAILED_REPLICATIONS = 3
"""A sweep finished but some replications raised; they are recorded with their error."""
EXIT_BREACH = 4
"""With --strict: the run finished and its outputs are written, but a compliance limit was
exceeded (the ``warning:`` lines on stderr say which)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (SIGINT), as shells report it: 128 + 2."""
EXIT_BROKEN_PIPE = 141
"""Standard output was closed by its reader (collectsim run | head): 128 + SIGPIPE, quietly."""


class InputError(Exception):
    """Bad input from the user (an option, a path, a file): printed without a traceback, exit 2."""


class OutputError(InputError):
    """An output path that cannot be written as asked (simulator.base.fileio): exit 2, no
    traceback."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with what the user should know in one line (where the finished work is kept)."""
