"""Bug for 4.1: sums away the added leading axes but not the axes where the input had size 1."""

import numpy as np

BUG_FOR = "4.1"


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    return grad
