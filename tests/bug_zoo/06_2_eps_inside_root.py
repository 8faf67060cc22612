"""Bug for 6.2: adds eps inside the square root, which swamps tiny gradients."""

import numpy as np

BUG_FOR = "6.2"


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), m, v
