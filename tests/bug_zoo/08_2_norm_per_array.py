"""Bug for 8.2: clip_by_norm clips every array to max_norm on its own."""

import numpy as np

BUG_FOR = "8.2"


def clip_by_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    for g in grads:
        norm = float(np.sqrt(np.sum(g * g)))
        if norm > max_norm:
            g *= max_norm / norm
    return total


def clip_by_value(grads, clip_value):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return total
