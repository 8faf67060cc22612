"""Bug for 6.3: Kaiming with the fan out (shape[0]) instead of the fan in."""

import math

BUG_FOR = "6.3"


def xavier_normal(shape, rng):
    return rng.normal(0.0, math.sqrt(2.0 / (shape[0] + shape[1])), size=shape)


def kaiming_normal(shape, rng):
    return rng.normal(0.0, math.sqrt(2.0 / shape[0]), size=shape)
