r"""What the Tensor engine's primitives share: the ``Function`` base class and its driver.

A :class:`Function` subclass has two methods that sit next to each other: ``forward`` gets
numpy arrays and returns the output array; ``backward`` gets the gradient of the output and
returns one gradient per input (or ``None`` for an input that needs none). Whatever
``forward`` wants to reuse in ``backward`` it keeps with :meth:`Function.save_for_backward`
(arrays) or as attributes on ``self``. ``self.needs_input_grad`` says which inputs want a
gradient, so ``backward`` can skip work nobody will read. A ``forward`` that returns a tuple
of arrays makes a Function with several outputs (the fused LSTM layer hands back its hidden
states and its final cell state): ``apply`` returns one Tensor per output and ``backward``
gets one gradient per output, ``None`` for a later output that nothing used.

:meth:`Function.apply` turns a forward call into a graph node: a
:class:`~tinygrad_rnn.tensor.Tensor` whose ``_prev`` are the inputs that require a gradient,
whose ``_ctx`` is the ``Function`` instance and whose ``_backward`` is
:func:`backward_through_function` (:func:`backward_through_outputs` for the first output of a
Function with several). The driver calls ``ctx.backward`` and hands each
input its gradient through :func:`unbroadcast`: **the only place** where a gradient that was
broadcast in the forward pass is summed back to the input's shape. Primitives never sum for
broadcasting themselves; they return a gradient of the *output's* shape and let the driver
fold it.

The primitives (everything else in :mod:`tinygrad_rnn.tensor` is a composition of these):

=====================  =================================  =====================================
primitive              forward                            gradient to each input
=====================  =================================  =====================================
``Add`` ``Sub``        :math:`a \pm b` (broadcast)        :math:`g`, :math:`\pm g`
``Mul``                :math:`a b`                        :math:`g b`, :math:`g a`
``Div``                :math:`a / b`                      :math:`g / b`, :math:`-g a / b^2`
``Pow``                :math:`a^b`                        :math:`g b a^{b-1}`, :math:`g a^b \ln a`
``Neg``                :math:`-a`                         :math:`-g`
``MatMul``             :math:`A B` (1-D, 2-D, batched)    :math:`G B^\top`, :math:`A^\top G`
``Exp`` ``Log``        :math:`e^a`, :math:`\ln a`         :math:`g e^a`, :math:`g / a`
``Tanh``               :math:`\tanh a`                    :math:`g (1 - y^2)`
``Sigmoid``            :math:`\sigma(a)`                  :math:`g\, y (1 - y)`
``ReLU``               :math:`\max(a, 0)`                 :math:`g [y > 0]`
``LeakyReLU``          :math:`a` or :math:`s a`           :math:`g` or :math:`s g`
``Sum``                over axes, ``keepdims``            :math:`g` copied along summed axes
``Max``                over axes, ``keepdims``            :math:`g` shared among the maxima
``Reshape``            new shape, same data               :math:`g` reshaped back
``Permute``            axes reordered (``.T``)            :math:`g` with the inverse order
``GetItem``            ``a[index]``                       :math:`g` scattered back (adds repeats)
``Concat`` ``Stack``   join along an axis                 :math:`g` sliced per input
``Where``              ``cond ? a : b``                   :math:`g` where chosen, 0 elsewhere
``Clip``               :math:`\min(\max(a, lo), hi)`      :math:`g` inside :math:`[lo, hi]`
``LogSoftmax``         :math:`a - \log\sum e^a`           :math:`g - \mathrm{softmax}(a) \sum g`
``CrossEntropy``       mean :math:`-\log p_{target}`      :math:`(\mathrm{softmax} - 1_t) g / N`
``Embedding``          rows ``W[idx]``                    rows of :math:`g` added into ``W``
=====================  =================================  =====================================

Why ``Tanh``, ``Sigmoid``, ``LogSoftmax`` and ``CrossEntropy`` are primitives and not
compositions: their gradients have short, numerically stable forms (written with the
output :math:`y`, or with softmax) that a chain of ``exp``/``log``/``/`` nodes would compute
less accurately and with more memory. ``CrossEntropy`` and the activations run through the
fused kernels of :mod:`tinygrad_rnn.kernels`.

The primitives live in :mod:`tinygrad_rnn.ops_math` (arithmetic, matmul, reductions),
:mod:`tinygrad_rnn.ops_shape` (reshaping, indexing, joining, choosing) and
:mod:`tinygrad_rnn.ops_nn` (activations, softmax, losses, embedding); this module holds the
machinery they share. Compositions are methods of :class:`~tinygrad_rnn.tensor.Tensor` (and
functions such as ``concat`` in :mod:`tinygrad_rnn.tensor`), the functional forms of
activations and losses are in :mod:`tinygrad_rnn.nn.functional`, tensor creation and the
default dtype in :mod:`tinygrad_rnn.ops_create`.

Example:
    A custom primitive, the square, written the same way as the built-in ones:

    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> class Square(Function):
    ...     def forward(self, a):
    ...         self.save_for_backward(a)
    ...         return a * a
    ...     def backward(self, grad_out):
    ...         (a,) = self.saved_tensors
    ...         return 2 * a * grad_out
    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> Square.apply(x).sum().backward()
    >>> x.grad
    array([2., 4., 6.], dtype=float32)
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from itertools import compress, repeat
from operator import attrgetter
from typing import Any

import numpy as np

__all__ = [
    "Function",
    "ShapeError",
    "IndexRangeError",
    "unbroadcast",
    "backward_through_function",
    "backward_through_outputs",
    "begin_backward_pass",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "register_tensor_type",
]


class ShapeError(ValueError):
    """Raised when the shapes given to an op don't fit; the message names the op and shapes."""


