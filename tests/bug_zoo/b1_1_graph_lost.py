"""Right number, but computed with .data floats and wrapped at the end: the graph is lost."""

import math

from tinygrad_rnn import Value

BUG_FOR = "1.1"
CAUGHT_BY = "gradient"


def neuron_forward(w, x, b, activation="tanh"):
    z = b.data + sum(
        w_i.data * (x_i.data if isinstance(x_i, Value) else x_i)
        for w_i, x_i in zip(w, x, strict=True)
    )
    if activation == "relu":
        z = max(0.0, z)
    elif activation == "tanh":
        z = math.tanh(z)
    elif activation == "sigmoid":
        z = 1.0 / (1.0 + math.exp(-z))
    return Value(z)
