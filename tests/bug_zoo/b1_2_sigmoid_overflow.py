"""The textbook sigmoid, which overflows in math.exp for very negative z."""

import math

BUG_FOR = "1.2"
CAUGHT_BY = "OverflowError"


def relu_slope(z):
    return 1.0 if z > 0 else 0.0


def sigmoid_slope(z):
    s = 1.0 / (1.0 + math.exp(-z))
    return s * (1.0 - s)


def tanh_slope(z):
    return 1.0 - math.tanh(z) ** 2