class IndexRangeError(ShapeError, IndexError):
    """Raised when an index (a class target, an embedding row) is outside the valid range."""


# ----------------------------------------------------------------------------------- modes
# Module-level flags, read by `Function.apply` on every op (a global read is cheap).
_grad_enabled = True
_anomaly_enabled = False


def is_grad_enabled() -> bool:
    """Whether ops currently record the graph (False inside :func:`no_grad`)."""
    return _grad_enabled


@contextmanager
def no_grad():
    """Run ops without recording a graph: outputs don't require grad, nothing is saved.

    Use it for evaluation and for parameter updates.

    Example:
        >>> from tinygrad_rnn.tensor import Tensor
        >>> w = Tensor([1.0], requires_grad=True)
        >>> with no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous


@contextmanager
def enable_grad():
    """Record the graph again inside a :func:`no_grad` block."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = True
    try:
        yield
    finally:
        _grad_enabled = previous


def is_anomaly_enabled() -> bool:
    """Whether :func:`detect_anomaly` is active."""
    return _anomaly_enabled


@contextmanager
def detect_anomaly():
    """Make any op whose output (or input gradient) holds NaN or inf raise at once.

    The :class:`FloatingPointError` names the op that produced the bad value and the shapes
    of its inputs, so you find the first ``log(0)`` instead of a NaN loss a hundred ops later.
    It costs one ``isfinite`` pass per op, so it is off by default.

    Example:
        >>> from tinygrad_rnn.tensor import Tensor
        >>> x = Tensor([0.0, 1.0])
        >>> with detect_anomaly():
        ...     x.log()
        Traceback (most recent call last):
        ...
        FloatingPointError: log produced -inf from finite inputs of shapes (2,)
    """
    global _anomaly_enabled
    previous = _anomaly_enabled
    _anomaly_enabled = True
    try:
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            yield
    finally:
        _anomaly_enabled = previous


def _describe_bad(values: np.ndarray) -> str:
    """Say which non-finite value an array holds first: 'nan', 'inf' or '-inf'."""
    if np.isnan(values).any():
        return "nan"
    return "inf" if (values == np.inf).any() else "-inf"


def _check_finite(op: str, out: np.ndarray, inputs: tuple[np.ndarray, ...], when: str) -> None:
    """Raise FloatingPointError when ``out`` holds NaN/inf (used in anomaly mode only)."""
    if out.dtype.kind not in "fc" or np.isfinite(out).all():
        return
    shapes = ", ".join(str(np.shape(x)) for x in inputs)
    bad_inputs = [
        i
        for i, x in enumerate(inputs)
        if np.asarray(x).dtype.kind in "fc" and not np.isfinite(x).all()
    ]
    origin = (
        f"inputs of shapes {shapes}; input {bad_inputs[0]} was already non-finite"
        if bad_inputs
        else f"finite inputs of shapes {shapes}"
    )
    raise FloatingPointError(f"{op}{when} produced {_describe_bad(out)} from {origin}")


