r"""Fused whole-sequence RNN, LSTM and GRU: the fast path (numba + BLAS).

Same functions, arguments and results as :mod:`tinygrad_rnn.kernels.recurrent` (read that
module first: it states the contract and the maths). What is different here is speed:

* The gate activations and cell updates of each time step run as compiled loops
  (:mod:`tinygrad_rnn.kernels.recurrent_loops`) over time-major buffers; the input
  projections of all steps are one matmul (:func:`input_projection`, or inside a whole-layer call).
* ``dW_hh`` is not accumulated step by step: the backward loop only writes the gradient
  of every gate pre-activation, and ONE matmul over all steps finishes the job.
* In float32 the activations use a rational approximation of ``tanh`` (its error is the
  size of float32 rounding) because libm's ``tanhf`` is much slower and stops the loops
  from being vectorised. float64 always uses exact ``np.tanh``, so
  gradient checks and fused = unrolled hold to 1e-10. Pass ``approx=False`` to use the
  exact functions in float32 too.
* Large arrays (states, gates, gradients) come from a pool
  (:mod:`tinygrad_rnn.kernels.buffers`) and are reused once nothing references them.
* The whole-layer functions (``*_layer_forward`` / ``*_layer_backward``, what the fused
  nn layers call) run a small model's layer, input projections and weight gradients
  included, as ONE compiled call per direction: for a tiny LSTM the numpy calls,
  allocations and checks between the pieces cost about as much as the pieces.

Who runs the time loop. By default the whole loop is compiled, at every size: Python would
cost more per step than a small model's step itself, and the products inside call numpy's
own BLAS (:mod:`tinygrad_rnn.kernels.blas`), the one numpy's matmul uses outside. For small
models the recurrent matmul is plain compiled loops instead
(:func:`~tinygrad_rnn.kernels.products_jit.recurrent_matmul`), which beat BLAS's call
overhead and packing at these sizes. The loop can also run in Python, calling numpy's
matmul and then the compiled step (the way these kernels ran big models before the compiled
products called numpy's BLAS; kept as a check and for comparison). :data:`STEPPING`
chooses (``"auto"`` = ``"numba"``, or ``"python"``); all paths agree up to rounding. The
measurements behind these choices are in docs/benchmarks.md.

The kernels compile on first use (a few seconds, then cached on disk by numba).
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.kernels import blas
from tinygrad_rnn.kernels import recurrent_loops as jit
from tinygrad_rnn.kernels.buffers import pool
from tinygrad_rnn.kernels.contract import (
    GRUCache,
    LayerCache,
    LayerGrads,
    LSTMCache,
    LSTMGrads,
    RecurrentGrads,
    RNNCache,
    check_forward_args,
    check_input_args,
    check_layer_args,
    check_nonlinearity,
    check_w_hh,
    grad_or_zeros,
)

__all__ = [
    "STEPPING",
    "rnn_forward",
    "rnn_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
    "input_projection",
    "input_backward",
    "rnn_layer_forward",
    "rnn_layer_backward",
    "lstm_layer_forward",
    "lstm_layer_backward",
    "gru_layer_forward",
    "gru_layer_backward",
]

#: who runs the time loop: "auto" or "numba" (the compiled loop), or "python"
STEPPING = "auto"

# Threshold on one step's recurrent matmul, in multiply-adds (B * G*H * H): up to
# LOOPS_MAX_WORK the compiled loop multiplies with its own loops
# (products_jit.recurrent_matmul) instead of calling numpy's BLAS. Which one wins depends on
# the kernel numpy's OpenBLAS runs (blas.CORE), measured on one core, forward and backward of
# a layer, the two alternating in one process:
# - an AVX2 kernel (Haswell, Zen): the own loops win up to about 2**20 (LSTM T=200, B=8, I=32,
#   H=64: 2.97 ms against 3.25; T=50, B=16, H=128: 5.0 against 5.4; tiny T=100, B=1, H=32:
#   0.085 against 0.155), BLAS from the medium size on (B=32, H=128);
# - an AVX-512 kernel (SkylakeX and later): BLAS wins or ties at every size (B=8, H=64: 1.60
#   against 2.33 ms; the medium RNN 1.34 against 1.88; B=1: within 4 %), so it does all of it.
LOOPS_MAX_WORK = -1 if blas.WIDE_KERNEL else 2**20


def _python_loop(batch, gh, hidden):
    if STEPPING not in ("auto", "numba", "python"):
        raise ValueError(f"STEPPING must be 'auto', 'numba' or 'python', got {STEPPING!r}")
    return STEPPING == "python"


def _small(batch, gh, hidden):
    return batch * gh * hidden <= LOOPS_MAX_WORK


def _use_approx(approx, dtype):
    return dtype == np.float32 if approx is None else bool(approx)


def _writable(*arrays):
    # numba compiles a separate version for read-only arrays; hand it copies instead
    return [a if a.flags.writeable else a.copy() for a in arrays]


def _start_grad(op, name, grad, like):
    """A fresh, writable gradient the backward loop may overwrite: zeros for ``None``.

    Unlike ``grad_or_zeros(...).copy()`` this allocates once, not twice.
    """
    if grad is None:
        return np.zeros(like.shape, like.dtype)
    return grad_or_zeros(op, name, grad, like).copy()  # never write into the caller's array


def _grad_out_or_zeros(op, grad_out, h):
    if grad_out is None:
        return pool.zeros(h[1:].shape, h.dtype)  # (T, B, H)
    return grad_or_zeros(op, "grad_out", grad_out, h[1:])


def _grad_w_hh(da, h, out):
    """``out = sum_t da[t].T @ h[t]`` as ONE matmul; ``da`` (T*B, K) may be a column slice."""
    n_rows = da.shape[0]
    return np.matmul(da.T, h[:-1].reshape(n_rows, -1), out=out)  # (K, H)


# --------------------------------------------------------------------------- RNN
def rnn_forward(xw, w_hh, b_hh, h0, nonlinearity="tanh", approx=None):
    r"""Run a tanh or ReLU RNN over a whole sequence (fused).

    Args:
        xw: (T, B, H) input projections ``x @ W_ih.T + b_ih``.
        w_hh: (H, H) recurrent weight.
        b_hh: (H,) recurrent bias, or ``None``.
        h0: (B, H) initial hidden state, or ``None`` for zeros.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        approx: use the fast rational tanh; ``None`` means "in float32 only".

    Returns:
        ``(out, h_T, cache)``: ``out`` (T, B, H) all hidden states, ``h_T`` (B, H) a copy
        of the last one, and an :class:`~tinygrad_rnn.kernels.recurrent.RNNCache`.
    """
    op = "rnn_forward"
    check_nonlinearity(op, nonlinearity)
    xw, w_hh, b_hh, states = check_forward_args(op, xw, w_hh, b_hh, {"h0": h0}, 1)
    xw, w_hh, b_hh = _writable(xw, w_hh, b_hh)
    n_steps, batch, hidden = xw.shape
    h = pool.empty((n_steps + 1, batch, hidden), xw.dtype)  # h_0 .. h_T
    h[0] = states["h0"]
    relu, approx = nonlinearity == "relu", _use_approx(approx, xw.dtype)
    if _python_loop(batch, hidden, hidden):
        w_t = np.ascontiguousarray(w_hh.T)  # see lstm_forward
        for t in range(n_steps):
            np.matmul(h[t], w_t, out=h[t + 1])
            jit.rnn_forward_step(h[t + 1], xw[t], b_hh, relu, approx)
    else:
        w_t = np.ascontiguousarray(w_hh.T)
        jit.rnn_forward_sequence(xw, w_t, b_hh, relu, approx, _small(batch, hidden, hidden), h)
    return h[1:], h[-1].copy(), RNNCache(h, nonlinearity)


def rnn_backward(grad_out, grad_hT, cache, w_hh):
    r"""Backpropagate through a whole :func:`rnn_forward` sequence (fused BPTT).

    Args:
        grad_out: (T, B, H) gradient w.r.t. every hidden state, or ``None``.
        grad_hT: (B, H) gradient w.r.t. ``h_T``, or ``None``.
        cache: the cache returned by the forward pass (left unchanged).
        w_hh: (H, H) the recurrent weight used in the forward pass.

    Returns:
        ``RecurrentGrads(grad_xw (T, B, H), grad_w_hh (H, H), grad_b_hh (H,),
        grad_h0 (B, H))``.
    """
    op = "rnn_backward"
    h = cache.h
    w_hh = check_w_hh(op, w_hh, h, 1)
    grad_out = _grad_out_or_zeros(op, grad_out, h)
    dh = _start_grad(op, "grad_hT", grad_hT, h[0])  # becomes grad_h0
    grad_xw = pool.empty(grad_out.shape, h.dtype)
    grad_out, h, w_hh = _writable(grad_out, h, w_hh)
    relu = cache.nonlinearity == "relu"
    if _python_loop(*h.shape[1:], h.shape[2]):
        for t in reversed(range(grad_out.shape[0])):
            jit.rnn_backward_step(grad_out[t], h[t + 1], relu, grad_xw[t], dh)
            np.matmul(grad_xw[t], w_hh, out=dh)
    else:
        loops = _small(*h.shape[1:], h.shape[2])
        jit.rnn_backward_sequence(grad_out, h, w_hh, relu, loops, grad_xw, dh)
    da = grad_xw.reshape(-1, grad_xw.shape[2])  # (T*B, H)
    grad_w_hh = _grad_w_hh(da, h, np.empty_like(w_hh))
    return RecurrentGrads(grad_xw, grad_w_hh, da.sum(axis=0), dh)


# --------------------------------------------------------------------------- LSTM
def lstm_forward(xw, w_hh, b_hh, h0, c0, approx=None):
    r"""Run an LSTM over a whole sequence (fused; gate order i, f, g, o).

    Args:
        xw: (T, B, 4H) input projections ``x @ W_ih.T + b_ih``.
        w_hh: (4H, H) recurrent weight.
        b_hh: (4H,) recurrent bias, or ``None``.
        h0: (B, H) initial hidden state, or ``None`` for zeros.
        c0: (B, H) initial cell state, or ``None`` for zeros.
        approx: use the fast rational tanh; ``None`` means "in float32 only".

    Returns:
        ``(out, h_T, c_T, cache)``: ``out`` (T, B, H), ``h_T`` and ``c_T`` (B, H) copies of
        the final states, and an :class:`~tinygrad_rnn.kernels.recurrent.LSTMCache`.
    """
    xw, w_hh, b_hh, states = check_forward_args(
        "lstm_forward", xw, w_hh, b_hh, {"h0": h0, "c0": c0}, 4
    )
    xw, w_hh, b_hh = _writable(xw, w_hh, b_hh)
    n_steps, batch, four_h = xw.shape
    h = pool.empty((n_steps + 1, batch, four_h // 4), xw.dtype)  # h_0 .. h_T
    c = pool.empty(h.shape, xw.dtype)  # c_0 .. c_T
    h[0], c[0] = states["h0"], states["c0"]
    gates = pool.empty(xw.shape, xw.dtype)  # (T, B, 4H)
    tanh_c = pool.empty(h[1:].shape, xw.dtype)  # (T, B, H)
    approx = _use_approx(approx, xw.dtype)
    if _python_loop(batch, four_h, four_h // 4):
        # a contiguous W_hh.T: numpy's BLAS multiplied (32, 128) @ (128, 512) in 70 us with
        # it and in 83 with the transposed view (-16 % for the medium LSTM's forward loop)
        w_t = np.ascontiguousarray(w_hh.T)
        for t in range(n_steps):
            np.matmul(h[t], w_t, out=gates[t])
            jit.lstm_forward_step(
                gates[t], xw[t], b_hh, c[t], c[t + 1], tanh_c[t], h[t + 1], approx
            )
    else:
        w_t = np.ascontiguousarray(w_hh.T)
        loops = _small(batch, four_h, four_h // 4)
        jit.lstm_forward_sequence(xw, w_t, b_hh, approx, loops, h, c, gates, tanh_c)
    return h[1:], h[-1].copy(), c[-1].copy(), LSTMCache(h, c, gates, tanh_c)


def lstm_backward(grad_out, grad_hT, grad_cT, cache, w_hh):
    r"""Backpropagate through a whole :func:`lstm_forward` sequence (fused BPTT).

    Args:
        grad_out: (T, B, H) gradient w.r.t. every hidden state, or ``None``.
        grad_hT: (B, H) gradient w.r.t. ``h_T``, or ``None``.
        grad_cT: (B, H) gradient w.r.t. ``c_T``, or ``None``.
        cache: the cache returned by the forward pass (left unchanged).
        w_hh: (4H, H) the recurrent weight used in the forward pass.

    Returns:
        ``LSTMGrads(grad_xw (T, B, 4H), grad_w_hh (4H, H), grad_b_hh (4H,), grad_h0 (B, H),
        grad_c0 (B, H))``.
    """
    op = "lstm_backward"
    h, c, gates, tanh_c = cache
    w_hh = check_w_hh(op, w_hh, h, 4)
    grad_out = _grad_out_or_zeros(op, grad_out, h)
    dh = _start_grad(op, "grad_hT", grad_hT, h[0])  # becomes grad_h0
    dc = _start_grad(op, "grad_cT", grad_cT, c[0])  # becomes grad_c0
    grad_xw = pool.empty(gates.shape, h.dtype)
    args = _writable(grad_out, c, gates, tanh_c, w_hh)
    grad_out, c, gates, tanh_c, w_hh = args
    batch, hidden = dh.shape
    if _python_loop(batch, 4 * hidden, hidden):
        for t in reversed(range(gates.shape[0])):
            jit.lstm_backward_step(gates[t], grad_out[t], tanh_c[t], c[t], grad_xw[t], dh, dc)
            np.matmul(grad_xw[t], w_hh, out=dh)
    else:
        loops = _small(batch, 4 * hidden, hidden)
        jit.lstm_backward_sequence(*args, loops, grad_xw, dh, dc)
    da = grad_xw.reshape(-1, grad_xw.shape[2])  # (T*B, 4H)
    grad_w_hh = _grad_w_hh(da, h, np.empty_like(w_hh))
    return LSTMGrads(grad_xw, grad_w_hh, da.sum(axis=0), dh, dc)


# --------------------------------------------------------------------------- GRU
def gru_forward(xw, w_hh, b_hh, h0, approx=None):
    r"""Run a GRU over a whole sequence (fused; gate order r, z, n).

    Args:
        xw: (T, B, 3H) input projections ``x @ W_ih.T + b_ih`` (no part of ``b_hh``).
        w_hh: (3H, H) recurrent weight.
        b_hh: (3H,) recurrent bias, or ``None``; added inside because the reset gate
            scales its ``n`` part.
        h0: (B, H) initial hidden state, or ``None`` for zeros.
        approx: use the fast rational tanh; ``None`` means "in float32 only".

    Returns:
        ``(out, h_T, cache)``: ``out`` (T, B, H), ``h_T`` (B, H) a copy of the last state,
        and a :class:`~tinygrad_rnn.kernels.recurrent.GRUCache`.
    """
    xw, w_hh, b_hh, states = check_forward_args("gru_forward", xw, w_hh, b_hh, {"h0": h0}, 3)
    xw, w_hh, b_hh = _writable(xw, w_hh, b_hh)
    n_steps, batch, three_h = xw.shape
    h = pool.empty((n_steps + 1, batch, three_h // 3), xw.dtype)  # h_0 .. h_T
    h[0] = states["h0"]
    gates = pool.empty(xw.shape, xw.dtype)  # (T, B, 3H)
    hn = pool.empty(h[1:].shape, xw.dtype)  # (T, B, H)
    hw = np.empty((batch, three_h), xw.dtype)  # scratch: h_{t-1} @ W_hh.T
    approx = _use_approx(approx, xw.dtype)
    if _python_loop(batch, three_h, three_h // 3):
        w_t = np.ascontiguousarray(w_hh.T)  # see lstm_forward
        for t in range(n_steps):
            np.matmul(h[t], w_t, out=hw)
            jit.gru_forward_step(hw, xw[t], b_hh, h[t], gates[t], hn[t], h[t + 1], approx)
    else:
        w_t = np.ascontiguousarray(w_hh.T)
        loops = _small(batch, three_h, three_h // 3)
        jit.gru_forward_sequence(xw, w_t, b_hh, approx, loops, h, gates, hn, hw)
    return h[1:], h[-1].copy(), GRUCache(h, gates, hn)


def gru_backward(grad_out, grad_hT, cache, w_hh):
    r"""Backpropagate through a whole :func:`gru_forward` sequence (fused BPTT).

    Args:
        grad_out: (T, B, H) gradient w.r.t. every hidden state, or ``None``.
        grad_hT: (B, H) gradient w.r.t. ``h_T``, or ``None``.
        cache: the cache returned by the forward pass (left unchanged).
        w_hh: (3H, H) the recurrent weight used in the forward pass.

    Returns:
        ``RecurrentGrads(grad_xw (T, B, 3H), grad_w_hh (3H, H), grad_b_hh (3H,),
        grad_h0 (B, H))``; ``grad_b_hh``'s ``n`` part is scaled by the reset gate.
    """
    op = "gru_backward"
    h, gates, hn = cache
    w_hh = check_w_hh(op, w_hh, h, 3)
    batch, hidden = h.shape[1:]
    grad_out = _grad_out_or_zeros(op, grad_out, h)
    dh = _start_grad(op, "grad_hT", grad_hT, h[0])  # becomes grad_h0
    grad_xw = pool.empty(gates.shape, h.dtype)
    dhw = pool.empty(gates.shape, h.dtype)  # (T, B, 3H) gradient w.r.t. W_hh h_t + b_hh
    dh_rec = np.empty_like(dh)
    args = _writable(grad_out, h, gates, hn, w_hh)
    grad_out, h, gates, hn, w_hh = args
    if _python_loop(batch, 3 * hidden, hidden):
        for t in reversed(range(gates.shape[0])):
            jit.gru_backward_step(gates[t], grad_out[t], h[t], hn[t], grad_xw[t], dhw[t], dh)
            np.matmul(dhw[t], w_hh, out=dh_rec)
            dh += dh_rec
    else:
        loops = _small(batch, 3 * hidden, hidden)
        jit.gru_backward_sequence(*args, loops, grad_xw, dhw, dh, dh_rec)
    dhw2 = dhw.reshape(-1, 3 * hidden)  # (T*B, 3H)
    grad_w_hh = _grad_w_hh(dhw2, h, np.empty_like(w_hh))
    grad_b_hh = dhw2.sum(axis=0)
    return RecurrentGrads(grad_xw, grad_w_hh, grad_b_hh, dh)


# --------------------------------------------------------------------------- input matmuls
def input_projection(x, w_ih, b_ih):
    r"""``xw = x @ w_ih.T + b_ih`` for all steps at once, into a reused buffer.

    Args:
        x: (T, B, I) inputs. w_ih: (G*H, I) input weight. b_ih: (G*H,) bias or ``None``.

    Returns:
        ``xw`` (T, B, G*H), ready for ``*_forward``.
    """
    x, w_ih = np.asarray(x), np.asarray(w_ih)
    check_input_args("input_projection", x, w_ih)
    n_steps, batch, n_in = x.shape
    xw = pool.empty((n_steps, batch, w_ih.shape[0]), x.dtype)
    np.matmul(x.reshape(n_steps * batch, n_in), w_ih.T, out=xw.reshape(n_steps * batch, -1))
    if b_ih is not None:
        xw += b_ih
    return xw


def input_backward(grad_xw, x, w_ih):
    r"""Gradients of :func:`input_projection`: one matmul each for ``dx`` and ``dW_ih``.

    Args:
        grad_xw: (T, B, G*H) from ``*_backward``. x: (T, B, I). w_ih: (G*H, I).

    Returns:
        ``(grad_x (T, B, I), grad_w_ih (G*H, I), grad_b_ih (G*H,))``.
    """
    x, w_ih = np.asarray(x), np.asarray(w_ih)
    check_input_args("input_backward", x, w_ih)
    n_rows = x.shape[0] * x.shape[1]
    g2 = grad_xw.reshape(n_rows, -1)  # (T*B, G*H)
    grad_x = pool.empty(x.shape, x.dtype)
    np.matmul(g2, w_ih, out=grad_x.reshape(n_rows, -1))
    grad_w_ih = g2.T @ x.reshape(n_rows, -1)  # (G*H, I)
    return grad_x, grad_w_ih, g2.sum(axis=0)


# --------------------------------------------------------------------------- whole layers
# What the fused nn layers call: input matmuls and recurrence together. Small models run
# each direction as ONE compiled call (recurrent_loops' ``*_layer_*``), because at their size the
# numpy calls, allocations and checks between kernels cost as much as the kernels; big
# models chain the functions above, where those calls are noise next to the products.
# A compiled layer's cache holds one flat buffer (``LayerCache.cell``; the RNN's pairs it
# with the nonlinearity) with all of its arrays, laid out by recurrent_loops' ``*_layer_views``; a
# chained one holds the cell's cache.

_LAYOUT = {"rnn": (1, 1, 0), "lstm": (2, 4, 1), "gru": (1, 3, 1)}  # states, gates, extra


def _layer_buffer(kind, x, hidden):
    """The flat buffer of a compiled layer (see recurrent_loops' ``*_layer_views``): per sample,
    ``n_states`` (T+1, H) state arrays, the gates and the projections (T, G*H) each (the
    RNN keeps no gates) and ``extra`` (T, H) arrays (tanh(c_t) or the GRU's ``hn``)."""
    n_states, n_gates, extra = _LAYOUT[kind]
    n_steps, batch = x.shape[0], x.shape[1]
    per_step = (2 if kind != "rnn" else 1) * n_gates * hidden + extra * hidden
    size = batch * (n_states * (n_steps + 1) * hidden + n_steps * per_step)
    return pool.empty((size,), x.dtype)


def _hidden_states(buf, x, hidden):
    """``h`` (T+1, B, H), the first array in every layer's buffer."""
    n = (x.shape[0] + 1) * x.shape[1] * hidden
    return buf[:n].reshape(x.shape[0] + 1, x.shape[1], hidden)


def _layer_input_grads(grad_xw, cache, need_grad_x, grad_b=None):
    """``(grad_x or None, grad_w_ih, grad_b_ih)`` of the input projection, numpy matmuls.

    ``grad_b``: the bias gradient when the recurrence already summed it (in the RNN and
    the LSTM both biases enter one sum); a copy is returned, as each leaf owns its own.
    """
    x, w_ih = cache.x, cache.w_ih
    n_rows = x.shape[0] * x.shape[1]
    g2 = grad_xw.reshape(n_rows, -1)  # (T*B, G*H)
    grad_x = None
    if need_grad_x:
        grad_x = pool.empty(x.shape, x.dtype)
        np.matmul(g2, w_ih, out=grad_x.reshape(n_rows, -1))
    grad_b = g2.sum(axis=0) if grad_b is None else grad_b.copy()
    return grad_x, g2.T @ x.reshape(n_rows, -1), grad_b


def _grad_buffers(x, w_ih, w_hh, need_grad_x):
    """New ``dx`` (or an empty stand-in), ``dW_ih``, ``dW_hh`` and a bias gradient."""
    dx = pool.empty(x.shape, x.dtype) if need_grad_x else _no_dx(x.dtype)
    return dx, np.empty_like(w_ih), np.empty_like(w_hh), np.empty(w_hh.shape[0], x.dtype)


_NO_DX: dict = {}


def _no_dx(dtype):
    """A (0, 0, 0) array that tells the compiled backward to skip ``dx``."""
    no_dx = _NO_DX.get(dtype)
    if no_dx is None:
        no_dx = _NO_DX[dtype] = np.empty((0, 0, 0), dtype)
    return no_dx


def _compiled_grad_out(op, grad_out, h):
    grad_out = _grad_out_or_zeros(op, grad_out, h)
    return grad_out if grad_out.flags.writeable else grad_out.copy()


def rnn_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity="tanh", approx=None):
    r"""A whole RNN layer over a sequence: input projections and recurrence.

    Args:
        x: (T, B, I) inputs. w_ih: (H, I), w_hh: (H, H) weights. b_ih, b_hh: (H,) biases
            or ``None``. h0: (B, H) initial state or ``None``. nonlinearity: ``"tanh"`` or
            ``"relu"``. approx: as in :func:`rnn_forward`.

    Returns:
        ``(out, cache)``: ``out`` (T, B, H) every hidden state (a view of the cache) and a
        :class:`~tinygrad_rnn.kernels.contract.LayerCache` for :func:`rnn_layer_backward`.
    """
    op = "rnn_layer_forward"
    check_nonlinearity(op, nonlinearity)
    args = check_layer_args(op, x, w_ih, w_hh, b_ih, b_hh, (h0,), 1)
    x, w_ih, w_hh, b_ih, b_hh, (h0,) = args
    hidden = w_hh.shape[1]
    if _python_loop(x.shape[1], hidden, hidden):
        # both biases enter one sum: added once per step, not as a pass over all of xw
        xw = input_projection(x, w_ih, None)
        out, _, cell = rnn_forward(xw, w_hh, b_ih + b_hh, h0, nonlinearity, approx)
        return out, LayerCache(x, w_ih, w_hh, cell)
    relu, approx = nonlinearity == "relu", _use_approx(approx, x.dtype)
    loops, buf = _small(x.shape[1], hidden, hidden), _layer_buffer("rnn", x, hidden)
    jit.rnn_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, relu, approx, loops, buf)
    buf_cache = LayerCache(x, w_ih, w_hh, (buf, nonlinearity))
    return _hidden_states(buf, x, hidden)[1:], buf_cache


