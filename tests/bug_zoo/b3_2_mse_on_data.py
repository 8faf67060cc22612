"""Computes the squared error on .data and wraps the number: the graph to the scores is lost."""

from tinygrad_rnn import Value

BUG_FOR = "3.2"


def hinge_loss(scores, targets):
    total = Value(0.0)
    for s, t in zip(scores, targets, strict=True):
        total = total + (1 - t * s).relu()
    return total * (1.0 / len(scores))


def mse_loss(scores, targets):
    n = len(scores)
    return Value(sum((s.data - t) ** 2 for s, t in zip(scores, targets, strict=True)) / n)
