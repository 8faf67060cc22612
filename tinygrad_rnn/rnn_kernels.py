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

from tinygrad_rnn.rnn_reference import (
    GRUCache,
    LSTMCache,
    LSTMGrads,
    RecurrentGrads,
    RNNCache,
    check_forward_args,
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
]

# error_model="numpy": no ZeroDivisionError check in divisions, which would otherwise
# stop LLVM from vectorising the rational tanh. "contract" lets it fuse a*b+c into FMAs.
_JIT = dict(cache=True, error_model="numpy", fastmath={"contract"})


# --------------------------------------------------------------------------- activations
@njit(**_JIT)
def _activate(a, start, n, sigmoid, approx):
    r"""Apply tanh (or the sigmoid) in place to columns ``start:start+n`` of ``a`` (B, K).

    The sigmoid is computed as :math:`\tfrac12 + \tfrac12\tanh(x/2)`, so one tanh serves
    both. With ``approx`` the tanh is :math:`x P(x^2)/Q(x^2)` on :math:`|x| \le 8` (clamped
    outside), a rational fit with maximum error 3.3e-7 in float32.
    """
    tp = a.dtype.type
    if sigmoid:
        scale, shift = tp(0.5), tp(0.5)
    else:
        scale, shift = tp(1.0), tp(0.0)
    if approx:
        lim = tp(8.0)
        p0, p1 = tp(9.9999999141528140e-01), tp(1.3120643240729504e-01)
        p2, p3 = tp(3.1452314181303308e-03), tp(1.1599128669667808e-05)
        p4, p5 = tp(-2.2136178164696032e-08), tp(6.2763770021364670e-11)
        p6 = tp(-1.1321286255409038e-13)
        q0, q1 = tp(1.0), tp(4.6453972655924736e-01)
        q2, q3 = tp(2.4658525668638770e-02), tp(2.6069558615612523e-04)
        for b in range(a.shape[0]):
            row = a[b]
            for k in range(n):
                x = scale * row[start + k]
                x = min(max(x, -lim), lim)
                s = x * x
                p = (((((p6 * s + p5) * s + p4) * s + p3) * s + p2) * s + p1) * s + p0
                q = ((q3 * s + q2) * s + q1) * s + q0
                row[start + k] = shift + scale * (x * p / q)
    else:
        for b in range(a.shape[0]):
            row = a[b]
            for k in range(n):
                row[start + k] = shift + scale * np.tanh(scale * row[start + k])


@njit(**_JIT)
def _add_input(a, xw_t, b_hh):
    """``a += xw_t + b_hh`` for ``a`` and ``xw_t`` (B, K), ``b_hh`` (K,)."""
    for b in range(a.shape[0]):
        row, x_row = a[b], xw_t[b]
        for k in range(a.shape[1]):
            row[k] += x_row[k] + b_hh[k]


# --------------------------------------------------------------------------- RNN
@njit(**_JIT)
def _rnn_forward_kernel(xw, w_hh, b_hh, relu, approx, h, a):
    """Fill ``h[1:]`` (T, B, H) given ``h[0]``; ``a`` (B, H) is scratch."""
    w_t = w_hh.T
    zero = a.dtype.type(0.0)
    for t in range(xw.shape[0]):
        np.dot(h[t], w_t, a)  # (B, H)
        _add_input(a, xw[t], b_hh)
        if relu:
            for b in range(a.shape[0]):
                row = a[b]
                for k in range(a.shape[1]):
                    row[k] = max(row[k], zero)
        else:
            _activate(a, 0, a.shape[1], False, approx)
        h[t + 1] = a


@njit(**_JIT)
def _rnn_backward_kernel(grad_out, h, w_hh, relu, grad_xw, dh):
    """Fill ``grad_xw`` (T, B, H); ``dh`` (B, H) holds dL/dh_T on entry, dL/dh_0 on exit."""
    one, zero = dh.dtype.type(1.0), dh.dtype.type(0.0)
    for t in range(grad_out.shape[0] - 1, -1, -1):
        h_t, g_out, da = h[t + 1], grad_out[t], grad_xw[t]
        for b in range(dh.shape[0]):
            for k in range(dh.shape[1]):
                d = g_out[b, k] + dh[b, k]
                if relu:
                    da[b, k] = d if h_t[b, k] > zero else zero
                else:
                    da[b, k] = d * (one - h_t[b, k] * h_t[b, k])
        np.dot(da, w_hh, dh)  # (B, H)


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
        _activate(a, 0, 2 * hidden, True, approx)  # i, f
        _activate(a, 2 * hidden, hidden, False, approx)  # g
        _activate(a, 3 * hidden, hidden, True, approx)  # o
        c_prev, c_new, tc = c[t], c[t + 1], tanh_c[t]
        for b in range(a.shape[0]):
            row = a[b]
            for j in range(hidden):
                c_new[b, j] = row[hidden + j] * c_prev[b, j] + row[j] * row[2 * hidden + j]
        tc[:] = c_new
        _activate(tc, 0, hidden, False, approx)
        h_new = h[t + 1]
        for b in range(a.shape[0]):
            row = a[b]
            for j in range(hidden):
                h_new[b, j] = row[3 * hidden + j] * tc[b, j]


