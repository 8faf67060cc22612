r"""The scalar engine: one number per node, every operation remembered.

A :class:`Value` holds a float ``data`` and, after :meth:`Value.backward`, a float ``grad``:
the derivative of the final result with respect to this number. Each operation creates a new
``Value`` that remembers its inputs (``_prev``) and a small function that knows the local
derivative (``_backward``). Backpropagation is then just the chain rule applied node by node
in reverse topological order (see :mod:`tinygrad_rnn.autograd`).

Each op in :class:`Value` is written as a pair: the forward method builds the output node, and
the ``@staticmethod`` ``_<op>_backward`` right under it says how the output's gradient flows to
the inputs. The forward stores it on the node (``out._backward = Value._mul_backward``): one
plain function shared by every node of that op, not a closure. A closure per node would be
three more objects for Python's garbage collector to track and would tie the node into a
reference cycle, which is what makes naive scalar engines spend most of their time collecting
garbage. Here every node is exactly one object.

The tiny networks built on ``Value`` (``Neuron``, ``Layer``, ``MLP``) are in
:mod:`tinygrad_rnn.scalar.nn`.

Supported operations and their local derivatives:

=============  ==========================  ================================================
operation      forward                     local derivative
=============  ==========================  ================================================
``a + b``      :math:`a + b`               :math:`1` for each input
``a * b``      :math:`a b`                 :math:`b` for ``a``, :math:`a` for ``b``
``a ** k``     :math:`a^k` (``k`` number)  :math:`k a^{k-1}`
``a.exp()``    :math:`e^a`                 :math:`e^a`
``a.log()``    :math:`\ln a`, ``a > 0``    :math:`1 / a`
``a.tanh()``   :math:`\tanh a`             :math:`1 - \tanh^2 a`
``a.sigmoid``  :math:`\sigma(a)`           :math:`\sigma(a)(1 - \sigma(a))`
``a.relu()``   :math:`\max(0, a)`          :math:`1` if :math:`a > 0` else :math:`0`
=============  ==========================  ================================================

Subtraction, negation and division are compositions (``a - b = a + (-1) b`` and
``a / b = a b^{-1}``), so they need no backward of their own.

A ``Value`` exponent (``a ** b`` with ``b`` a Value) is not supported: write
``(b * a.log()).exp()`` instead, which also makes the requirement ``a > 0`` explicit.

Example:
    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a.tanh()
    >>> c.backward()
    >>> round(a.grad, 4), b.grad
    (-2.9293, 2.0)
"""

from __future__ import annotations

import math

from tinygrad_rnn import autograd

__all__ = ["Value"]

Number = int | float


