"""Returns Values instead of plain floats."""

from tinygrad_rnn import Value

BUG_FOR = "1.2"
CAUGHT_BY = "plain float"


def _slope(z, op):
    v = Value(z)
    getattr(v, op)().backward()
    return Value(v.grad)


def relu_slope(z):
    return _slope(z, "relu")


def sigmoid_slope(z):
    return _slope(z, "sigmoid")


def tanh_slope(z):
    return _slope(z, "tanh")
