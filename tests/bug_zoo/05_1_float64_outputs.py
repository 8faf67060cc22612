"""Bug for 5.1: allocates float64 outputs, so float32 inputs come back as float64."""

import numpy as np
from numba import njit

BUG_FOR = "5.1"


@njit
def tanh_fused(x, grad_out):
    y = np.empty(x.size)
    grad_x = np.empty(x.size)
    for i in range(x.size):
        t = np.tanh(x[i])
        y[i] = t
        grad_x[i] = grad_out[i] * (1 - t * t)
    return y, grad_x
