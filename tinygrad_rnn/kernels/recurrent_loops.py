r"""The numba-compiled loops behind :mod:`tinygrad_rnn.kernels.recurrent_jit` (read it first).

Two levels, so that one piece of compiled arithmetic serves two drivers:

* ``*_step`` functions do the elementwise work of ONE time step for the whole batch: add
  the input projection and bias to the recurrent product, apply the gate activations, update
  the state (forward), or turn the gradient reaching ``h_t`` into gradients of the gate
  pre-activations (backward).
* ``*_sequence`` functions run the whole time loop compiled: the recurrent product
  (:func:`recurrent_matmul`: compiled loops, or numpy's BLAS), then the step.
  :mod:`tinygrad_rnn.kernels.recurrent_jit` may instead drive the steps from Python with numpy's
  matmul for big batches (see ``recurrent_jit`` for why).
* ``*_layer_*`` functions run a whole layer, input products included (see below).

Conventions: ``h`` is (T+1, B, H) with ``h[0]`` the initial state; ``gates`` holds the
activated gates (T, B, G*H); a backward step leaves ``dh`` (B, H) holding the gradient
that still has to flow through the recurrent matmul (plus, for the GRU, the direct path).
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.kernels._numba import njit
from tinygrad_rnn.kernels.blas import gemm
from tinygrad_rnn.kernels.products_jit import recurrent_matmul

# error_model="numpy": no ZeroDivisionError check in divisions, which would otherwise
# stop LLVM from vectorising the rational tanh. "contract" lets it fuse a*b+c into FMAs.
_JIT = dict(cache=True, error_model="numpy", fastmath={"contract"})
# The step functions are also pasted into the time loops that call them (numba's
# inline="always"; they stay callable from Python for the Python-stepped loop): a call per
# step and per function cost the tiny layers 10-15 % of their compiled time.
_INLINED = dict(inline="always", **_JIT)

# How the loops are written, because it decides whether LLVM vectorises them (checked in
# the assembly): every inner loop runs ``for j in range(n)`` over 1-D row views such as
# ``gates[t, b, H:2 * H]``. Indexing ``row[start + j]`` with a run-time ``start`` (numba
# must allow negative indices) or ``a[b, j]`` kept the same loops scalar, 3-10x slower.
# Typed constants (``one = dtype.type(1.0)``) keep float32 arithmetic in float32: a bare
# ``1.0`` is a float64 and would promote every expression it touches.


# --------------------------------------------------------------------------- activations
@njit(**_INLINED)
def squash_inplace(v, sigmoid, approx):
    r"""``v[:] = tanh(v)``, or the logistic sigmoid if ``sigmoid``, for a 1-D array.

    The sigmoid is :math:`\tfrac12 + \tfrac12\tanh(v/2)`, so one tanh serves both. With
    ``approx`` the tanh is :math:`x P(x^2)/Q(x^2)` on :math:`|x| \le 8` (clamped outside;
    tanh(8) = 1 - 2.3e-7), coefficients fitted for this module by weighted least squares
    on relative error; maximum error 3.3e-7 in float32, about 1.5 ns per value.
    """
    tp = v.dtype.type
    scale = tp(0.5) if sigmoid else tp(1.0)
    shift = tp(0.5) if sigmoid else tp(0.0)
    if approx:
        lim = tp(8.0)
        p0, p1 = tp(9.9999999141528140e-01), tp(1.3120643240729504e-01)
        p2, p3 = tp(3.1452314181303308e-03), tp(1.1599128669667808e-05)
        p4, p5 = tp(-2.2136178164696032e-08), tp(6.2763770021364670e-11)
        p6 = tp(-1.1321286255409038e-13)
        q0, q1 = tp(1.0), tp(4.6453972655924736e-01)
        q2, q3 = tp(2.4658525668638770e-02), tp(2.6069558615612523e-04)
        for k in range(v.shape[0]):
            x = min(max(scale * v[k], -lim), lim)
            s = x * x
            p = (((((p6 * s + p5) * s + p4) * s + p3) * s + p2) * s + p1) * s + p0
            q = ((q3 * s + q2) * s + q1) * s + q0
            v[k] = shift + scale * (x * p / q)
    else:
        for k in range(v.shape[0]):
            v[k] = shift + scale * np.tanh(scale * v[k])


@njit(**_INLINED)
def add_inplace(a, b):
    """``a += b`` for two (B, K) arrays."""
    for i in range(a.shape[0]):
        a_i, b_i = a[i], b[i]
        for k in range(a_i.shape[0]):
            a_i[k] += b_i[k]


# --------------------------------------------------------------------------- RNN
@njit(**_INLINED)
def rnn_forward_step(a, xw_t, b_hh, relu, approx):
    """``a`` (B, H) holds ``h_{t-1} @ W_hh.T`` on entry and ``h_t`` on exit."""
    zero = a.dtype.type(0.0)
    for b in range(a.shape[0]):
        row, x_row = a[b], xw_t[b]
        for k in range(row.shape[0]):
            row[k] += x_row[k] + b_hh[k]
        if relu:
            for k in range(row.shape[0]):
                row[k] = max(row[k], zero)
        else:
            squash_inplace(row, False, approx)


@njit(**_INLINED)
def rnn_backward_step(g_out, h_t, relu, da, dh):
    """``da`` (B, H) = dL/d(pre-activation) from ``dh`` (from step t+1) and ``g_out``."""
    one, zero = dh.dtype.type(1.0), dh.dtype.type(0.0)
    for b in range(dh.shape[0]):
        h_b, g_b, da_b, dh_b = h_t[b], g_out[b], da[b], dh[b]
        if relu:
            for k in range(da_b.shape[0]):
                da_b[k] = (g_b[k] + dh_b[k]) if h_b[k] > zero else zero
        else:
            for k in range(da_b.shape[0]):
                da_b[k] = (g_b[k] + dh_b[k]) * (one - h_b[k] * h_b[k])


@njit(**_JIT)
def rnn_forward_sequence(xw, w_t, b_hh, relu, approx, loops, h):
    """Fill ``h[1:]`` (T, B, H) given ``h[0]``; ``w_t`` is ``W_hh.T`` (H, H), contiguous."""
    for t in range(xw.shape[0]):
        recurrent_matmul(h[t], w_t, h[t + 1], loops)  # (B, H)
        rnn_forward_step(h[t + 1], xw[t], b_hh, relu, approx)


@njit(**_JIT)
def rnn_backward_sequence(grad_out, h, w_hh, relu, loops, grad_xw, dh):
    """Fill ``grad_xw`` (T, B, H); ``dh`` (B, H) holds dL/dh_T on entry, dL/dh_0 on exit."""
    for t in range(grad_out.shape[0] - 1, -1, -1):
        rnn_backward_step(grad_out[t], h[t + 1], relu, grad_xw[t], dh)
        recurrent_matmul(grad_xw[t], w_hh, dh, loops)  # (B, H)


# --------------------------------------------------------------------------- LSTM
@njit(**_INLINED)
def lstm_forward_step(a, xw_t, b_hh, c_prev, c_new, tc, h_new, approx):
    """``a`` (B, 4H) holds ``h_{t-1} @ W_hh.T`` on entry and the activated gates on exit."""
    hidden = c_new.shape[1]
    for b in range(a.shape[0]):
        row, x_row = a[b], xw_t[b]
        for k in range(row.shape[0]):
            row[k] += x_row[k] + b_hh[k]
        squash_inplace(row[: 2 * hidden], True, approx)  # i, f
        squash_inplace(row[2 * hidden : 3 * hidden], False, approx)  # g
        squash_inplace(row[3 * hidden :], True, approx)  # o
        i, f = row[:hidden], row[hidden : 2 * hidden]
        g, o = row[2 * hidden : 3 * hidden], row[3 * hidden :]
        c_p, c_n, tc_b, h_b = c_prev[b], c_new[b], tc[b], h_new[b]
        for j in range(hidden):
            c_n[j] = f[j] * c_p[j] + i[j] * g[j]
            tc_b[j] = c_n[j]
        squash_inplace(tc_b, False, approx)
        for j in range(hidden):
            h_b[j] = o[j] * tc_b[j]


@njit(**_INLINED)
def lstm_backward_step(a, g_out, tc, c_prev, da, dh, dc):
    """Gate gradients ``da`` (B, 4H) of step t; ``dc`` (B, H) moves from c_t to c_{t-1}."""
    one = dh.dtype.type(1.0)
    hidden = dh.shape[1]
    for b in range(dh.shape[0]):
        a_b, da_b = a[b], da[b]
        i, f = a_b[:hidden], a_b[hidden : 2 * hidden]
        g, o = a_b[2 * hidden : 3 * hidden], a_b[3 * hidden :]
        da_i, da_f = da_b[:hidden], da_b[hidden : 2 * hidden]
        da_g, da_o = da_b[2 * hidden : 3 * hidden], da_b[3 * hidden :]
        tc_b, cp_b, g_b, dh_b, dc_b = tc[b], c_prev[b], g_out[b], dh[b], dc[b]
        for j in range(hidden):
            d_h = g_b[j] + dh_b[j]
            d_c = dc_b[j] + d_h * o[j] * (one - tc_b[j] * tc_b[j])
            da_i[j] = d_c * g[j] * i[j] * (one - i[j])
            da_f[j] = d_c * cp_b[j] * f[j] * (one - f[j])
            da_g[j] = d_c * i[j] * (one - g[j] * g[j])
            da_o[j] = d_h * tc_b[j] * o[j] * (one - o[j])
            dc_b[j] = d_c * f[j]


@njit(**_JIT)
def lstm_forward_sequence(xw, w_t, b_hh, approx, loops, h, c, gates, tanh_c):
    """Fill ``h[1:]``, ``c[1:]`` (T, B, H), ``gates`` (T, B, 4H), ``tanh_c`` (T, B, H)."""
    for t in range(xw.shape[0]):
        recurrent_matmul(h[t], w_t, gates[t], loops)  # (B, 4H)
        lstm_forward_step(gates[t], xw[t], b_hh, c[t], c[t + 1], tanh_c[t], h[t + 1], approx)


@njit(**_JIT)
def lstm_backward_sequence(grad_out, c, gates, tanh_c, w_hh, loops, grad_xw, dh, dc):
    """Fill ``grad_xw`` (T, B, 4H); ``dh``, ``dc`` go from dL/d(h_T, c_T) to dL/d(h_0, c_0)."""
    for t in range(grad_out.shape[0] - 1, -1, -1):
        lstm_backward_step(gates[t], grad_out[t], tanh_c[t], c[t], grad_xw[t], dh, dc)
        recurrent_matmul(grad_xw[t], w_hh, dh, loops)  # (B, H)


# --------------------------------------------------------------------------- GRU
@njit(**_INLINED)
def gru_forward_step(hw, xw_t, b_hh, h_prev, a, hn_t, h_new, approx):
    """From ``hw`` = ``h_{t-1} @ W_hh.T`` (B, 3H): gates ``a`` (B, 3H), ``hn_t``, ``h_new``."""
    hidden = h_new.shape[1]
    b_rz, b_n = b_hh[: 2 * hidden], b_hh[2 * hidden :]
    for b in range(a.shape[0]):
        a_b, x_b, hw_b = a[b], xw_t[b], hw[b]
        rz, x_rz, hw_rz = a_b[: 2 * hidden], x_b[: 2 * hidden], hw_b[: 2 * hidden]
        for k in range(2 * hidden):
            rz[k] = x_rz[k] + hw_rz[k] + b_rz[k]
        squash_inplace(rz, True, approx)  # r, z
        r, z, n = a_b[:hidden], a_b[hidden : 2 * hidden], a_b[2 * hidden :]
        x_n, hw_n, hn_b = x_b[2 * hidden :], hw_b[2 * hidden :], hn_t[b]
        for j in range(hidden):
            hn_b[j] = hw_n[j] + b_n[j]
            n[j] = x_n[j] + r[j] * hn_b[j]
        squash_inplace(n, False, approx)
        hp_b, h_b = h_prev[b], h_new[b]
        for j in range(hidden):
            h_b[j] = n[j] + z[j] * (hp_b[j] - n[j])


@njit(**_INLINED)
def gru_backward_step(a, g_out, h_prev, hn_t, da, dhw, dh):
    """Gate gradients ``da`` (w.r.t. ``xw``) and ``dhw`` (w.r.t. ``W_hh h + b_hh``), both
    (B, 3H), of step t. They differ only in the ``n`` part, which the reset gate scales.

    On exit ``dh`` holds only the direct path ``dL/dh_t * z``; the caller adds
    ``dhw @ W_hh``.
    """
    one = dh.dtype.type(1.0)
    hidden = dh.shape[1]
    for b in range(dh.shape[0]):
        a_b, da_b, dw_b = a[b], da[b], dhw[b]
        r, z, n = a_b[:hidden], a_b[hidden : 2 * hidden], a_b[2 * hidden :]
        da_r, da_z, da_n = da_b[:hidden], da_b[hidden : 2 * hidden], da_b[2 * hidden :]
        dw_r, dw_z, dw_n = dw_b[:hidden], dw_b[hidden : 2 * hidden], dw_b[2 * hidden :]
        hp_b, hn_b, g_b, dh_b = h_prev[b], hn_t[b], g_out[b], dh[b]
        for j in range(hidden):
            d_h = g_b[j] + dh_b[j]
            d_n = d_h * (one - z[j]) * (one - n[j] * n[j])
            d_z = d_h * (hp_b[j] - n[j]) * z[j] * (one - z[j])
            d_r = d_n * hn_b[j] * r[j] * (one - r[j])
            da_r[j], da_z[j], da_n[j] = d_r, d_z, d_n
            dw_r[j], dw_z[j], dw_n[j] = d_r, d_z, d_n * r[j]
            dh_b[j] = d_h * z[j]


@njit(**_JIT)
def gru_forward_sequence(xw, w_t, b_hh, approx, loops, h, gates, hn, hw):
    """Fill ``h[1:]`` (T, B, H), ``gates`` (T, B, 3H), ``hn`` (T, B, H); ``hw`` is scratch."""
    for t in range(xw.shape[0]):
        recurrent_matmul(h[t], w_t, hw, loops)  # (B, 3H)
        gru_forward_step(hw, xw[t], b_hh, h[t], gates[t], hn[t], h[t + 1], approx)


@njit(**_JIT)
def gru_backward_sequence(grad_out, h, gates, hn, w_hh, loops, grad_xw, dhw, dh, dh_rec):
    """Fill ``grad_xw`` and ``dhw`` (T, B, 3H); ``dh`` from dL/dh_T to dL/dh_0."""
    for t in range(grad_out.shape[0] - 1, -1, -1):
        gru_backward_step(gates[t], grad_out[t], h[t], hn[t], grad_xw[t], dhw[t], dh)
        recurrent_matmul(dhw[t], w_hh, dh_rec, loops)  # (B, H)
        add_inplace(dh, dh_rec)


# --------------------------------------------------------------------------- whole layers
# For small models even the Python between kernels costs more than the arithmetic: a
# tiny LSTM layer's forward and backward take ~50 and ~70 us in compiled code, and the
# numpy calls, allocations and checks around them as much again. These functions run a
# whole layer, input matmuls included, as ONE compiled call per direction. Their products
# call numpy's own BLAS (kernels.blas), the library numpy's matmul uses outside.
#
# Memory: a forward pass keeps every array it makes (states, gates, projections) in one
# flat buffer ``buf`` that the caller takes from the buffer pool, and the backward pass
# finds them there again (``*_layer_views``; the projections' place holds dL/dxw in the
# backward pass). Nothing is returned: handing a new array back to Python costs numba
# more than a numpy allocation does, so the caller allocates the gradients.


@njit(**_JIT)
def project_inputs(x, w_ih, xw):
    """``xw`` (T, B, G*H) = ``x @ W_ih.T`` for all steps as one product, no bias: the RNN and
    the LSTM add ``b_ih + b_hh`` in the step (both enter one sum; a separate pass over all of
    ``xw`` cost 0.1 ms at the medium LSTM, 5 at the large one), the GRU calls
    :func:`add_bias_rows`."""
    n_rows = x.shape[0] * x.shape[1]
    gemm(x.reshape(n_rows, x.shape[2]), w_ih, xw.reshape(n_rows, xw.shape[2]), False, True, False)


@njit(**_JIT)
def add_bias_rows(xw, b):
    """``xw[t, i] += b`` for every step ``t`` and sample ``i`` of a (T, B, K) array."""
    xw2 = xw.reshape(xw.shape[0] * xw.shape[1], xw.shape[2])
    for r in range(xw2.shape[0]):
        row = xw2[r]
        for k in range(row.shape[0]):
            row[k] += b[k]


@njit(**_JIT)
def column_sums(a, out):
    """``out[:] = a.sum(axis=0)`` for a (N, K) array, row after row (as numpy adds them)."""
    for k in range(out.shape[0]):
        out[k] = out.dtype.type(0.0)
    for r in range(a.shape[0]):
        row = a[r]
        for k in range(row.shape[0]):
            out[k] += row[k]


@njit(**_JIT)
def weight_grad(da, h, out):
    """``out`` (K, H) = ``sum_t da[t].T @ h[t]`` as ONE product: ``da`` (T, B, K) and ``h``
    (T+1, B, H)."""
    n_rows = da.shape[0] * da.shape[1]
    gemm(
        da.reshape(n_rows, da.shape[2]), h[:-1].reshape(n_rows, h.shape[2]), out, True, False, False
    )


@njit(**_JIT)
def input_grads(da, x, w_ih, dx, dw_ih, db):
    """From ``da`` (T, B, G*H) = dL/dxw: ``dW_ih = da.T @ x``, ``db``, and ``dx = da @ W_ih``
    unless ``dx`` is empty (the first layer's data needs no gradient)."""
    n_rows = x.shape[0] * x.shape[1]
    da2 = da.reshape(n_rows, da.shape[2])
    gemm(da2, x.reshape(n_rows, x.shape[2]), dw_ih, True, False, False)
    column_sums(da2, db)
    if dx.size:
        gemm(da2, w_ih, dx.reshape(n_rows, x.shape[2]), False, False, False)


@njit(**_JIT)
def _carve(buf, start, n_steps, batch, width):
    """The (n_steps, batch, width) view of ``buf`` from ``start``, and where it ends."""
    stop = start + n_steps * batch * width
    return buf[start:stop].reshape((n_steps, batch, width)), stop


@njit(**_JIT)
def rnn_layer_views(buf, n_steps, batch, hidden):
    """``h`` (T+1, B, H) and ``xw`` (T, B, H) in an RNN layer's buffer."""
    h, end = _carve(buf, 0, n_steps + 1, batch, hidden)
    xw, end = _carve(buf, end, n_steps, batch, hidden)
    return h, xw


@njit(**_JIT)
def rnn_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, relu, approx, loops, buf):
    """A whole RNN layer: every hidden state into ``buf`` (see :func:`rnn_layer_views`)."""
    h, xw = rnn_layer_views(buf, x.shape[0], x.shape[1], w_hh.shape[1])
    h[0] = h0
    project_inputs(x, w_ih, xw)  # the biases are added in the step
    w_t = np.ascontiguousarray(w_hh.T)
    rnn_forward_sequence(xw, w_t, b_ih + b_hh, relu, approx, loops, h)


