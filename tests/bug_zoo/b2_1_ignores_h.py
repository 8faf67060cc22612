"""Ignores the step it is given and always uses 1e-6."""

BUG_FOR = "2.1"
CAUGHT_BY = "the central formula with a given h"


def numerical_derivative(f, x, h=1e-6):
    step = 1e-6
    return (f(x + step) - f(x - step)) / (2 * step)
