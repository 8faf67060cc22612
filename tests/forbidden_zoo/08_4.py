"""8.4 handed to the library: init.orthogonal_ and init.identity_."""

import numpy as np

from tinygrad_rnn.init import identity_, orthogonal_

FORBIDDEN_FOR = "8.4"


def orthogonal(n, rng, gain=1.0):
    return orthogonal_(np.zeros((n, n)), rng, gain)


def identity(n, gain=1.0):
    return identity_(np.zeros((n, n)), gain)
