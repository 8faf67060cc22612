"""relu slope of 1 at the corner z = 0 (this course's convention is 0)."""

import math

BUG_FOR = "1.2"
CAUGHT_BY = "corner"


def relu_slope(z):
    return 1.0 if z >= 0 else 0.0


def sigmoid_slope(z):
    s = 0.5 * (1.0 + math.tanh(0.5 * z))
    return s * (1.0 - s)


def tanh_slope(z):
    return 1.0 - math.tanh(z) ** 2
