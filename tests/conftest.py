"""Test-session settings shared by every test file.

BLAS threads: the tests (and the lessons they run as subprocesses) multiply small
matrices, where OpenBLAS's second thread buys nothing and, when the two cores are shared
with another process, made a (32, 960) @ (960, 32) product take 120 ms instead of 0.04 ms.
One thread keeps the suite's time steady. This has to be set before numpy is first
imported, which is why it lives here; subprocesses inherit it through the environment.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
