"""Bug for 8.2: clip_by_value caps large positive entries but leaves large negative ones."""

import numpy as np

BUG_FOR = "8.2"


def clip_by_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    if total > max_norm:
        for g in grads:
            g *= max_norm / total
    return total


def clip_by_value(grads, clip_value):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    for g in grads:
        np.minimum(g, clip_value, out=g)
    return total
