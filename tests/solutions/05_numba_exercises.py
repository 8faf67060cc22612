"""Reference solutions for lesson 5 (kept for the grader's tests; learners never see them)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit
def tanh_fused(x, grad_out):
    y = np.empty_like(x)
    grad_x = np.empty_like(x)
    for i in range(x.size):
        t = np.tanh(x[i])
        y[i] = t
        grad_x[i] = grad_out[i] * (1 - t * t)
    return y, grad_x


def global_grad_norm(arrays: list[np.ndarray]) -> float:
    total = 0.0
    for a in arrays:
        total += float(np.sum(np.square(a.astype(np.float64))))
    return math.sqrt(total)


@njit
def scatter_add_rows(grad_out, indices, num_rows):
    n_rows, dim = grad_out.shape
    grad = np.zeros((num_rows, dim), dtype=grad_out.dtype)
    for n in range(n_rows):
        row = indices[n]
        for j in range(dim):
            grad[row, j] += grad_out[n, j]
    return grad
