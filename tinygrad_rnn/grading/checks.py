r"""Comparisons for judges, and the numeric-gradient oracle, in the grader's process.

A judge gets a :class:`~tinygrad_rnn.grading.registry.Case` and the plain data the probe
sent back, and returns ``None`` (right) or one sentence saying what differed:

* a value: the inputs, then expected vs got (:func:`value_message`);
* a gradient: which input, then the analytic (the learner's backprop) and the numeric
  (central-difference) value (:func:`gradient_message`);
* a shape: both shapes (:func:`shape_message`).

Numbers are compared as ``|got - expected| <= atol + rtol * |expected|``; ``nan`` never
matches.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_rnn.gradcheck import numerical_grad

__all__ = [
    "close",
    "fmt",
    "value_message",
    "gradient_message",
    "shape_message",
    "numeric_gradient",
    "first_gradient_error",
    "judge_number",
]


def close(got: float, expected: float, rtol: float = 1e-7, atol: float = 1e-10) -> bool:
    """True when ``got`` is within ``atol + rtol * |expected|`` of ``expected``."""
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    if math.isnan(got) or math.isnan(expected):
        return False
    if math.isinf(expected) or math.isinf(got):
        return got == expected
    return abs(got - expected) <= atol + rtol * abs(expected)


def fmt(x: Any) -> str:
    """A number with enough digits to see a difference; anything else as its repr."""
    if isinstance(x, float):
        return f"{x:.10g}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in x) + "]"
    return repr(x)


def value_message(label: str, expected: Any, got: Any, note: str = "") -> str:
    """``"<label>: expected <e>, got <g>"`` plus an optional note."""
    text = f"{label}: expected {fmt(expected)}, got {fmt(got)}"
    return f"{text} ({note})" if note else text


def gradient_message(label: str, name: str, analytic: float, numeric: float) -> str:
    """Which input's gradient is wrong, with the analytic and numeric values."""
    return (
        f"{label}: the gradient with respect to {name} is wrong: "
        f"analytic (backprop) {fmt(analytic)}, numeric (central difference) {fmt(numeric)}"
    )


def shape_message(label: str, what: str, expected: Any, got: Any) -> str:
    """Both shapes (or lengths) of a result that has the wrong size."""
    return f"{label}: {what} has the wrong shape: expected {expected}, got {got}"


def numeric_gradient(
    f: Callable[[Sequence[float]], float], x: Sequence[float], h: float = 1e-6
) -> list[float]:
    """Central-difference gradient of ``f`` at ``x`` (the oracle; see :mod:`..gradcheck`)."""
    return numerical_grad(f, list(x), h)


def first_gradient_error(
    label: str,
    names: Sequence[str],
    analytic: Any,
    numeric: Sequence[float],
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> str | None:
    """Compare gradients entry by entry; a message for the first one that differs."""
    if not isinstance(analytic, list) or len(analytic) != len(numeric):
        size = len(analytic) if isinstance(analytic, list) else type(analytic).__name__
        return shape_message(label, "the list of gradients", len(numeric), size)
    for name, a, n in zip(names, analytic, numeric, strict=True):
        if not close(a, n, rtol, atol):
            return gradient_message(label, name, a, n)
    return None


def judge_number(case: Any, got: Any, rtol: float = 1e-7, atol: float = 1e-10) -> str | None:
    """Judge a single number against ``case.expected``."""
    if close(got, case.expected, rtol, atol):
        return None
    return value_message(case.label, case.expected, got)
