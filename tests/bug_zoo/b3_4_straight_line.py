"""Trains a network with no hidden layer: one straight line cannot reach 90 % on the moons."""

from tinygrad_rnn import Value
from tinygrad_rnn.scalar import MLP

BUG_FOR = "3.4"
CAUGHT_BY = "needs at least 90%"


def train_moons(X, y):
    rows = [[float(a), float(b)] for a, b in X]
    targets = [1.0 if label == 1 else -1.0 for label in y]
    model = MLP(2, [1], seed=0)
    for step in range(100):
        total = Value(0.0)
        for r, t in zip(rows, targets, strict=True):
            total = total + (1 - t * model(r)).relu()
        loss = total * (1.0 / len(rows))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * step / 100) * p.grad
    return model
