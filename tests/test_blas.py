"""The compiled matrix products of the recurrent kernels (``kernels.blas``): numpy's BLAS, or
the ``np.dot`` fallback, give numpy's answer for every transpose and both dtypes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tinygrad_rnn.kernels import blas
from tinygrad_rnn.kernels._numba import njit, numba

compiled_only = pytest.mark.skipif(
    numba.config.DISABLE_JIT, reason="numba is switched off: no compiled BLAS call"
)


@njit(cache=False)
def _gemm(a, b, out, trans_a, trans_b, accumulate):
    blas.gemm(a, b, out, trans_a, trans_b, accumulate)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("accumulate", [False, True])
def test_gemm_matches_numpy(dtype, trans_a, trans_b, accumulate) -> None:
    rng = np.random.default_rng(3)
    m, n, k = 5, 7, 3  # all different: a wrong leading dimension or transpose shows
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
    out = rng.standard_normal((m, n)).astype(dtype)
    start = out.copy()
    _gemm(a, b, out, trans_a, trans_b, accumulate)
    want = (a.T if trans_a else a) @ (b.T if trans_b else b) + (start if accumulate else 0)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, want, rtol=tol, atol=tol)


def test_empty_inner_dimension_gives_zeros() -> None:
    a, b = np.empty((4, 0)), np.empty((0, 3))
    out = np.full((4, 3), 7.0)
    _gemm(a, b, out, False, False, False)
    assert (out == 0).all()


def test_non_contiguous_operand_is_refused() -> None:
    a = np.ones((6, 4))[::2]  # rows of a bigger array: not C-contiguous
    with pytest.raises(ValueError, match="C-contiguous"):
        _gemm(a, np.ones((4, 2)), np.empty((3, 2)), False, False, False)


@compiled_only
def test_backend_is_named() -> None:
    assert "OpenBLAS" in blas.BACKEND or "np.dot" in blas.BACKEND


@compiled_only
def test_the_fallback_gives_the_same_layer_gradients() -> None:
    """With ``TINYGRAD_RNN_BLAS=numba`` the products go through ``np.dot``: same numbers."""
    script = textwrap.dedent(
        """
        import numpy as np
        from tinygrad_rnn.kernels import blas, recurrent_jit as rj
        rng = np.random.default_rng(0)
        x = rng.standard_normal((6, 3, 4))
        w_ih, w_hh = rng.standard_normal((20, 4)), rng.standard_normal((20, 5))
        b = rng.standard_normal(20)
        out, c_T, cache = rj.lstm_layer_forward(x, w_ih, w_hh, b, b, None, None)
        g = rj.lstm_layer_backward(np.ones_like(out), None, cache)
        print(blas.BACKEND)
        print(repr(float(g.grad_w_hh.sum())), repr(float(g.grad_x.sum())))
        """
    )
    runs = {}
    for backend in ("", "numba"):
        env = dict(os.environ, TINYGRAD_RNN_BLAS=backend)
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-2000:]
        runs[backend] = done.stdout.splitlines()
    assert "np.dot" in runs["numba"][0]
    fast = [float(v) for v in runs[""][1].split()]
    slow = [float(v) for v in runs["numba"][1].split()]
    np.testing.assert_allclose(fast, slow, rtol=1e-12)


def _has_avx512() -> bool:
    try:
        with open("/proc/cpuinfo") as info:
            return " avx512f" in info.read()
    except OSError:
        return False


@pytest.mark.skipif(not blas.CORE, reason="numpy ships no OpenBLAS that names its kernel here")
def test_the_blas_kernel_decides_who_multiplies_in_the_compiled_loop() -> None:
    """numpy's OpenBLAS names its kernel; an AVX-512 one takes every recurrent product."""
    script = (
        "from tinygrad_rnn.kernels import blas, recurrent_jit as rj; "
        "print(blas.CORE, blas.WIDE_KERNEL, rj.LOOPS_MAX_WORK)"
    )
    kernels = {"Haswell": ("False", str(2**20))}
    if _has_avx512():  # forcing an AVX-512 kernel elsewhere would crash
        kernels["SkylakeX"] = ("True", "-1")
    for core, (wide, threshold) in kernels.items():
        env = dict(os.environ, OPENBLAS_CORETYPE=core)
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split() == [core, wide, threshold], done.stdout
