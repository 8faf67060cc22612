"""Bug for 6.3: draws from np.random instead of the given generator (not reproducible)."""

import math

import numpy as np

BUG_FOR = "6.3"
CAUGHT_BY = "same seed"


def xavier_normal(shape, rng):
    return np.random.normal(0.0, math.sqrt(2.0 / (shape[0] + shape[1])), size=shape)


def kaiming_normal(shape, rng):
    return np.random.normal(0.0, math.sqrt(2.0 / shape[1]), size=shape)
