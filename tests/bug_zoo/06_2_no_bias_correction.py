"""Bug for 6.2: forgets the bias correction, so the first steps are far too small."""

import numpy as np

BUG_FOR = "6.2"


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    return theta - lr * m / (np.sqrt(v) + eps), m, v
