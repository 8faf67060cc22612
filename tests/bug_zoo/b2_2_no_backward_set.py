"""Builds the node but never attaches the backward function."""

import math

from tinygrad_rnn import Value

BUG_FOR = "2.2"
CAUGHT_BY = "_backward is None"


def sin(a):
    return Value(math.sin(a.data), a, None, "sin")


def sin_backward(out):
    out._a.grad += math.cos(out._a.data) * out.grad
