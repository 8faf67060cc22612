"""Bug for 6.2: counts steps from 0 in the correction (1 - beta**(t - 1)): divides by 0 first."""

import numpy as np

BUG_FOR = "6.2"


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    with np.errstate(all="ignore"):
        m_hat = m / (1.0 - beta1 ** (t - 1))
        v_hat = v / (1.0 - beta2 ** (t - 1))
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
