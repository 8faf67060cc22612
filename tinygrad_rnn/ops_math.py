r"""Arithmetic, matrix product and reductions: primitives of the Tensor engine.

Each class is one row of the table in :mod:`tinygrad_rnn.function`. Binary ops return the
gradient with the *output's* (broadcast) shape; the driver sums it back to each input.

Example:
    >>> from tinygrad_rnn.tensor import Tensor
    >>> a = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> Mul.apply(a, Tensor([3.0])).sum().backward()
    >>> a.grad
    array([[3., 3.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.function import Function, ShapeError

__all__ = [
    "Elementwise",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Pow",
    "Neg",
    "MatMul",
    "Exp",
    "Log",
    "Sum",
    "Max",
]


# ------------------------------------------------------------------------------ arithmetic
class Elementwise(Function):
    """Base of the broadcasting binary ops: explains shapes that do not broadcast."""

    __slots__ = ()

    def shape_error(self, shapes, kwargs):
        return f"{self.op_label}: shapes {shapes[0]} and {shapes[1]} do not broadcast"


class Add(Elementwise):
    __slots__ = ()

    def forward(self, a, b):
        return a + b

    def backward(self, grad_out):
        return grad_out, grad_out


class Sub(Elementwise):
    __slots__ = ()

    def forward(self, a, b):
        return a - b

    def backward(self, grad_out):
        return grad_out, (-grad_out if self.needs_input_grad[1] else None)


class Mul(Elementwise):
    __slots__ = ()

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad_out):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        return (grad_out * b if need_a else None), (grad_out * a if need_b else None)


class Div(Elementwise):
    __slots__ = ()

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a / b

    def backward(self, grad_out):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        grad_a = grad_out / b if need_a else None
        grad_b = -grad_out * a / (b * b) if need_b else None
        return grad_a, grad_b


class Pow(Elementwise):
    r""":math:`a^b`; the exponent's gradient :math:`a^b \ln a` is computed only when needed."""

    __slots__ = ()

    def forward(self, a, b):
        out = a**b
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad_out):
        a, b, out = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        grad_a = None
        if need_a:
            if b.all():
                grad_a = grad_out * b * a ** (b - 1)
            else:  # d/da a^0 = 0, also at a = 0 where b a^(b-1) would be 0 * inf = nan
                with np.errstate(divide="ignore", invalid="ignore"):
                    grad_a = np.where(b == 0, 0, grad_out * b * a ** (b - 1))
        grad_b = None
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.log(a)
            # d/db a^b = a^b ln a; where a^b == 0 the product is 0 (limit), not 0 * -inf.
            grad_b = grad_out * np.where(out == 0, 0, out * log_a)
        return grad_a, grad_b


class Neg(Function):
    __slots__ = ()

    def forward(self, a):
        return -a

    def backward(self, grad_out):
        return -grad_out


# --------------------------------------------------------------------------------- matmul
class MatMul(Function):
    r"""Matrix product with numpy's rules: 1-D vectors, 2-D matrices, batched stacks.

    For 2-D :math:`C = AB`: :math:`\partial L/\partial A = G B^\top` and
    :math:`\partial L/\partial B = A^\top G`. A 1-D ``a`` acts as a row ``(1, n)`` and a 1-D
    ``b`` as a column ``(n, 1)``; the gradient is computed in that 2-D form and squeezed back.
    Batch dimensions broadcast; the driver sums them away.
    """

    __slots__ = ()

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(
                f"matmul: {a.shape} @ {b.shape}: both operands need at least 1 dimension "
                "(use * for a scalar)"
            )
        self.save_for_backward(a, b)
        return a @ b

    def backward(self, grad_out):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case, without the general reshuffling
            return (grad_out @ b.T if need_a else None), (a.T @ grad_out if need_b else None)
        if a.ndim > 2 and b.ndim == 2:
            # A stack of rows times one matrix (a Linear layer on a sequence): fold the
            # leading axes into the rows and compute dB with ONE matmul, instead of one
            # (k, m) product per batch entry summed afterwards.
            k, m = b.shape
            grad_a = grad_out @ b.T if need_a else None
            grad_b = a.reshape(-1, k).T @ grad_out.reshape(-1, m) if need_b else None
            return grad_a, grad_b
        a_row = a[None, :] if a.ndim == 1 else a  # (..., n, k)
        b_col = b[:, None] if b.ndim == 1 else b  # (..., k, m)
        g = grad_out
        if b.ndim == 1:
            g = g[..., None]  # the column axis that b's squeeze removed
        if a.ndim == 1:
            g = g[..., None, :]  # the row axis that a's squeeze removed; now (..., n, m)
        grad_a = grad_b = None
        if need_a:
            grad_a = g @ b_col.swapaxes(-1, -2)  # (..., n, k)
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if need_b:
            grad_b = a_row.swapaxes(-1, -2) @ g  # (..., k, m)
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b

    def shape_error(self, shapes, kwargs):
        sa, sb = shapes
        inner_a = sa[-1]
        inner_b = sb[0] if len(sb) == 1 else sb[-2]
        if inner_a != inner_b:
            return f"matmul: {sa} @ {sb}: inner sizes {inner_a} and {inner_b} differ"
        return f"matmul: {sa} @ {sb}: batch dimensions {sa[:-2]} and {sb[:-2]} do not broadcast"


