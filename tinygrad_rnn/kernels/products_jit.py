r"""The recurrent product ``out = a @ b`` as compiled loops: the numba twin of
:mod:`tinygrad_rnn.kernels.products`.

One time step of a recurrent layer multiplies the previous hidden states (B, H) by the
transposed recurrent weight (H, G*H). For small models that product is too small for BLAS
to pay off, so the compiled time loops of :mod:`tinygrad_rnn.kernels.recurrent_loops` call
:func:`recurrent_matmul` with ``loops=True``; lesson 5 times it against numpy and BLAS.
"""

from __future__ import annotations

from tinygrad_rnn.kernels._numba import njit
from tinygrad_rnn.kernels.blas import gemm

__all__ = ["recurrent_matmul"]

# the same options as the recurrent loops that inline these: no division checks, and FMAs
_JIT = dict(cache=True, error_model="numpy", fastmath={"contract"})


# inline="always": numba pastes these into recurrent_matmul (5-10 % faster than calls)
@njit(inline="always", **_JIT)
def _row_times(a_i, b, out_i):
    """``out_i[:] = a_i @ b`` for one row ``a_i`` (K,): a sum of rows of ``b``, four at a time."""
    zero = out_i.dtype.type(0.0)
    n_k = a_i.shape[0]
    n_k4 = n_k - n_k % 4
    for n in range(out_i.shape[0]):
        out_i[n] = zero
    for k in range(0, n_k4, 4):
        a0, a1, a2, a3 = a_i[k], a_i[k + 1], a_i[k + 2], a_i[k + 3]
        b0, b1, b2, b3 = b[k], b[k + 1], b[k + 2], b[k + 3]
        for n in range(out_i.shape[0]):
            out_i[n] += a0 * b0[n] + a1 * b1[n] + a2 * b2[n] + a3 * b3[n]
    for k in range(n_k4, n_k):  # the last K % 4 rows of b
        a_k, b_k = a_i[k], b[k]
        for n in range(out_i.shape[0]):
            out_i[n] += a_k * b_k[n]


@njit(inline="always", **_JIT)
def _two_rows_times(p, q, b, out_p, out_q):
    """``out_p = p @ b`` and ``out_q = q @ b`` together: each row of ``b`` read once for both."""
    zero = out_p.dtype.type(0.0)
    n_k = p.shape[0]
    n_k4 = n_k - n_k % 4
    for n in range(out_p.shape[0]):
        out_p[n] = zero
        out_q[n] = zero
    for k in range(0, n_k4, 4):
        p0, p1, p2, p3 = p[k], p[k + 1], p[k + 2], p[k + 3]
        q0, q1, q2, q3 = q[k], q[k + 1], q[k + 2], q[k + 3]
        b0, b1, b2, b3 = b[k], b[k + 1], b[k + 2], b[k + 3]
        for n in range(out_p.shape[0]):
            v0, v1, v2, v3 = b0[n], b1[n], b2[n], b3[n]
            out_p[n] += p0 * v0 + p1 * v1 + p2 * v2 + p3 * v3
            out_q[n] += q0 * v0 + q1 * v1 + q2 * v2 + q3 * v3
    for k in range(n_k4, n_k):
        p_k, q_k, b_k = p[k], q[k], b[k]
        for n in range(out_p.shape[0]):
            out_p[n] += p_k * b_k[n]
            out_q[n] += q_k * b_k[n]


@njit(inline="always", **_JIT)  # pasted into the time loops too
def recurrent_matmul(a, b, out, loops):
    """``out[:] = a @ b`` for C-contiguous ``a`` (M, K), ``b`` (K, N): BLAS or plain loops.

    For the small recurrent products of small models (a (1, 32) @ (32, 128) step, or
    (8, 64) @ (64, 256)) a BLAS call costs more in overhead and packing than the
    arithmetic; these loops take half to two thirds of its time there. Each row of ``out``
    is a sum of rows of ``b``, so the inner loops run along contiguous rows and vectorise.
    What they spend their time on is moving ``out`` and ``b`` in and out of registers, so
    each pass over a row of ``out`` adds four rows of ``b`` (one load and store of
    ``out[i, n]`` per four multiply-adds), and rows of ``a`` go in pairs (each element of
    ``b`` loaded once for two rows). BLAS wins as soon as sizes grow
    (:data:`~tinygrad_rnn.kernels.recurrent_jit.LOOPS_MAX_WORK`).
    """
    if not loops:
        gemm(a, b, out, False, False, False)  # numpy's BLAS (see kernels.blas)
        return
    n_rows = a.shape[0]
    for i in range(0, n_rows - 1, 2):
        _two_rows_times(a[i], a[i + 1], b, out[i], out[i + 1])
    if n_rows % 2:
        _row_times(a[n_rows - 1], b, out[n_rows - 1])
