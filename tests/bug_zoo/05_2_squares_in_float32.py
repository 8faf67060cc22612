"""Bug for 5.2: squares float32 arrays in float32, so entries near 1e20 overflow to inf."""

import math

import numpy as np

BUG_FOR = "5.2"


def global_grad_norm(arrays):
    total = 0.0
    for a in arrays:
        total += float(np.sum(a * a))
    return math.sqrt(total)
