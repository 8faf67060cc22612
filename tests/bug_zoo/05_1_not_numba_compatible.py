"""Bug for 5.1: right as plain Python, but uses ``x.tolist()``, which numba cannot compile."""

import numpy as np

BUG_FOR = "5.1"


def tanh_fused(x, grad_out):
    y = np.array([np.tanh(v) for v in x.tolist()], dtype=x.dtype)
    return y, grad_out * (1 - y * y)