@njit(**_JIT)
def _lstm_backward_kernel(grad_out, c, gates, tanh_c, w_hh, grad_xw, dh, dc):
    """Fill ``grad_xw`` (T, B, 4H).

    ``dh``, ``dc`` (B, H) hold dL/dh_T, dL/dc_T on entry and dL/dh_0, dL/dc_0 on exit.
    """
    one = dh.dtype.type(1.0)
    hidden = dh.shape[1]
    for t in range(grad_out.shape[0] - 1, -1, -1):
        act, da, tc, c_prev, g_out = gates[t], grad_xw[t], tanh_c[t], c[t], grad_out[t]
        for b in range(dh.shape[0]):
            ar, dr = act[b], da[b]
            for j in range(hidden):
                i, f = ar[j], ar[hidden + j]
                g, o = ar[2 * hidden + j], ar[3 * hidden + j]
                d_h = g_out[b, j] + dh[b, j]
                d_c = dc[b, j] + d_h * o * (one - tc[b, j] * tc[b, j])
                dr[j] = d_c * g * i * (one - i)
                dr[hidden + j] = d_c * c_prev[b, j] * f * (one - f)
                dr[2 * hidden + j] = d_c * i * (one - g * g)
                dr[3 * hidden + j] = d_h * tc[b, j] * o * (one - o)
                dc[b, j] = d_c * f
        np.dot(da, w_hh, dh)  # (B, H)


# --------------------------------------------------------------------------- GRU
@njit(**_JIT)
def _gru_forward_kernel(xw, w_hh, b_hh, approx, h, gates, hn, hw):
    """Fill ``h[1:]`` (T, B, H), ``gates`` (T, B, 3H), ``hn`` (T, B, H); ``hw`` is scratch."""
    hidden = h.shape[2]
    w_t = w_hh.T
    for t in range(xw.shape[0]):
        np.dot(h[t], w_t, hw)  # (B, 3H)
        a, x_t, hn_t = gates[t], xw[t], hn[t]
        for b in range(a.shape[0]):
            row, x_row, hw_row = a[b], x_t[b], hw[b]
            for k in range(2 * hidden):
                row[k] = x_row[k] + hw_row[k] + b_hh[k]
            for j in range(hidden):
                hn_t[b, j] = hw_row[2 * hidden + j] + b_hh[2 * hidden + j]
        _activate(a, 0, 2 * hidden, True, approx)  # r, z
        for b in range(a.shape[0]):
            row, x_row = a[b], x_t[b]
            for j in range(hidden):
                row[2 * hidden + j] = x_row[2 * hidden + j] + row[j] * hn_t[b, j]
        _activate(a, 2 * hidden, hidden, False, approx)  # n
        h_prev, h_new = h[t], h[t + 1]
        for b in range(a.shape[0]):
            row = a[b]
            for j in range(hidden):
                n = row[2 * hidden + j]
                h_new[b, j] = n + row[hidden + j] * (h_prev[b, j] - n)


@njit(**_JIT)
def _gru_backward_kernel(grad_out, h, gates, hn, w_hh, grad_xw, dhn, dh, dhw, dh_rec):
    """Fill ``grad_xw`` (T, B, 3H) and ``dhn`` (T, B, H) = dL/d(W_hn h + b_hn).

    ``dh`` (B, H) holds dL/dh_T on entry and dL/dh_0 on exit; ``dhw`` (B, 3H) and
    ``dh_rec`` (B, H) are scratch.
    """
    one = dh.dtype.type(1.0)
    hidden = dh.shape[1]
    for t in range(grad_out.shape[0] - 1, -1, -1):
        act, da, h_prev, hn_t, g_out = gates[t], grad_xw[t], h[t], hn[t], grad_out[t]
        dhn_t = dhn[t]
        for b in range(dh.shape[0]):
            ar, dr, dw = act[b], da[b], dhw[b]
            for j in range(hidden):
                r, z, n = ar[j], ar[hidden + j], ar[2 * hidden + j]
                d_h = g_out[b, j] + dh[b, j]
                da_n = d_h * (one - z) * (one - n * n)
                da_z = d_h * (h_prev[b, j] - n) * z * (one - z)
                da_r = da_n * hn_t[b, j] * r * (one - r)
                dr[j], dr[hidden + j], dr[2 * hidden + j] = da_r, da_z, da_n
                dw[j], dw[hidden + j], dw[2 * hidden + j] = da_r, da_z, da_n * r
                dhn_t[b, j] = da_n * r
                dh[b, j] = d_h * z
        np.dot(dhw, w_hh, dh_rec)  # (B, H)
        for b in range(dh.shape[0]):
            for j in range(hidden):
                dh[b, j] += dh_rec[b, j]


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


