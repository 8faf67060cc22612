"""Assigns the input's gradient (=) instead of adding (+=): a reused input loses gradient."""

import math

from tinygrad_rnn import Value

BUG_FOR = "2.2"


def sin(a):
    out = Value(math.sin(a.data), a, None, "sin")
    out._backward = sin_backward
    return out


def sin_backward(out):
    out._a.grad = math.cos(out._a.data) * out.grad
