"""Bug for 6.4: returns the norm after clipping instead of before."""

import math

import numpy as np

BUG_FOR = "6.4"


def clip_grad_norm_(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    if total > max_norm:
        for g in grads:
            g *= max_norm / total
        total = max_norm
    return total