def _grad_w_hh(da, h):
    """Sum over all steps of ``da[t].T @ h[t]`` as one matmul: (T, B, K), (T+1, B, H)."""
    n_rows = da.shape[0] * da.shape[1]
    return da.reshape(n_rows, -1).T @ h[:-1].reshape(n_rows, -1)  # (K, H)


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
    h = np.empty((n_steps + 1, batch, hidden), xw.dtype)
    h[0] = states["h0"]
    a = np.empty((batch, hidden), xw.dtype)
    relu = nonlinearity == "relu"
    _rnn_forward_kernel(xw, w_hh, b_hh, relu, _use_approx(approx, xw.dtype), h, a)
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
    grad_out = grad_or_zeros(op, "grad_out", grad_out, h[1:])
    dh = grad_or_zeros(op, "grad_hT", grad_hT, h[0]).copy()  # becomes grad_h0
    grad_xw = np.empty_like(grad_out)
    w_hh = np.ascontiguousarray(w_hh)
    relu = cache.nonlinearity == "relu"
    _rnn_backward_kernel(*_writable(grad_out, h, w_hh), relu, grad_xw, dh)
    return RecurrentGrads(grad_xw, _grad_w_hh(grad_xw, h), grad_xw.sum(axis=(0, 1)), dh)


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
    h = np.empty((n_steps + 1, batch, four_h // 4), xw.dtype)
    c = np.empty_like(h)
    h[0], c[0] = states["h0"], states["c0"]
    gates = np.empty_like(xw)
    tanh_c = np.empty_like(h[1:])
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
    grad_out = grad_or_zeros(op, "grad_out", grad_out, h[1:])
    dh = grad_or_zeros(op, "grad_hT", grad_hT, h[0]).copy()  # becomes grad_h0
    dc = grad_or_zeros(op, "grad_cT", grad_cT, c[0]).copy()  # becomes grad_c0
    grad_xw = np.empty_like(gates)
    w_hh = np.ascontiguousarray(w_hh)
    _lstm_backward_kernel(*_writable(grad_out, c, gates, tanh_c, w_hh), grad_xw, dh, dc)
    grad_b_hh = grad_xw.sum(axis=(0, 1))
    return LSTMGrads(grad_xw, _grad_w_hh(grad_xw, h), grad_b_hh, dh, dc)


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
    h = np.empty((n_steps + 1, batch, three_h // 3), xw.dtype)
    h[0] = states["h0"]
    gates = np.empty_like(xw)
    hn = np.empty_like(h[1:])
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
    grad_out = grad_or_zeros(op, "grad_out", grad_out, h[1:])
    dh = grad_or_zeros(op, "grad_hT", grad_hT, h[0]).copy()  # becomes grad_h0
    grad_xw = np.empty_like(gates)
    dhn = np.empty_like(hn)  # (T, B, H) gradient w.r.t. W_hn h_t + b_hn
    dhw = np.empty((batch, 3 * hidden), h.dtype)
    dh_rec = np.empty_like(dh)
    w_hh = np.ascontiguousarray(w_hh)
    args = _writable(grad_out, h, gates, hn, w_hh)
    _gru_backward_kernel(*args, grad_xw, dhn, dh, dhw, dh_rec)
    grad_w_hh = np.empty_like(w_hh)
    grad_w_hh[: 2 * hidden] = _grad_w_hh(grad_xw[:, :, : 2 * hidden], h)
    grad_w_hh[2 * hidden :] = _grad_w_hh(dhn, h)
    grad_b_hh = np.concatenate([grad_xw[:, :, : 2 * hidden].sum(axis=(0, 1)), dhn.sum(axis=(0, 1))])
    return RecurrentGrads(grad_xw, grad_w_hh, grad_b_hh, dh)
