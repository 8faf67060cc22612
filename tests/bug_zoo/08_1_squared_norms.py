"""Bug for 8.1: returns the squared norms (forgets the square root)."""

import numpy as np

BUG_FOR = "8.1"


def grad_norms(grads):
    return np.array([np.sum(np.asarray(g) ** 2) for g in grads])


def per_step_factor(norms):
    return float((norms[0] / norms[-1]) ** (1.0 / (len(norms) - 1)))
