"""Bug for 8.3: takes the largest singular value (the matrix 2-norm) for the spectral radius."""

import numpy as np

BUG_FOR = "8.3"
CAUGHT_BY = "singular value"


def spectral_radius(W):
    return float(np.linalg.norm(W, 2))


def jacobian_norms(W_hh, hs):
    product = np.eye(W_hh.shape[0])
    norms = [1.0]
    for t in range(len(hs) - 1, 0, -1):
        product = product @ ((1.0 - hs[t] ** 2)[:, None] * W_hh)
        norms.append(float(np.linalg.norm(product, 2)))
    return np.array(norms[::-1])
