r"""The contract shared by the fused recurrent functions: result types and argument checks.

:mod:`tinygrad_rnn.kernels.recurrent` (numpy) and :mod:`tinygrad_rnn.kernels.recurrent_jit`
(numba) both return these NamedTuples and both validate their arguments here, so a mistake
gets the same clear message from either, naming the function and the shapes.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "RNNCache",
    "LSTMCache",
    "GRUCache",
    "RecurrentGrads",
    "LSTMGrads",
    "LayerCache",
    "LayerGrads",
    "check_forward_args",
    "check_layer_args",
    "check_input_args",
    "check_nonlinearity",
    "check_w_hh",
    "grad_or_zeros",
]


# --------------------------------------------------------------------------- caches and grads
class RNNCache(NamedTuple):
    """What :func:`rnn_backward` needs from :func:`rnn_forward`."""

    h: np.ndarray  # (T+1, B, H) hidden states h_0 .. h_T; the output is h[1:]
    nonlinearity: str  # "tanh" or "relu"


class LSTMCache(NamedTuple):
    """What :func:`lstm_backward` needs from :func:`lstm_forward`."""

    h: np.ndarray  # (T+1, B, H) hidden states h_0 .. h_T; the output is h[1:]
    c: np.ndarray  # (T+1, B, H) cell states c_0 .. c_T
    gates: np.ndarray  # (T, B, 4H) activated gates i, f, g, o
    tanh_c: np.ndarray  # (T, B, H) tanh(c_t)


class GRUCache(NamedTuple):
    """What :func:`gru_backward` needs from :func:`gru_forward`."""

    h: np.ndarray  # (T+1, B, H) hidden states h_0 .. h_T; the output is h[1:]
    gates: np.ndarray  # (T, B, 3H) activated gates r, z, n
    hn: np.ndarray  # (T, B, H) W_hn h_{t-1} + b_hn, the part the reset gate scales


class RecurrentGrads(NamedTuple):
    """Gradients returned by :func:`rnn_backward` and :func:`gru_backward`."""

    grad_xw: np.ndarray  # (T, B, G*H)
    grad_w_hh: np.ndarray  # (G*H, H)
    grad_b_hh: np.ndarray  # (G*H,)
    grad_h0: np.ndarray  # (B, H)


class LSTMGrads(NamedTuple):
    """Gradients returned by :func:`lstm_backward`."""

    grad_xw: np.ndarray  # (T, B, 4H)
    grad_w_hh: np.ndarray  # (4H, H)
    grad_b_hh: np.ndarray  # (4H,)
    grad_h0: np.ndarray  # (B, H)
    grad_c0: np.ndarray  # (B, H)


class LayerCache(NamedTuple):
    """What a ``*_layer_backward`` needs from its ``*_layer_forward``: a whole layer's
    inputs and weights, and the cell's own cache (one of the three above) or, for a layer
    that the numba module ran as one compiled call, the flat buffer holding its arrays
    (with the nonlinearity, for the RNN)."""

    x: np.ndarray  # (T, B, I) the layer's inputs
    w_ih: np.ndarray  # (G*H, I)
    w_hh: np.ndarray  # (G*H, H)
    cell: Any  # RNNCache | LSTMCache | GRUCache | np.ndarray | (np.ndarray, str)


class LayerGrads(NamedTuple):
    """Gradients returned by the ``*_layer_backward`` functions, in the forward's argument
    order. ``grad_x`` is ``None`` when it was not asked for; ``grad_c0`` is ``None`` except
    for the LSTM."""

    grad_x: np.ndarray | None  # (T, B, I)
    grad_w_ih: np.ndarray  # (G*H, I)
    grad_w_hh: np.ndarray  # (G*H, H)
    grad_b_ih: np.ndarray  # (G*H,)
    grad_b_hh: np.ndarray  # (G*H,)
    grad_h0: np.ndarray  # (B, H)
    grad_c0: np.ndarray | None  # (B, H)


# --------------------------------------------------------------------------- argument checks
def check_forward_args(op, xw, w_hh, b_hh, states, n_gates):
    """Validate and normalise the arguments of a ``*_forward`` function.

    Args:
        op: name of the calling function, used in error messages.
        xw: (T, B, G*H) input projections.
        w_hh: (G*H, H) recurrent weight.
        b_hh: (G*H,) recurrent bias, or ``None`` for no bias.
        states: dict name -> (B, H) initial state or ``None`` (zeros).
        n_gates: G.

    Returns:
        ``(xw, w_hh, b_hh, states)`` as C-contiguous arrays of ``xw``'s dtype.

    Raises:
        TypeError: for a non-float dtype or arrays of different dtypes.
        ValueError: for a shape that does not fit the others.
    """
    if type(xw) is not np.ndarray:
        xw = np.asarray(xw)
    if xw.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: xw must be float32 or float64, got {xw.dtype}")
    if xw.ndim != 3 or xw.shape[0] == 0 or xw.shape[1] == 0 or xw.shape[2] % n_gates:
        raise ValueError(
            f"{op}: xw must have shape (T, B, {n_gates}*H) with T, B >= 1, got {xw.shape}"
        )
    _, batch, gh = xw.shape
    hidden = gh // n_gates
    # runs on every call of a fused layer: plain loops, no closure, no copies when not needed
    w_hh = _same(op, "w_hh", w_hh, (gh, hidden), xw)
    b_hh = np.zeros(gh, xw.dtype) if b_hh is None else _same(op, "b_hh", b_hh, (gh,), xw)
    checked = {}
    for name, s in states.items():
        if s is None:
            checked[name] = np.zeros((batch, hidden), xw.dtype)
        else:
            checked[name] = _same(op, name, s, (batch, hidden), xw)
    if not xw.flags.c_contiguous:
        xw = np.ascontiguousarray(xw)
    return xw, w_hh, b_hh, checked


def check_layer_args(op, x, w_ih, w_hh, b_ih, b_hh, states, n_gates):
    """Validate and normalise the arguments of a ``*_layer_forward`` function.

    Args:
        op: name of the calling function, used in error messages.
        x: (T, B, I) inputs; ``w_ih`` (G*H, I), ``w_hh`` (G*H, H) weights; ``b_ih``,
            ``b_hh`` (G*H,) biases or ``None`` (zeros).
        states: tuple of (B, H) initial states, ``None`` meaning zeros.
        n_gates: G.

    Returns:
        ``(x, w_ih, w_hh, b_ih, b_hh, states)``: C-contiguous, writable arrays of ``x``'s
        dtype (copies only where the given ones are not).

    Raises:
        TypeError: for a non-float dtype or arrays of different dtypes.
        ValueError: for a shape that does not fit the others.
    """
    if _layer_args_ready((x, w_ih, w_hh, b_ih, b_hh, *states), n_gates):
        return x, w_ih, w_hh, b_ih, b_hh, states  # what every call of a fused layer gives
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: x must be float32 or float64, got {x.dtype}")
    if type(w_hh) is not np.ndarray:
        w_hh = np.asarray(w_hh)
    if (
        x.ndim != 3
        or x.shape[0] == 0
        or x.shape[1] == 0
        or w_hh.ndim != 2
        or w_hh.shape[0] != n_gates * w_hh.shape[1]
        or w_hh.shape[1] == 0
    ):
        raise ValueError(
            f"{op}: x must have shape (T, B, I) with T, B >= 1 and w_hh ({n_gates}*H, H), "
            f"got x {x.shape} and w_hh {w_hh.shape}"
        )
    batch, n_in = x.shape[1], x.shape[2]
    gh, hidden = w_hh.shape
    w_hh = _same(op, "w_hh", w_hh, (gh, hidden), x, "x")
    w_ih = _same(op, "w_ih", w_ih, (gh, n_in), x, "x")
    biases = [
        np.zeros(gh, x.dtype) if b is None else _same(op, name, b, (gh,), x, "x")
        for name, b in (("b_ih", b_ih), ("b_hh", b_hh))
    ]
    checked = tuple(
        np.zeros((batch, hidden), x.dtype)
        if s is None
        else _same(op, f"initial state {k}", s, (batch, hidden), x, "x")
        for k, s in enumerate(states)
    )
    # numba compiles separate versions for read-only arrays: hand it writable copies
    x, w_ih, w_hh, b_ih, b_hh, *checked = [
        a if a.flags.c_contiguous and a.flags.writeable else np.array(a, order="C")
        for a in (x, w_ih, w_hh, *biases, *checked)
    ]
    return x, w_ih, w_hh, b_ih, b_hh, tuple(checked)


_TYPE, _DTYPE, _SHAPE = type, attrgetter("dtype"), attrgetter("shape")
_C_CONTIGUOUS, _WRITABLE = attrgetter("flags.c_contiguous"), attrgetter("flags.writeable")


def _layer_args_ready(arrays, n_gates):
    """True when the arrays (x, w_ih, w_hh, b_ih, b_hh, states...) need no conversion:
    numpy arrays of one float dtype, C-contiguous, writable, of fitting shapes.

    It runs on every call of a fused layer, where a few microseconds matter, so the
    loops over the arrays are ``map`` over attribute getters (they run in C).
    """
    if set(map(_TYPE, arrays)) != {np.ndarray} or len(set(map(_DTYPE, arrays))) != 1:
        return False
    x, w_hh = arrays[0], arrays[2]
    if x.dtype not in (np.float32, np.float64) or x.ndim != 3 or w_hh.ndim != 2:
        return False
    n_steps, batch, n_in = x.shape
    gh, hidden = w_hh.shape
    if n_steps == 0 or batch == 0 or hidden == 0 or gh != n_gates * hidden:
        return False
    want = ((n_steps, batch, n_in), (gh, n_in), (gh, hidden), (gh,), (gh,))
    want += ((batch, hidden),) * (len(arrays) - 5)
    return (
        tuple(map(_SHAPE, arrays)) == want
        and all(map(_C_CONTIGUOUS, arrays))
        and all(map(_WRITABLE, arrays))
    )


def _same(op, name, a, shape, xw, xw_name="xw"):
    """``a`` as a C-contiguous array, after checking it has ``shape`` and ``xw``'s dtype."""
    if type(a) is not np.ndarray:
        a = np.asarray(a)
    if a.shape != shape:
        raise ValueError(
            f"{op}: {name} must have shape {shape} to match {xw_name} {xw.shape}, got {a.shape}"
        )
    if a.dtype != xw.dtype:
        raise TypeError(f"{op}: {name} is {a.dtype} but {xw_name} is {xw.dtype}; use one dtype")
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def grad_or_zeros(op, name, grad, like):
    """Return ``grad`` as a C-contiguous array shaped like ``like`` (zeros for ``None``)."""
    if grad is None:
        return np.zeros_like(like)
    if type(grad) is not np.ndarray:
        grad = np.asarray(grad)
    if grad.shape != like.shape:
        raise ValueError(f"{op}: {name} must have shape {like.shape}, got {grad.shape}")
    if grad.dtype == like.dtype and grad.flags.c_contiguous:
        return grad
    return np.ascontiguousarray(grad, dtype=like.dtype)