@njit(**_JIT)
def rnn_layer_backward(grad_out, x, w_ih, w_hh, relu, loops, buf, dx, dw_ih, dw_hh, db, dh):
    """BPTT through :func:`rnn_layer_forward` and every weight gradient; ``db`` serves both
    biases (they enter one sum); ``dh`` (B, H): zeros in, dL/dh_0 out."""
    h, grad_xw = rnn_layer_views(buf, x.shape[0], x.shape[1], w_hh.shape[1])
    rnn_backward_sequence(grad_out, h, w_hh, relu, loops, grad_xw, dh)
    weight_grad(grad_xw, h, dw_hh)
    input_grads(grad_xw, x, w_ih, dx, dw_ih, db)


@njit(**_JIT)
def lstm_layer_views(buf, n_steps, batch, hidden):
    """``h``, ``c`` (T+1, B, H), ``gates`` (T, B, 4H), ``tanh_c`` (T, B, H) and ``xw``
    (T, B, 4H) in an LSTM layer's buffer."""
    h, end = _carve(buf, 0, n_steps + 1, batch, hidden)
    c, end = _carve(buf, end, n_steps + 1, batch, hidden)
    gates, end = _carve(buf, end, n_steps, batch, 4 * hidden)
    tanh_c, end = _carve(buf, end, n_steps, batch, hidden)
    xw, end = _carve(buf, end, n_steps, batch, 4 * hidden)
    return h, c, gates, tanh_c, xw


