"""Errors the command line reports without a traceback, and its exit codes.

Below every other module, so that any layer can raise a user-facing error without importing the
command line.
"""
from __future__ import annotations

__all__ = ["InputError", "EXIT_OK", "EXIT_INTERNAL", "EXIT_INPUT"]

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


class InputError(Exception):
    """Bad input from the user (an option, a path, a file): printed without a traceback, exit 2."""
