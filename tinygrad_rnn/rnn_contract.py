r"""The contract shared by the fused recurrent functions: result types and argument checks.

:mod:`tinygrad_rnn.rnn_reference` (numpy) and :mod:`tinygrad_rnn.rnn_kernels` (numba) both
return these NamedTuples and both validate their arguments here, so a mistake gets the same
clear message from either, naming the function and the shapes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "RNNCache",
    "LSTMCache",
    "GRUCache",
    "RecurrentGrads",
    "LSTMGrads",
    "check_forward_args",
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


def _same(op, name, a, shape, xw):
    """``a`` as a C-contiguous array, after checking it has ``shape`` and ``xw``'s dtype."""
    if type(a) is not np.ndarray:
        a = np.asarray(a)
    if a.shape != shape:
        raise ValueError(
            f"{op}: {name} must have shape {shape} to match xw {xw.shape}, got {a.shape}"
        )
    if a.dtype != xw.dtype:
        raise TypeError(f"{op}: {name} is {a.dtype} but xw is {xw.dtype}; use one dtype")
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