@njit(**_JIT)
def lstm_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, c0, approx, loops, buf):
    """A whole LSTM layer: states and gates into ``buf`` (see :func:`lstm_layer_views`)."""
    h, c, gates, tanh_c, xw = lstm_layer_views(buf, x.shape[0], x.shape[1], w_hh.shape[1])
    h[0], c[0] = h0, c0
    project_inputs(x, w_ih, xw)  # the biases are added in the step
    w_t = np.ascontiguousarray(w_hh.T)
    lstm_forward_sequence(xw, w_t, b_ih + b_hh, approx, loops, h, c, gates, tanh_c)


@njit(**_JIT)
def lstm_layer_backward(grad_out, x, w_ih, w_hh, loops, buf, dx, dw_ih, dw_hh, db, dh, dc):
    """BPTT through :func:`lstm_layer_forward` and every weight gradient; ``db`` serves
    both biases; ``dh``, ``dc`` (B, H): dL/d(h_T, c_T) in, dL/d(h_0, c_0) out."""
    h, c, gates, tanh_c, grad_xw = lstm_layer_views(buf, x.shape[0], x.shape[1], dh.shape[1])
    lstm_backward_sequence(grad_out, c, gates, tanh_c, w_hh, loops, grad_xw, dh, dc)
    weight_grad(grad_xw, h, dw_hh)
    input_grads(grad_xw, x, w_ih, dx, dw_ih, db)