def rnn_layer_backward(grad_out, cache, need_grad_x=True):
    r"""Backpropagate through :func:`rnn_layer_forward`: every input's gradient.

    Args:
        grad_out: (T, B, H) gradient w.r.t. every hidden state, or ``None``.
        cache: the forward pass's cache (left unchanged).
        need_grad_x: compute ``grad_x`` (skipped for a first layer fed with data).

    Returns:
        :class:`~tinygrad_rnn.kernels.contract.LayerGrads` (``grad_c0`` is ``None``).
    """
    x, w_ih, w_hh, cell = cache
    if type(cell) is RNNCache:
        g = rnn_backward(grad_out, None, cell, w_hh)
        grad_x, grad_w_ih, grad_b = _layer_input_grads(g.grad_xw, cache, need_grad_x, g.grad_b_hh)
        return LayerGrads(grad_x, grad_w_ih, g.grad_w_hh, grad_b, g.grad_b_hh, g.grad_h0, None)
    buf, nonlinearity = cell
    hidden = w_hh.shape[1]
    h = _hidden_states(buf, x, hidden)
    grad_out = _compiled_grad_out("rnn_layer_backward", grad_out, h)
    dx, dw_ih, dw_hh, db = _grad_buffers(x, w_ih, w_hh, need_grad_x)
    dh = np.zeros((x.shape[1], hidden), x.dtype)  # becomes grad_h0
    relu, loops = nonlinearity == "relu", _small(x.shape[1], hidden, hidden)
    jit.rnn_layer_backward(grad_out, x, w_ih, w_hh, relu, loops, buf, dx, dw_ih, dw_hh, db, dh)
    grad_x = dx if need_grad_x else None
    return LayerGrads(grad_x, dw_ih, dw_hh, db, db.copy(), dh, None)