# ----------------------------------------------------------------------------- broadcasting
def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient back to ``shape``: undo numpy broadcasting of an input.

    Broadcasting copies an input along new leading axes and along its size-1 axes, so by the
    chain rule the input's gradient is the *sum* of the output gradient over those axes.

    Args:
        grad: gradient with the (broadcast) output's shape.
        shape: the input's shape, which broadcasts to ``grad.shape``.

    Returns:
        An array of exactly ``shape``.

    Example:
        >>> unbroadcast(np.ones((4, 2, 3)), (2, 1)).tolist()
        [[12.0], [12.0]]
    """
    if grad.shape == shape:
        return grad
    original = grad.shape
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if ones:
        grad = grad.sum(axis=ones, keepdims=True)
    if grad.shape != shape:  # only reachable by a primitive returning a wrong shape
        raise ShapeError(f"gradient of shape {original} cannot be summed to shape {shape}")
    return grad


# ---------------------------------------------------------------------------------- driver
def backward_through_function(node: Any) -> None:
    """The ``_backward`` of every Tensor made by a Function: chain rule for one node.

    Calls ``node._ctx.backward(node.grad)`` and adds each returned gradient into the matching
    input's ``.grad``, after :func:`unbroadcast` and a cast to the input's dtype.

    Before that it checks that no input was changed in place since the forward pass (its
    ``_version`` must still be the one :meth:`Function.apply` recorded): ``backward`` reads
    the arrays the forward pass saw, so after an ``optimizer.step()`` it would silently
    compute the gradient of the *old* weights mixed with the new ones.

    Raises:
        RuntimeError: an input was changed in place after the forward pass used it.
    """
    grad_out = node.grad
    if grad_out is None:  # nothing flowed into this node (e.g. an unused output)
        return
    ctx = node._ctx
    if ctx.versions != tuple(map(_VERSION, ctx.parents)):
        raise _changed_in_place(ctx)
    _hand_out(ctx, ctx.backward(grad_out), grad_out)


def backward_through_outputs(node: Any) -> None:
    """The ``_backward`` of the first output of a Function with several outputs.

    The other outputs' nodes run first (each is made from the first one, so it comes later
    in the graph) and leave their gradients in ``ctx.extra_grads``; this calls
    ``ctx.backward(grad_first, *extra_grads)``, ``None`` standing for an output nothing
    flowed into, and zeros for the first output when only the others were used. Gradients
    left there by an earlier backward pass (one that stopped with an error before reaching
    this node) are not used: each is stamped with the pass that parked it.
    """
    ctx = node._ctx
    extra = ctx.extra_grads
    if ctx.extra_pass != _current_pass():
        extra = [None] * len(extra)
    ctx.extra_pass = None  # used up: a later pass parks its own
    grad_out = node.grad
    if grad_out is None:
        if all(g is None for g in extra):
            return
        grad_out = np.zeros_like(node.data)
    if ctx.versions != tuple(map(_VERSION, ctx.parents)):
        raise _changed_in_place(ctx)
    _hand_out(ctx, ctx.backward(grad_out, *extra), grad_out)


def _extra_output_backward(index: int) -> Any:
    """The ``_backward`` of output ``index + 1`` of a Function: it hands its gradient to the
    first output's driver (:func:`backward_through_outputs`), which runs after it."""

    def hand_over(node: Any) -> None:
        if node.grad is None:
            return
        ctx, current = node._ctx, _current_pass()
        if ctx.extra_pass != current:  # the first gradient parked in this pass
            ctx.extra_pass = current
            ctx.extra_grads = [None] * len(ctx.extra_grads)
        ctx.extra_grads[index] = node.grad

    return hand_over


# index -> the _backward of that extra output (dict.setdefault is atomic: threads may race)
_EXTRA_OUTPUT_BACKWARDS: dict[int, Any] = {}

# Each thread numbers its backward passes, so that a Function with several outputs can tell
# this pass's parked gradients from an aborted earlier pass's.
_passes = threading.local()


def _current_pass() -> int:
    return getattr(_passes, "number", 0)


def begin_backward_pass() -> None:
    """Start a new backward pass in this thread (``Tensor.backward`` calls it first)."""
    _passes.number = _current_pass() + 1


