r"""Functional forms of activations, losses and layers, as in ``torch.nn.functional``.

``import tinygrad_rnn.nn.functional as F`` gives the stateless versions of what the layers do:
activations (:func:`tanh`, :func:`sigmoid`, :func:`relu`, :func:`leaky_relu`,
:func:`softmax`, :func:`log_softmax`), losses (:func:`cross_entropy`, :func:`mse_loss`, also
named :func:`mse`), and the maths of layers (:func:`linear`, :func:`embedding`,
:func:`dropout`). Each accepts Tensors, arrays or numbers.

Each activation has a Tensor-method twin (``F.tanh(x)`` is ``x.tanh()``); the losses and layer
functions are the twins of modules in :mod:`tinygrad_rnn.nn` (``Linear``, ``Embedding``,
``Dropout``) or of ``Tensor`` compositions. None has a backward of its own: each is a primitive
of :mod:`tinygrad_rnn.function` or a composition of them, so gradients come for free.

Example:
    >>> import tinygrad_rnn.nn.functional as F
    >>> from tinygrad_rnn.tensor import Tensor
    >>> z = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> loss = F.cross_entropy(z, [2], fused=False)
    >>> loss.backward()
    >>> z.grad.round(3)
    array([[ 0.09 ,  0.245, -0.335]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_rnn import init
from tinygrad_rnn.function import ShapeError
from tinygrad_rnn.ops_math import Exp
from tinygrad_rnn.ops_nn import CrossEntropy, Embedding, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Tanh
from tinygrad_rnn.tensor import Tensor, _raw

__all__ = [
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "mse_loss",
    "mse",
    "linear",
    "embedding",
    "dropout",
]


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# ----------------------------------------------------------------------------- activations
def tanh(x: Any) -> Tensor:
    r""":math:`\tanh x` (``x.tanh()``)."""
    return Tanh.apply(_as_tensor(x))


def sigmoid(x: Any) -> Tensor:
    r""":math:`1 / (1 + e^{-x})` (``x.sigmoid()``)."""
    return Sigmoid.apply(_as_tensor(x))


def relu(x: Any) -> Tensor:
    r""":math:`\max(x, 0)` (``x.relu()``).

    Example:
        >>> relu([-1.0, 2.0]).data
        array([0., 2.], dtype=float32)
    """
    return ReLU.apply(_as_tensor(x))


def leaky_relu(x: Any, slope: float = 0.01) -> Tensor:
    r""":math:`x` if :math:`x > 0` else ``slope`` :math:`\cdot x` (``x.leaky_relu(slope)``)."""
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


# ---------------------------------------------------------------------------------- losses
def mse_loss(prediction: Tensor, target: Any) -> Tensor:
    r"""Mean squared error :math:`\frac{1}{n}\sum (p - y)^2`.

    The target may broadcast *into* the prediction's shape (a plain number, or a row shared
    by every sample), but it may not make the result bigger: a ``(3, 1)`` prediction against
    a ``(3,)`` target would broadcast to a ``(3, 3)`` difference and quietly average the
    wrong nine numbers, so that is refused (PyTorch warns about the same case).

    Example:
        >>> mse_loss(Tensor([1.0, 3.0]), [1.0, 1.0]).item()
        2.0
    """
    pred_shape = tuple(prediction.shape)
    target_shape = tuple(target.shape if isinstance(target, Tensor) else np.shape(target))
    try:
        joint = np.broadcast_shapes(pred_shape, target_shape)
    except ValueError:
        joint = None
    if joint != pred_shape:
        raise ShapeError(
            f"mse_loss: prediction {pred_shape} and target {target_shape} do not match"
            + (f" (they would broadcast to {joint})" if joint else "")
            + "; reshape one to the other's shape (e.g. target.reshape(-1, 1))"
        )
    diff = prediction - target
    return (diff * diff).mean()


mse = mse_loss  # the library's older, shorter name


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


# ---------------------------------------------------------------------------------- layers
def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    r"""The affine map :math:`y = x W^\top + b` on the last axis, PyTorch's layout.

    Args:
        x: inputs ``(..., in_features)``.
        weight: ``(out_features, in_features)``, as in :class:`~tinygrad_rnn.nn.Linear`.
        bias: ``(out_features,)`` or ``None``.

    Example:
        >>> linear(Tensor([[1.0, 2.0]]), Tensor([[1.0, 0.0], [1.0, 1.0]]), Tensor([0.0, 10.0])).data
        array([[ 1., 13.]], dtype=float32)
    """
    y = _as_tensor(x) @ _as_tensor(weight).T
    return y + bias if bias is not None else y


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


def dropout(x: Any, p: float = 0.5, training: bool = True, rng: init.Seed | None = None) -> Tensor:
    r"""Inverted dropout: zero each element with probability ``p``, scale the rest by
    :math:`1/(1-p)`, so the expected value is unchanged.

    It is ``x`` times a constant mask, so the gradient is the same mask. When not
    ``training`` or ``p == 0`` it returns ``x`` itself; ``p == 1`` gives zeros.

    Args:
        x: a Tensor, an array or a number.
        p: probability of dropping an element, in ``[0, 1]``.
        training: apply dropout (``True``) or return ``x`` unchanged (``False``).
        rng: an int seed or a ``np.random.Generator`` for the mask (``None``: fresh).

    Raises:
        ValueError: if ``p`` is outside ``[0, 1]``.

    Example:
        >>> dropout(Tensor([1.0, 1.0, 1.0, 1.0]), p=0.5, rng=0).data
        array([2., 0., 0., 0.], dtype=float32)
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    x = _as_tensor(x)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * Tensor(np.zeros(x.shape, dtype=x.dtype), dtype=x.dtype)
    keep = init.as_generator(rng).random(x.shape) >= p
    mask = keep.astype(x.dtype) / np.asarray(1.0 - p, dtype=x.dtype)
    return x * Tensor(mask, dtype=x.dtype)
