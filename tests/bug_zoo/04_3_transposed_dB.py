"""Bug for 4.3: dB computed as dC.T @ A, the transpose of the right answer."""

import numpy as np

BUG_FOR = "4.3"


def matmul_backward(A: np.ndarray, B: np.ndarray, dC: np.ndarray):
    return dC @ B.T, dC.T @ A