def _hand_out(ctx: Function, grads: Any, grad_out: np.ndarray) -> None:
    """Add the gradients a ``backward`` returned into its inputs' ``.grad``."""
    if type(grads) is not tuple:
        grads = (grads,)
    if len(grads) != len(ctx.parents):
        raise TypeError(
            f"{ctx.op_label}.backward returned {len(grads)} gradient(s) for "
            f"{len(ctx.parents)} input(s); return one per input (None where not needed)"
        )
    if _anomaly_enabled:
        for g in grads:
            if g is not None:
                _check_finite(ctx.op_label, np.asarray(g), (grad_out,), " backward")
    needs = ctx.needs_input_grad
    for parent, g in zip(compress(ctx.parents, needs), compress(grads, needs), strict=True):
        if g is None:
            continue
        data = parent.data
        if type(g) is not np.ndarray or g.shape != data.shape or g.dtype != data.dtype:
            g = _conform(ctx.op_label, g, data)
        if parent.grad is None:
            if not parent._prev and (g is grad_out or g.base is not None):
                # A leaf must own its gradient: optimizers may scale it in place, and a
                # view or a passed-through array can be shared with another tensor.
                g = g.copy()
            parent.grad = g
        else:
            parent.grad = parent.grad + g  # never in place: the old array may be shared


def _changed_in_place(ctx: Function) -> RuntimeError:
    """The error for an input whose array was changed in place between forward and backward."""
    now = tuple(map(_VERSION, ctx.parents))
    i = next(i for i, pair in enumerate(zip(ctx.versions, now, strict=True)) if pair[0] != pair[1])
    label = ctx.parents[i].label
    name = f"input {i} ({label!r})" if label else f"input {i}"
    edits = now[i] - ctx.versions[i]
    times = "once" if edits == 1 else f"{edits} times"
    return RuntimeError(
        f"{ctx.op_label}: {name} was changed in place after this op used it in the forward "
        f"pass (updated {times} since, by optimizer.step(), load_state_dict() or an edit "
        "marked with mark_modified()), so its gradient would be wrong. Run the forward pass "
        "again after optimizer.step(), or call backward() before step()."
    )


def _conform(op: str, g: Any, data: np.ndarray) -> np.ndarray:
    """A returned gradient as an array of its input's shape and dtype."""
    if type(g) is not np.ndarray:
        g = np.asarray(g)  # numpy returns scalars for 0-d arithmetic
    if g.shape != data.shape:
        try:
            g = unbroadcast(g, data.shape)  # the ONE place broadcast gradients are summed
        except ShapeError as err:
            raise ShapeError(f"{op} backward: {err}") from None
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    return g


def _not_a_tensor(op: str, inputs: tuple) -> TypeError:
    """The error for a list, array or number given to an op where a Tensor is expected."""
    i, bad = next((i, t) for i, t in enumerate(inputs) if not isinstance(t, _tensor_type))
    return TypeError(
        f"{op}: input {i} is a {type(bad).__name__}, not a Tensor; wrap it first: Tensor(x)"
    )


