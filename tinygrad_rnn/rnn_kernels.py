r"""Fused whole-sequence RNN, LSTM and GRU kernels in numba: the fast path.

Same functions, arguments and results as :mod:`tinygrad_rnn.rnn_reference` (read that
module first: it states the contract and the maths). What is different here is speed:

* The time loop, the gate activations and the cell updates run in compiled code, one
  sequence per call, with the recurrent matmul ``h_{t-1} @ W_hh.T`` done by ``np.dot``
  (BLAS) into a preallocated buffer each step.
* ``dW_hh`` is not accumulated step by step: the backward kernel only writes the gradient
  of every gate pre-activation, and ONE matmul over all steps finishes the job.
* In float32 the activations use a rational approximation of ``tanh`` (max error
  3.3e-7, the size of float32 rounding) because libm's ``tanhf`` is ~20x slower and
  stops the loops from being vectorised. float64 always uses exact ``np.tanh``, so
  gradient checks and fused = unrolled hold to 1e-10. Pass ``approx=False`` to use the
  exact functions in float32 too.

Kernels compile on first use (a few seconds) and are cached on disk by numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from tinygrad_rnn.rnn_buffers import pool
from tinygrad_rnn.rnn_reference import (
    GRUCache,
    LSTMCache,
    LSTMGrads,
    RecurrentGrads,
    RNNCache,
    check_forward_args,
    check_input_args,
    check_nonlinearity,
    grad_or_zeros,
)

__all__ = [
    "rnn_forward",
    "rnn_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
    "input_projection",
    "input_backward",
]

# error_model="numpy": no ZeroDivisionError check in divisions, which would otherwise
# stop LLVM from vectorising the rational tanh. "contract" lets it fuse a*b+c into FMAs.
_JIT = dict(cache=True, error_model="numpy", fastmath={"contract"})

# How the loops are written, because it decides whether LLVM vectorises them (checked in
# the assembly): every inner loop runs ``for j in range(n)`` over 1-D row views such as
# ``gates[t, b, H:2 * H]``. Indexing ``row[start + j]`` with a run-time ``start`` (numba
# must allow negative indices) or ``a[b, j]`` kept the same loops scalar, 3-10x slower.


# --------------------------------------------------------------------------- activations
@njit(**_JIT)
def _tanh_inplace(v, approx):
    r"""``v[:] = tanh(v)`` for a 1-D array, exact or with the rational fit.

    With ``approx`` the tanh is :math:`x P(x^2)/Q(x^2)` on :math:`|x| \le 8` (clamped
    outside; tanh(8) = 1 - 2.3e-7), coefficients fitted for this module by weighted least
    squares; maximum error 3.3e-7 in float32.
    """
    tp = v.dtype.type
    if approx:
        lim = tp(8.0)
        p0, p1 = tp(9.9999999141528140e-01), tp(1.3120643240729504e-01)
        p2, p3 = tp(3.1452314181303308e-03), tp(1.1599128669667808e-05)
        p4, p5 = tp(-2.2136178164696032e-08), tp(6.2763770021364670e-11)
        p6 = tp(-1.1321286255409038e-13)
        q0, q1 = tp(1.0), tp(4.6453972655924736e-01)
        q2, q3 = tp(2.4658525668638770e-02), tp(2.6069558615612523e-04)
        for k in range(v.shape[0]):
            x = min(max(v[k], -lim), lim)
            s = x * x
            p = (((((p6 * s + p5) * s + p4) * s + p3) * s + p2) * s + p1) * s + p0
            q = ((q3 * s + q2) * s + q1) * s + q0
            v[k] = x * p / q
    else:
        for k in range(v.shape[0]):
            v[k] = np.tanh(v[k])


@njit(**_JIT)
def _sigmoid_inplace(v, approx):
    r"""``v[:] = sigmoid(v)`` for a 1-D array, as :math:`\tfrac12 + \tfrac12\tanh(v/2)`."""
    half = v.dtype.type(0.5)
    for k in range(v.shape[0]):
        v[k] = half * v[k]
    _tanh_inplace(v, approx)
    for k in range(v.shape[0]):
        v[k] = half + half * v[k]


@njit(**_JIT)
def _add_input(a, xw_t, b_hh):
    """``a += xw_t + b_hh`` for ``a`` and ``xw_t`` (B, K), ``b_hh`` (K,)."""
    for b in range(a.shape[0]):
        row, x_row = a[b], xw_t[b]
        for k in range(row.shape[0]):
            row[k] += x_row[k] + b_hh[k]


# --------------------------------------------------------------------------- RNN
@njit(**_JIT)
def _rnn_forward_kernel(xw, w_hh, b_hh, relu, approx, h):
    """Fill ``h[1:]`` (T, B, H) given ``h[0]``."""
    w_t = w_hh.T
    zero = h.dtype.type(0.0)
    for t in range(xw.shape[0]):
        a = h[t + 1]  # (B, H) pre-activation, activated in place
        np.dot(h[t], w_t, a)
        _add_input(a, xw[t], b_hh)
        for b in range(a.shape[0]):
            row = a[b]
            if relu:
                for k in range(row.shape[0]):
                    row[k] = max(row[k], zero)
            else:
                _tanh_inplace(row, approx)


@njit(**_JIT)
def _rnn_backward_kernel(grad_out, h, w_hh, relu, grad_xw, dh):
    """Fill ``grad_xw`` (T, B, H); ``dh`` (B, H) holds dL/dh_T on entry, dL/dh_0 on exit."""
    one, zero = dh.dtype.type(1.0), dh.dtype.type(0.0)
    for t in range(grad_out.shape[0] - 1, -1, -1):
        for b in range(dh.shape[0]):
            h_b, g_b, da, dh_b = h[t + 1, b], grad_out[t, b], grad_xw[t, b], dh[b]
            if relu:
                for k in range(da.shape[0]):
                    da[k] = (g_b[k] + dh_b[k]) if h_b[k] > zero else zero
            else:
                for k in range(da.shape[0]):
                    da[k] = (g_b[k] + dh_b[k]) * (one - h_b[k] * h_b[k])
        np.dot(grad_xw[t], w_hh, dh)  # (B, H)


# --------------------------------------------------------------------------- LSTM
@njit(**_JIT)
def _lstm_forward_kernel(xw, w_hh, b_hh, approx, h, c, gates, tanh_c):
    """Fill ``h[1:]``, ``c[1:]`` (T, B, H), ``gates`` (T, B, 4H), ``tanh_c`` (T, B, H)."""
    hidden = h.shape[2]
    w_t = w_hh.T
    for t in range(xw.shape[0]):
        a = gates[t]  # (B, 4H) pre-activations, activated in place below
        np.dot(h[t], w_t, a)
        _add_input(a, xw[t], b_hh)
        for b in range(a.shape[0]):
            _sigmoid_inplace(a[b, : 2 * hidden], approx)  # i, f
            _tanh_inplace(a[b, 2 * hidden : 3 * hidden], approx)  # g
            _sigmoid_inplace(a[b, 3 * hidden :], approx)  # o
            i, f = a[b, :hidden], a[b, hidden : 2 * hidden]
            g, o = a[b, 2 * hidden : 3 * hidden], a[b, 3 * hidden :]
            c_prev, c_new, tc, h_new = c[t, b], c[t + 1, b], tanh_c[t, b], h[t + 1, b]
            for j in range(hidden):
                c_new[j] = f[j] * c_prev[j] + i[j] * g[j]
                tc[j] = c_new[j]
            _tanh_inplace(tc, approx)
            for j in range(hidden):
                h_new[j] = o[j] * tc[j]


@njit(**_JIT)
def _lstm_backward_kernel(grad_out, c, gates, tanh_c, w_hh, grad_xw, dh, dc):
    """Fill ``grad_xw`` (T, B, 4H).

    ``dh``, ``dc`` (B, H) hold dL/dh_T, dL/dc_T on entry and dL/dh_0, dL/dc_0 on exit.
    """
    one = dh.dtype.type(1.0)
    hidden = dh.shape[1]
    for t in range(grad_out.shape[0] - 1, -1, -1):
        for b in range(dh.shape[0]):
            a, da = gates[t, b], grad_xw[t, b]
            i, f, g, o = (
                a[:hidden],
                a[hidden : 2 * hidden],
                a[2 * hidden : 3 * hidden],
                a[3 * hidden :],
            )
            da_i, da_f = da[:hidden], da[hidden : 2 * hidden]
            da_g, da_o = da[2 * hidden : 3 * hidden], da[3 * hidden :]
            tc, c_prev, g_out, dh_b, dc_b = tanh_c[t, b], c[t, b], grad_out[t, b], dh[b], dc[b]
            for j in range(hidden):
                d_h = g_out[j] + dh_b[j]
                d_c = dc_b[j] + d_h * o[j] * (one - tc[j] * tc[j])
                da_i[j] = d_c * g[j] * i[j] * (one - i[j])
                da_f[j] = d_c * c_prev[j] * f[j] * (one - f[j])
                da_g[j] = d_c * i[j] * (one - g[j] * g[j])
                da_o[j] = d_h * tc[j] * o[j] * (one - o[j])
                dc_b[j] = d_c * f[j]
        np.dot(grad_xw[t], w_hh, dh)  # (B, H)


# --------------------------------------------------------------------------- GRU
@njit(**_JIT)
def _gru_forward_kernel(xw, w_hh, b_hh, approx, h, gates, hn, hw):
    """Fill ``h[1:]`` (T, B, H), ``gates`` (T, B, 3H), ``hn`` (T, B, H); ``hw`` is scratch."""
    hidden = h.shape[2]
    w_t = w_hh.T
    b_rz, b_n = b_hh[: 2 * hidden], b_hh[2 * hidden :]
    for t in range(xw.shape[0]):
        np.dot(h[t], w_t, hw)  # (B, 3H)
        for b in range(hw.shape[0]):
            a, x_b, hw_b = gates[t, b], xw[t, b], hw[b]
            rz, x_rz, hw_rz = a[: 2 * hidden], x_b[: 2 * hidden], hw_b[: 2 * hidden]
            for k in range(2 * hidden):
                rz[k] = x_rz[k] + hw_rz[k] + b_rz[k]
            _sigmoid_inplace(rz, approx)  # r, z
            r, z, n = a[:hidden], a[hidden : 2 * hidden], a[2 * hidden :]
            x_n, hw_n, hn_b = x_b[2 * hidden :], hw_b[2 * hidden :], hn[t, b]
            for j in range(hidden):
                hn_b[j] = hw_n[j] + b_n[j]
                n[j] = x_n[j] + r[j] * hn_b[j]
            _tanh_inplace(n, approx)
            h_prev, h_new = h[t, b], h[t + 1, b]
            for j in range(hidden):
                h_new[j] = n[j] + z[j] * (h_prev[j] - n[j])


@njit(**_JIT)
def _gru_backward_kernel(grad_out, h, gates, hn, w_hh, grad_xw, dhn, dh, dhw, dh_rec):
    """Fill ``grad_xw`` (T, B, 3H) and ``dhn`` (T, B, H) = dL/d(W_hn h + b_hn).

    ``dh`` (B, H) holds dL/dh_T on entry and dL/dh_0 on exit; ``dhw`` (B, 3H) and
    ``dh_rec`` (B, H) are scratch.
    """
    one = dh.dtype.type(1.0)
    hidden = dh.shape[1]
    for t in range(grad_out.shape[0] - 1, -1, -1):
        for b in range(dh.shape[0]):
            a, da, dw = gates[t, b], grad_xw[t, b], dhw[b]
            r, z, n = a[:hidden], a[hidden : 2 * hidden], a[2 * hidden :]
            da_r, da_z, da_n = da[:hidden], da[hidden : 2 * hidden], da[2 * hidden :]
            dw_r, dw_z, dw_n = dw[:hidden], dw[hidden : 2 * hidden], dw[2 * hidden :]
            h_prev, hn_b, g_out, dh_b, dhn_b = h[t, b], hn[t, b], grad_out[t, b], dh[b], dhn[t, b]
            for j in range(hidden):
                d_h = g_out[j] + dh_b[j]
                d_n = d_h * (one - z[j]) * (one - n[j] * n[j])
                d_z = d_h * (h_prev[j] - n[j]) * z[j] * (one - z[j])
                d_r = d_n * hn_b[j] * r[j] * (one - r[j])
                da_r[j], da_z[j], da_n[j] = d_r, d_z, d_n
                dw_r[j], dw_z[j], dw_n[j] = d_r, d_z, d_n * r[j]
                dhn_b[j] = d_n * r[j]
                dh_b[j] = d_h * z[j]
        np.dot(dhw, w_hh, dh_rec)  # (B, H)
        for b in range(dh.shape[0]):
            dh_b, rec_b = dh[b], dh_rec[b]
            for j in range(hidden):
                dh_b[j] += rec_b[j]


# --------------------------------------------------------------------------- BLAS priming
@njit(**_JIT)
def _prime_kernel(a, b, out):
    np.dot(a, b, out)


_primed = False


def _prime_blas():
    """Run one small matmul in numba's BLAS and in numpy's before the first real call.

    Measured on this machine: at (T=100, B=64, H=512) the per-step recurrent matmul ran at
    11-40 GFLOP/s depending on which shape the process had multiplied first, and one small
    (32, 128) @ (128, 512) product first made it steady (2.0x slower than PyTorch became
    0.99x). The cause is inside OpenBLAS and not understood; the cost is microseconds.
    """
    global _primed
    if _primed:
        return
    _primed = True
    a, b = np.ones((32, 128), np.float32), np.ones((128, 512), np.float32)
    _prime_kernel(a, b, np.empty((32, 512), np.float32))
    a @ b


def _use_approx(approx, dtype):
    return dtype == np.float32 if approx is None else bool(approx)


def _writable(*arrays):
    # numba compiles a separate version for read-only arrays; hand it copies instead
    return [a if a.flags.writeable else a.copy() for a in arrays]


def _grad_out_or_zeros(op, grad_out, h):
    if grad_out is None:
        return pool.zeros(h[1:].shape, h.dtype)  # (T, B, H)
    return grad_or_zeros(op, "grad_out", grad_out, h[1:])


def _grad_w_hh(da, h, out):
    """``out = sum_t da[t].T @ h[t]`` as ONE matmul; ``da`` (T*B, K) may be a column slice."""
    n_rows = da.shape[0]
    return np.matmul(da.T, h[:-1].reshape(n_rows, -1), out=out)  # (K, H)


# --------------------------------------------------------------------------- wrappers
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
        of the last one, and an :class:`~tinygrad_rnn.rnn_reference.RNNCache`.
    """
    op = "rnn_forward"
    check_nonlinearity(op, nonlinearity)
    xw, w_hh, b_hh, states = check_forward_args(op, xw, w_hh, b_hh, {"h0": h0}, 1)
    xw, w_hh, b_hh = _writable(xw, w_hh, b_hh)
    _prime_blas()
    n_steps, batch, hidden = xw.shape
    h = pool.empty((n_steps + 1, batch, hidden), xw.dtype)
    h[0] = states["h0"]
    relu = nonlinearity == "relu"
    _rnn_forward_kernel(xw, w_hh, b_hh, relu, _use_approx(approx, xw.dtype), h)
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
    grad_out = _grad_out_or_zeros(op, grad_out, h)
    dh = grad_or_zeros(op, "grad_hT", grad_hT, h[0]).copy()  # becomes grad_h0
    grad_xw = pool.empty(grad_out.shape, h.dtype)
    w_hh = np.ascontiguousarray(w_hh)
    relu = cache.nonlinearity == "relu"
    _rnn_backward_kernel(*_writable(grad_out, h, w_hh), relu, grad_xw, dh)
    da = grad_xw.reshape(-1, grad_xw.shape[2])  # (T*B, H)
    grad_w_hh = _grad_w_hh(da, h, np.empty_like(w_hh))
    return RecurrentGrads(grad_xw, grad_w_hh, da.sum(axis=0), dh)


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
        the final states, and an :class:`~tinygrad_rnn.rnn_reference.LSTMCache`.
    """
    xw, w_hh, b_hh, states = check_forward_args(
        "lstm_forward", xw, w_hh, b_hh, {"h0": h0, "c0": c0}, 4
    )
    xw, w_hh, b_hh = _writable(xw, w_hh, b_hh)
    _prime_blas()
    n_steps, batch, four_h = xw.shape
    h = pool.empty((n_steps + 1, batch, four_h // 4), xw.dtype)
    c = pool.empty(h.shape, xw.dtype)
    h[0], c[0] = states["h0"], states["c0"]
    gates = pool.empty(xw.shape, xw.dtype)
    tanh_c = pool.empty(h[1:].shape, xw.dtype)
    _lstm_forward_kernel(xw, w_hh, b_hh, _use_approx(approx, xw.dtype), h, c, gates, tanh_c)
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
    grad_out = _grad_out_or_zeros(op, grad_out, h)
    dh = grad_or_zeros(op, "grad_hT", grad_hT, h[0]).copy()  # becomes grad_h0
    dc = grad_or_zeros(op, "grad_cT", grad_cT, c[0]).copy()  # becomes grad_c0
    grad_xw = pool.empty(gates.shape, h.dtype)
    w_hh = np.ascontiguousarray(w_hh)
    _lstm_backward_kernel(*_writable(grad_out, c, gates, tanh_c, w_hh), grad_xw, dh, dc)
    da = grad_xw.reshape(-1, grad_xw.shape[2])  # (T*B, 4H)
    grad_w_hh = _grad_w_hh(da, h, np.empty_like(w_hh))
    return LSTMGrads(grad_xw, grad_w_hh, da.sum(axis=0), dh, dc)


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
        and a :class:`~tinygrad_rnn.rnn_reference.GRUCache`.
    """
    xw, w_hh, b_hh, states = check_forward_args("gru_forward", xw, w_hh, b_hh, {"h0": h0}, 3)
    xw, w_hh, b_hh = _writable(xw, w_hh, b_hh)
    _prime_blas()
    n_steps, batch, three_h = xw.shape
    h = pool.empty((n_steps + 1, batch, three_h // 3), xw.dtype)
    h[0] = states["h0"]
    gates = pool.empty(xw.shape, xw.dtype)
    hn = pool.empty(h[1:].shape, xw.dtype)
    hw = np.empty((batch, three_h), xw.dtype)
    _gru_forward_kernel(xw, w_hh, b_hh, _use_approx(approx, xw.dtype), h, gates, hn, hw)
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
    batch, hidden = h.shape[1:]
    grad_out = _grad_out_or_zeros(op, grad_out, h)
    dh = grad_or_zeros(op, "grad_hT", grad_hT, h[0]).copy()  # becomes grad_h0
    grad_xw = pool.empty(gates.shape, h.dtype)
    dhn = pool.empty(hn.shape, h.dtype)  # (T, B, H) gradient w.r.t. W_hn h_t + b_hn
    dhw = np.empty((batch, 3 * hidden), h.dtype)
    dh_rec = np.empty_like(dh)
    w_hh = np.ascontiguousarray(w_hh)
    args = _writable(grad_out, h, gates, hn, w_hh)
    _gru_backward_kernel(*args, grad_xw, dhn, dh, dhw, dh_rec)
    da_rz = grad_xw.reshape(-1, 3 * hidden)[:, : 2 * hidden]  # (T*B, 2H), a strided view
    dhn2 = dhn.reshape(-1, hidden)  # (T*B, H)
    grad_w_hh = np.empty_like(w_hh)
    _grad_w_hh(da_rz, h, grad_w_hh[: 2 * hidden])
    _grad_w_hh(dhn2, h, grad_w_hh[2 * hidden :])
    grad_b_hh = np.concatenate([da_rz.sum(axis=0), dhn2.sum(axis=0)])
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
