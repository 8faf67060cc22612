r"""The elementwise and loss kernels in plain numpy: the references.

Every function here is short, vectorised numpy that says what the computation is.
:mod:`tinygrad_rnn.kernels.elementwise_jit` has a numba version of each with the identical
name and signature, tested to agree. The Tensor ops never call either module directly; they
ask :func:`tinygrad_rnn.kernels.ops_for` which one to use.

The functions (the six activation functions take and return 1-D arrays: the Tensor ops
flatten first, so a kernel compiles once per dtype; the numpy versions accept any shape):

==========================  =========================================  =================
function                    computes                                   returns
==========================  =========================================  =================
``tanh_forward(x)``         :math:`\tanh x`                            array like ``x``
``tanh_backward(g, y)``     :math:`g (1 - y^2)`                        array like ``g``
``sigmoid_forward(x)``      :math:`1 / (1 + e^{-x})`, stable           array like ``x``
``sigmoid_backward(g, y)``  :math:`g\, y (1 - y)`                      array like ``g``
``relu_forward(x)``         :math:`\max(x, 0)`                         array like ``x``
``relu_backward(g, y)``     :math:`g [y > 0]`                          array like ``g``
``softmax_xent_forward``    per row :math:`\log\sum_j e^{z_j} - z_t`   ``(losses, lse)``
``softmax_xent_backward``   :math:`g_n (\mathrm{softmax}(z_n) - 1_t)`  ``(N, C)`` array
``embedding_backward``      rows of ``g`` added at ``indices``         ``(V, D)`` array
``grad_norm(arrays)``       :math:`\sqrt{\sum \|a\|^2}` over arrays    Python float
==========================  =========================================  =================

Example:
    >>> import numpy as np
    >>> relu_forward(np.array([-1.0, 2.0]))
    array([0., 2.])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: The functions of this module; each has a numba twin of the same name in
#: :mod:`tinygrad_rnn.kernels.elementwise_jit`.
__all__ = [
    "tanh_forward",
    "tanh_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "relu_forward",
    "relu_backward",
    "softmax_xent_forward",
    "softmax_xent_backward",
    "embedding_backward",
    "grad_norm",
]


# --------------------------------------------------------------------------- activations
def tanh_forward(x: np.ndarray) -> np.ndarray:
    r""":math:`y = \tanh x`."""
    return np.tanh(x)


def tanh_backward(grad_out: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial L/\partial x = g (1 - y^2)`, written with the output ``y``."""
    return grad_out * (1 - y * y)


def sigmoid_forward(x: np.ndarray) -> np.ndarray:
    r""":math:`\sigma(x) = 1/(1+e^{-x})`, never overflowing.

    For :math:`x \ge 0` use :math:`1/(1+e^{-x})`; for :math:`x < 0` use
    :math:`e^{x}/(1+e^{x})`. Both only ever exponentiate :math:`-|x| \le 0`.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(grad_out: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`g\, \sigma(x) (1 - \sigma(x)) = g\, y (1 - y)`."""
    return grad_out * y * (1 - y)


def relu_forward(x: np.ndarray) -> np.ndarray:
    r""":math:`\max(x, 0)`."""
    return np.maximum(x, 0)


def relu_backward(grad_out: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`g` where the output was positive, :math:`0` elsewhere."""
    return np.where(y > 0, grad_out, 0).astype(grad_out.dtype, copy=False)


# ----------------------------------------------------------------- softmax cross-entropy
def softmax_xent_forward(logits: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Cross-entropy of each row of ``logits`` against an integer target, stably.

    :math:`\ell_n = \log\sum_j e^{z_{nj}} - z_{n t_n}`, with the row maximum subtracted
    before exponentiating so large logits do not overflow.

    Args:
        logits: ``(N, C)`` scores.
        targets: ``(N,)`` integer classes in ``[0, C)``.

    Returns:
        ``(losses, lse)``: both ``(N,)``; ``lse`` is :math:`\log\sum_j e^{z_{nj}}`, kept for
        the backward pass.
    """
    row_max = logits.max(axis=1, keepdims=True)  # (N, 1)
    lse = np.log(np.exp(logits - row_max).sum(axis=1)) + row_max[:, 0]  # (N,)
    picked = logits[np.arange(logits.shape[0]), targets]  # (N,)
    return lse - picked, lse


def softmax_xent_backward(
    logits: np.ndarray, targets: np.ndarray, lse: np.ndarray, grad_losses: np.ndarray
) -> np.ndarray:
    r"""Gradient of the per-row losses: :math:`g_n (\mathrm{softmax}(z_n) - \mathbf{1}_{t_n})`.

    Args:
        logits: ``(N, C)``, as given to :func:`softmax_xent_forward`.
        targets: ``(N,)`` integer classes.
        lse: ``(N,)`` from the forward pass.
        grad_losses: ``(N,)`` gradient of each row's loss.

    Returns:
        ``(N, C)`` gradient with respect to ``logits``.
    """
    grad = np.exp(logits - lse[:, None])  # (N, C) softmax
    grad[np.arange(logits.shape[0]), targets] -= 1
    grad *= grad_losses[:, None]
    return grad


# -------------------------------------------------------------------------------- embedding
def embedding_backward(
    grad_out: np.ndarray, indices: np.ndarray, num_embeddings: int
) -> np.ndarray:
    r"""Scatter-add: row ``n`` of ``grad_out`` is added to row ``indices[n]`` of the result.

    Args:
        grad_out: ``(N, D)`` gradient of the looked-up rows.
        indices: ``(N,)`` integer rows that were looked up (repeats allowed: they add).
        num_embeddings: ``V``, the number of rows in the table.

    Returns:
        ``(V, D)`` gradient of the embedding table.
    """
    grad = np.zeros((num_embeddings, grad_out.shape[1]), dtype=grad_out.dtype)
    np.add.at(grad, indices, grad_out)
    return grad


# -------------------------------------------------------------------------------- grad norm
def grad_norm(arrays: Sequence[np.ndarray]) -> float:
    r"""Global 2-norm of several arrays, :math:`\sqrt{\sum_k \sum_i a_{k,i}^2}`, summed in float64.

    Args:
        arrays: a list or tuple of arrays of any shapes.

    Returns:
        The norm as a Python float (what gradient clipping compares with ``max_norm``).
    """
    total = 0.0
    for a in arrays:
        total += float(np.square(a, dtype=np.float64).sum())
    return math.sqrt(total)
