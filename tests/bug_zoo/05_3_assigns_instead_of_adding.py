"""Bug for 5.3: assigns each row instead of adding it, so a repeated index keeps only the last."""

import numpy as np
from numba import njit

BUG_FOR = "5.3"


@njit
def scatter_add_rows(grad_out, indices, num_rows):
    grad = np.zeros((num_rows, grad_out.shape[1]), dtype=grad_out.dtype)
    for n in range(grad_out.shape[0]):
        for j in range(grad_out.shape[1]):
            grad[indices[n], j] = grad_out[n, j]
    return grad
