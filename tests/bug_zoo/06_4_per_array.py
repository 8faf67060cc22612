"""Bug for 6.4: clips each array to max_norm on its own, which turns the direction."""

import math

import numpy as np

BUG_FOR = "6.4"


def clip_grad_norm_(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    for g in grads:
        norm = math.sqrt(float(np.sum(g * g)))
        if norm > max_norm:
            g *= max_norm / norm
    return total
