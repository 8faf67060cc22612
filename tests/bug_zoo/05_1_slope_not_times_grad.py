"""Bug for 5.1: returns the local slope 1 - y**2 without multiplying by grad_out."""

import numpy as np
from numba import njit

BUG_FOR = "5.1"


@njit
def tanh_fused(x, grad_out):
    y = np.empty_like(x)
    grad_x = np.empty_like(x)
    for i in range(x.size):
        t = np.tanh(x[i])
        y[i] = t
        grad_x[i] = 1 - t * t
    return y, grad_x
