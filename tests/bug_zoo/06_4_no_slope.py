"""Bug for 6.4: passes the gradient back through the weights but forgets the activations' slopes."""

import numpy as np

BUG_FOR = "6.4"


def mlp_weight_grads(x, weights, activation, grad_out):
    act = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    act["relu"] = lambda z: np.maximum(z, 0.0)
    hs = [x]
    for W in weights:
        hs.append(act[activation](hs[-1] @ W.T))
    grads, g = [None] * len(weights), grad_out
    for layer in range(len(weights), 0, -1):
        grads[layer - 1] = g.T @ hs[layer - 1]
        g = g @ weights[layer - 1]
    return grads
