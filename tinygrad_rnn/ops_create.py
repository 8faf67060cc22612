"""Creating tensors: the default dtype, how data becomes an array, and factory methods.

Floating data is stored in the default dtype, float32 like PyTorch: fast, and what every
layer uses. Gradient checks need float64, so :func:`set_default_dtype` and the
:func:`default_dtype` context switch it. An explicit ``dtype=`` always wins.

The factories (``Tensor.zeros``, ``Tensor.randn(..., rng=)``, ...) are classmethods of a
small base class that :class:`~tinygrad_rnn.tensor.Tensor` inherits, to keep ``tensor.py``
about the graph. They build ``cls(...)``, so this module never imports ``tensor.py``.

Example:
    >>> from tinygrad_rnn.tensor import Tensor
    >>> with default_dtype(np.float64):
    ...     Tensor.zeros(2, 3).dtype
    dtype('float64')
    >>> Tensor.randn(2, rng=np.random.default_rng(0)).dtype
    dtype('float32')
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = [
    "get_default_dtype",
    "set_default_dtype",
    "default_dtype",
    "as_array",
    "TensorFactories",
]

_default_dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype floating data is stored in unless ``dtype=`` says otherwise (float32)."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the default floating dtype: ``np.float32`` (fast) or ``np.float64`` (exact).

    Example:
        >>> set_default_dtype(np.float64); get_default_dtype()
        dtype('float64')
        >>> set_default_dtype(np.float32)
    """
    global _default_dtype
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: needs a floating dtype, got {dt}")
    _default_dtype = dt


@contextmanager
def default_dtype(dtype: Any) -> Iterator[None]:
    """Use ``dtype`` as the default inside a ``with`` block (handy for float64 tests)."""
    previous = _default_dtype
    set_default_dtype(dtype)
    try:
        yield
    finally:
        set_default_dtype(previous)


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Turn ``data`` into an ndarray: floats (and Python numbers) in the default dtype.

    Python ints become floats too (``Tensor([1, 2])`` is for maths); integer index arrays
    come from numpy and keep their dtype (``np.array([1, 2])`` stays int64). An ndarray that
    already has the wanted dtype is returned as is, not copied.
    """
    try:
        arr = np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as err:
        what = _describe(data)
        raise type(err)(f"Tensor: cannot turn {what} into an array: {err}{_hint(what)}") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(
            f"Tensor: complex data ({arr.dtype}) is not supported; the library works with real "
            "numbers: pass data.real (or abs(data)) if that is what you mean"
        )
    if kind == "O" and _has_huge_int(data):
        raise OverflowError(
            "Tensor: an integer in the data is too large for a 64-bit integer; pass it as a "
            "float (float(n)) if you mean a number that large"
        )
    if kind not in "biuf":
        what = _describe(data)
        raise TypeError(
            f"Tensor: data must be numbers, got {what} (numpy dtype {arr.dtype}){_hint(what)}"
        )
    if dtype is not None:
        return arr
    if kind == "f" or (kind in "iu" and not isinstance(data, np.ndarray | np.generic)):
        return arr.astype(_default_dtype, copy=False)
    return arr


def _has_huge_int(data: Any) -> bool:
    """True when ``data`` is (or, nested in lists, holds) a Python int beyond int64."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            if not -(2**63) <= item < 2**64:
                return True
    return False


def _describe(data: Any) -> str:
    """A short description for messages: the type, and the first item's type for a list."""
    if isinstance(data, list | tuple) and data:
        return f"a {type(data).__name__} of {type(data[0]).__name__}"
    return f"a {type(data).__name__}"


def _hint(what: str) -> str:
    """Advice for the likely mistake of mixing the two engines."""
    if "Value" in what:
        return "; a Value of the scalar engine is not a number for a Tensor: use its .data"
    return ""


def _shape(shape: tuple) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def _generator(rng: np.random.Generator | None) -> np.random.Generator:
    return rng if rng is not None else np.random.default_rng()


class TensorFactories:
    """``Tensor.zeros``, ``ones``, ``full``, ``randn``, ``rand``, ``uniform``, ``arange``, ``eye``.

    Each takes the shape as ``f(2, 3)`` or ``f((2, 3))``, a ``dtype`` (default: the default
    dtype) and ``requires_grad``; the random ones take ``rng=np.random.default_rng(seed)``.
    Each is a classmethod that builds ``cls(data, requires_grad=..., dtype=data.dtype)``.
    """

    __slots__ = ()

    @classmethod
    def _build(cls, data: np.ndarray, requires_grad: bool) -> Any:
        """A ``cls`` around freshly made ``data``, keeping its dtype."""
        return cls(data, requires_grad=requires_grad, dtype=data.dtype)

    @classmethod
    def zeros(cls, *shape: Any, dtype: Any = None, requires_grad: bool = False) -> Any:
        """A tensor of zeros: ``Tensor.zeros(2, 3)``."""
        return cls._build(np.zeros(_shape(shape), dtype or _default_dtype), requires_grad)

    @classmethod
    def ones(cls, *shape: Any, dtype: Any = None, requires_grad: bool = False) -> Any:
        """A tensor of ones."""
        return cls._build(np.ones(_shape(shape), dtype or _default_dtype), requires_grad)

    @classmethod
    def full(cls, shape: Any, value: float, dtype: Any = None, requires_grad: bool = False) -> Any:
        """A tensor filled with ``value``: ``Tensor.full((2, 3), 0.5)``."""
        return cls._build(np.full(_shape((shape,)), value, dtype or _default_dtype), requires_grad)

    @classmethod
    def randn(cls, *shape: Any, rng=None, dtype: Any = None, requires_grad: bool = False) -> Any:
        """Standard normal samples; pass ``rng=np.random.default_rng(seed)`` to reproduce."""
        data = _generator(rng).standard_normal(_shape(shape))
        return cls._build(data.astype(dtype or _default_dtype), requires_grad)

    @classmethod
    def rand(cls, *shape: Any, rng=None, dtype: Any = None, requires_grad: bool = False) -> Any:
        """Uniform samples in ``[0, 1)``."""
        data = _generator(rng).random(_shape(shape))
        return cls._build(data.astype(dtype or _default_dtype), requires_grad)

    @classmethod
    def uniform(
        cls, *shape: Any, low=0.0, high=1.0, rng=None, dtype: Any = None, requires_grad=False
    ) -> Any:
        """Uniform samples in ``[low, high)``."""
        data = _generator(rng).uniform(low, high, _shape(shape))
        return cls._build(data.astype(dtype or _default_dtype), requires_grad)

    @classmethod
    def arange(cls, *args: Any, dtype: Any = None) -> Any:
        """``np.arange`` as a tensor (default dtype unless ``dtype`` given)."""
        return cls._build(np.arange(*args, dtype=dtype or _default_dtype), False)

    @classmethod
    def eye(cls, n: int, dtype: Any = None, requires_grad: bool = False) -> Any:
        """The ``n`` by ``n`` identity matrix."""
        return cls._build(np.eye(n, dtype=dtype or _default_dtype), requires_grad)

    @classmethod
    def zeros_like(cls, other: Any, requires_grad: bool = False) -> Any:
        """Zeros with the shape and dtype of ``other``."""
        return cls._build(np.zeros_like(other.data), requires_grad)
