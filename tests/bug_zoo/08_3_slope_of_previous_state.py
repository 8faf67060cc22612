"""Bug for 8.3: uses tanh's slope at h_{t-1} instead of h_t (an off-by-one in the Jacobian)."""

import numpy as np

BUG_FOR = "8.3"


def spectral_radius(W):
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def jacobian_norms(W_hh, hs):
    product = np.eye(W_hh.shape[0])
    norms = [1.0]
    for t in range(len(hs) - 1, 0, -1):
        product = product @ ((1.0 - hs[t - 1] ** 2)[:, None] * W_hh)
        norms.append(float(np.linalg.norm(product, 2)))
    return np.array(norms[::-1])