def lstm_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, c0, approx=None):
    r"""A whole LSTM layer over a sequence: input projections and recurrence.

    Args:
        x: (T, B, I) inputs. w_ih: (4H, I), w_hh: (4H, H) weights. b_ih, b_hh: (4H,)
            biases or ``None``. h0, c0: (B, H) initial states or ``None``. approx: as in
            :func:`lstm_forward`.

    Returns:
        ``(out, c_T, cache)``: ``out`` (T, B, H) every hidden state (a view of the cache),
        ``c_T`` (B, H) a copy of the final cell state, and a
        :class:`~tinygrad_rnn.kernels.contract.LayerCache` for :func:`lstm_layer_backward`.
    """
    args = check_layer_args("lstm_layer_forward", x, w_ih, w_hh, b_ih, b_hh, (h0, c0), 4)
    x, w_ih, w_hh, b_ih, b_hh, (h0, c0) = args
    four_h, hidden = w_hh.shape
    if _python_loop(x.shape[1], four_h, hidden):
        xw = input_projection(x, w_ih, None)  # the biases join, as in rnn_layer_forward
        out, _, c_T, cell = lstm_forward(xw, w_hh, b_ih + b_hh, h0, c0, approx)
        return out, c_T, LayerCache(x, w_ih, w_hh, cell)
    approx = _use_approx(approx, x.dtype)
    loops, buf = _small(x.shape[1], four_h, hidden), _layer_buffer("lstm", x, hidden)
    jit.lstm_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, c0, approx, loops, buf)
    h = _hidden_states(buf, x, hidden)
    c_T = buf[h.size + h[:-1].size : 2 * h.size].reshape(h.shape[1:])  # c follows h
    return h[1:], c_T.copy(), LayerCache(x, w_ih, w_hh, buf)


