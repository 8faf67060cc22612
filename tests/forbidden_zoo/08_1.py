"""8.1 handed to the library: the kernels' grad_norm for each step."""

import numpy as np

from tinygrad_rnn.kernels import elementwise

FORBIDDEN_FOR = "8.1"


def grad_norms(grads):
    return np.array([elementwise.grad_norm([g]) for g in grads])


def per_step_factor(norms):
    return float((norms[0] / norms[-1]) ** (1 / (len(norms) - 1)))
