"""Forgets the max(0, .): points on the right side still lower the loss."""

from tinygrad_rnn import Value

BUG_FOR = "3.2"


def hinge_loss(scores, targets):
    total = Value(0.0)
    for s, t in zip(scores, targets, strict=True):
        total = total + (1 - t * s)
    return total * (1.0 / len(scores))


def mse_loss(scores, targets):
    total = Value(0.0)
    for s, t in zip(scores, targets, strict=True):
        total = total + (s - t) ** 2
    return total * (1.0 / len(scores))
