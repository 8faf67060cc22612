"""Takes the cosine of the output instead of the input."""

import math

from tinygrad_rnn import Value

BUG_FOR = "2.2"


def sin(a):
    out = Value(math.sin(a.data), a, None, "sin")
    out._backward = sin_backward
    return out


def sin_backward(out):
    out._a.grad += math.cos(out.data) * out.grad
