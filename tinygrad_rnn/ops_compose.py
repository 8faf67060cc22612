r"""Compositions and functional forms: ops built from primitives, with no backward of their own.

``softmax`` is ``exp(log_softmax(x))``; ``mse`` is a mean of squares; the unfused
``cross_entropy`` is ``-log_softmax`` picked at the targets and averaged. Their gradients come
for free from the primitives in :mod:`tinygrad_rnn.function`. The functional forms
(``tanh(x)`` beside ``x.tanh()``) accept Tensors, arrays or numbers.

Everything here is also reachable as ``tinygrad_rnn.tensor.<name>``.

Example:
    >>> from tinygrad_rnn.tensor import Tensor
    >>> z = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> loss = cross_entropy(z, [2], fused=False)
    >>> loss.backward()
    >>> z.grad.round(3)
    array([[ 0.09 ,  0.245, -0.335]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_rnn.ops_math import Exp, Log
from tinygrad_rnn.ops_nn import CrossEntropy, Embedding, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Tanh
from tinygrad_rnn.ops_shape import Clip, Concat, Stack, Where
from tinygrad_rnn.tensor import Tensor, _raw

__all__ = [
    "tensor",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "softmax",
    "log_softmax",
    "concat",
    "stack",
    "where",
    "clip",
    "mse",
    "cross_entropy",
    "embedding",
]


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a Tensor (``tensor(x)`` is ``Tensor(x)``)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# ------------------------------------------------------------------------ functional forms
def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x: Any) -> Tensor:
    r""":math:`e^x`."""
    return Exp.apply(_as_tensor(x))


def log(x: Any) -> Tensor:
    r""":math:`\ln x`."""
    return Log.apply(_as_tensor(x))


def tanh(x: Any) -> Tensor:
    r""":math:`\tanh x`."""
    return Tanh.apply(_as_tensor(x))


def sigmoid(x: Any) -> Tensor:
    r""":math:`1 / (1 + e^{-x})`."""
    return Sigmoid.apply(_as_tensor(x))


def relu(x: Any) -> Tensor:
    r""":math:`\max(x, 0)`."""
    return ReLU.apply(_as_tensor(x))


def leaky_relu(x: Any, slope: float = 0.01) -> Tensor:
    r""":math:`x` if :math:`x > 0` else ``slope`` :math:`\cdot x`."""
    return LeakyReLU.apply(_as_tensor(x), slope=slope)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    r""":math:`x_i - \log\sum_j e^{x_j}` along ``axis``, stable for large values."""
    return LogSoftmax.apply(_as_tensor(x), axis=axis)


def softmax(x: Any, axis: int = -1) -> Tensor:
    r"""Softmax along ``axis``: :math:`e^{x_i}/\sum_j e^{x_j}`, as ``exp(log_softmax(x))``.

    Example:
        >>> softmax(Tensor([0.0, 0.0])).data
        array([0.5, 0.5], dtype=float32)
    """
    return Exp.apply(LogSoftmax.apply(_as_tensor(x), axis=axis))


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    if not tensors:
        raise ValueError("concat: needs at least one tensor")
    return Concat.apply(*[_as_tensor(t) for t in tensors], axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join equally-shaped tensors along a new axis."""
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    return Stack.apply(*[_as_tensor(t) for t in tensors], axis=axis)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` is true, else ``b`` (elementwise, broadcasting).

    ``cond`` is a constant (a bool array or tensor); ``a`` and ``b`` may be tensors or numbers.
    """
    cond_arr = np.asarray(_raw(cond), dtype=bool)
    if isinstance(a, Tensor):
        b_t = a._operand(b)
        a_t = a
    elif isinstance(b, Tensor):
        a_t = b._operand(a)
        b_t = b
    else:
        a_t, b_t = Tensor(a), Tensor(b)
    return Where.apply(a_t, b_t, cond=cond_arr)


def clip(x: Any, low: float | None = None, high: float | None = None) -> Tensor:
    """Clamp ``x`` into ``[low, high]``; the gradient is 0 where clamping happened."""
    if low is None and high is None:
        raise ValueError("clip: give low, high or both")
    return Clip.apply(_as_tensor(x), low=low, high=high)


def mse(prediction: Tensor, target: Any) -> Tensor:
    r"""Mean squared error :math:`\frac{1}{n}\sum (p - y)^2`."""
    diff = prediction - target
    return (diff * diff).mean()


def cross_entropy(
    logits: Tensor, targets: Any, reduction: str = "mean", fused: bool = True
) -> Tensor:
    r"""Cross-entropy of ``logits`` ``(..., C)`` against integer ``targets`` ``(...)``.

    :math:`\ell = \log\sum_j e^{z_j} - z_t` per sample, then averaged (``reduction="mean"``),
    summed (``"sum"``) or kept (``"none"``). Stable for large logits.

    Args:
        logits: unnormalised scores, the class axis last.
        targets: integer class indices: an int array, a list of ints, or a Tensor made with
            an integer dtype (``Tensor([0, 1])`` alone holds floats and is refused).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        fused: use the fused kernel (default). ``False`` composes ``log_softmax``, indexing
            and a mean: the same numbers through a graph you can draw.

    Example:
        >>> z = Tensor([[2.0, 0.0, 0.0]], requires_grad=True)
        >>> round(cross_entropy(z, [0]).item(), 4)
        0.2395
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(
            f"cross_entropy: reduction must be 'mean', 'sum' or 'none', not {reduction!r}"
        )
    target_arr = np.asarray(_raw(targets))
    if fused:
        return CrossEntropy.apply(logits, targets=target_arr, reduction=reduction)
    n_classes = logits.shape[-1] if logits.ndim else 0
    if (
        target_arr.shape != logits.shape[:-1]
        or target_arr.dtype.kind not in "iu"
        or (target_arr.size and (target_arr.min() < 0 or target_arr.max() >= n_classes))
    ):
        # Bad targets: let the fused op raise its explanatory error.
        return CrossEntropy.apply(logits, targets=target_arr, reduction=reduction)
    log_p = LogSoftmax.apply(logits, axis=-1)
    rows = np.indices(target_arr.shape, sparse=True)
    picked = log_p[(*rows, target_arr)] if rows else log_p[target_arr]
    losses = -picked
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def embedding(weight: Tensor, indices: Any) -> Tensor:
    """Rows of ``weight`` ``(V, D)`` picked by integer ``indices``; shape ``indices.shape + (D,)``.

    Example:
        >>> w = Tensor([[0.0, 1.0], [2.0, 3.0]], requires_grad=True)
        >>> embedding(w, [1, 1, 0]).sum().backward()
        >>> w.grad
        array([[1., 1.],
               [2., 2.]], dtype=float32)
    """
    return Embedding.apply(weight, indices=np.asarray(_raw(indices)))
