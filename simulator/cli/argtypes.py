"""Types of command-line values (argparse ``type=``), shared by every command: a wrong value is
reported by argparse as bad input (exit 2) before anything runs."""

from __future__ import annotations

import argparse
import math


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
    """A finite number: ``inf``, ``nan`` and numbers too large for a float are refused."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return v


def positive_number(text: str) -> float:
    """A finite number > 0 (a rate, a duration)."""
    v = number_arg(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return v


def output_path(text: str) -> str:
    """An output path (a file, a folder, or ``-`` where a command allows standard output): not
    empty, since an empty path names nothing and would otherwise be taken as no output at all."""
    if not text:
        raise argparse.ArgumentTypeError(
            "expected a path, got an empty string; give a file or folder path, or leave the option out"
        )
    return text


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
