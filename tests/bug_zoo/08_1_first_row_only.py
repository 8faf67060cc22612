"""Bug for 8.1: measures only the first sequence of the batch (row 0), not the whole array."""

import numpy as np

BUG_FOR = "8.1"


def grad_norms(grads):
    return np.array([np.linalg.norm(np.asarray(g)[0]) for g in grads])


def per_step_factor(norms):
    return float((norms[0] / norms[-1]) ** (1.0 / (len(norms) - 1)))
