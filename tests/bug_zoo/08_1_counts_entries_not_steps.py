"""Bug for 8.1: takes the root 1/n instead of 1/(n-1): n norms are only n-1 steps apart."""

import numpy as np

BUG_FOR = "8.1"


def grad_norms(grads):
    return np.array([np.sqrt(np.sum(np.asarray(g) ** 2)) for g in grads])


def per_step_factor(norms):
    return float((norms[0] / norms[-1]) ** (1.0 / len(norms)))