def lstm_layer_backward(grad_out, grad_cT, cache, need_grad_x=True):
    r"""Backpropagate through :func:`lstm_layer_forward`: every input's gradient.

    Args:
        grad_out: (T, B, H) gradient w.r.t. every hidden state, or ``None``.
        grad_cT: (B, H) gradient w.r.t. the final cell state, or ``None``.
        cache: the forward pass's cache (left unchanged).
        need_grad_x: compute ``grad_x`` (skipped for a first layer fed with data).

    Returns:
        :class:`~tinygrad_rnn.kernels.contract.LayerGrads`.
    """
    op = "lstm_layer_backward"
    x, w_ih, w_hh, buf = cache
    if type(buf) is LSTMCache:
        g = lstm_backward(grad_out, None, grad_cT, buf, w_hh)
        grad_x, grad_w_ih, grad_b = _layer_input_grads(g.grad_xw, cache, need_grad_x, g.grad_b_hh)
        return LayerGrads(grad_x, grad_w_ih, g.grad_w_hh, grad_b, g.grad_b_hh, g.grad_h0, g.grad_c0)
    (four_h, hidden), batch = w_hh.shape, x.shape[1]
    h = _hidden_states(buf, x, hidden)
    grad_out = _compiled_grad_out(op, grad_out, h)
    dx, dw_ih, dw_hh, db = _grad_buffers(x, w_ih, w_hh, need_grad_x)
    dh = np.zeros((batch, hidden), x.dtype)  # becomes grad_h0
    dc = _start_grad(op, "grad_cT", grad_cT, h[0])  # becomes grad_c0
    loops = _small(batch, four_h, hidden)
    jit.lstm_layer_backward(grad_out, x, w_ih, w_hh, loops, buf, dx, dw_ih, dw_hh, db, dh, dc)
    grad_x = dx if need_grad_x else None
    return LayerGrads(grad_x, dw_ih, dw_hh, db, db.copy(), dh, dc)


