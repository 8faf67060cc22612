"""Comparing a learner's array with the expected one, for the lessons that grade arrays.

Kept apart from :mod:`tinygrad_rnn.grading.checks` so that grading the scalar lessons never
imports numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_rnn.grading.checks import shape_message, value_message
from tinygrad_rnn.grading.probes import WrongType, describe

__all__ = ["array_problem", "as_array", "from_plain", "late_by_one", "to_plain"]


def array_problem(
    label: str, what: str, expected: np.ndarray, got: Any, rtol: float = 1e-9, atol: float = 1e-12
) -> str | None:
    """None when ``got`` is an array equal to ``expected``, else what differs (shape first)."""
    if got is None:
        return f"{label}: {what} is missing (None)"
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        return shape_message(label, what, expected.shape, got.shape)
    if not np.all(np.isfinite(got)):
        return f"{label}: {what} holds nan or inf: {np.array2string(got, threshold=8)}"
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        index = f"[{', '.join(map(str, where))}]" if where else ""
        return value_message(
            label,
            float(expected[where]),
            float(got[where]),
            f"{what}{index}, first of {int(bad.sum())} wrong entries",
        )
    return None


def as_array(obj: Any, where: str) -> np.ndarray:
    """The learner's result as a float64 ndarray; a Tensor or a list gets a clear message."""
    if isinstance(obj, np.ndarray | np.generic):
        arr = np.asarray(obj)
        if arr.dtype.kind not in "fiu":
            raise WrongType(f"{where} should hold numbers, got an array of dtype {arr.dtype}")
        return arr.astype(np.float64)
    if type(obj).__name__ == "Tensor":
        raise WrongType(f"{where} should be a numpy array, got a Tensor; return its .data")
    if isinstance(obj, list | tuple):
        raise WrongType(
            f"{where} should be one numpy array, got a {type(obj).__name__}; "
            "combine the pieces with np.stack or np.array"
        )
    raise WrongType(f"{where} should be a numpy array, got {describe(obj)}")


def to_plain(d: dict[str, np.ndarray]) -> dict[str, Any]:
    """Arrays as nested lists: case inputs travel to the learner's process as JSON."""
    return {k: v.tolist() for k, v in d.items()}


def from_plain(inputs: dict[str, Any], names: tuple[str, ...]) -> list[np.ndarray]:
    """The named case inputs back as float64 arrays, in the order of ``names``."""
    return [np.array(inputs[n], dtype=np.float64) for n in names]


def late_by_one(
    label: str, want: np.ndarray, got: np.ndarray, h0: np.ndarray | None = None
) -> str | None:
    """The classic off-by-one of unrolling: ``hs`` holds h_0 .. h_{T-1} instead of h_1 .. h_T.

    Returns the diagnosis when ``got`` is ``want`` shifted one step late (starting from
    ``h0`` when it is given), else None.
    """
    if got.shape != want.shape:
        return None
    if h0 is not None:
        late = np.allclose(got[0], h0, atol=1e-9) and np.allclose(got[1:], want[:-1], atol=1e-9)
    else:
        late = len(want) > 1 and np.allclose(got[1:], want[:-1], atol=1e-9)
    if not late:
        return None
    return (
        f"{label}: every state is one step late: hs[t] should be the state after "
        "reading xs[t] (h_1 .. h_T), not before it (h_0 .. h_{T-1})"
    )
