"""One-sided difference (f(x + h) - f(x)) / h."""

BUG_FOR = "2.1"
CAUGHT_BY = "one-sided"


def numerical_derivative(f, x, h=1e-6):
    return (f(x + h) - f(x)) / h