def gru_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, approx=None):
    r"""A whole GRU layer over a sequence: input projections and recurrence.

    Args:
        x: (T, B, I) inputs. w_ih: (3H, I), w_hh: (3H, H) weights. b_ih, b_hh: (3H,)
            biases or ``None``. h0: (B, H) initial state or ``None``. approx: as in
            :func:`gru_forward`.

    Returns:
        ``(out, cache)``: ``out`` (T, B, H) every hidden state (a view of the cache) and a
        :class:`~tinygrad_rnn.kernels.contract.LayerCache` for :func:`gru_layer_backward`.
    """
    args = check_layer_args("gru_layer_forward", x, w_ih, w_hh, b_ih, b_hh, (h0,), 3)
    x, w_ih, w_hh, b_ih, b_hh, (h0,) = args
    three_h, hidden = w_hh.shape
    if _python_loop(x.shape[1], three_h, hidden):
        out, _, cell = gru_forward(input_projection(x, w_ih, b_ih), w_hh, b_hh, h0, approx)
        return out, LayerCache(x, w_ih, w_hh, cell)
    approx = _use_approx(approx, x.dtype)
    loops, buf = _small(x.shape[1], three_h, hidden), _layer_buffer("gru", x, hidden)
    jit.gru_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, approx, loops, buf)
    return _hidden_states(buf, x, hidden)[1:], LayerCache(x, w_ih, w_hh, buf)


