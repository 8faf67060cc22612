"""Matrix products inside compiled code through numpy's own BLAS.

Inside a numba function, ``np.dot`` calls scipy's copy of OpenBLAS. On the course machine
numpy's copy (a newer OpenBLAS) multiplied a recurrent step's (32, 128) @ (128, 512) in
57 us where numba's ``np.dot`` took 83 us, and a large layer's (64, 512) @ (512, 2048)
in 1.63 ms instead of 2.00 (``bench/bench_blas.py`` prints the comparison). The products of
the recurrent layers therefore call numpy's ``sgemm``/``dgemm`` directly, by name:

* At import this module looks for the CBLAS functions in the OpenBLAS that ships inside
  numpy's wheel (``scipy_cblas_sgemm64_``, or ``cblas_sgemm64_`` in older wheels: 64-bit
  integer arguments) and registers them with LLVM under names of our own,
  ``tinygrad_rnn_sgemm`` and ``tinygrad_rnn_dgemm``.
* The compiled kernels call those two names. The names are resolved when the machine code
  is loaded, so the kernels stay cacheable on disk (numba refuses to cache code holding the
  address of a ctypes function).
* When numpy brings no such BLAS (a numpy built against Accelerate or MKL, say), the two
  names point at small compiled fallbacks that call ``np.dot`` instead: same results, the old
  speed. :data:`BACKEND` says which one is in use.

Only what the kernels need is offered: C-contiguous 2-D operands, either of them used
transposed, ``out = a @ b`` or ``out += a @ b``.
"""

from __future__ import annotations

import ctypes
import glob
import os

import llvmlite.binding as llvm
import numpy as np

from tinygrad_rnn.kernels._numba import njit, numba

carray, cfunc, types = numba.carray, numba.cfunc, numba.types

__all__ = ["BACKEND", "CORE", "WIDE_KERNEL", "gemm", "find_numpy_blas", "numpy_blas_core"]

# The CBLAS constants: row-major order, and "use as is" / "transpose".
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112

_i32, _i64 = types.int32, types.int64


def _signature(real):
    ptr = types.voidptr
    return types.void(
        _i32, _i32, _i32, _i64, _i64, _i64, real, ptr, _i64, ptr, _i64, real, ptr, _i64
    )


_SIGNATURES = {"s": _signature(types.float32), "d": _signature(types.float64)}


def find_numpy_blas() -> tuple[str, dict[str, int]] | None:
    """``(library path, {"s": address, "d": address})`` of numpy's CBLAS gemm, or ``None``."""
    root = os.path.dirname(os.path.abspath(np.__file__))
    candidates = glob.glob(os.path.join(root, os.pardir, "numpy.libs", "*openblas*"))
    candidates += glob.glob(os.path.join(root, ".dylibs", "*openblas*"))
    for path in sorted(candidates):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_cblas_", "64_"), ("cblas_", "64_")):
            try:
                found = {
                    kind: ctypes.cast(getattr(lib, f"{prefix}{kind}gemm{suffix}"), ctypes.c_void_p)
                    for kind in "sd"
                }
            except AttributeError:
                continue
            return path, {kind: int(ptr.value) for kind, ptr in found.items()}
    return None


def numpy_blas_core(found: tuple[str, dict[str, int]] | None) -> str:
    """The name of the kernel numpy's OpenBLAS chose for this processor (``"Haswell"``,
    ``"SkylakeX"``, ...; ``OPENBLAS_CORETYPE`` overrides its choice), or ``""``; ``found``
    is what :func:`find_numpy_blas` returned."""
    if found is None:
        return ""
    lib = ctypes.CDLL(found[0])
    for name in ("scipy_openblas_get_corename64_", "openblas_get_corename64_"):
        getter = getattr(lib, name, None)
        if getter is not None:
            getter.restype = ctypes.c_char_p
            return (getter() or b"").decode("ascii", "replace").strip()
    return ""


_NUMPY_BLAS = find_numpy_blas()
#: numpy's OpenBLAS kernel (see :func:`numpy_blas_core`).
CORE = numpy_blas_core(_NUMPY_BLAS)
#: True when that kernel uses AVX-512: then BLAS beats the compiled loops' own products at
#: every layer size measured (see ``LOOPS_MAX_WORK`` in recurrent_jit).
WIDE_KERNEL = CORE.lower() in ("skylakex", "cooperlake", "sapphirerapids")


