r"""Reshaping, indexing, joining and choosing: primitives that move numbers without maths.

Their gradients move numbers back: a reshape is undone, a transpose is inverted, an index
scatters the gradient into zeros (adding where an index repeats), a concatenation slices
the gradient into one piece per input.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> GetItem.apply(a, index=np.array([0, 0, 2])).sum().backward()
    >>> a.grad
    array([2., 0., 1.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.function import Function, IndexRangeError, ShapeError

__all__ = ["Reshape", "Permute", "GetItem", "Concat", "Stack", "Where", "Clip"]


class Reshape(Function):
    __slots__ = ("in_shape",)

    def forward(self, a, shape):
        self.in_shape = a.shape
        return a.reshape(shape)

    def backward(self, grad_out):
        return grad_out.reshape(self.in_shape)

    def shape_error(self, shapes, kwargs):
        (shape,) = shapes
        return (
            f"reshape: cannot reshape {shape} ({int(np.prod(shape))} elements) "
            f"into {tuple(kwargs['shape'])}"
        )


class Permute(Function):
    """Reorder the axes (``.T`` reverses them, ``transpose(0, 1)`` swaps two)."""

    __slots__ = ("axes",)

    def forward(self, a, axes):
        if sorted(axes) != list(range(a.ndim)):
            raise ShapeError(f"permute: axes {tuple(axes)} are not a reordering of {a.ndim} axes")
        self.axes = axes
        return a.transpose(axes)

    def backward(self, grad_out):
        return grad_out.transpose(np.argsort(self.axes))


def _is_advanced(index) -> bool:
    """True when an index uses arrays (numpy 'advanced' indexing, where repeats can occur)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray | list) for p in parts)


class GetItem(Function):
    """``a[index]`` for ints, slices, ``None``, ``...``, integer and boolean arrays.

    Backward scatters the gradient into zeros of the input's shape. With array indices the
    same element can be picked more than once, so the scatter adds (``np.add.at``) instead of
    assigning: picking ``a[0]`` twice sends it twice the gradient.
    """

    __slots__ = ("index", "in_shape", "dtype")

    def forward(self, a, index):
        self.index = index
        self.in_shape = a.shape
        self.dtype = a.dtype
        try:
            return a[index]
        except IndexError:  # an IndexError, so that `for row in tensor` stops as in numpy
            raise IndexRangeError(self.shape_error((a.shape,), {"index": index})) from None

    def backward(self, grad_out):
        grad = np.zeros(self.in_shape, dtype=self.dtype)
        if _is_advanced(self.index):
            np.add.at(grad, self.index, grad_out)
        else:
            grad[self.index] = grad_out
        return grad

    def shape_error(self, shapes, kwargs):
        index = kwargs["index"]
        parts = index if isinstance(index, tuple) else (index,)
        for p in parts:
            if isinstance(p, np.ndarray) and p.dtype.kind not in "biu":
                return (
                    f"getitem: an index array must hold integers or booleans, got dtype "
                    f"{p.dtype} (Tensor([0, 1]) stores floats: index with a list or "
                    "np.array([0, 1]) instead)"
                )
        return f"getitem: index {index!r} does not fit a tensor of shape {shapes[0]}"


class Concat(Function):
    __slots__ = ("axis", "bounds")

    def forward(self, *arrays, axis=0):
        out = np.concatenate(arrays, axis=axis)
        self.axis = axis
        self.bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return out

    def backward(self, grad_out):
        return tuple(np.split(grad_out, self.bounds, axis=self.axis))

    def shape_error(self, shapes, kwargs):
        listed = ", ".join(map(str, shapes))
        axis = kwargs.get("axis", 0)
        ndim = len(shapes[0])
        if not -ndim <= axis < ndim:
            return f"concat: axis {axis} is out of range for shapes {listed} ({ndim}-d)"
        return f"concat: shapes {listed} must match on every axis but axis {axis}"


class Stack(Function):
    __slots__ = ("axis",)

    def forward(self, *arrays, axis=0):
        out = np.stack(arrays, axis=axis)
        self.axis = axis
        return out

    def backward(self, grad_out):
        return tuple(np.moveaxis(grad_out, self.axis, 0))

    def shape_error(self, shapes, kwargs):
        listed = ", ".join(map(str, shapes))
        axis = kwargs.get("axis", 0)
        ndim = len(shapes[0]) + 1  # the stacked result has one more axis
        if len(set(shapes)) == 1 and not -ndim <= axis < ndim:
            return f"stack: axis {axis} is out of range for a {ndim}-d result (shapes {listed})"
        return f"stack: all shapes must be equal, got {listed}"


class Where(Function):
    """``cond ? a : b`` elementwise, with broadcasting; ``cond`` is a constant bool array."""

    __slots__ = ("cond",)

    def forward(self, a, b, cond):
        self.cond = cond
        return np.where(cond, a, b)

    def backward(self, grad_out):
        need_a, need_b = self.needs_input_grad
        cond = np.broadcast_to(self.cond, grad_out.shape)
        grad_a = np.where(cond, grad_out, 0) if need_a else None
        grad_b = np.where(cond, 0, grad_out) if need_b else None
        return grad_a, grad_b

    def shape_error(self, shapes, kwargs):
        return (
            f"where: condition {np.shape(kwargs['cond'])} and values {shapes[0]}, {shapes[1]} "
            "do not broadcast"
        )


class Clip(Function):
    """Clamp into ``[low, high]`` (either may be ``None``); gradient 1 inside, 0 outside."""

    __slots__ = ("inside",)

    def forward(self, a, low=None, high=None):
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        self.inside = inside
        return np.clip(a, low, high)

    def backward(self, grad_out):
        return np.where(self.inside, grad_out, 0)
