r"""The elementwise and loss kernels as compiled loops: numba twins of
:mod:`tinygrad_rnn.kernels.elementwise`.

Each function here has the name, signature and result of its numpy reference in
:mod:`tinygrad_rnn.kernels.elementwise`; the tests check that they agree. What numba adds is
one pass over memory instead of several: ``relu_backward`` in numpy builds a boolean mask,
then a product, then a copy; here it is one loop that reads two arrays and writes one.

Rules these kernels follow (and why):

* ``@njit(cache=True)`` at module level, no signatures: nothing compiles when this module
  is imported; each kernel compiles for a dtype on its first call and is saved to numba's
  on-disk cache, so the next process loads it in milliseconds (``tinygrad-rnn warmup``
  compiles them all ahead of time).
* arguments are arrays and numbers only; serial loops (this is a 2-core machine, and the
  arrays in a lesson are small enough that threads cost more than they save).
* ``error_model="numpy"``: division follows IEEE rules instead of raising, which also lets
  LLVM vectorise the loops.
* arrays come in C-contiguous (the Tensor ops make sure); the elementwise kernels take
  them flattened to 1-D, so each compiles once per dtype, not once per dimensionality.

numba itself comes from :mod:`tinygrad_rnn.kernels._numba`, which settles where its cache
lives first.

Example:
    >>> import numpy as np
    >>> relu_forward(np.array([-1.0, 2.0]))  # 1-D in, 1-D out
    array([0., 2.])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tinygrad_rnn.kernels import elementwise
from tinygrad_rnn.kernels._numba import njit

__all__ = list(elementwise.__all__)  # the same names as the references

_jit = njit(cache=True, error_model="numpy")


# --------------------------------------------------------------------------- activations
# These take 1-D arrays: the Tensor ops pass ``a.reshape(-1)`` (free for a contiguous array)
# so that each kernel compiles once per dtype instead of once per number of dimensions.
@_jit
def _tanh_rational(v):
    r"""tanh to float32 accuracy (max error 3.6e-7) with one division and no ``exp``.

    The 12th convergent of Lambert's continued fraction
    :math:`\tanh x = x / (1 + x^2 / (3 + x^2 / (5 + \dots)))`, multiplied out into
    :math:`x\,P(x^2)/Q(x^2)` and divided through by the constant term. Beyond
    :math:`|x| = 9`, tanh is 1 to float32 precision, so the input is clamped there (NaN
    passes through both comparisons untouched).
    """
    x = v
    if x > 9.0:
        x = 9.0
    elif x < -9.0:
        x = -9.0
    y = x * x
    p = 1.2648855557491170e-13
    p = p * y + 5.1797063507926340e-10
    p = p * y + 3.2286836253274086e-07
    p = p * y + 6.6252587991718430e-05
    p = p * y + 5.2173913043478265e-03
    p = p * y + 1.4666666666666667e-01
    p = p * y + 1.0
    q = 1.1510458557316966e-11
    q = q * y + 1.5193805295658393e-08
    q = q * y + 5.2304674730304020e-06
    q = q * y + 6.6252587991718420e-04
    q = q * y + 3.1884057971014490e-02
    q = q * y + 4.8000000000000000e-01
    q = q * y + 1.0
    r = x * p / q
    if r > 1.0:
        r = 1.0
    elif r < -1.0:
        r = -1.0
    return r


@_jit
def tanh_forward(x):
    r""":math:`y = \tanh x`, elementwise over a 1-D array.

    float64 uses the exact ``np.tanh``, so gradient checks hold to 1e-10. float32 uses
    :func:`_tanh_rational`: libm's ``tanhf`` costs tens of nanoseconds per element and stops
    the loop from being vectorised; the rational form is several times faster and its error
    (3.6e-7) is the size of float32 rounding.
    """
    out = np.empty_like(x)
    if x.itemsize == 4:
        for i in range(x.size):
            out[i] = _tanh_rational(x[i])
    else:
        for i in range(x.size):
            out[i] = np.tanh(x[i])
    return out


@_jit
def tanh_backward(grad_out, y):
    r""":math:`g (1 - y^2)`, elementwise over 1-D arrays."""
    out = np.empty_like(grad_out)
    for i in range(grad_out.size):
        out[i] = grad_out[i] * (1 - y[i] * y[i])
    return out


@_jit
def sigmoid_forward(x):
    r""":math:`1/(1+e^{-x})`, exponentiating only :math:`-|x|` so it never overflows."""
    out = np.empty_like(x)
    for i in range(x.size):
        v = x[i]
        if v >= 0:
            out[i] = 1 / (1 + np.exp(-v))
        else:
            e = np.exp(v)
            out[i] = e / (1 + e)
    return out


@_jit
def sigmoid_backward(grad_out, y):
    r""":math:`g\, y (1 - y)`, elementwise over 1-D arrays."""
    out = np.empty_like(grad_out)
    for i in range(grad_out.size):
        out[i] = grad_out[i] * y[i] * (1 - y[i])
    return out


@_jit
def relu_forward(x):
    r""":math:`\max(x, 0)`, elementwise over a 1-D array."""
    out = np.empty_like(x)
    for i in range(x.size):
        v = x[i]
        out[i] = 0 if v < 0 else v  # NaN passes through, as in np.maximum
    return out


@_jit
def relu_backward(grad_out, y):
    r""":math:`g` where :math:`y > 0`, else 0; one pass, no mask array."""
    out = np.empty_like(grad_out)
    for i in range(grad_out.size):
        out[i] = grad_out[i] if y[i] > 0 else 0
    return out


# ----------------------------------------------------------------- softmax cross-entropy
@_jit
def softmax_xent_forward(logits, targets):
    r"""Per-row :math:`\log\sum_j e^{z_j} - z_t` with the row maximum subtracted first."""
    n, c = logits.shape
    losses = np.empty(n, dtype=logits.dtype)
    lse = np.empty(n, dtype=logits.dtype)
    for row in range(n):
        z = logits[row]
        top = z[0]
        for j in range(1, c):
            if z[j] > top:
                top = z[j]
        total = 0.0  # accumulate in float64 even for float32 logits
        for j in range(c):
            total += np.exp(z[j] - top)
        log_norm = top + np.log(total)
        lse[row] = log_norm
        losses[row] = log_norm - z[targets[row]]
    return losses, lse


@_jit
def softmax_xent_backward(logits, targets, lse, grad_losses):
    r""":math:`g_n (\mathrm{softmax}(z_n) - \mathbf{1}_{t_n})`, one row at a time."""
    n, c = logits.shape
    grad = np.empty_like(logits)
    for row in range(n):
        g = grad_losses[row]
        shift = lse[row]
        for j in range(c):
            grad[row, j] = g * np.exp(logits[row, j] - shift)
        grad[row, targets[row]] -= g
    return grad


# ------------------------------------------------------------------------------ embedding
@_jit
def embedding_backward(grad_out, indices, num_embeddings):
    r"""Add row ``n`` of ``grad_out`` into row ``indices[n]`` of a zero ``(V, D)`` table."""
    n, d = grad_out.shape
    grad = np.zeros((num_embeddings, d), dtype=grad_out.dtype)
    for row in range(n):
        k = indices[row]
        for j in range(d):
            grad[k, j] += grad_out[row, j]
    return grad


# ------------------------------------------------------------------------------ grad norm
@_jit
def _sum_of_squares(flat):
    """:math:`\\sum_i a_i^2` of a 1-D array, accumulated in float64."""
    total = 0.0
    for i in range(flat.size):
        v = np.float64(flat[i])
        total += v * v
    return total


def grad_norm(arrays: Sequence[np.ndarray]) -> float:
    r"""Global 2-norm :math:`\sqrt{\sum_k \|a_k\|^2}` of a list or tuple of arrays.

    A plain Python loop over the arrays (they differ in shape, which one compiled function
    cannot take as a list) around a jitted sum of squares per array.
    """
    total = 0.0
    for a in arrays:
        total += _sum_of_squares(np.ascontiguousarray(a).reshape(-1))
    return math.sqrt(total)
