"""Bug for 8.4: normalises the rows of a Gaussian matrix: unit rows, but not orthogonal."""

import numpy as np

BUG_FOR = "8.4"
CAUGHT_BY = "not (a multiple of) an orthogonal"


def orthogonal(n, rng, gain=1.0):
    A = rng.standard_normal((n, n))
    return gain * A / np.linalg.norm(A, axis=1, keepdims=True)


def identity(n, gain=1.0):
    return gain * np.eye(n)