# ------------------------------------------------------------------------------ exp, log
class Exp(Function):
    __slots__ = ()

    def forward(self, a):
        out = np.exp(a)
        self.save_for_backward(out)
        return out

    def backward(self, grad_out):
        (out,) = self.saved_tensors
        return grad_out * out


class Log(Function):
    __slots__ = ()

    def forward(self, a):
        self.save_for_backward(a)
        return np.log(a)

    def backward(self, grad_out):
        (a,) = self.saved_tensors
        return grad_out / a


# ----------------------------------------------------------------------------- reductions
def _normalize_axes(axis, ndim: int, op: str) -> tuple[int, ...]:
    """Turn ``None``, an int or a tuple of ints into a sorted tuple of positive axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    if ndim == 0:  # a 0-d tensor has nothing to reduce; accept axis 0 or -1 like a no-op
        if any(ax not in (0, -1) for ax in axes):
            raise ShapeError(f"{op}: axis {axes} is out of range for a 0-d tensor")
        return ()
    out = set()
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ShapeError(f"{op}: axis {ax} is out of range for a {ndim}-d tensor")
        out.add(int(ax) % ndim)
    return tuple(sorted(out))


def _expand_reduced(g: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Give a reduced gradient back its size-1 axes so it broadcasts against the input."""
    if keepdims or not axes:
        return g
    return np.expand_dims(g, axes)


class Sum(Function):
    __slots__ = ("axes", "keepdims", "in_shape")

    def forward(self, a, axis=None, keepdims=False):
        self.axes = _normalize_axes(axis, a.ndim, "sum")
        self.keepdims = keepdims
        self.in_shape = a.shape
        return a.sum(axis=self.axes, keepdims=keepdims)

    def backward(self, grad_out):
        if grad_out.ndim == 0:  # a sum of everything (a loss): the same read-only view as
            # below, built directly; np.expand_dims + np.broadcast_to cost ~6 us per step
            view = np.ndarray(self.in_shape, grad_out.dtype, grad_out, 0, (0,) * len(self.in_shape))
            view.flags.writeable = False
            return view
        g = _expand_reduced(grad_out, self.axes, self.keepdims)
        return np.broadcast_to(g, self.in_shape)


class Max(Function):
    """Maximum over axes. Ties share the gradient equally (a valid subgradient); a NaN is
    the maximum (as in numpy and PyTorch) and takes the gradient."""

    __slots__ = ("axes", "keepdims")

    def forward(self, a, axis=None, keepdims=False):
        if a.size == 0:
            raise ShapeError(f"max: cannot take the maximum of an empty tensor of shape {a.shape}")
        self.axes = _normalize_axes(axis, a.ndim, "max")
        self.keepdims = keepdims
        out = a.max(axis=self.axes, keepdims=True)
        self.save_for_backward(a, out)
        return out if keepdims else np.squeeze(out, axis=self.axes)

    def backward(self, grad_out):
        a, out = self.saved_tensors
        is_max = a == out
        if a.dtype.kind == "f" and np.isnan(out).any():  # a nan is the max (it propagates)
            is_max |= np.isnan(a) & np.isnan(out)
        count = is_max.sum(axis=self.axes, keepdims=True)
        g = _expand_reduced(grad_out, self.axes, self.keepdims)
        return np.where(is_max, g / count, 0).astype(a.dtype, copy=False)
