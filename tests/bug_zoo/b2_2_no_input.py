"""Makes a new leaf holding sin(a): the node forgets its input."""

import math

from tinygrad_rnn import Value

BUG_FOR = "2.2"
CAUGHT_BY = "remember its input"


def sin(a):
    out = Value(math.sin(a.data))
    out._backward = sin_backward
    return out


def sin_backward(out):
    pass
