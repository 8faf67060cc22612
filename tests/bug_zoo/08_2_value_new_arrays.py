"""Bug for 8.2: clip_by_value rebinds the list items to new arrays; the caller's arrays stay."""

import numpy as np

BUG_FOR = "8.2"
CAUGHT_BY = "in place"


def clip_by_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    if total > max_norm:
        for g in grads:
            g *= max_norm / total
    return total


def clip_by_value(grads, clip_value):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    grads = [np.clip(g, -clip_value, clip_value) for g in grads]
    return total
