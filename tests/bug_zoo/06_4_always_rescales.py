"""Bug for 6.4: rescales to max_norm even when the norm is already below it."""

import math

import numpy as np

BUG_FOR = "6.4"


def clip_grad_norm_(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    for g in grads:
        g *= max_norm / total
    return total
