r"""The Tensor engine: a numpy array that remembers how it was computed.

A :class:`Tensor` wraps an ``np.ndarray`` (``.data``). When it is computed from tensors that
``requires_grad``, it records the :class:`~tinygrad_rnn.function.Function` that made it, so
:meth:`Tensor.backward` can run the chain rule through the whole graph with the same walk
as the scalar engine (:mod:`tinygrad_rnn.autograd`). Gradients arrive in ``.grad`` as numpy
arrays of the tensor's own shape, even when the tensor was broadcast in the forward pass.

The primitives are listed in :mod:`tinygrad_rnn.function`. This module adds the operator
sugar and the methods; ``mean``, ``var``, ``sqrt``, ``softmax`` and friends are compositions
of primitives and need no backward of their own. Beside the class live the functions that
make or join tensors, like ``torch.cat`` and ``torch.where``: :func:`tensor`, :func:`exp`,
:func:`log`, :func:`concat`, :func:`stack`, :func:`where` and :func:`clip`. The functional
forms of activations and losses (``softmax(x)``, ``cross_entropy(z, t)``, ...) are in
:mod:`tinygrad_rnn.nn.functional`, which imports this module (never the other way round).

Dtypes: floating data becomes the default dtype, float32 like PyTorch, unless you pass
``dtype=``; :func:`set_default_dtype` (or the :func:`default_dtype` context) switches to
float64, which gradient checks need. Integer data stays integer (indices, class targets).
Python numbers and arrays combine with a tensor in the tensor's dtype: ``x * 2`` stays
float32.

Example:
    >>> import numpy as np
    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> w = Tensor([0.5, -1.0], requires_grad=True)
    >>> loss = (x * w).sum(axis=1).tanh().mean()
    >>> loss.backward()
    >>> w.grad.shape, x.grad.dtype
    ((2,), dtype('float32'))
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from tinygrad_rnn import autograd, function
from tinygrad_rnn.function import (
    Function,
    IndexRangeError,
    ShapeError,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    unbroadcast,
)
from tinygrad_rnn.ops_create import (
    TensorFactories,
    as_array,
    default_dtype,
    get_default_dtype,
    set_default_dtype,
)
from tinygrad_rnn.ops_math import Add, Div, Exp, Log, MatMul, Max, Mul, Neg, Pow, Sub, Sum
from tinygrad_rnn.ops_nn import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Tanh
from tinygrad_rnn.ops_shape import Clip, Concat, GetItem, Permute, Reshape, Stack, Where

__all__ = [
    "Tensor",
    "Function",
    "ShapeError",
    "IndexRangeError",
    "unbroadcast",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "get_default_dtype",
    "set_default_dtype",
    "default_dtype",
    "tensor",
    "exp",
    "log",
    "concat",
    "stack",
    "where",
    "clip",
]


# ------------------------------------------------------------------------------ Tensor
class Tensor(TensorFactories):
    r"""An n-dimensional array with automatic differentiation.

    Args:
        data: an array, a nested list or a number. Floating data (and Python numbers) is
            stored in the default dtype unless ``dtype`` is given; numpy integer and bool
            arrays keep their dtype. An ndarray of the right dtype is used without a copy.
        requires_grad: whether to compute ``.grad`` for this tensor in ``backward()``.
        dtype: the numpy dtype to store.
        label: a name shown in graph drawings.

    Attributes:
        data: the values, an ``np.ndarray``.
        grad: the gradient (same shape as ``data``) after ``backward()``, else ``None``.
        requires_grad: whether gradients flow to (and through) this tensor.
        label: an optional name for graph drawings.
        group: an optional cluster name for graph drawings (``"t=3"`` for a time step).
        _prev: the inputs that require grad (empty for a leaf): the graph's edges.
        _ctx: the :class:`~tinygrad_rnn.function.Function` instance that made this tensor.
        _backward: the function the backward walk calls on this node (``None`` for a leaf).
        _op: the name of the op that made this tensor (``""`` for a leaf).
        _version: how many times ``data`` was changed in place (see below).

    Changing ``data`` in place: an op's backward reads the arrays its inputs had in the
    forward pass, so editing a tensor's array between ``forward`` and ``backward`` would give
    silently wrong gradients. Every optimizer ``step()`` therefore counts its update in
    ``_version``, each op records its inputs' versions, and ``backward()`` raises a
    ``RuntimeError`` naming the op and the input when one has changed. When you edit
    ``data`` in place yourself (``p.data -= lr * p.grad`` in a hand-written loop), call
    :meth:`mark_modified` afterwards to get the same protection. The count cannot see an edit
    that nobody reports: a bare ``p.data -= ...`` without ``mark_modified()``, or an edit
    through another tensor sharing the array (``p.detach()``), goes unnoticed.

    Example:
        >>> a = Tensor([1.0, 2.0, 3.0], requires_grad=True, label="a")
        >>> (a * a).sum().backward()
        >>> a.grad
        array([2., 4., 6.], dtype=float32)
    """

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "_prev",
        "_backward",
        "_ctx",
        "_op",
        "label",
        "group",
        "_version",
    )

    __array_priority__ = 1000  # so `ndarray + Tensor` calls Tensor.__radd__

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str | None = None,
    ) -> None:
        if isinstance(data, Tensor):
            data = data.data
        elif type(data) is list and any(isinstance(e, Tensor) and e.requires_grad for e in data):
            raise TypeError(
                "Tensor([...]): the list holds tensors that require grad, and copying their "
                "values would cut them out of the graph; use stack([...]) to join them"
            )
        arr = as_array(data, dtype)
        if requires_grad and arr.dtype.kind not in "fc":
            raise TypeError(
                f"Tensor: only floating tensors can require grad; this one has dtype {arr.dtype}"
            )
        self.data = arr
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._prev = ()
        self._backward = None
        self._ctx = None
        self._op = ""
        self.label = label
        self.group = None
        self._version = 0

    # -------------------------------------------------------------------- basic facts
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of ``data``."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        """Iterate over the first axis; each item is a differentiable ``self[i]``."""
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use (t > 0).data.any() or .all()"
            )
        return bool(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20)
        extras = [f"dtype={self.data.dtype}"]
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self._op:
            extras.append(f"op={self._op}")
        if self.label:
            extras.append(f"label={self.label!r}")
        return f"Tensor({body}, {', '.join(extras)})"

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(t)`` (and plotting libraries) see the values; no gradient flows."""
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float | int | bool:
        """The single value of a one-element tensor, as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item(): needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A tensor with the same data and no history: gradients stop here."""
        return Tensor(self.data, dtype=self.data.dtype)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (on a leaf) and return ``self``."""
        if flag and self.data.dtype.kind not in "fc":
            raise TypeError(f"requires_grad_: dtype {self.data.dtype} cannot require grad")
        self.requires_grad = bool(flag)
        return self

    def zero_grad(self) -> None:
        """Forget the gradient (set ``.grad`` to ``None``)."""
        self.grad = None

    def mark_modified(self) -> None:
        """Record that ``data`` was just changed in place.

        Call it after editing the array by hand, e.g. ``p.data -= lr * p.grad`` in a
        training loop without an optimizer. A graph built *before* the edit then refuses to
        run ``backward()`` (its gradients would mix old and new values); a forward pass run
        after the edit is not affected. Optimizers call it for you. Without the call the
        edit goes unnoticed and such a ``backward()`` silently uses the old values.

        Example:
            >>> w = Tensor([1.0, 2.0], requires_grad=True, label="w")
            >>> loss = (w * w).sum()
            >>> w.data -= 0.1
            >>> w.mark_modified()
            >>> loss.backward()
            Traceback (most recent call last):
            ...
            RuntimeError: mul: input 0 ('w') was changed in place after ...
        """
        self._version += 1

    def astype(self, dtype: Any) -> Tensor:
        """A copy in another dtype, without history (a cast is not differentiable here)."""
        return Tensor(self.data.astype(dtype), dtype=dtype)

    # ----------------------------------------------------------------------- backward
    def backward(self, grad: Any = None) -> None:
        """Compute the gradient of this tensor with respect to every leaf that requires it.

        Args:
            grad: :math:`\\partial L/\\partial` self. May be omitted only for a one-element
                tensor (a loss), where it is 1.

        Leaf gradients accumulate over calls; call ``zero_grad()`` between steps.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad; create the inputs with "
                "requires_grad=True (and not inside no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): the tensor has shape {self.shape}, not a single number; "
                    "reduce it first (e.g. .sum() or .mean()) or pass grad= of the same shape"
                )
            seed = np.ones(self.data.shape, dtype=self.data.dtype)
        else:
            raw = grad.data if isinstance(grad, Tensor) else grad
            kind = np.asarray(raw).dtype.kind if not isinstance(raw, str) else "U"
            if kind not in "biuf":
                raise TypeError(
                    f"backward(grad=...): grad must be numbers of the tensor's shape "
                    f"{self.shape}, got {type(raw).__name__} {raw!r:.40}"
                )
            seed = np.array(raw, dtype=self.dtype)
            if seed.shape != self.shape:
                raise ShapeError(
                    f"backward(): grad of shape {seed.shape} does not match the tensor's "
                    f"shape {self.shape}"
                )
        function.begin_backward_pass()
        autograd.backward(self, seed, None)

    # --------------------------------------------------------------------- arithmetic
    def _operand(self, other: Any) -> Tensor:
        """A Tensor for the other side of a binary op.

        Next to a floating tensor, numbers and arrays take its dtype (``x * 2`` stays
        float32). Next to an integer or bool tensor they are converted as usual and numpy's
        promotion decides, so ``ids * 0.5`` gives halves instead of truncating 0.5 to 0,
        and ``ids + 1`` stays integer.
        """
        if isinstance(other, Tensor):
            return other
        dtype = self.data.dtype
        if dtype.kind in "fc":
            return Tensor(other, dtype=dtype)
        return Tensor(np.asarray(other))

    def __add__(self, other: Any) -> Tensor:
        return Add.apply(self, self._operand(other))

    def __radd__(self, other: Any) -> Tensor:
        return Add.apply(self._operand(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return Sub.apply(self, self._operand(other))

    def __rsub__(self, other: Any) -> Tensor:
        return Sub.apply(self._operand(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return Mul.apply(self, self._operand(other))

    def __rmul__(self, other: Any) -> Tensor:
        return Mul.apply(self._operand(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return Div.apply(self, self._operand(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return Div.apply(self._operand(other), self)

    def __pow__(self, other: Any) -> Tensor:
        return Pow.apply(self, self._operand(other))

    def __rpow__(self, other: Any) -> Tensor:
        return Pow.apply(self._operand(other), self)

    def __neg__(self) -> Tensor:
        return Neg.apply(self)

    def __matmul__(self, other: Any) -> Tensor:
        return MatMul.apply(self, self._operand(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return MatMul.apply(self._operand(other), self)

    # Comparisons give constant bool tensors (no gradient). `==` keeps identity semantics,
    # so tensors stay hashable; use .eq() for elementwise equality.
    def __lt__(self, other: Any) -> Tensor:
        return Tensor(self.data < _raw(other))

    def __le__(self, other: Any) -> Tensor:
        return Tensor(self.data <= _raw(other))

    def __gt__(self, other: Any) -> Tensor:
        return Tensor(self.data > _raw(other))

    def __ge__(self, other: Any) -> Tensor:
        return Tensor(self.data >= _raw(other))

    def eq(self, other: Any) -> Tensor:
        """Elementwise ``==`` as a bool tensor (``==`` itself compares identity)."""
        return Tensor(self.data == _raw(other))

    # ---------------------------------------------------------------- elementwise maths
    def exp(self) -> Tensor:
        r""":math:`e^x`."""
        return Exp.apply(self)

    def log(self) -> Tensor:
        r"""Natural logarithm :math:`\ln x`."""
        return Log.apply(self)

    def tanh(self) -> Tensor:
        r""":math:`\tanh x`."""
        return Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        r""":math:`1 / (1 + e^{-x})`."""
        return Sigmoid.apply(self)

    def relu(self) -> Tensor:
        r""":math:`\max(x, 0)`."""
        return ReLU.apply(self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        r""":math:`x` if :math:`x > 0` else ``slope`` :math:`\cdot x`."""
        return LeakyReLU.apply(self, slope=slope)

    def sqrt(self) -> Tensor:
        r""":math:`\sqrt{x}` (as ``x ** 0.5``)."""
        return self**0.5

    def square(self) -> Tensor:
        r""":math:`x^2` (as ``x * x``)."""
        return self * self

    def abs(self) -> Tensor:
        r""":math:`|x|`, as ``where(x >= 0, x, -x)`` (gradient 1 at 0)."""
        return Where.apply(self, -self, cond=self.data >= 0)

    def clip(self, low: float | None = None, high: float | None = None) -> Tensor:
        """Clamp values into ``[low, high]``; either bound may be ``None``."""
        if low is None and high is None:
            raise ValueError("clip: give low, high or both")
        return Clip.apply(self, low=low, high=high)

    # ----------------------------------------------------------------------- reductions
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (an int, a tuple, or ``None`` for all)."""
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Average over ``axis``: a sum divided by the number of summed elements."""
        total = Sum.apply(self, axis=axis, keepdims=keepdims)
        count = self.data.size // max(total.data.size, 1) if self.data.size else 0
        return total * (1.0 / count if count else float("nan"))

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; ties share the gradient."""
        return Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``, as ``-max(-x)``."""
        return -Max.apply(-self, axis=axis, keepdims=keepdims)

    def var(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Population variance over ``axis`` (divides by n)."""
        centred = self - self.mean(axis=axis, keepdims=True)
        return (centred * centred).mean(axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``axis`` (as ``exp(log_softmax(x))``)."""
        return Exp.apply(LogSoftmax.apply(self, axis=axis))

    def log_softmax(self, axis: int = -1) -> Tensor:
        r""":math:`x_i - \log\sum_j e^{x_j}` along ``axis``, computed stably."""
        return LogSoftmax.apply(self, axis=axis)

    # ------------------------------------------------------------------------- shapes
    def reshape(self, *shape: Any) -> Tensor:
        """Same data, new shape (``-1`` infers one size): ``x.reshape(2, -1)``."""
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self, start_axis: int = 0) -> Tensor:
        """Merge the axes from ``start_axis`` on into one."""
        return self.reshape(*self.shape[:start_axis], -1)

    def permute(self, *axes: int) -> Tensor:
        """Reorder the axes, numpy-style: ``x.permute(2, 0, 1)``."""
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = tuple(axes[0])
        return Permute.apply(self, axes=tuple(_axis(a, self.ndim, "permute") for a in axes))

    def transpose(self, axis0: int = -2, axis1: int = -1) -> Tensor:
        """Swap two axes (PyTorch-style; by default the last two)."""
        if self.ndim < 2:
            raise ShapeError(f"transpose: needs at least 2 axes, got shape {self.shape}")
        axes = list(range(self.ndim))
        a0, a1 = _axis(axis0, self.ndim, "transpose"), _axis(axis1, self.ndim, "transpose")
        axes[a0], axes[a1] = axes[a1], axes[a0]
        return Permute.apply(self, axes=tuple(axes))

    @property
    def T(self) -> Tensor:  # noqa: N802 (numpy's name)
        """All axes reversed (the usual transpose of a matrix)."""
        return Permute.apply(self, axes=tuple(range(self.ndim - 1, -1, -1)))

    def __getitem__(self, index: Any) -> Tensor:
        return GetItem.apply(self, index=_raw_index(index))


def _new_tensor(data: np.ndarray) -> Tensor:
    """A Tensor around an op's output array, skipping the checks of ``__init__``."""
    t = object.__new__(Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = False
    t._prev = ()
    t._backward = None
    t._ctx = None
    t._op = ""
    t.label = None
    t.group = None
    t._version = 0
    return t


# Function.apply checks its inputs against Tensor and builds its outputs with _new_tensor.
function.register_tensor_type(Tensor, _new_tensor)


def _axis(axis: int, ndim: int, op: str) -> int:
    """A possibly negative axis as a positive one; out of range is an error, not a wrap."""
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{op}: axis {axis} is out of range for a {ndim}-d tensor")
    return int(axis) % ndim


def _raw(x: Any) -> Any:
    """The array inside a Tensor, or ``x`` itself."""
    return x.data if isinstance(x, Tensor) else x


def _raw_index(index: Any) -> Any:
    """An index with Tensors replaced by their arrays and lists by integer/bool arrays."""
    if isinstance(index, tuple):
        return tuple(_raw_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


# ----------------------------------------------------------- making and joining tensors
def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a Tensor (``tensor(x)`` is ``Tensor(x)``)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def exp(x: Any) -> Tensor:
    r""":math:`e^x` of a Tensor, an array or a number (``x.exp()``)."""
    return Exp.apply(_as_tensor(x))


def log(x: Any) -> Tensor:
    r""":math:`\ln x` of a Tensor, an array or a number (``x.log()``)."""
    return Log.apply(_as_tensor(x))


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (``torch.cat``).

    Example:
        >>> concat([Tensor([1.0]), Tensor([2.0, 3.0])]).data
        array([1., 2., 3.], dtype=float32)
    """
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
