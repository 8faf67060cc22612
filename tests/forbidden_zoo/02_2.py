"""2.2 with its backward rule taken from the engine: Value.backward on a cosine stand-in."""

import math

from tinygrad_rnn import Value

FORBIDDEN_FOR = "2.2"


def sin(a):
    out = Value(math.sin(a.data), a, None, "sin")
    out._backward = sin_backward
    return out


def sin_backward(out):
    probe = Value(out._a.data)
    (probe * 0.0).backward()  # the engine asked to do the work
    out._a.grad += math.cos(out._a.data) * out.grad
