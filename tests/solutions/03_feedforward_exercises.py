"""Reference solutions for lesson 3 (kept for the grader's tests; learners never see them)."""

from __future__ import annotations

from tinygrad_rnn import Value
from tinygrad_rnn.scalar import MLP


def mlp_forward(layers, x, activation="relu"):
    h = list(x)
    for k, (W, b) in enumerate(layers):
        outs = []
        for row, b_j in zip(W, b, strict=True):
            z = b_j
            for w_ji, h_i in zip(row, h, strict=True):
                z = z + w_ji * h_i
            outs.append(z if k == len(layers) - 1 else getattr(z, activation)())
        h = outs
    return h


def hinge_loss(scores, targets):
    total = Value(0.0)
    for s, t in zip(scores, targets, strict=True):
        total = total + (1 - t * s).relu()
    return total * (1.0 / len(scores))


def mse_loss(scores, targets):
    total = Value(0.0)
    for s, t in zip(scores, targets, strict=True):
        total = total + (s - t) ** 2
    return total * (1.0 / len(scores))


def sgd_step(params, lr):
    for p in params:
        p.data -= lr * p.grad
        p.grad = 0.0


def train_moons(X, y):
    rows = [[float(a), float(b)] for a, b in X]
    targets = [1.0 if label == 1 else -1.0 for label in y]
    model = MLP(2, [8, 8, 1], seed=0)
    params = model.parameters()
    steps = 30
    for step in range(steps):
        loss = hinge_loss([model(r) for r in rows], targets)
        model.zero_grad()
        loss.backward()
        sgd_step(params, 1.0 - 0.9 * step / steps)
    return model