def _gemm_by_dot(dtype, trans_a, trans_b, m, n, k, a, b, c, beta):
    a_arr = carray(a, (k, m) if trans_a == _TRANS else (m, k), dtype)
    b_arr = carray(b, (n, k) if trans_b == _TRANS else (k, n), dtype)
    c_arr = carray(c, (m, n), dtype)
    if beta != 0:
        start = c_arr.copy()
    # one branch per case, so that every operand reaches np.dot as a contiguous array
    if trans_a == _TRANS and trans_b == _TRANS:
        np.dot(a_arr.T, b_arr.T, c_arr)
    elif trans_a == _TRANS:
        np.dot(a_arr.T, b_arr, c_arr)
    elif trans_b == _TRANS:
        np.dot(a_arr, b_arr.T, c_arr)
    else:
        np.dot(a_arr, b_arr, c_arr)
    if beta != 0:
        c_arr += start


_FOUND = _NUMPY_BLAS if os.environ.get("TINYGRAD_RNN_BLAS", "") != "numba" else None

if numba.config.DISABLE_JIT:  # nothing is compiled: gemm below is numpy's matmul
    #: Which BLAS the compiled products use (``TINYGRAD_RNN_BLAS=numba`` forces the fallback).
    BACKEND = "numpy's matmul (numba is switched off)"
elif _FOUND is not None:
    llvm.load_library_permanently(_FOUND[0])
    for _kind, _address in _FOUND[1].items():
        llvm.add_symbol(f"tinygrad_rnn_{_kind}gemm", _address)
    BACKEND = f"numpy's OpenBLAS ({os.path.basename(_FOUND[0])})"
else:  # compiled (and cached) only when they are needed
    _gemm_by_dot_jit = njit(inline="always", cache=True)(_gemm_by_dot)

    @cfunc(_SIGNATURES["s"], cache=True)
    def _sgemm_by_dot(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        """The fallback ``sgemm`` (alpha is always 1 here): ``np.dot``, i.e. scipy's BLAS."""
        _gemm_by_dot_jit(np.float32, trans_a, trans_b, m, n, k, a, b, c, beta)

    @cfunc(_SIGNATURES["d"], cache=True)
    def _dgemm_by_dot(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        """The fallback ``dgemm``."""
        _gemm_by_dot_jit(np.float64, trans_a, trans_b, m, n, k, a, b, c, beta)

    llvm.add_symbol("tinygrad_rnn_sgemm", _sgemm_by_dot.address)
    llvm.add_symbol("tinygrad_rnn_dgemm", _dgemm_by_dot.address)
    BACKEND = "numba's np.dot (scipy's BLAS)"

_sgemm = types.ExternalFunction("tinygrad_rnn_sgemm", _SIGNATURES["s"])
_dgemm = types.ExternalFunction("tinygrad_rnn_dgemm", _SIGNATURES["d"])

_JIT = dict(cache=True, error_model="numpy")


@njit(inline="always", **_JIT)
def gemm(a, b, out, trans_a, trans_b, accumulate):
    """``out = op(a) @ op(b)`` (``+=`` if ``accumulate``); ``op`` transposes when asked.

    Every operand is a C-contiguous 2-D array of one float dtype; ``out`` is (M, N).
    """
    if not (a.flags.c_contiguous and b.flags.c_contiguous and out.flags.c_contiguous):
        raise ValueError("gemm: every operand must be C-contiguous")
    m, n = out.shape
    k = a.shape[0] if trans_a else a.shape[1]
    if m == 0 or n == 0:
        return
    if k == 0:
        if not accumulate:
            out[:] = 0
        return
    ta = _TRANS if trans_a else _NO_TRANS
    tb = _TRANS if trans_b else _NO_TRANS
    lda, ldb, ldc = a.shape[1], b.shape[1], out.shape[1]
    tp = out.dtype.type
    beta = tp(1.0) if accumulate else tp(0.0)
    if out.itemsize == 4:  # float32
        _sgemm(
            _ROW_MAJOR, ta, tb, m, n, k, tp(1.0), a.ctypes, lda, b.ctypes, ldb, beta,
            out.ctypes, ldc,
        )  # fmt: skip
    else:
        _dgemm(
            _ROW_MAJOR, ta, tb, m, n, k, tp(1.0), a.ctypes, lda, b.ctypes, ldb, beta,
            out.ctypes, ldc,
        )  # fmt: skip


if numba.config.DISABLE_JIT:  # NUMBA_DISABLE_JIT=1: no compiled call exists, numpy does it

    def gemm(a, b, out, trans_a, trans_b, accumulate):  # noqa: F811
        """``out = op(a) @ op(b)`` (``+=`` if ``accumulate``), by numpy's matmul."""
        if not (a.flags.c_contiguous and b.flags.c_contiguous and out.flags.c_contiguous):
            raise ValueError("gemm: every operand must be C-contiguous")
        product = (a.T if trans_a else a) @ (b.T if trans_b else b)
        if accumulate:
            out += product
        else:
            out[...] = product
