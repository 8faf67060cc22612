r"""The numba-compiled loops behind :mod:`tinygrad_rnn.rnn_kernels` (read that module first).

Two levels, so that one piece of compiled arithmetic serves two drivers:

* ``*_step`` functions do the elementwise work of ONE time step for the whole batch: add
  the input projection and bias to the recurrent product, apply the gate activations, update
  the state (forward), or turn the gradient reaching ``h_t`` into gradients of the gate
  pre-activations (backward).
* ``*_sequence`` functions run the whole time loop compiled: ``np.dot`` (BLAS) for the
  recurrent product, then the step. :mod:`tinygrad_rnn.rnn_kernels` may instead drive the
  steps from Python with numpy's matmul for big batches (see ``rnn_kernels`` for why).

Conventions: ``h`` is (T+1, B, H) with ``h[0]`` the initial state; ``gates`` holds the
activated gates (T, B, G*H); a backward step leaves ``dh`` (B, H) holding the gradient
that still has to flow through the recurrent matmul (plus, for the GRU, the direct path).
"""

from __future__ import annotations

import numpy as np

# numba's njit, imported through tinygrad_rnn.kernels: that module first settles where
# numba keeps its cache (a user folder when the package folder is read-only), which must
# happen before numba is imported anywhere
from tinygrad_rnn.kernels import njit

# error_model="numpy": no ZeroDivisionError check in divisions, which would otherwise
# stop LLVM from vectorising the rational tanh. "contract" lets it fuse a*b+c into FMAs.
_JIT = dict(cache=True, error_model="numpy", fastmath={"contract"})

# How the loops are written, because it decides whether LLVM vectorises them (checked in
# the assembly): every inner loop runs ``for j in range(n)`` over 1-D row views such as
# ``gates[t, b, H:2 * H]``. Indexing ``row[start + j]`` with a run-time ``start`` (numba
# must allow negative indices) or ``a[b, j]`` kept the same loops scalar, 3-10x slower.
# Typed constants (``one = dtype.type(1.0)``) keep float32 arithmetic in float32: a bare
# ``1.0`` is a float64 and would promote every expression it touches.


# --------------------------------------------------------------------------- activations
@njit(**_JIT)
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


@njit(**_JIT)
def add_inplace(a, b):
    """``a += b`` for two (B, K) arrays."""
    for i in range(a.shape[0]):
        a_i, b_i = a[i], b[i]
        for k in range(a_i.shape[0]):
            a_i[k] += b_i[k]


@njit(**_JIT)
def recurrent_matmul(a, b, out, loops):
    """``out[:] = a @ b`` for C-contiguous ``a`` (M, K), ``b`` (K, N): BLAS or plain loops.

    For the tiny recurrent products of small models (a (1, 32) @ (32, 128) step) a BLAS
    call costs ~1.3 us of overhead, several times the arithmetic; these loops (each row of
    ``out`` a sum of rows of ``b``, so the inner loop is contiguous and vectorises without
    reordering any sum) take a fraction of that. BLAS wins as soon as sizes grow.
    """
    if not loops:
        np.dot(a, b, out)
        return
    zero = out.dtype.type(0.0)
    for i in range(a.shape[0]):
        a_i, out_i = a[i], out[i]
        for n in range(out_i.shape[0]):
            out_i[n] = zero
        for k in range(a_i.shape[0]):
            a_ik, b_k = a_i[k], b[k]
            for n in range(out_i.shape[0]):
                out_i[n] += a_ik * b_k[n]


# --------------------------------------------------------------------------- RNN
@njit(**_JIT)
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


@njit(**_JIT)
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
@njit(**_JIT)
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


@njit(**_JIT)
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
@njit(**_JIT)
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


@njit(**_JIT)
def gru_backward_step(a, g_out, h_prev, hn_t, da, dhw, dhn_t, dh):
    """Gate gradients ``da`` and ``dhw`` (w.r.t. ``W_hh h + b_hh``), both (B, 3H), of step t.

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
        hp_b, hn_b, g_b, dh_b, dhn_b = h_prev[b], hn_t[b], g_out[b], dh[b], dhn_t[b]
        for j in range(hidden):
            d_h = g_b[j] + dh_b[j]
            d_n = d_h * (one - z[j]) * (one - n[j] * n[j])
            d_z = d_h * (hp_b[j] - n[j]) * z[j] * (one - z[j])
            d_r = d_n * hn_b[j] * r[j] * (one - r[j])
            da_r[j], da_z[j], da_n[j] = d_r, d_z, d_n
            dw_r[j], dw_z[j], dw_n[j] = d_r, d_z, d_n * r[j]
            dhn_b[j] = d_n * r[j]
            dh_b[j] = d_h * z[j]


@njit(**_JIT)
def gru_forward_sequence(xw, w_t, b_hh, approx, loops, h, gates, hn, hw):
    """Fill ``h[1:]`` (T, B, H), ``gates`` (T, B, 3H), ``hn`` (T, B, H); ``hw`` is scratch."""
    for t in range(xw.shape[0]):
        recurrent_matmul(h[t], w_t, hw, loops)  # (B, 3H)
        gru_forward_step(hw, xw[t], b_hh, h[t], gates[t], hn[t], h[t + 1], approx)


@njit(**_JIT)
def gru_backward_sequence(grad_out, h, gates, hn, w_hh, loops, grad_xw, dhn, dh, dhw, dh_rec):
    """Fill ``grad_xw`` (T, B, 3H), ``dhn`` (T, B, H); ``dh`` from dL/dh_T to dL/dh_0."""
    for t in range(grad_out.shape[0] - 1, -1, -1):
        gru_backward_step(gates[t], grad_out[t], h[t], hn[t], grad_xw[t], dhw, dhn[t], dh)
        recurrent_matmul(dhw, w_hh, dh_rec, loops)  # (B, H)
        add_inplace(dh, dh_rec)
