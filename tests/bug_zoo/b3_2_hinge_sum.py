"""Sums the hinge terms instead of averaging them."""

from tinygrad_rnn import Value

BUG_FOR = "3.2"
CAUGHT_BY = "the loss is their mean"


def hinge_loss(scores, targets):
    total = Value(0.0)
    for s, t in zip(scores, targets, strict=True):
        total = total + (1 - t * s).relu()
    return total


def mse_loss(scores, targets):
    total = Value(0.0)
    for s, t in zip(scores, targets, strict=True):
        total = total + (s - t) ** 2
    return total * (1.0 / len(scores))
