"""Checked argument types for the command line: a bad value is one line naming the flag.

``argparse`` turns an exception from a ``type=`` function into ``argument --hidden: ...``;
the functions here refuse zero, negative, non-finite and non-numeric values with a sentence
that says what is expected. :func:`one_line_errors` makes a parser print only that line
(not the usage block above it) and exit with status 2.

Example:
    >>> import argparse
    >>> parser = one_line_errors(argparse.ArgumentParser(prog="demo"))
    >>> _ = parser.add_argument("--hidden", type=positive_int, default=8)
    >>> parser.parse_args(["--hidden", "3"]).hidden
    3
"""

from __future__ import annotations

import argparse
import math
import sys
import types
from typing import NoReturn

__all__ = [
    "positive_int",
    "nonnegative_int",
    "positive_float",
    "nonnegative_float",
    "finite_float",
    "one_line_errors",
]


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def nonnegative_int(text: str) -> int:
    """A whole number >= 0."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def nonnegative_float(text: str) -> float:
    """A finite number >= 0."""
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def finite_float(text: str) -> float:
    """Any finite number."""
    return _float(text)


def _error(self: argparse.ArgumentParser, message: str) -> NoReturn:
    self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def one_line_errors(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser`` report a usage error as one line on stderr (exit status 2)."""
    parser.error = types.MethodType(_error, parser)  # type: ignore[method-assign]
    return parser


def fail(prog: str, message: str) -> int:
    """Print ``prog: error: message`` on stderr and return the exit status 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2
