"""Central difference divided by h instead of 2h."""

BUG_FOR = "2.1"


def numerical_derivative(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / h
