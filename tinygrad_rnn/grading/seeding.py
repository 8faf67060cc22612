"""The instructor's seed: where every case builder draws its random numbers.

Without a seed, ``case_rng(701)`` is ``np.random.default_rng(701)``: the cases a learner
grades against at home. ``tinygrad-rnn grade --seed N`` and ``instructor grade-class --seed N``
set a seed for the grader's process only, and ``case_rng(701)`` becomes
``np.random.default_rng([N, 701])``: cases that the shipped builders, run without the seed,
do not reproduce. The seed never goes to the learner's process; only the cases' inputs do.

Builders are cached with :func:`cases` instead of ``functools.cache``: one cache entry per
seed, so grading with a second seed in the same process never reuses the first one's cases.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np

__all__ = ["case_rng", "cases", "current_seed", "set_seed", "instructor_seed"]

T = TypeVar("T")

_seed: int | None = None
_lock = threading.Lock()


def _checked(seed: int | None) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"the grading seed must be a whole number, got {seed!r}")
    if seed < 0:
        raise ValueError(f"the grading seed must be 0 or more, got {seed}")
    return int(seed)


def current_seed() -> int | None:
    """The instructor's seed, or ``None`` when the shipped cases are used."""
    return _seed


def set_seed(seed: int | None) -> None:
    """Use ``seed`` for every case built from now on (``None``: the shipped cases)."""
    global _seed
    _seed = _checked(seed)


@contextlib.contextmanager
def instructor_seed(seed: int | None) -> Iterator[None]:
    """Build cases from ``seed`` inside the block; the previous seed comes back after it."""
    global _seed
    before = _seed
    set_seed(seed)
    try:
        yield
    finally:
        _seed = before


def case_rng(n: int) -> np.random.Generator:
    """The random numbers of case builder ``n`` under the current seed."""
    if _seed is None:
        return np.random.default_rng(n)
    return np.random.default_rng([_seed, n])


def cases(builder: Callable[[], T]) -> Callable[[], T]:
    """Cache a case builder once per seed (the ``functools.cache`` of case builders)."""
    built: dict[int | None, T] = {}

    @functools.wraps(builder)
    def wrapper() -> T:
        seed = _seed
        if seed not in built:
            value = builder()
            with _lock:
                built.setdefault(seed, value)
        return built[seed]

    wrapper.cache_clear = built.clear  # type: ignore[attr-defined]
    return wrapper