def check_w_hh(op, w_hh, h, n_gates):
    """Check the ``w_hh`` given to a backward pass against the cached states ``h``."""
    if type(w_hh) is not np.ndarray:
        w_hh = np.asarray(w_hh)
    hidden = h.shape[2]
    if w_hh.shape != (n_gates * hidden, hidden):
        raise ValueError(
            f"{op}: w_hh must have shape {(n_gates * hidden, hidden)} like in the forward "
            f"pass, got {w_hh.shape}"
        )
    if w_hh.dtype != h.dtype:
        raise TypeError(f"{op}: w_hh is {w_hh.dtype} but the forward pass ran in {h.dtype}")
    return w_hh if w_hh.flags.c_contiguous else np.ascontiguousarray(w_hh)


def check_nonlinearity(op, nonlinearity):
    """Raise a clear error unless ``nonlinearity`` is ``"tanh"`` or ``"relu"``."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{op}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def check_input_args(op, x, w_ih):
    """Raise a clear error unless ``x`` (T, B, I) fits ``w_ih`` (G*H, I)."""
    if x.ndim != 3 or w_ih.ndim != 2 or x.shape[2] != w_ih.shape[1]:
        raise ValueError(
            f"{op}: x must be (T, B, I) and w_ih (G*H, I) with the same I, "
            f"got x {x.shape} and w_ih {w_ih.shape}"
        )
