"""Bug for 8.4: draws from np.random instead of the rng argument."""

import numpy as np

BUG_FOR = "8.4"
CAUGHT_BY = "same seed"


def orthogonal(n, rng, gain=1.0):
    Q, R = np.linalg.qr(np.random.standard_normal((n, n)))
    return gain * Q * np.sign(np.diag(R))


def identity(n, gain=1.0):
    return gain * np.eye(n)
