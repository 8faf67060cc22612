"""Updates the parameters but leaves their gradients in place."""

BUG_FOR = "3.3"
CAUGHT_BY = "set it to 0.0"


def sgd_step(params, lr):
    for p in params:
        p.data -= lr * p.grad
