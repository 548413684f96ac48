"""Types of command-line values (argparse ``type=``), shared by every command: a wrong value is
reported by argparse as bad input (exit 2) before anything runs."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {v}")
    return v


def seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= v < 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number between 0 and 2**63-1, got {v}")
    return v


def number_arg(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


MAX_WAIT_S = 3600.0


def seconds(text: str) -> float:
    """A wait in seconds: more than 0 and at most an hour, so that a wait is always bounded."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < v <= MAX_WAIT_S:
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds > 0 and <= {MAX_WAIT_S:g}, got {text}"
        )
    return v
