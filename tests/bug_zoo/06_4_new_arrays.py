"""Bug for 6.4: returns clipped copies but leaves the caller's arrays unchanged."""

import math

import numpy as np

BUG_FOR = "6.4"
CAUGHT_BY = "in place"


def clip_grad_norm_(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    if total > max_norm:
        grads = [g * (max_norm / total) for g in grads]
    return total
