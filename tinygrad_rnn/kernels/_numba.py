"""The one module of the package that imports numba.

Before it imports numba, it makes sure numba has somewhere writable to keep its on-disk
cache: if the package folder is read-only (a system-wide install) and ``NUMBA_CACHE_DIR`` is
unset, the cache goes to ``~/.cache/tinygrad_rnn/numba`` (or
``$XDG_CACHE_HOME/tinygrad_rnn/numba``). That must happen before numba is imported anywhere,
which is why every compiled module of :mod:`tinygrad_rnn.kernels` takes ``njit`` from here.
"""

from __future__ import annotations

import os

__all__ = ["njit", "numba", "cache_location"]

_HERE = os.path.dirname(os.path.abspath(__file__))


def cache_location() -> str:
    """The folder numba writes compiled kernels to (``__pycache__`` beside the kernels)."""
    return os.environ.get("NUMBA_CACHE_DIR") or os.path.join(_HERE, "__pycache__")


if not os.environ.get("NUMBA_CACHE_DIR") and not os.access(_HERE, os.W_OK):
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(base, "tinygrad_rnn", "numba")

import numba  # noqa: E402  (after the cache location is settled)
from numba import njit  # noqa: E402
