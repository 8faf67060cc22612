"""Makes new Values instead of changing the given ones, so the model never changes."""

from tinygrad_rnn import Value

BUG_FOR = "3.3"
CAUGHT_BY = "in place"


def sgd_step(params, lr):
    for k, p in enumerate(params):
        params[k] = Value(p.data - lr * p.grad)
        p.grad = 0.0
