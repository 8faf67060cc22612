"""Bug for 8.4: orthogonal, but skips the sign fix, so it is not uniformly random."""

import numpy as np

BUG_FOR = "8.4"
CAUGHT_BY = "sign(R[j, j])"


def orthogonal(n, rng, gain=1.0):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return gain * Q


def identity(n, gain=1.0):
    return gain * np.eye(n)