# -------------------------------------------------------------------------------- Function
class Function:
    """Base class of a differentiable primitive; subclass it and write forward + backward.

    Attributes:
        parents: the input Tensors, in call order.
        needs_input_grad: one bool per input: does that input require a gradient?
        saved_tensors: the arrays given to :meth:`save_for_backward`.
        versions: each input's ``_version`` at forward time; backward refuses to run if one
            has changed since (the input was edited in place, e.g. by an optimizer).
        extra_grads: for a Function with several outputs, the gradients of outputs 2, 3, ...
            collected during a backward pass (see :meth:`apply`), and ``extra_pass`` the
            number of that pass.
    """

    __slots__ = (
        "parents",
        "needs_input_grad",
        "saved_tensors",
        "versions",
        "extra_grads",
        "extra_pass",
    )

    #: The op's name, cached from :meth:`op_name` when the subclass is defined.
    op_label = "function"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.op_label = cls.op_name()

    def forward(self, *arrays: np.ndarray, **kwargs: Any) -> np.ndarray:
        """Compute the output array from the input arrays."""
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, grad_out: np.ndarray) -> Any:
        """Return the gradient for each input (a tuple, or one array for one input).

        ``grad_out`` may be a read-only view: never modify it in place. A Function whose
        ``forward`` returns several outputs gets one gradient per output (``None`` for a
        later output nothing used): ``backward(self, grad_first, grad_second=None, ...)``.
        """
        raise NotImplementedError(f"{type(self).__name__}.backward")

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for :meth:`backward` (read them back from ``self.saved_tensors``)."""
        self.saved_tensors = arrays

    @classmethod
    def op_name(cls) -> str:
        """The op's name in messages and graph drawings: the class name in lower case."""
        return cls.__name__.lower()

    def shape_error(self, shapes: tuple[tuple[int, ...], ...], kwargs: dict) -> str | None:
        """Explain a ``ValueError``/``IndexError`` that numpy raised inside ``forward``.

        Override it to turn numpy's message into one that names the op and the shapes; the
        default ``None`` lets the original error through unchanged (so a custom Function's
        own messages are never replaced).
        """
        return None

    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the inputs' arrays and return the output as a graph node.

        Args:
            *inputs: Tensors (the differentiable inputs).
            **kwargs: constant settings passed to ``forward`` (an axis, a shape, ...).

        Returns:
            A Tensor; it requires grad when any input does and grad mode is on. When
            ``forward`` returns a tuple of arrays, a tuple of Tensors: ``backward`` is then
            called with one gradient per output, ``None`` for the second and later outputs
            nothing flowed into (see :func:`backward_through_outputs`).
        """
        ctx = cls.__new__(cls)
        # the loops over the inputs are maps (they run in C): apply runs once per op
        if not all(map(isinstance, inputs, repeat(_tensor_type, len(inputs)))):
            raise _not_a_tensor(cls.op_label, inputs)
        arrays = tuple(map(_DATA, inputs))
        try:
            out = ctx.forward(*arrays, **kwargs)
        except (ValueError, IndexError) as err:
            message = None
            if not isinstance(err, ShapeError):
                message = ctx.shape_error(tuple(a.shape for a in arrays), kwargs)
            if message is None:
                raise
            raise ShapeError(message) from None
        extra = ()
        if type(out) is tuple:  # several outputs: the first is the node, the rest follow it
            out, *extra = out
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if _anomaly_enabled:
            _check_finite(cls.op_label, out, arrays, "")
        node = _new_tensor(out)
        node._op = cls.op_label
        if _grad_enabled:
            needs = tuple(map(_REQUIRES_GRAD, inputs))
            if True in needs:
                ctx.parents = inputs
                ctx.needs_input_grad = needs
                ctx.versions = tuple(map(_VERSION, inputs))  # checked before backward
                node.requires_grad = True
                node._ctx = ctx
                node._prev = tuple(compress(inputs, needs))
                node._backward = backward_through_function
        if not extra:
            return node
        return (node, *_extra_outputs(cls, ctx, node, extra, arrays))


def _extra_outputs(cls: type, ctx: Function, first: Any, outputs: list, in_arrays: tuple) -> list:
    """Nodes for outputs 2, 3, ... of one Function call: each is made from the first output
    (so backward reaches it first) and hands its gradient back to ``ctx``."""
    nodes = []
    for k, array in enumerate(outputs):
        if type(array) is not np.ndarray:
            array = np.asarray(array)
        if _anomaly_enabled:
            _check_finite(cls.op_label, array, in_arrays, "")
        extra = _new_tensor(array)
        extra._op = f"{cls.op_label}[{k + 1}]"
        if first.requires_grad:
            hand_over = _EXTRA_OUTPUT_BACKWARDS.get(k)
            if hand_over is None:
                hand_over = _EXTRA_OUTPUT_BACKWARDS.setdefault(k, _extra_output_backward(k))
            extra.requires_grad = True
            extra._ctx = ctx
            extra._prev = (first,)
            extra._backward = hand_over
        nodes.append(extra)
    if first.requires_grad:
        ctx.extra_grads = [None] * len(outputs)
        ctx.extra_pass = None
        first._backward = backward_through_outputs
    return nodes


_DATA, _REQUIRES_GRAD = attrgetter("data"), attrgetter("requires_grad")
_VERSION = attrgetter("_version")

#: The Tensor class, set by :func:`register_tensor_type`; ``apply`` accepts only its instances.
_tensor_type: type = type(None)


def _new_tensor(data: np.ndarray) -> Any:
    """Placeholder replaced by :func:`register_tensor_type` with a fast Tensor constructor."""
    raise RuntimeError("import tinygrad_rnn.tensor before applying a Function")


def register_tensor_type(tensor_type: type, new_tensor: Any) -> None:
    """Tell :meth:`Function.apply` which class its inputs are and how to build its outputs.

    ``tinygrad_rnn.tensor`` calls this once, right after defining ``Tensor``, so this module
    never imports the tensor module (which imports this one).

    Args:
        tensor_type: the class ``apply`` accepts as inputs (``Tensor``).
        new_tensor: called as ``new_tensor(array)``; returns a fresh, graph-free instance
            of ``tensor_type`` around ``array`` (no copy, no checks).
    """
    global _tensor_type, _new_tensor
    _tensor_type = tensor_type
    _new_tensor = new_tensor
