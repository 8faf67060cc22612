"""Bug for 6.3: a uniform distribution with the right standard deviation, not a normal one."""

import math

BUG_FOR = "6.3"
CAUGHT_BY = "normal distribution"


def xavier_normal(shape, rng):
    bound = math.sqrt(3.0) * math.sqrt(2.0 / (shape[0] + shape[1]))
    return rng.uniform(-bound, bound, size=shape)


def kaiming_normal(shape, rng):
    bound = math.sqrt(3.0) * math.sqrt(2.0 / shape[1])
    return rng.uniform(-bound, bound, size=shape)
