"""Bug for 6.4: applies the slope formula to the output again, e.g. 1 - tanh(h)**2 for tanh."""

import numpy as np

BUG_FOR = "6.4"


def _act(z, activation):
    if activation == "tanh":
        return np.tanh(z)
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    return np.maximum(z, 0.0)


def mlp_weight_grads(x, weights, activation, grad_out):
    hs = [x]
    for W in weights:
        hs.append(_act(hs[-1] @ W.T, activation))
    grads, g = [None] * len(weights), grad_out
    for layer in range(len(weights), 0, -1):
        s = _act(hs[layer], activation)  # the activation of the output: one tanh too many
        slope = {"tanh": 1 - s * s, "sigmoid": s * (1 - s)}.get(activation, (s > 0) * 1.0)
        delta = g * slope
        grads[layer - 1] = delta.T @ hs[layer - 1]
        g = delta @ weights[layer - 1]
    return grads