def _as_float(x: object, where: str) -> float:
    """Turn a Python number into a float, or explain why it can't be one."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        try:
            import numpy as np  # only to recognise numpy scalars; numpy is a dependency

            if isinstance(x, np.generic) and np.ndim(x) == 0 and np.isrealobj(x):
                return float(x)
        except ImportError:  # pragma: no cover
            pass
        raise TypeError(
            f"{where}: expected a real number (int or float), got {type(x).__name__} {x!r}. "
            "A Value holds one number; for arrays use tinygrad_rnn.Tensor."
        )
    try:
        return float(x)
    except OverflowError:
        digits = len(str(abs(x)))
        raise OverflowError(
            f"{where}: an integer of {digits} digits is too large for a float (the largest is "
            "about 1.8e308)"
        ) from None


class Value:
    """A scalar in a computation graph, with the gradient of the output with respect to it.

    Args:
        data: the number this node holds (int or float; stored as float).
        label: an optional name shown when the graph is drawn.
        group: an optional cluster name for drawing (e.g. ``"t=3"`` for a time step).

    Attributes:
        data: the value computed by the forward pass.
        grad: d(output)/d(this value), filled in by :meth:`backward`; starts at ``0.0``.

    ``nan`` and ``inf`` are accepted (they are floats); an op whose result is not finite keeps
    it, as IEEE arithmetic does, so a diverging run shows ``nan`` in its loss rather than
    stopping with an error. :func:`tinygrad_rnn.gradcheck.gradcheck` reports non-finite values.
    """

    # Inputs sit in two slots rather than in a tuple: a tuple would be a second object per
    # node for the garbage collector to track, and that alone cost a third of a training step.
    __slots__ = ("data", "grad", "_a", "_b", "_backward", "_op", "_const", "label", "group")

    def __init__(
        self,
        data: Number,
        _a: Value | None = None,
        _b: Value | None = None,
        _op: str = "",
        label: str = "",
        group: str = "",
    ) -> None:
        self.data = data if type(data) is float else _as_float(data, "Value(data)")
        self.grad = 0.0
        self._a = _a
        self._b = _b
        self._backward = None
        self._op = _op
        self._const = 0.0  # the number in ops like `a * 3.0` or `a ** 2`
        self.label = label
        self.group = group

    # ------------------------------------------------------------------ arithmetic
    # Each backward rule receives the output node ``out`` (inputs ``out._a``, ``out._b``) and
    # adds (+=): a node used in several places collects gradient from every use.
    # A plain number on one side (``a + 1``, ``2 * a``) is folded into the op, kept in
    # ``out._const``: one node, not one plus a leaf for the constant.
    def __add__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            out = Value(self.data + other.data, self, other, "+")
            out._backward = Value._add_backward
            return out
        k = other if type(other) is float else _as_float(other, "Value + other")
        out = Value(self.data + k, self, None, "+")
        out._const = k
        out._backward = Value._add_const_backward
        return out

    @staticmethod
    def _add_backward(out: Value) -> None:
        a, b = out._a, out._b
        a.grad += out.grad
        b.grad += out.grad

    @staticmethod
    def _add_const_backward(out: Value) -> None:
        out._a.grad += out.grad

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            out = Value(self.data * other.data, self, other, "*")
            out._backward = Value._mul_backward
            return out
        k = other if type(other) is float else _as_float(other, "Value * other")
        out = Value(self.data * k, self, None, "*")
        out._const = k
        out._backward = Value._mul_const_backward
        return out

    @staticmethod
    def _mul_backward(out: Value) -> None:
        a, b = out._a, out._b
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    @staticmethod
    def _mul_const_backward(out: Value) -> None:
        out._a.grad += out._const * out.grad

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value):
            raise TypeError(
                "Value ** Value is not supported: the exponent must be a plain number. "
                "For a learnable exponent write (b * a.log()).exp(), which needs a > 0."
            )
        k = _as_float(exponent, "Value ** exponent")
        try:
            result = self.data**k
        except ZeroDivisionError:
            raise ZeroDivisionError(
                f"pow: {self.data} ** {k} divides by zero (0 to a negative power)"
            ) from None
        except OverflowError:  # too large for a float: inf, as `*` and exp() give
            result = _overflowed_power(self.data, k)
        if isinstance(result, complex):
            raise ValueError(
                f"pow: {self.data} ** {k} is not a real number "
                "(a negative base needs a whole-number exponent)"
            )
        out = Value(result, self, None, "**")
        out._const = k
        out._backward = Value._pow_backward
        return out

    @staticmethod
    def _pow_backward(out: Value) -> None:
        a = out._a
        k = out._const
        try:
            slope = k * a.data ** (k - 1.0)
        except (ZeroDivisionError, OverflowError):
            # k == 0: a^0 = 1 has slope 0, even at a = 0. Otherwise the slope overflows
            # (a ** 0.5 at 0, a ** 3 at 1e160): inf with its sign, as IEEE gives.
            slope = 0.0 if k == 0.0 else k * _overflowed_power(a.data, k - 1.0)
        a.grad += slope * out.grad

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            return self + -_as_float(other, "Value - other")
        return self + other * -1.0

    def __truediv__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _as_float(other, "Value / other")
            if other == 0.0:
                raise ZeroDivisionError(f"div: {self.data} / 0")
            return self * (1.0 / other)
        if other.data == 0.0:
            raise ZeroDivisionError(f"div: {self.data} / Value(0.0) (the divisor is zero)")
        return self * other**-1

    def __radd__(self, other: Number) -> Value:  # other + self
        return self + other

    def __rmul__(self, other: Number) -> Value:  # other * self
        return self * other

    def __rsub__(self, other: Number) -> Value:  # other - self
        return self * -1.0 + _as_float(other, "other - Value")

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        if self.data == 0.0:
            raise ZeroDivisionError(f"div: {other} / Value(0.0) (the divisor is zero)")
        return self**-1 * _as_float(other, "other / Value")

    def __rpow__(self, base: Number) -> Value:  # base ** self
        raise TypeError(
            "number ** Value is not supported: write (self * math.log(base)).exp() instead"
        )

    # ------------------------------------------------------------------ functions
    def exp(self) -> Value:
        """e to the power of this value."""
        try:
            result = math.exp(self.data)
        except OverflowError:
            result = math.inf
        out = Value(result, self, None, "exp")
        out._backward = Value._exp_backward
        return out

    @staticmethod
    def _exp_backward(out: Value) -> None:
        a = out._a
        a.grad += out.data * out.grad

    def log(self) -> Value:
        """Natural logarithm; defined only for positive values."""
        if not self.data > 0.0:
            raise ValueError(
                f"log: the input must be positive, got {self.data}. "
                "(If this is a probability, clamp it or add a small epsilon first.)"
            )
        out = Value(math.log(self.data), self, None, "log")
        out._backward = Value._log_backward
        return out

    @staticmethod
    def _log_backward(out: Value) -> None:
        a = out._a
        a.grad += out.grad / a.data

    def tanh(self) -> Value:
        """Hyperbolic tangent: squashes any number into (-1, 1)."""
        out = Value(math.tanh(self.data), self, None, "tanh")
        out._backward = Value._tanh_backward
        return out

    @staticmethod
    def _tanh_backward(out: Value) -> None:
        a = out._a
        a.grad += (1.0 - out.data * out.data) * out.grad

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e^-x): squashes any number into (0, 1)."""
        x = self.data
        if x >= 0.0:  # two forms so that exp never overflows
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        out = Value(s, self, None, "sigmoid")
        out._backward = Value._sigmoid_backward
        return out

    @staticmethod
    def _sigmoid_backward(out: Value) -> None:
        a = out._a
        a.grad += out.data * (1.0 - out.data) * out.grad

    def relu(self) -> Value:
        """max(0, x). The slope at exactly 0 is taken to be 0, as in most libraries.

        NaN stays NaN (as in ``Tensor.relu`` and PyTorch), so a broken number is not hidden.
        """
        x = self.data
        out = Value(x if x > 0.0 or x != x else 0.0, self, None, "relu")
        out._backward = Value._relu_backward
        return out

    @staticmethod
    def _relu_backward(out: Value) -> None:
        a = out._a
        if out.data > 0.0:
            a.grad += out.grad

    # ------------------------------------------------------------------ autograd
    @property
    def op_label(self) -> str:
        """The op as drawn in a graph, with its constant if it has one (``*3``, ``**2``)."""
        if self._b is None and self._op in ("+", "*", "**"):
            return f"{self._op}{self._const:g}"
        return self._op

    @property
    def _prev(self) -> tuple[Value, ...]:
        """The inputs this node was computed from (empty for a leaf): what the graph walk reads."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._a,)
        return (self._a, self._b)

    def backward(self) -> None:
        """Fill ``grad`` of every node this value depends on with d(self)/d(node).

        Leaves (inputs and parameters) *accumulate*: a second call adds the same gradient
        again. Interior nodes are reset first, so they hold the gradient of the last call.
        Use :meth:`zero_grad` (or ``MLP.zero_grad``) between training steps.
        """
        autograd.backward(self, 1.0, 0.0)

    def zero_grad(self) -> None:
        """Set ``grad`` to zero on this node and on every node it depends on."""
        for node in autograd.toposort(self):
            node.grad = 0.0

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"


def _overflowed_power(base: float, k: float) -> float:
    """``base ** k`` when Python raised instead of giving inf: +-inf (negative for a
    negative base to an odd whole power)."""
    odd = k == int(k) and int(k) % 2 == 1
    return -math.inf if base < 0.0 and odd else math.inf
