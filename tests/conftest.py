"""Test-session settings shared by every test file.

BLAS threads: the tests (and the lessons they run as subprocesses) multiply small
matrices, where OpenBLAS's second thread buys nothing and, when the two cores are shared
with another process, made a (32, 960) @ (960, 32) product take 120 ms instead of 0.04 ms.
One thread keeps the suite's time steady. This has to be set before numpy is first
imported, which is why it lives here; subprocesses inherit it through the environment.
"""

from __future__ import annotations

import os

import pytest

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


@pytest.fixture(params=["warm", "cold"])
def launcher(request):
    """The grader's process launcher, forking learner processes from a warm starter or
    starting each one fresh (cold): grading robustness tests run with both."""
    from tinygrad_rnn.grading.processes import Launcher

    if request.param == "warm" and not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    with Launcher(warm=request.param == "warm") as launcher:
        yield launcher