@njit(**_JIT)
def gru_layer_views(buf, n_steps, batch, hidden):
    """``h`` (T+1, B, H), ``gates`` (T, B, 3H), ``hn`` (T, B, H) and ``xw`` (T, B, 3H) in a
    GRU layer's buffer."""
    h, end = _carve(buf, 0, n_steps + 1, batch, hidden)
    gates, end = _carve(buf, end, n_steps, batch, 3 * hidden)
    hn, end = _carve(buf, end, n_steps, batch, hidden)
    xw, end = _carve(buf, end, n_steps, batch, 3 * hidden)
    return h, gates, hn, xw


@njit(**_JIT)
def gru_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, approx, loops, buf):
    """A whole GRU layer: states and gates into ``buf`` (see :func:`gru_layer_views`)."""
    h, gates, hn, xw = gru_layer_views(buf, x.shape[0], x.shape[1], w_hh.shape[1])
    h[0] = h0
    project_inputs(x, w_ih, xw)
    add_bias_rows(xw, b_ih)  # b_hh's n part is scaled by the reset gate: added in the step
    hw = np.empty((x.shape[1], w_hh.shape[0]), x.dtype)  # scratch: h_{t-1} @ W_hh.T
    w_t = np.ascontiguousarray(w_hh.T)
    gru_forward_sequence(xw, w_t, b_hh, approx, loops, h, gates, hn, hw)


@njit(**_JIT)
def gru_layer_backward(
    grad_out, x, w_ih, w_hh, loops, buf, dhw, dx, dw_ih, dw_hh, db_ih, db_hh, dh
):  # fmt: skip
    """BPTT through :func:`gru_layer_forward` and every weight gradient; ``dh`` (B, H):
    zeros in, dL/dh_0 out; ``dhw`` (T, B, 3H) is scratch for dL/d(W_hh h + b_hh)."""
    h, gates, hn, grad_xw = gru_layer_views(buf, x.shape[0], x.shape[1], dh.shape[1])
    dh_rec = np.empty_like(dh)
    gru_backward_sequence(grad_out, h, gates, hn, w_hh, loops, grad_xw, dhw, dh, dh_rec)
    weight_grad(dhw, h, dw_hh)
    column_sums(dhw.reshape(dhw.shape[0] * dhw.shape[1], dhw.shape[2]), db_hh)
    input_grads(grad_xw, x, w_ih, dx, dw_ih, db_ih)