def gru_layer_backward(grad_out, cache, need_grad_x=True):
    r"""Backpropagate through :func:`gru_layer_forward`: every input's gradient.

    Args:
        grad_out: (T, B, H) gradient w.r.t. every hidden state, or ``None``.
        cache: the forward pass's cache (left unchanged).
        need_grad_x: compute ``grad_x`` (skipped for a first layer fed with data).

    Returns:
        :class:`~tinygrad_rnn.kernels.contract.LayerGrads` (``grad_c0`` is ``None``); the
        ``n`` part of ``grad_b_hh`` is scaled by the reset gate.
    """
    x, w_ih, w_hh, buf = cache
    if type(buf) is GRUCache:
        g = gru_backward(grad_out, None, buf, w_hh)
        grad_x, grad_w_ih, grad_b_ih = _layer_input_grads(g.grad_xw, cache, need_grad_x)
        return LayerGrads(grad_x, grad_w_ih, g.grad_w_hh, grad_b_ih, g.grad_b_hh, g.grad_h0, None)
    (three_h, hidden), batch = w_hh.shape, x.shape[1]
    h = _hidden_states(buf, x, hidden)
    grad_out = _compiled_grad_out("gru_layer_backward", grad_out, h)
    dx, dw_ih, dw_hh, db_ih = _grad_buffers(x, w_ih, w_hh, need_grad_x)
    db_hh, dh = np.empty_like(db_ih), np.zeros((batch, hidden), x.dtype)
    loops = _small(batch, three_h, hidden)
    dhw = pool.empty(grad_out.shape[:2] + (three_h,), x.dtype)  # scratch; big T: pooled
    jit.gru_layer_backward(
        grad_out, x, w_ih, w_hh, loops, buf, dhw, dx, dw_ih, dw_hh, db_ih, db_hh, dh
    )
    grad_x = dx if need_grad_x else None
    return LayerGrads(grad_x, dw_ih, dw_hh, db_ih, db_hh, dh, None)
