"""Bug for 8.4: identity ignores the gain."""

import numpy as np

BUG_FOR = "8.4"


def orthogonal(n, rng, gain=1.0):
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return gain * Q * np.sign(np.diag(R))


def identity(n, gain=1.0):
    return np.eye(n)
