"""Adds the gradient: a step up the loss instead of down."""

BUG_FOR = "3.3"
CAUGHT_BY = "step up the gradient"


def sgd_step(params, lr):
    for p in params:
        p.data += lr * p.grad
        p.grad = 0.0
