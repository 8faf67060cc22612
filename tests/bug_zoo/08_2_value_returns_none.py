"""Bug for 8.2: clip_by_value clips correctly but returns nothing instead of the norm."""

import numpy as np

BUG_FOR = "8.2"
CAUGHT_BY = "should return a number"


def clip_by_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    if total > max_norm:
        for g in grads:
            g *= max_norm / total
    return total


def clip_by_value(grads, clip_value):
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
