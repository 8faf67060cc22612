r"""Gradient checking: compare backprop with central differences.

A gradient computed by backpropagation is only as right as every backward rule in the
graph. The independent check is the definition of the derivative itself, evaluated with
a small step :math:`h` on both sides:

.. math::

    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

The error of this central difference shrinks like :math:`h^2` (a one-sided difference only
like :math:`h`), so in float64 with :math:`h = 10^{-6}` the two agree to about :math:`10^{-9}`
relative when the backward rules are right, and disagree wildly when one is wrong.

This module is the oracle for the tests, the lessons and the grader.

Example:
    >>> from tinygrad_rnn import Value
    >>> report = gradcheck(lambda a, b: (a * b + a.tanh()).relu(), [0.7, -0.2])
    >>> report.ok
    True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tinygrad_rnn.scalar import Value

__all__ = ["GradcheckReport", "gradcheck", "gradcheck_tensors", "numerical_grad"]


@dataclass
class GradcheckReport:
    """What a gradient check found.

    Attributes:
        ok: True when every entry is within tolerance.
        analytic: gradients from backprop, one per input (flattened for tensors).
        numeric: gradients from central differences, same layout.
        max_abs_error: the largest ``|analytic - numeric|``.
        max_rel_error: the largest ``|analytic - numeric| / max(|analytic|, |numeric|, 1e-12)``.
        worst: where the largest violation is, e.g. ``"input 1"`` or ``"input 0[2, 3]"``.
        message: one readable sentence for a learner.
    """

    ok: bool
    analytic: list[float]
    numeric: list[float]
    max_abs_error: float
    max_rel_error: float
    worst: str
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message


def numerical_grad(f: Callable[[Sequence[float]], float], x: Sequence[float], h: float = 1e-6):
    """Central-difference gradient of a function of plain floats.

    Args:
        f: takes a list of floats, returns a float.
        x: the point at which to differentiate.
        h: the step on each side.

    Returns:
        A list with one partial derivative per entry of ``x``.
    """
    point = [float(v) for v in x]
    grads = []
    for i in range(len(point)):
        saved = point[i]
        point[i] = saved + h
        f_plus = float(f(point))
        point[i] = saved - h
        f_minus = float(f(point))
        point[i] = saved
        grads.append((f_plus - f_minus) / (2.0 * h))
    return grads


def compare(
    analytic: Sequence[float],
    numeric: Sequence[float],
    names: Sequence[str],
    atol: float,
    rtol: float,
) -> GradcheckReport:
    """Compare two gradient lists entry by entry; shared by the scalar and tensor checks."""
    worst_excess = -math.inf
    worst_i = 0
    max_abs = 0.0
    max_rel = 0.0
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        if not (math.isfinite(a) and math.isfinite(n)):
            excess = math.inf
            abs_err = rel_err = math.inf
        else:
            abs_err = abs(a - n)
            rel_err = abs_err / max(abs(a), abs(n), 1e-12)
            excess = abs_err - (atol + rtol * abs(n))
        max_abs = max(max_abs, abs_err)
        max_rel = max(max_rel, rel_err)
        if excess > worst_excess:
            worst_excess, worst_i = excess, i
    ok = worst_excess <= 0.0
    where = names[worst_i] if names else "nothing"
    if not analytic:
        message = "gradcheck: no inputs to check"
    elif ok:
        message = (
            f"gradcheck passed: {len(analytic)} partial derivatives agree "
            f"(max abs error {max_abs:.2e}, max rel error {max_rel:.2e})"
        )
    else:
        message = (
            f"gradcheck failed at {where}: backprop says {analytic[worst_i]:.10g}, "
            f"central differences say {numeric[worst_i]:.10g} "
            f"(abs error {abs(analytic[worst_i] - numeric[worst_i]):.3g}, "
            f"tolerance {atol:g} + {rtol:g}*|numeric|)"
        )
    return GradcheckReport(ok, list(analytic), list(numeric), max_abs, max_rel, where, message)


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float],
    h: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> GradcheckReport:
    """Check the backprop gradient of a scalar function of Values against central differences.

    Args:
        fn: called as ``fn(v0, v1, ...)`` with one :class:`Value` per input; returns a Value.
        inputs: the point, as plain numbers. When any input is an array or a Tensor the
            check runs on Tensors instead: see :func:`gradcheck_tensors`.
        h: the finite-difference step.
        atol: absolute tolerance.
        rtol: tolerance relative to the numeric gradient.

    Returns:
        A :class:`GradcheckReport`; ``bool(report)`` is ``report.ok``.
    """
    if any(not isinstance(v, numbers.Real) for v in inputs):  # numpy scalars are Real too
        # Arrays or Tensors: the tensor version below (a Value is a plain number here).
        return gradcheck_tensors(fn, inputs, h=h, atol=atol, rtol=rtol)
    leaves = [Value(float(v), label=f"x{i}") for i, v in enumerate(inputs)]
    out = fn(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
    out.backward()
    analytic = [leaf.grad for leaf in leaves]
    numeric = numerical_grad(lambda xs: fn(*[Value(v) for v in xs]).data, inputs, h)
    names = [f"input {i}" for i in range(len(leaves))]
    return compare(analytic, numeric, names, atol, rtol)


# ------------------------------------------------------------------- functions of Tensors
def gradcheck_tensors(
    fn: Callable[..., object],
    inputs: Sequence[object],
    h: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    seed: int = 0,
) -> GradcheckReport:
    r"""Check the backprop gradients of a function of Tensors against central differences.

    Every input becomes a float64 leaf Tensor that requires grad, and ``fn`` runs with
    float64 as the default dtype (so tensors it creates inside are float64 too). A
    non-scalar output :math:`y` is reduced to :math:`L = \sum_i r_i y_i` with fixed random
    weights :math:`r`, which checks the whole vector-Jacobian product rather than only the
    gradient of a sum. Then every entry of every input is nudged by :math:`\pm h`.

    Args:
        fn: called as ``fn(t0, t1, ...)`` with one Tensor per input; returns a Tensor.
            Constants (class targets, indices, masks) belong inside ``fn``, not in ``inputs``.
        inputs: arrays, nested lists, numbers or Tensors (their data is copied to float64).
        h: the finite-difference step.
        atol: absolute tolerance.
        rtol: tolerance relative to the numeric gradient.
        seed: seed of the random weights :math:`r`.

    Returns:
        A :class:`GradcheckReport`; ``worst`` names the input and index, e.g. ``"input 1[0, 2]"``.

    Example:
        >>> import numpy as np
        >>> report = gradcheck_tensors(lambda a, b: (a @ b).tanh(), [np.ones((2, 3)), np.ones(3)])
        >>> report.ok
        True
    """
    import numpy as np

    from tinygrad_rnn.tensor import Tensor, default_dtype, no_grad

    points = [
        np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64, copy=True)
        for x in inputs
    ]
    with default_dtype(np.float64):
        leaves = [Tensor(p.copy(), requires_grad=True, label=f"x{i}") for i, p in enumerate(points)]
        out = fn(*leaves)
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
        weights = np.random.default_rng(seed).standard_normal(out.shape)
        if not out.requires_grad:
            analytic_arrays = [np.zeros_like(p) for p in points]  # fn ignores its inputs
        else:
            out.backward(weights)
            analytic_arrays = [
                leaf.grad if leaf.grad is not None else np.zeros_like(p)
                for leaf, p in zip(leaves, points, strict=True)
            ]

        def objective() -> float:
            with no_grad():
                value = fn(*[Tensor(p, dtype=np.float64) for p in points])
            return float(np.sum(value.data * weights))

        analytic: list[float] = []
        numeric: list[float] = []
        names: list[str] = []
        for i, p in enumerate(points):
            flat = p.reshape(-1)  # a view: nudging it nudges p
            for j in range(flat.size):
                saved = flat[j]
                flat[j] = saved + h
                f_plus = objective()
                flat[j] = saved - h
                f_minus = objective()
                flat[j] = saved
                numeric.append((f_plus - f_minus) / (2.0 * h))
                analytic.append(float(analytic_arrays[i].reshape(-1)[j]))
                index = np.unravel_index(j, p.shape) if p.ndim else ()
                names.append(f"input {i}[{', '.join(str(int(k)) for k in index)}]")
    return compare(analytic, numeric, names, atol, rtol)
