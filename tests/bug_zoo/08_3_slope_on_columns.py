"""Bug for 8.3: J_t = W_hh diag(1 - h_t^2): scales the columns of W_hh instead of its rows."""

import numpy as np

BUG_FOR = "8.3"


def spectral_radius(W):
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def jacobian_norms(W_hh, hs):
    product = np.eye(W_hh.shape[0])
    norms = [1.0]
    for t in range(len(hs) - 1, 0, -1):
        product = product @ (W_hh * (1.0 - hs[t] ** 2)[None, :])
        norms.append(float(np.linalg.norm(product, 2)))
    return np.array(norms[::-1])
