r"""Activations, log-softmax, cross-entropy and embedding: the neural-network primitives.

``Tanh``, ``Sigmoid``, ``ReLU``, ``CrossEntropy`` and ``Embedding`` call the hot loops of
:mod:`tinygrad_rnn.kernels` (numba when available, numpy otherwise). Their backward passes
are written with the forward *output* (for example :math:`1 - y^2` for tanh), which is both
cheaper and more stable than differentiating through ``exp`` and ``/``.

Example:
    >>> from tinygrad_rnn.tensor import Tensor
    >>> x = Tensor([-1.0, 0.5], requires_grad=True)
    >>> ReLU.apply(x).sum().backward()
    >>> x.grad
    array([0., 1.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn import kernels
from tinygrad_rnn.function import Function, IndexRangeError, ShapeError

__all__ = [
    "Tanh",
    "Sigmoid",
    "ReLU",
    "LeakyReLU",
    "LogSoftmax",
    "CrossEntropy",
    "Embedding",
]


def _contiguous(a: np.ndarray) -> np.ndarray:
    """The kernels read memory in order; hand them C-contiguous arrays."""
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _flat(a: np.ndarray) -> np.ndarray:
    """A contiguous 1-D view (a copy only if ``a`` is not contiguous) for elementwise kernels."""
    return _contiguous(a).reshape(-1)


_INTEGER_HINT = (
    " (Tensor([1, 2]) stores floats: pass the list itself, np.array([1, 2]) or "
    "np.asarray(ids, dtype=np.int64))"
)


# ------------------------------------------------------------------------------ activations
class Tanh(Function):
    __slots__ = ()

    def forward(self, a):
        out = kernels.ops_for(a.dtype).tanh_forward(_flat(a)).reshape(a.shape)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        grad = kernels.ops_for(out.dtype).tanh_backward(_flat(grad_out), out.reshape(-1))
        return grad.reshape(out.shape)


class Sigmoid(Function):
    __slots__ = ()

    def forward(self, a):
        out = kernels.ops_for(a.dtype).sigmoid_forward(_flat(a)).reshape(a.shape)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        grad = kernels.ops_for(out.dtype).sigmoid_backward(_flat(grad_out), out.reshape(-1))
        return grad.reshape(out.shape)


class ReLU(Function):
    __slots__ = ()

    @classmethod
    def op_name(cls) -> str:
        return "relu"

    def forward(self, a):
        out = kernels.ops_for(a.dtype).relu_forward(_flat(a)).reshape(a.shape)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        grad = kernels.ops_for(out.dtype).relu_backward(_flat(grad_out), out.reshape(-1))
        return grad.reshape(out.shape)


class LeakyReLU(Function):
    r""":math:`x` for :math:`x > 0`, else :math:`s x` (``slope`` :math:`s`, 0.01 by default)."""

    __slots__ = ("positive", "slope")

    def forward(self, a, slope=0.01):
        self.positive = a > 0
        self.slope = float(slope)
        return np.where(self.positive, a, self.slope * a)

    def backward(self, grad_out):
        return np.where(self.positive, grad_out, self.slope * grad_out)


# ---------------------------------------------------------------------------- log-softmax
class LogSoftmax(Function):
    r""":math:`\log \mathrm{softmax}(a)_i = a_i - \log\sum_j e^{a_j}` along ``axis``.

    Stable: the maximum is subtracted before exponentiating, so :math:`e^{1000}` never
    appears. Backward: :math:`g - \mathrm{softmax}(a) \sum_j g_j`.
    """

    __slots__ = ("axis",)

    def forward(self, a, axis=-1):
        if a.ndim == 0:
            raise ShapeError("log_softmax: needs at least 1 dimension, got a 0-d tensor")
        self.axis = axis
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out - np.exp(out) * grad_out.sum(axis=self.axis, keepdims=True)

    @classmethod
    def op_name(cls) -> str:
        return "log_softmax"

    def shape_error(self, shapes, kwargs):
        return f"log_softmax: axis {kwargs.get('axis', -1)} is out of range for shape {shapes[0]}"


# -------------------------------------------------------------------------- cross-entropy
class CrossEntropy(Function):
    r"""Fused softmax + negative log-likelihood of integer targets.

    ``logits`` ``(..., C)`` and ``targets`` ``(...)`` of class indices. The per-sample loss is
    :math:`\log\sum_j e^{z_j} - z_t`; ``reduction`` is ``"mean"`` (default), ``"sum"`` or
    ``"none"``. The gradient, :math:`(\mathrm{softmax}(z) - \mathbf{1}_t)` times the loss
    gradient, comes from the fused kernel without building softmax as a graph.
    """

    __slots__ = ("targets", "lse", "logits_shape", "reduction")

    def forward(self, logits, targets, reduction="mean"):
        if logits.ndim == 0:
            raise ShapeError("cross_entropy: logits need a class axis, got a 0-d tensor")
        targets = np.asarray(targets)
        n_classes = logits.shape[-1]
        if targets.shape != logits.shape[:-1]:
            raise ShapeError(
                f"cross_entropy: logits {logits.shape} need targets of shape "
                f"{logits.shape[:-1]}, got {targets.shape}"
            )
        if targets.dtype.kind not in "iu":
            raise TypeError(
                f"cross_entropy: targets must be integer class indices, got dtype "
                f"{targets.dtype}{_INTEGER_HINT}"
            )
        if targets.size and (targets.min() < 0 or targets.max() >= n_classes):
            bad = targets[(targets < 0) | (targets >= n_classes)].flat[0]
            raise IndexRangeError(
                f"cross_entropy: target {bad} is not a class index in [0, {n_classes})"
            )
        logits_2d = _contiguous(logits.reshape(-1, n_classes))  # (N, C)
        targets_1d = _contiguous(targets.reshape(-1).astype(np.int64, copy=False))  # (N,)
        losses, lse = kernels.ops_for(logits.dtype).softmax_xent_forward(logits_2d, targets_1d)
        self.save_for_backward(logits_2d)
        self.targets = targets_1d
        self.lse = lse
        self.logits_shape = logits.shape
        self.reduction = reduction
        if reduction == "mean":  # (a sum times 1/n: np.mean costs more for tiny arrays)
            n = losses.size
            return losses.sum() * (1.0 / n) if n else np.asarray(np.nan, dtype=logits.dtype)
        if reduction == "sum":
            return losses.sum()
        return losses.reshape(logits.shape[:-1])

    def backward(self, grad_out):
        (logits_2d,) = self.saved_tensors
        n = logits_2d.shape[0]
        if n == 0:  # an empty batch: nothing to send a gradient to
            return np.zeros(self.logits_shape, dtype=logits_2d.dtype)
        if self.reduction == "none":
            grad_losses = _contiguous(grad_out.reshape(n))
        else:
            scale = float(grad_out) / n if self.reduction == "mean" else float(grad_out)
            grad_losses = np.full(n, scale, dtype=logits_2d.dtype)
        grad = kernels.ops_for(logits_2d.dtype).softmax_xent_backward(
            logits_2d, self.targets, self.lse, grad_losses
        )
        return grad.reshape(self.logits_shape)

    @classmethod
    def op_name(cls) -> str:
        return "cross_entropy"


# ------------------------------------------------------------------------------ embedding
class Embedding(Function):
    r"""Look up rows of a table: ``weight[indices]``, shape ``indices.shape + (D,)``.

    Backward is a scatter-add: each looked-up row's gradient is added into the table row it
    came from, so a token that appears five times in a batch gets five contributions.
    """

    __slots__ = ("indices", "num_embeddings")

    def forward(self, weight, indices):
        if weight.ndim != 2:
            raise ShapeError(f"embedding: the table must be 2-D (V, D), got shape {weight.shape}")
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise TypeError(
                f"embedding: indices must be integers, got dtype {indices.dtype}{_INTEGER_HINT}"
            )
        n_rows = weight.shape[0]
        if indices.size and (indices.min() < 0 or indices.max() >= n_rows):
            bad = indices[(indices < 0) | (indices >= n_rows)].flat[0]
            raise IndexRangeError(
                f"embedding: index {bad} is outside the table's rows [0, {n_rows})"
            )
        self.indices = indices
        self.num_embeddings = n_rows
        return np.take(weight, indices, axis=0)

    def backward(self, grad_out):
        dim = grad_out.shape[-1]
        grad_rows = _contiguous(grad_out.reshape(-1, dim))  # (N, D)
        indices = _contiguous(self.indices.reshape(-1).astype(np.int64, copy=False))  # (N,)
        return kernels.ops_for(grad_rows.dtype).embedding_backward(
            grad_rows, indices, self.num_embeddings
        )
